package optimizer_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

var corpusReport = flag.Bool("corpus.report", false, "print per-pass corpus figures")

type corpusFile struct {
	name string
	src  []byte
}

func loadFiles(t testing.TB, pattern string) []corpusFile {
	paths, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no files match %s", pattern)
	var out []corpusFile
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		out = append(out, corpusFile{filepath.Base(p), src})
	}
	return out
}

func corpus(t testing.TB) []corpusFile {
	files := loadFiles(t, "../testdata/corpus/*.Dockerfile")
	require.GreaterOrEqual(t, len(files), 300, "corpus incomplete")
	return files
}

// The corpus is what MANIFEST.tsv says it is.
func TestCorpusManifest(t *testing.T) {
	data, err := os.ReadFile("../testdata/corpus/MANIFEST.tsv")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Equal(t, "id\trepo\tpath\tcommit\tsha256", lines[0])
	ids := map[string]bool{}
	for _, l := range lines[1:] {
		ids[strings.Split(l, "\t")[0]+".Dockerfile"] = true
	}
	for _, f := range corpus(t) {
		require.True(t, ids[f.name], "%s has no provenance in MANIFEST.tsv", f.name)
	}
}

// checkModel checks the byte map of a parsed document: instruction spans are
// ordered and disjoint, and every byte outside them belongs to a blank line,
// a comment line or a parser directive.
func checkModel(t *testing.T, name string, src []byte) {
	doc, err := dockerfile.Parse(name, src)
	require.NoError(t, err, name)
	covered := make([]bool, len(src))
	prev := 0
	for _, ins := range doc.Instructions {
		require.GreaterOrEqual(t, ins.Span.Start, prev, "%s:%d: spans overlap", name, ins.StartLine)
		require.LessOrEqual(t, ins.TextEnd, ins.Span.End, "%s:%d", name, ins.StartLine)
		for i := ins.Span.Start; i < ins.Span.End; i++ {
			covered[i] = true
		}
		prev = ins.Span.End
		// The span starts at a line start and the keyword is in it.
		require.Equal(t, doc.LineStart(ins.StartLine), ins.Span.Start, "%s:%d", name, ins.StartLine)
		first := strings.TrimLeftFunc(string(src[ins.Span.Start:ins.Span.End]), unicode.IsSpace)
		require.True(t, strings.HasPrefix(first, ins.Keyword()), "%s:%d: span does not start with %q", name, ins.StartLine, ins.Keyword())
		// The text map points at the same bytes.
		for i := 0; i < len(ins.Text); i++ {
			require.Equal(t, ins.Text[i], src[ins.SrcOffset(i)], "%s:%d: text map at %d", name, ins.StartLine, i)
		}
	}
	if doc.BOM {
		covered[0], covered[1], covered[2] = true, true, true
	}
	for n := 1; n <= doc.LineCount(); n++ {
		start, end := doc.LineStart(n), doc.LineEnd(n)
		if start >= end || covered[start] {
			continue
		}
		line := strings.TrimSpace(string(src[start:end]))
		require.True(t, line == "" || strings.HasPrefix(line, "#"),
			"%s:%d: line is in no instruction but is not blank or a comment: %q", name, n, line)
	}
}

func TestCorpusModel(t *testing.T) {
	for _, f := range append(corpus(t), loadFiles(t, "../testdata/edge/*.Dockerfile")...) {
		checkModel(t, f.name, f.src)
	}
}

// With no pass the output is the input, byte for byte.
func TestCorpusNoPassesIsIdentity(t *testing.T) {
	for _, f := range append(corpus(t), loadFiles(t, "../testdata/edge/*.Dockerfile")...) {
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name, Enable: []string{"none"}})
		require.NoError(t, err, f.name)
		require.True(t, bytes.Equal(f.src, res.Output), "%s changed with no passes", f.name)
		require.Empty(t, res.Findings)
	}
}

// With the default passes, and with every pass, each output parses
// (Optimize checks it) and a second run changes nothing.
func TestCorpusDefaultPasses(t *testing.T) { corpusLevel(t, optimizer.Options{}) }

func TestCorpusAllPasses(t *testing.T) {
	corpusLevel(t, optimizer.Options{Level: optimizer.TierAggressive})
}

func corpusLevel(t *testing.T, opts optimizer.Options) {
	files := append(corpus(t), loadFiles(t, "../testdata/edge/*.Dockerfile")...)
	changed, fixed := 0, map[string]int{}
	reported, fixedIn := map[string]int{}, map[string]int{}
	for _, f := range files {
		opts.Filename = f.name
		res, err := optimizer.Optimize(f.src, opts)
		require.NoError(t, err, f.name)
		_, err = dockerfile.Parse(f.name, res.Output)
		require.NoError(t, err, "%s: output does not parse", f.name)
		again, err := optimizer.Optimize(res.Output, opts)
		require.NoError(t, err, f.name)
		require.Equal(t, string(res.Output), string(again.Output), "%s: not idempotent", f.name)
		require.Zero(t, again.FixedCount(), "%s: second run applied fixes", f.name)
		if res.Changed() {
			changed++
		}
		in := map[string]bool{}
		for _, fd := range res.Findings {
			if fd.Fixed {
				fixed[fd.Pass]++
				if !in[fd.Pass] {
					in[fd.Pass] = true
					fixedIn[fd.Pass]++
				}
			} else {
				reported[fd.Pass]++
			}
		}
	}
	summary := fmt.Sprintf("%d files, %d changed", len(files), changed)
	var names []string
	for p := range fixed {
		names = append(names, p)
	}
	for p := range reported {
		if fixed[p] == 0 {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	for _, p := range names {
		summary += fmt.Sprintf("; %s: %d fixed in %d files, %d report-only", p, fixed[p], fixedIn[p], reported[p])
	}
	t.Log(summary)
	if *corpusReport {
		fmt.Println(summary)
	}
	require.Positive(t, changed)
}

// BenchmarkOptimizeCorpus runs the default passes over the whole corpus per
// iteration; files/s is the figure to watch.
func BenchmarkOptimizeCorpus(b *testing.B) {
	files := corpus(b)
	var size int64
	for _, f := range files {
		size += int64(len(f.src))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			if _, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkParseCorpus measures the document model alone.
func BenchmarkParseCorpus(b *testing.B) {
	files := corpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			if _, err := dockerfile.Parse(f.name, f.src); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(files)*b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkOptimizeOne is the editor case: one typical file on save.
func BenchmarkOptimizeOne(b *testing.B) {
	src, err := os.ReadFile("../testdata/corpus/006-ghost-6-bookworm.Dockerfile")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := optimizer.Optimize(src, optimizer.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
