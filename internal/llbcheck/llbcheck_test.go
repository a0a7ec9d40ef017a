package llbcheck_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/llbcheck"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"
)

func TestResolverDigestReference(t *testing.T) {
	src := "FROM alpine@sha256:1111111111111111111111111111111111111111111111111111111111111111\n" +
		"COPY --from=busybox:1.36 /bin/busybox /bin/\n" +
		"RUN --mount=type=bind,from=golang:1.22,target=/go true\n"
	require.NoError(t, llbcheck.ConvertAll(context.Background(), []byte(src), nil))
}

// ConvertAll marshals the named stages that the last stage does not use;
// Convert marshals the graph of the target only. Invalid UTF-8 in a RUN
// line is accepted by the parser and rejected when marshaling.
func TestConvertAllTargets(t *testing.T) {
	ctx := context.Background()
	quietStderr(t)
	for _, c := range []struct{ src, all string }{
		{"FROM alpine AS a\nRUN echo \xff\nFROM alpine\n", "target a: marshal: "},
		{"FROM alpine AS a\nRUN echo \xff\nFROM a AS b\nFROM alpine\n", "target b: marshal: "},
		{"FROM alpine AS a\nRUN echo \xff\nFROM alpine AS b\nCOPY --from=a / /\nFROM alpine\n", "target b: marshal: "},
	} {
		require.NoError(t, llbcheck.Convert(ctx, []byte(c.src), ""))
		err := llbcheck.ConvertAll(ctx, []byte(c.src), nil)
		require.Error(t, err)
		require.True(t, strings.HasPrefix(err.Error(), c.all), "%q: %v", c.src, err)
	}
	src := []byte("FROM alpine AS a\nRUN echo \xff\nFROM alpine\nCOPY --from=a / /\n")
	require.Error(t, llbcheck.Convert(ctx, src, ""))
	require.NoError(t, llbcheck.ConvertAll(ctx, []byte("FROM alpine AS a\nRUN echo ok\nFROM scratch AS b\nFROM alpine\n"), nil))
}

// quietStderr discards what BuildKit's shell lexer prints about invalid
// UTF-8 until the test ends.
func quietStderr(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	saved := os.Stderr
	os.Stderr = null
	t.Cleanup(func() {
		os.Stderr = saved
		null.Close()
	})
}

func TestBaseArgs(t *testing.T) {
	src := []byte("ARG BASE\nARG TAG=\nARG V=1\nARG OTHER\nARG DEBUG\nFROM ${BASE}:$TAG AS a\nFROM python:${V}${DEBUG:+-debug}\nRUN echo $OTHER\n")
	require.Error(t, llbcheck.ConvertAll(context.Background(), src, nil))
	args := llbcheck.BaseArgs(src)
	require.Equal(t, map[string]string{"BASE": "alpine", "TAG": "alpine"}, args)
	require.NoError(t, llbcheck.ConvertAll(context.Background(), src, args))
}

func TestRejects(t *testing.T) {
	ctx := context.Background()
	for _, src := range []string{
		"",
		"RUN true\n",
		"FROM alpine\nCOPY --from=$X /a /b\n",
		"FROM alpine AS a\nCOPY --from=b / /\nFROM alpine AS b\nCOPY --from=a / /\n",
		"FROM alpine AS a\nVOLUME \"\"\nFROM alpine\n",
		"# check=error=true\nfrom alpine\nRUN true\n",
	} {
		require.Error(t, llbcheck.ConvertAll(ctx, []byte(src), nil), "%q", src)
	}
}

type file struct {
	name string
	src  []byte
}

func load(t *testing.T, pattern string) []file {
	paths, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no files match %s", pattern)
	var out []file
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		out = append(out, file{filepath.Base(p), src})
	}
	return out
}

var lineNumbers = regexp.MustCompile(`\b(line|lines) [0-9]+(-[0-9]+)?\b|:[0-9]+(:[0-9]+)?\b`)

// reason shortens a conversion error to a key for grouping.
func reason(err error) string {
	s := err.Error()
	if rest, ok := strings.CutPrefix(s, "target "); ok {
		_, s, _ = strings.Cut(rest, ": ")
	}
	return lineNumbers.ReplaceAllString(s, "")
}

