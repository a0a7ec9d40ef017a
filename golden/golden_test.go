// Golden tests: each <pass>/<case>.txtar holds an input Dockerfile,
// the expected output and the expected findings. Every case is also run on its
// own output, which must come back unchanged (idempotence).
//
// The archive comment may hold a line "flags: ..." with:
//
//	--enable=LIST --disable=LIST --level=TIER --target=NAME --set=KEY=VALUE
//	--crlf   run with \r\n line endings (in and out are written with \n)
//	--bom    prefix in and out with a UTF-8 byte-order mark
//	--noeol  strip the final newline of in and out
//	--noeol-in  strip the final newline of in only
//	--context  files named context/... form the build context
//
// Files of the context that the fixes change are compared with sections
// named out/PATH.
//
// A section named history gives the context a git history (it needs
// --context). Its lines are "N PATH ..." (blank lines and # comments
// aside): N commits, each appending a line to every listed context path
// (to every file below a directory). The context files are written to a
// temporary directory, which becomes a git repository with a first commit
// of all of them, then the listed commits in order, then a commit that
// puts the original contents back; the case runs with that directory as
// Options.ContextDir (and no Options.Context). A line "untracked PATH ..."
// keeps those paths out of the repository (they are in the directory, and
// git does not track them). An empty history section writes the files
// without making a repository.
//
// A section named changes, when the case has one, lists what the applied
// fixes declare they change in the image (analysis.Fix.Changes), one
// "LINE: PASS: CHANGE" a line.
//
// ignore/ holds cases for inline ignore comments (# dfopt:ignore, hadolint's
// pragma, # check=skip=), which no single pass owns.
//
// Run `go test ./golden -update` to rewrite out.Dockerfile and findings.
package golden_test

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden cases")

type goldenCase struct {
	opts             optimizer.Options
	crlf, bom, noeol bool
	noeolIn          bool
}

func parseFlags(t *testing.T, comment string) goldenCase {
	var c goldenCase
	for _, line := range strings.Split(comment, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "flags:")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			name, val, _ := strings.Cut(f, "=")
			switch name {
			case "--enable":
				c.opts.Enable = strings.Split(val, ",")
			case "--disable":
				c.opts.Disable = strings.Split(val, ",")
			case "--level":
				tier, err := analysis.ParseTier(val)
				require.NoError(t, err)
				c.opts.Level = tier
			case "--target":
				c.opts.Target = val
			case "--set":
				k, v, _ := strings.Cut(val, "=")
				if c.opts.Settings == nil {
					c.opts.Settings = map[string]string{}
				}
				c.opts.Settings[k] = v
			case "--crlf":
				c.crlf = true
			case "--bom":
				c.bom = true
			case "--noeol":
				c.noeol = true
			case "--noeol-in":
				c.noeolIn = true
			case "--context":
				c.opts.Context = fstest.MapFS{}
			default:
				t.Fatalf("unknown golden flag %q", f)
			}
		}
	}
	return c
}

// encodeIn makes the input from in.Dockerfile.
func (c goldenCase) encodeIn(b []byte) []byte {
	if c.noeolIn {
		b = bytes.TrimSuffix(b, []byte("\n"))
	}
	return c.encode(b)
}

