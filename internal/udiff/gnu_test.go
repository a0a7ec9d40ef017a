package udiff

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// These tests compare Unified with GNU diff and check its output with GNU
// patch. They fail, rather than skip, when the tools are missing. To keep
// them fast, each runs the tools once per batch of inputs.

// requireTool returns the path of a GNU command needed by a test.
func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("this test needs the %q command (GNU %s), which was not found in PATH: %v; install it (e.g. `apt-get install -y %s`)", name, pkg, err, pkg)
	}
	if out, err := exec.Command(path, "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU")) {
		t.Fatalf("this test needs the GNU version of %q (package %s); %s is not: %v %q", name, pkg, path, err, out)
	}
	return path
}

func runTool(t testing.TB, cmd *exec.Cmd, okCodes ...int) []byte {
	t.Helper()
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		for _, c := range okCodes {
			if exit.ExitCode() == c {
				err = nil
			}
		}
	}
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, stderr.Bytes(), out)
	}
	return out
}

func writeFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// diffCase is one input for the comparison with GNU diff.
type diffCase struct {
	a, b    []byte
	context int
}

// gnuDiffAll returns the output of `diff -a -U context` for each case, with
// "--- old" and "+++ new" file headers, or nil if the inputs are equal.
func gnuDiffAll(t testing.TB, cases []diffCase) [][]byte {
	t.Helper()
	diffCmd := requireTool(t, "diff", "diffutils")
	byContext := map[int][]int{}
	for i, c := range cases {
		byContext[c.context] = append(byContext[c.context], i)
	}
	res := make([][]byte, len(cases))
	for context, idx := range byContext {
		dir := t.TempDir()
		for _, sub := range []string{"old", "new"} {
			if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, i := range idx {
			writeFile(t, filepath.Join(dir, "old", strconv.Itoa(i)), cases[i].a)
			writeFile(t, filepath.Join(dir, "new", strconv.Itoa(i)), cases[i].b)
		}
		cmd := exec.Command(diffCmd, "-r", "-a", "-U", strconv.Itoa(context), "old", "new")
		cmd.Dir = dir
		out := runTool(t, cmd, 1)

		// The output is, for each file that differs, a "diff -r ... old/N
		// new/N" line, "---" and "+++" lines with timestamps, and the hunks.
		// No hunk line starts with 'd'.
		cur := -1
		lines := splitLines(string(out))
		for k := 0; k < len(lines); k++ {
			l := lines[k]
			if !strings.HasPrefix(l, "diff ") {
				if cur < 0 {
					t.Fatalf("unexpected diff output line %q", l)
				}
				res[cur] = append(res[cur], l...)
				continue
			}
			_, name, ok := strings.Cut(strings.TrimSuffix(l, "\n"), " old/")
			name, _, ok2 := strings.Cut(name, " ")
			i, err := strconv.Atoi(name)
			if !ok || !ok2 || err != nil || k+2 >= len(lines) ||
				!strings.HasPrefix(lines[k+1], "--- old/"+name+"\t") || !strings.HasPrefix(lines[k+2], "+++ new/"+name+"\t") {
				t.Fatalf("unexpected diff output line %q", l)
			}
			cur = i
			res[cur] = []byte("--- old\n+++ new\n")
			k += 2
		}
	}
	return res
}

// gnuPatchAll applies each diffs[i] to as[i] with GNU patch (no fuzz, never
// reversing a patch) and returns the patched texts; a nil diff leaves its
// text unchanged. Failing hunks show up as results that differ from what
// was expected; patch's messages are returned too.
func gnuPatchAll(t testing.TB, as, diffs [][]byte) (results [][]byte, messages string) {
	t.Helper()
	patchCmd := requireTool(t, "patch", "patch")
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		t.Fatal(err)
	}
	var combined []byte
	for i, a := range as {
		name := strconv.Itoa(i)
		writeFile(t, filepath.Join(files, name), a)
		if diffs[i] == nil {
			continue
		}
		// Unified("old", "new", ...) output with per-file headers.
		_, body, _ := bytes.Cut(diffs[i], []byte("\n+++ new\n"))
		combined = fmt.Appendf(combined, "--- %s\n+++ %s\n%s", name, name, body)
	}
	pf := filepath.Join(dir, "patch")
	writeFile(t, pf, combined)
	cmd := exec.Command(patchCmd, "--force", "--silent", "--binary", "--fuzz=0", "--strip=0",
		"--no-backup-if-mismatch", "--reject-file", filepath.Join(dir, "rejects"),
		"--directory", files, "--input", pf)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		messages = fmt.Sprintf("%v: %s", err, out)
	}
	results = make([][]byte, len(as))
	for i := range as {
		data, err := os.ReadFile(filepath.Join(files, strconv.Itoa(i)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		results[i] = data
	}
	return results, messages
}

// changedLines counts the deleted and inserted lines of a unified diff.
func changedLines(diff []byte) (del, ins int) {
	for i, l := range splitLines(string(diff)) {
		if i < 2 {
			continue // file headers
		}
		switch l[0] {
		case '-':
			del++
		case '+':
			ins++
		}
	}
	return del, ins
}

// compareAllWithGNU checks Unified against GNU diff for each case and returns
// how many outputs were identical. When the outputs differ, GNU diff must
// have picked another alignment with the same number of changed lines (or,
// where its heuristics give up on a minimal diff, more), and Unified's diff
// must apply strictly to give b. In all cases applying Unified's diff with
// GNU patch must give b exactly.
func compareAllWithGNU(t *testing.T, names []string, cases []diffCase) (st compareStats) {
	t.Helper()
	got := make([][]byte, len(cases))
	as := make([][]byte, len(cases))
	for i, c := range cases {
		got[i] = Unified("old", "new", c.a, c.b, c.context)
		as[i] = c.a
	}
	want := gnuDiffAll(t, cases)
	patched, msg := gnuPatchAll(t, as, got)
	for i, c := range cases {
		desc := fmt.Sprintf("%s: a=%q b=%q context=%d", names[i], c.a, c.b, c.context)
		if !bytes.Equal(patched[i], c.b) {
			t.Errorf("%s: GNU patch gives %q\ndiff:\n%s\npatch: %s", desc, patched[i], got[i], msg)
			continue
		}
		if bytes.Equal(got[i], want[i]) {
			st.exact++
			continue
		}
		if got[i] == nil || want[i] == nil {
			t.Errorf("%s: Unified returned %q, GNU diff %q", desc, got[i], want[i])
			continue
		}
		gd, gi := changedLines(got[i])
		wd, wi := changedLines(want[i])
		if gd > wd || gi > wi {
			t.Errorf("%s: Unified changes -%d +%d lines, GNU diff only -%d +%d\ngot:\n%s\nwant:\n%s",
				desc, gd, gi, wd, wi, got[i], want[i])
			continue
		}
		if res, err := applyStrict(c.a, got[i], "old", "new"); err != nil || !bytes.Equal(res, c.b) {
			t.Errorf("%s: strict apply: %v, result %q\ndiff:\n%s", desc, err, res, got[i])
		}
		if gd < wd {
			st.smaller++
		} else {
			st.otherAlignment++
		}
	}
	return st
}

type compareStats struct {
	exact          int // identical to GNU diff
	otherAlignment int // as many changed lines as GNU diff, differently aligned
	smaller        int // fewer changed lines than GNU diff
}

func (st compareStats) String() string {
	return fmt.Sprintf("%d identical to GNU diff, %d aligned differently with as many changes, %d smaller",
		st.exact, st.otherAlignment, st.smaller)
}

func TestTableMatchesGNU(t *testing.T) {
	var names []string
	var cases []diffCase
	for _, tc := range unifiedCases {
		names = append(names, tc.name)
		// The diff command wants a reasonable number.
		cases = append(cases, diffCase{[]byte(tc.a), []byte(tc.b), min(max(tc.context, 0), 1000)})
	}
	if st := compareAllWithGNU(t, names, cases); st.exact != len(cases) {
		t.Errorf("%d table cases: %v", len(cases), st)
	}
}

// randomFile returns a random file of up to maxLines lines drawn from a small
// alphabet, so that lines repeat a lot.
func randomFile(r *rand.Rand, maxLines int) []string {
	n := r.IntN(maxLines + 1)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = randomLine(r)
	}
	return lines
}