// convertOriginal converts src, with no build arguments or, if that fails,
// with llbcheck.BaseArgs, and returns the arguments used.
func convertOriginal(ctx context.Context, src []byte) (map[string]string, error) {
	err := llbcheck.ConvertAll(ctx, src, nil)
	if err == nil {
		return nil, nil
	}
	if args := llbcheck.BaseArgs(src); args != nil && llbcheck.ConvertAll(ctx, src, args) == nil {
		return args, nil
	}
	return nil, err
}

type rejection struct {
	name, opts string
	err        error
	passes     []string
}

// TestCorpusConverts converts every corpus and edge file with BuildKit's
// Dockerfile frontend and, for those that convert, the default and the
// aggressive outputs of the optimizer.
func TestCorpusConverts(t *testing.T) {
	files := load(t, "../../testdata/corpus/*.Dockerfile")
	require.GreaterOrEqual(t, len(files), 300)
	files = append(files, load(t, "../../testdata/edge/*.Dockerfile")...)

	levels := []struct {
		name string
		opts optimizer.Options
	}{
		{"default", optimizer.Options{}},
		{"aggressive", optimizer.Options{Level: optimizer.TierAggressive}},
	}

	type outcome struct {
		origErr   error
		rejected  []rejection
		converted int
		args      bool
		slow      time.Duration
	}
	results := make([]outcome, len(files))
	ctx := context.Background()
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := time.Now()
			r := &results[i]
			defer func() { r.slow = time.Since(start) }()
			args, err := convertOriginal(ctx, f.src)
			r.args = args != nil
			if err != nil {
				r.origErr = err
				return
			}
			seen := map[string]bool{}
			for _, lv := range levels {
				opts := lv.opts
				opts.Filename = f.name
				res, err := optimizer.Optimize(f.src, opts)
				if err != nil {
					r.rejected = append(r.rejected, rejection{f.name, lv.name, fmt.Errorf("optimize: %w", err), nil})
					continue
				}
				if !res.Changed() || seen[string(res.Output)] {
					continue
				}
				seen[string(res.Output)] = true
				r.converted++
				if err := llbcheck.ConvertAll(ctx, res.Output, args); err != nil {
					var passes []string
					for _, fd := range res.Findings {
						if fd.Fixed {
							passes = append(passes, fmt.Sprintf("%s (line %d)", fd.Pass, fd.Line))
						}
					}
					r.rejected = append(r.rejected, rejection{f.name, lv.name, err, passes})
				}
			}
		}()
	}
	wg.Wait()

	ok, outputs := 0, 0
	var withArgs []string
	reasons := map[string][]string{}
	var rejected []rejection
	type timing struct {
		name string
		d    time.Duration
	}
	var times []timing
	for i, r := range results {
		times = append(times, timing{files[i].name, r.slow})
		if r.origErr != nil {
			k := reason(r.origErr)
			reasons[k] = append(reasons[k], files[i].name)
			continue
		}
		ok++
		if r.args {
			withArgs = append(withArgs, files[i].name)
		}
		outputs += r.converted
		rejected = append(rejected, r.rejected...)
	}

	var keys []string
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(reasons[keys[i]]) != len(reasons[keys[j]]) {
			return len(reasons[keys[i]]) > len(reasons[keys[j]])
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%d files: %d originals convert, %d do not; %d changed outputs converted; outputs rejected: %d",
		len(files), ok, len(files)-ok, outputs, len(rejected))
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %d × %s: %s", len(reasons[k]), k, strings.Join(reasons[k], ", "))
	}
	if len(withArgs) > 0 {
		fmt.Fprintf(&b, "\n  converted with build arguments for FROM: %s", strings.Join(withArgs, ", "))
	}
	t.Log(b.String())

	sort.Slice(times, func(i, j int) bool { return times[i].d > times[j].d })
	var slow []string
	for _, tm := range times[:min(3, len(times))] {
		slow = append(slow, fmt.Sprintf("%s %v", tm.name, tm.d.Round(time.Millisecond)))
	}
	t.Logf("slowest files: %s", strings.Join(slow, ", "))

	for _, r := range rejected {
		t.Errorf("%s (%s): output rejected by BuildKit: %v\n\tfixes applied: %s", r.name, r.opts, r.err, strings.Join(r.passes, ", "))
	}
	require.Positive(t, ok)
}

