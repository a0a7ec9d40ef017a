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
	"sync/atomic"
	"testing"
)

// These tests compare Unified with GNU diff and check its output with GNU
// patch. They fail, rather than skip, when the tools are missing.

// requireTool returns the path of a command needed by a test.
func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("this test needs the %q command (GNU %s), which was not found in PATH: %v; install it (e.g. `apt-get install -y %s`)", name, pkg, err, pkg)
	}
	return path
}

var toolEnv = append(os.Environ(), "LC_ALL=C")

// gnuDiff runs `diff -U context --label old --label new` on a and b.
func gnuDiff(t testing.TB, a, b []byte, context int) []byte {
	t.Helper()
	diffCmd := requireTool(t, "diff", "diffutils")
	dir := t.TempDir()
	fa, fb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, fa, a)
	writeFile(t, fb, b)
	cmd := exec.Command(diffCmd, "-a", "-U", strconv.Itoa(context), "--label", "old", "--label", "new", fa, fb)
	cmd.Env = toolEnv
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil // no differences
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return out
	default:
		t.Fatalf("diff failed: %v: %s", err, stderr.Bytes())
		return nil
	}
}

// gnuPatch applies diff to a copy of a with GNU patch (no fuzz, forward only)
// and returns the result.
func gnuPatch(t testing.TB, a, diff []byte) ([]byte, error) {
	t.Helper()
	patchCmd := requireTool(t, "patch", "patch")
	dir := t.TempDir()
	orig, out, pf := filepath.Join(dir, "orig"), filepath.Join(dir, "out"), filepath.Join(dir, "diff")
	writeFile(t, orig, a)
	writeFile(t, pf, diff)
	cmd := exec.Command(patchCmd, "--force", "--silent", "--binary", "--fuzz=0", "--unified",
		"--no-backup-if-mismatch", "--reject-file", filepath.Join(dir, "rej"),
		"--output", out, "--input", pf, orig)
	cmd.Env = toolEnv
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil || len(msg) > 0 {
		return nil, fmt.Errorf("patch: %v: %s", err, msg)
	}
	return os.ReadFile(out)
}

func writeFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
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

// compareWithGNU checks Unified against GNU diff for one input. When the
// outputs differ, GNU diff must have picked another alignment with the same
// number of changed lines, and Unified's diff must apply with GNU patch (and
// with applyStrict) to give b exactly. It reports whether the outputs were
// identical.
func compareWithGNU(t *testing.T, a, b []byte, context int) bool {
	t.Helper()
	got := Unified("old", "new", a, b, context)
	want := gnuDiff(t, a, b, context)
	if bytes.Equal(got, want) {
		return true
	}
	if (got == nil) != (want == nil) {
		t.Fatalf("a=%q b=%q context=%d: Unified returned %q, GNU diff %q", a, b, context, got, want)
	}
	gd, gi := changedLines(got)
	wd, wi := changedLines(want)
	if gd != wd || gi != wi {
		t.Fatalf("a=%q b=%q context=%d: Unified changes -%d +%d lines, GNU diff -%d +%d\ngot:\n%s\nwant:\n%s",
			a, b, context, gd, gi, wd, wi, got, want)
	}
	if res, err := applyStrict(a, got, "old", "new"); err != nil || !bytes.Equal(res, b) {
		t.Fatalf("a=%q b=%q context=%d: strict apply: %v, result %q\ndiff:\n%s", a, b, context, err, res, got)
	}
	res, err := gnuPatch(t, a, got)
	if err != nil || !bytes.Equal(res, b) {
		t.Fatalf("a=%q b=%q context=%d: GNU patch: %v, result %q\ndiff:\n%s", a, b, context, err, res, got)
	}
	return false
}

func TestTableMatchesGNU(t *testing.T) {
	for _, tc := range unifiedCases {
		t.Run(tc.name, func(t *testing.T) {
			context := max(tc.context, 0)
			if context > 1000 {
				context = 1000 // the diff command wants a small number
			}
			got := Unified("old", "new", []byte(tc.a), []byte(tc.b), tc.context)
			want := gnuDiff(t, []byte(tc.a), []byte(tc.b), context)
			if !bytes.Equal(got, want) {
				t.Fatalf("got:\n%s\nGNU diff:\n%s", got, want)
			}
		})
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
	const n = 600
	var exact atomic.Int64
	t.Run("group", func(t *testing.T) {
		for seed := range uint64(n) {
			t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(seed, 0x5eed))
				la := randomFile(r, 30)
				lb := mutate(r, la)
				if r.IntN(4) == 0 {
					lb = randomFile(r, 30) // unrelated files
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
				if compareWithGNU(t, a, b, context) {
					exact.Add(1)
				}
			})
		}
	})
	t.Logf("%d of %d random cases identical to GNU diff", exact.Load(), n)
}

// corpusDir holds real-world Dockerfiles; it can be overridden with
// UDIFF_CORPUS.
func corpusDir() string {
	if d := os.Getenv("UDIFF_CORPUS"); d != "" {
		return d
	}
	return "/work/shared/corpus"
}

func TestCorpusWithPatch(t *testing.T) {
	requireTool(t, "diff", "diffutils")
	requireTool(t, "patch", "patch")
	dir := corpusDir()
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus directory %s does not exist", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.Dockerfile files in %s", dir)
	}
	var exact, total atomic.Int64
	t.Run("group", func(t *testing.T) {
		for fi, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				lines := splitLines(string(data))
				if len(lines) == 0 {
					t.Skip("empty file")
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
				muts := map[string][]string{
					"delete":    del(lines),
					"duplicate": dup(lines),
					"change":    change(lines),
					"all three": change(dup(del(lines))),
				}
				for name, m := range muts {
					if len(m) == 0 {
						continue
					}
					b := []byte(strings.Join(m, ""))
					got := Unified("old", "new", data, b, 3)
					if got == nil {
						if !bytes.Equal(data, b) {
							t.Fatalf("%s: Unified returned nil for different inputs", name)
						}
						continue
					}
					res, err := gnuPatch(t, data, got)
					if err != nil || !bytes.Equal(res, b) {
						t.Fatalf("%s: GNU patch: %v\ndiff:\n%s", name, err, got)
					}
					total.Add(1)
					if compareWithGNU(t, data, b, 3) {
						exact.Add(1)
					}
				}
			})
		}
	})
	t.Logf("%d files, %d of %d mutated copies identical to GNU diff", len(files), exact.Load(), total.Load())
}