var alphabet = []string{"a", "b", "c", "d", "", "a b", "}", "\tx"}

func randomLine(r *rand.Rand) string {
	return alphabet[r.IntN(len(alphabet))] + "\n"
}

// mutate applies a few random edits to lines.
func mutate(r *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	for range 1 + r.IntN(4) {
		i := r.IntN(len(out) + 1)
		switch r.IntN(6) {
		case 0: // insert lines
			var ins []string
			for range 1 + r.IntN(3) {
				ins = append(ins, randomLine(r))
			}
			out = append(out[:i], append(ins, out[i:]...)...)
		case 1: // delete lines
			j := min(len(out), i+1+r.IntN(3))
			out = append(out[:i], out[j:]...)
		case 2: // replace a line
			if i < len(out) {
				out[i] = randomLine(r)
			}
		case 3: // duplicate a line
			if i < len(out) {
				out = append(out[:i+1], out[i:]...)
			}
		case 4: // move a line
			if i < len(out) {
				l := out[i]
				out = append(out[:i], out[i+1:]...)
				j := r.IntN(len(out) + 1)
				out = append(out[:j], append([]string{l}, out[j:]...)...)
			}
		case 5: // swap two lines
			if i < len(out) {
				j := r.IntN(len(out))
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// render joins lines, converting them to CRLF and dropping the final newline
// as requested.
func render(lines []string, crlf, noFinalNewline bool) []byte {
	s := strings.Join(lines, "")
	if crlf {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	if noFinalNewline {
		s = strings.TrimSuffix(s, "\n")
	}
	return []byte(s)
}

func TestRandomAgainstGNU(t *testing.T) {
	requireTool(t, "diff", "diffutils")
	requireTool(t, "patch", "patch")
	const n = 1000
	var names []string
	var cases []diffCase
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		var la, lb []string
		if seed%5 == 0 {
			// Longer files with a few edits far apart, and fewer repeats.
			la = make([]string, 50+r.IntN(150))
			for i := range la {
				la[i] = fmt.Sprintf("line %d\n", r.IntN(60))
			}
			lb = mutate(r, la)
		} else {
			la = randomFile(r, 30)
			lb = mutate(r, la)
			if r.IntN(4) == 0 {
				lb = randomFile(r, 30) // unrelated files
			}
		}
		crlfA, crlfB := false, false
		switch r.IntN(5) {
		case 0:
			crlfA, crlfB = true, true
		case 1:
			crlfA = true
		case 2:
			// some lines end in CRLF
			for i := range lb {
				if r.IntN(3) == 0 {
					lb[i] = strings.TrimSuffix(lb[i], "\n") + "\r\n"
				}
			}
		}
		a := render(la, crlfA, r.IntN(4) == 0)
		b := render(lb, crlfB, r.IntN(4) == 0)
		context := []int{0, 1, 2, 3, 3, 3, 5}[r.IntN(7)]
		names = append(names, fmt.Sprintf("seed %d", seed))
		cases = append(cases, diffCase{a, b, context})
	}
	st := compareAllWithGNU(t, names, cases)
	t.Logf("%d random cases: %v", n, st)
	// Most differences are GNU diff picking another longest common
	// subsequence; a sharp drop means something else changed.
	if st.exact < n*8/10 {
		t.Errorf("too few random cases identical to GNU diff")
	}
}

// corpusDir holds the project's real-world Dockerfiles.
func corpusDir() string { return "../../testdata/corpus" }

func TestCorpusWithPatch(t *testing.T) {
	requireTool(t, "diff", "diffutils")
	requireTool(t, "patch", "patch")
	dir := corpusDir()
	files, err := filepath.Glob(filepath.Join(dir, "*.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.Dockerfile files in %s", dir)
	}
	var names []string
	var cases []diffCase
	for fi, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := splitLines(string(data))
		if len(lines) == 0 {
			continue
		}
		r := rand.New(rand.NewPCG(uint64(fi), 0xd0c))
		del := func(ls []string) []string {
			i := r.IntN(len(ls))
			return append(ls[:i:i], ls[i+1:]...)
		}
		dup := func(ls []string) []string {
			i := r.IntN(len(ls))
			return append(ls[:i+1:i+1], ls[i:]...)
		}
		change := func(ls []string) []string {
			i := r.IntN(len(ls))
			out := append([]string(nil), ls...)
			out[i] = "RUN echo changed-" + strconv.Itoa(i) + "\n"
			return out
		}
		for _, m := range []struct {
			name  string
			lines []string
		}{
			{"delete a line", del(lines)},
			{"duplicate a line", dup(lines)},
			{"change a line", change(lines)},
			{"all three", change(dup(del(lines)))},
		} {
			names = append(names, filepath.Base(file)+": "+m.name)
			cases = append(cases, diffCase{data, []byte(strings.Join(m.lines, "")), 3})
		}
	}
	st := compareAllWithGNU(t, names, cases)
	t.Logf("%d files, %d mutated copies: %v", len(files), len(cases), st)
}