// TestGoldenConverts converts the expected output of every golden case
// whose input converts.
func TestGoldenConverts(t *testing.T) {
	paths, err := filepath.Glob("../../golden/*/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	ctx := context.Background()
	ok, skipped := 0, map[string][]string{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.ToSlash(strings.TrimPrefix(p, "../../golden/")), ".txtar")
		ar, err := txtar.ParseFile(p)
		require.NoError(t, err)
		var in, out []byte
		for _, f := range ar.Files {
			switch f.Name {
			case "in.Dockerfile":
				in = f.Data
			case "out.Dockerfile":
				out = f.Data
			}
		}
		require.NotNil(t, in, "%s: no in.Dockerfile", name)
		require.NotNil(t, out, "%s: no out.Dockerfile", name)
		args, err := convertOriginal(ctx, in)
		if err != nil {
			k := reason(err)
			skipped[k] = append(skipped[k], name)
			continue
		}
		ok++
		if err := llbcheck.ConvertAll(ctx, out, args); err != nil {
			t.Errorf("%s: out.Dockerfile rejected by BuildKit: %v", name, err)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d golden cases: %d inputs convert, %d do not", len(paths), ok, len(paths)-ok)
	var keys []string
	for k := range skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %d × %s: %s", len(skipped[k]), k, strings.Join(skipped[k], ", "))
	}
	t.Log(b.String())
	require.Positive(t, ok)
}

// TestFormatTierSameBuild: the format passes other than
// continuation-indent (which changes the blanks of RUN commands, and so
// what the build runs, if not what the shell does) leave what a build
// does and produces as it was. For every corpus and edge file that
// converts, the formatted output converts to the same LLB operations and
// the same image configuration (history included).
func TestFormatTierSameBuild(t *testing.T) {
	files := append(load(t, "../../testdata/corpus/*.Dockerfile"), load(t, "../../testdata/edge/*.Dockerfile")...)
	ctx := context.Background()
	quietStderr(t)
	compared := 0
	for _, f := range files {
		args, err := convertOriginal(ctx, f.src)
		if err != nil {
			continue
		}
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name,
			Level: optimizer.TierFormat, Disable: []string{"continuation-indent"}})
		require.NoError(t, err, f.name)
		if !res.Changed() {
			continue
		}
		opsA, cfgA, err := llbcheck.Definition(ctx, f.src, "", args)
		require.NoError(t, err, f.name)
		opsB, cfgB, err := llbcheck.Definition(ctx, res.Output, "", args)
		require.NoError(t, err, f.name)
		require.Equal(t, len(opsA), len(opsB), "%s: number of LLB operations", f.name)
		for i := range opsA {
			require.Equal(t, string(opsA[i]), string(opsB[i]), "%s: LLB operation %d", f.name, i)
		}
		require.Equal(t, string(cfgA), string(cfgB), "%s: image configuration", f.name)
		compared++
	}
	t.Logf("%d formatted files build the same as their originals", compared)
	require.Greater(t, compared, 100)
}

// Definition tells apart builds that differ.
func TestDefinitionDiffers(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ a, b string }{
		{"FROM alpine\nRUN echo a\n", "FROM alpine\nRUN echo  a\n"},
		{"FROM alpine\nENV A=1\n", "FROM alpine\nENV A=2\n"},
		{"FROM alpine\nCMD [\"a\"]\n", "FROM alpine\nCMD [\"b\"]\n"},
		{"FROM alpine\nLABEL a=b\n", "FROM alpine\nLABEL a=c\n"},
	} {
		opsA, cfgA, err := llbcheck.Definition(ctx, []byte(c.a), "", nil)
		require.NoError(t, err)
		opsB, cfgB, err := llbcheck.Definition(ctx, []byte(c.b), "", nil)
		require.NoError(t, err)
		require.False(t, fmt.Sprint(opsA) == fmt.Sprint(opsB) && string(cfgA) == string(cfgB), "%q and %q", c.a, c.b)
	}
	opsA, cfgA, err := llbcheck.Definition(ctx, []byte("from alpine\nrun echo a   \n"), "", nil)
	require.NoError(t, err)
	opsB, cfgB, err := llbcheck.Definition(ctx, []byte("FROM alpine\nRUN echo a\n"), "", nil)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(opsA), fmt.Sprint(opsB))
	require.Equal(t, string(cfgA), string(cfgB))
}