func (c goldenCase) encode(b []byte) []byte {
	if c.crlf {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	if c.noeol {
		b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	}
	if c.bom {
		b = append([]byte("\uFEFF"), b...)
	}
	return b
}

func (c goldenCase) decode(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	if c.crlf {
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	}
	if c.noeol {
		b = append(b, '\n')
	}
	return b
}

func formatFindings(fs []optimizer.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%d: %s: %s", f.Line, f.Pass, f.Message)
		if f.Fixed {
			fmt.Fprintf(&b, " (fixed: %s)", f.FixMessage)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func formatChanges(fs []optimizer.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		for _, c := range f.Changes {
			fmt.Fprintf(&b, "%d: %s: %s\n", f.Line, f.Pass, c)
		}
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("*/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.ToSlash(file), ".txtar")
		t.Run(name, func(t *testing.T) { runGolden(t, file) })
	}
}

func runGolden(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	require.NoError(t, err)
	c := parseFlags(t, string(ar.Comment))
	sections := map[string][]byte{}
	for _, f := range ar.Files {
		if rest, ok := strings.CutPrefix(f.Name, "context/"); ok {
			require.NotNil(t, c.opts.Context, "context/ files need --context")
			c.opts.Context.(fstest.MapFS)[rest] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
			continue
		}
		sections[f.Name] = f.Data
	}
	in, ok := sections["in.Dockerfile"]
	require.True(t, ok, "missing in.Dockerfile")
	c.opts.Filename = "Dockerfile"
	if hist, ok := sections["history"]; ok {
		require.NotNil(t, c.opts.Context, "a history section needs --context")
		c.opts.ContextDir = historyContext(t, c.opts.Context.(fstest.MapFS), string(hist))
		c.opts.Context = nil
	}

	res, err := optimizer.Optimize(c.encodeIn(in), c.opts)
	var gotOut, gotFindings []byte
	if err != nil {
		gotFindings = []byte("error: " + err.Error() + "\n")
		gotOut = in
	} else {
		gotOut = c.decode(res.Output)
		gotFindings = []byte(formatFindings(res.Findings))
		require.Equal(t, string(c.encode(gotOut)), string(res.Output), "encoding round trip")
	}

	// Other files of the context that the fixes change: out/PATH.
	gotFiles := map[string][]byte{}
	if err == nil {
		for _, fc := range res.Files {
			gotFiles["out/"+fc.Path] = fc.Output
		}
	}

	var gotChanges []byte
	if err == nil {
		gotChanges = []byte(formatChanges(res.Findings))
	}
	_, hasChanges := sections["changes"]
	if *update {
		writeSection(ar, "out.Dockerfile", gotOut)
		writeSection(ar, "findings", gotFindings)
		if hasChanges {
			writeSection(ar, "changes", gotChanges)
		}
		ar.Files = slices.DeleteFunc(ar.Files, func(f txtar.File) bool {
			_, keep := gotFiles[f.Name]
			return strings.HasPrefix(f.Name, "out/") && !keep
		})
		for _, name := range slices.Sorted(maps.Keys(gotFiles)) {
			writeSection(ar, name, gotFiles[name])
		}
		require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
		return
	}
	require.Equal(t, string(sections["out.Dockerfile"]), string(gotOut), "output")
	require.Equal(t, string(sections["findings"]), string(gotFindings), "findings")
	if hasChanges {
		require.Equal(t, string(sections["changes"]), string(gotChanges), "declared changes")
	}
	for name, want := range sections {
		if strings.HasPrefix(name, "out/") {
			require.Equal(t, string(want), string(gotFiles[name]), name)
		}
	}
	for name := range gotFiles {
		require.Contains(t, sections, name, "changed context file not in the case")
	}
	if err != nil {
		return
	}

	// Idempotence: the output, optimized again with the context as the
	// fixes left it, does not change.
	if len(res.Files) > 0 && c.opts.Context == nil {
		for _, fc := range res.Files {
			p := filepath.Join(c.opts.ContextDir, filepath.FromSlash(fc.Path))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, fc.Output, 0o644))
		}
	} else if len(res.Files) > 0 {
		next := fstest.MapFS{}
		maps.Copy(next, c.opts.Context.(fstest.MapFS))
		for _, fc := range res.Files {
			next[fc.Path] = &fstest.MapFile{Data: fc.Output, Mode: 0o644}
		}
		c.opts.Context = next
	}
	again, err := optimizer.Optimize(res.Output, c.opts)
	require.NoError(t, err, "optimizing the output")
	require.Equal(t, string(res.Output), string(again.Output), "second run changed the output")
	require.Zero(t, again.FixedCount(), "second run applied fixes")
	require.Empty(t, again.Files, "second run changed context files")
}

// historyContext writes the context files to a temporary directory and
// gives them the git history the section describes (see the file comment).
func historyContext(t *testing.T, files fstest.MapFS, hist string) string {
	t.Helper()
	dir := t.TempDir()
	// git must not find a repository above the directory.
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
	}
	type step struct {
		n     int
		paths []string
	}
	var steps []step
	var untracked []string
	for _, line := range strings.Split(hist, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if fields[0] == "untracked" {
			untracked = append(untracked, fields[1:]...)
			continue
		}
		n, err := strconv.Atoi(fields[0])
		require.NoError(t, err, "history line %q: want N PATH ...", line)
		require.NotEmpty(t, fields[1:], "history line %q names no path", line)
		steps = append(steps, step{n, fields[1:]})
	}
	if strings.TrimSpace(hist) == "" {
		return dir
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	commits := 0
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=dfopt", "-c", "user.email=dfopt@example.com",
			"-c", "commit.gpgSign=false", "-c", "init.defaultBranch=main"}, args...)...)
		date := fmt.Sprintf("@%d +0000", 1700000000+60*commits)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	}
	git("init", "-q")
	if len(untracked) > 0 {
		exclude := filepath.Join(dir, ".git", "info", "exclude")
		require.NoError(t, os.MkdirAll(filepath.Dir(exclude), 0o755))
		require.NoError(t, os.WriteFile(exclude, []byte("/"+strings.Join(untracked, "\n/")+"\n"), 0o644))
	}
	git("add", "-A")
	git("commit", "-q", "--allow-empty", "-m", "initial")
	touched := map[string]bool{}
	filesBelow := func(p string) []string {
		var out []string
		for name := range files {
			if name == p || strings.HasPrefix(name, p+"/") {
				out = append(out, name)
			}
		}
		require.NotEmpty(t, out, "history names %s, which is not in the context", p)
		slices.Sort(out)
		return out
	}
	for _, s := range steps {
		for i := 0; i < s.n; i++ {
			commits++
			for _, p := range s.paths {
				for _, name := range filesBelow(p) {
					touched[name] = true
					f, err := os.OpenFile(filepath.Join(dir, filepath.FromSlash(name)), os.O_APPEND|os.O_WRONLY, 0)
					require.NoError(t, err)
					_, err = fmt.Fprintf(f, "change %d\n", commits)
					require.NoError(t, err)
					require.NoError(t, f.Close())
				}
			}
			git("commit", "-q", "-a", "-m", fmt.Sprintf("change %d", commits))
		}
	}
	if len(touched) > 0 {
		for name := range touched {
			require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), files[name].Data, 0o644))
		}
		commits++
		git("commit", "-q", "-a", "-m", "restore")
	}
	return dir
}

func writeSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}

// Every registered pass has golden cases.
func TestEveryPassHasGoldenCases(t *testing.T) {
	for _, p := range passes.All() {
		cases, _ := filepath.Glob(filepath.Join(p.Name, "*.txtar"))
		require.NotEmpty(t, cases, "pass %s has no golden cases in golden/%s", p.Name, p.Name)
	}
}
