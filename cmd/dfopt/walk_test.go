package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// withPool runs f with n workers.
func withPool(t testing.TB, n int, f func()) {
	t.Helper()
	old := poolSize
	poolSize = func() int { return n }
	defer func() { poolSize = old }()
	f()
}

type runOut struct {
	stdout, stderr string
	code           int
}

func runArgs(args []string, stdin string) runOut {
	var o, e bytes.Buffer
	code := run(args, strings.NewReader(stdin), &o, &e)
	return runOut{o.String(), e.String(), code}
}

// copyCorpus copies n corpus files (every k-th, for variety) into dir.
func copyCorpus(t testing.TB, dir string, n int) []string {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/corpus/*.Dockerfile")
	if err != nil || len(paths) < n {
		t.Fatalf("corpus: %d files, %v", len(paths), err)
	}
	var names []string
	for i := 0; i < n; i++ {
		src := paths[i*len(paths)/n]
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// TestPoolOutputOrder: a directory processed by many workers prints what
// processing its files one by one, in walk order, prints: each file's
// output, errors included, in order, and the same exit status.
func TestPoolOutputOrder(t *testing.T) {
	dir := t.TempDir()
	files := copyCorpus(t, dir, 40)
	// Errors among them, and in a directory of their own.
	bad := filepath.Join(dir, "0-bad.Dockerfile")
	writeTestFile(t, bad, "RUN x\nFROM a\n")
	writeTestFile(t, filepath.Join(dir, "sub", "Dockerfile"), "FROM a\nRUN <<EOF\n")
	writeTestFile(t, filepath.Join(dir, "sub", "b.Dockerfile"), mergeable)
	files = append([]string{bad}, files...)
	files = append(files, filepath.Join(dir, "sub", "Dockerfile"), filepath.Join(dir, "sub", "b.Dockerfile"))

	for _, flags := range [][]string{{"-l"}, {"-d"}, {"--check"}, {}, {"--json"}, {"-d", "--level=aggressive"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			// One by one: each file on its own, then all in one run with
			// one worker (which must be the same, apart from JSON).
			var want runOut
			if !slices.Contains(flags, "--json") {
				for _, f := range files {
					o := runArgs(append(slices.Clone(flags), f), "")
					want.stdout += o.stdout
					want.stderr += o.stderr
					want.code = max(want.code, o.code)
				}
			}
			var one runOut
			withPool(t, 1, func() { one = runArgs(append(slices.Clone(flags), dir), "") })
			if want.stdout != "" && one != want {
				t.Fatalf("one worker differs from one file at a time:\n%s", firstDiff(one, want))
			}
			if one.code != exitError || !strings.Contains(one.stderr, "0-bad.Dockerfile:1:") {
				t.Fatalf("exit %d, stderr %q", one.code, one.stderr)
			}
			for _, n := range []int{2, 8} {
				withPool(t, n, func() {
					for i := 0; i < 3; i++ {
						if got := runArgs(append(slices.Clone(flags), dir), ""); got != one {
							t.Fatalf("%d workers:\n%s", n, firstDiff(got, one))
						}
					}
				})
			}
		})
	}
}

// TestPoolStdinAndPaths: standard input and paths named on the command
// line keep their order too, and standard input is read once.
func TestPoolStdinAndPaths(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.Dockerfile")
	writeTestFile(t, a, mergeable)
	args := []string{"-l", "--filename=in", a, "-", filepath.Join(dir, "missing"), "-", a}
	var one runOut
	withPool(t, 1, func() { one = runArgs(args, mergeable) })
	wantOut := a + "\nin\n" + a + "\n"
	if one.stdout != wantOut || one.code != exitError ||
		!strings.Contains(one.stderr, "missing: no such file or directory\nin: standard input named more than once\n") {
		t.Fatalf("%+v", one)
	}
	withPool(t, 8, func() {
		if got := runArgs(args, mergeable); got != one {
			t.Fatalf("8 workers:\n%s", firstDiff(got, one))
		}
	})
}

func firstDiff(got, want runOut) string {
	if got.code != want.code {
		return fmt.Sprintf("exit %d, want %d", got.code, want.code)
	}
	for _, s := range []struct{ name, got, want string }{{"stdout", got.stdout, want.stdout}, {"stderr", got.stderr, want.stderr}} {
		if s.got == s.want {
			continue
		}
		i := 0
		for i < len(s.got) && i < len(s.want) && s.got[i] == s.want[i] {
			i++
		}
		lo := max(0, i-200)
		return fmt.Sprintf("%s differs at byte %d:\ngot:  %q\nwant: %q", s.name, i, s.got[lo:min(len(s.got), i+200)], s.want[lo:min(len(s.want), i+200)])
	}
	return "same"
}

func writeTestFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyProject writes Dockerfiles whose build contexts are the same
// directory, or one inside the other, and which all want a .dockerignore.
func copyProject(t testing.TB, dir string) {
	t.Helper()
	df := "FROM node:18\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
	for _, d := range []string{dir, filepath.Join(dir, "api"), filepath.Join(dir, "api", "v2"), filepath.Join(dir, "web")} {
		writeTestFile(t, filepath.Join(d, "package.json"), `{"name": "x", "version": "1.0.0"}`)
		writeTestFile(t, filepath.Join(d, "package-lock.json"), `{"lockfileVersion": 3}`)
		writeTestFile(t, filepath.Join(d, "server.js"), "console.log(1)\n")
		writeTestFile(t, filepath.Join(d, ".git", "HEAD"), "ref: refs/heads/main\n")
		writeTestFile(t, filepath.Join(d, "node_modules", "x", "index.js"), "x\n")
		writeTestFile(t, filepath.Join(d, ".DS_Store"), "x")
		writeTestFile(t, filepath.Join(d, "Dockerfile"), df)
		writeTestFile(t, filepath.Join(d, "Dockerfile.dev"), df+"ENV MODE=dev\n")
		writeTestFile(t, filepath.Join(d, "Build.Dockerfile"), "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /src\n")
	}
}

// snapshot returns the files below dir with their contents.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[rel] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPoolWriteOrder: with -w, files whose contexts are the same directory
// or nested see what the files before them wrote, as when processed one by
// one: the written files are the same whatever the number of workers.
func TestPoolWriteOrder(t *testing.T) {
	want := t.TempDir()
	copyProject(t, want)
	var one runOut
	withPool(t, 1, func() { one = runArgs([]string{"-w", want}, "") })
	if one.code != exitOK || one.stdout != "" || one.stderr != "" {
		t.Fatalf("one worker: %+v", one)
	}
	wantFiles := snapshot(t, want)
	if _, ok := wantFiles[".dockerignore"]; !ok {
		t.Fatalf("no .dockerignore written: the test shows nothing")
	}
	for i := 0; i < 5; i++ {
		dir := t.TempDir()
		copyProject(t, dir)
		withPool(t, 8, func() {
			if got := runArgs([]string{"-w", dir}, ""); got != one {
				t.Fatalf("8 workers: %+v", got)
			}
		})
		got := snapshot(t, dir)
		for name, content := range wantFiles {
			if got[name] != content {
				t.Fatalf("run %d: %s:\n%s\nwant:\n%s", i, name, got[name], content)
			}
		}
		if len(got) != len(wantFiles) {
			t.Fatalf("run %d: %d files, want %d", i, len(got), len(wantFiles))
		}
	}
}

// TestWalkSkipsIgnoredTrees: .git, node_modules and vendor directories are
// not read at all, wherever they are; the other directories are.
func TestWalkSkipsIgnoredTrees(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"Dockerfile", "a/Dockerfile", "a/node_modules/x/Dockerfile", ".git/Dockerfile",
		"vendor/Dockerfile", "a/b/vendor/c/Dockerfile", "a/b/Dockerfile.dev", "node_modules/Dockerfile"} {
		writeTestFile(t, filepath.Join(dir, p), mergeable)
	}
	var read []string
	old := readDir
	readDir = func(name string) ([]fs.DirEntry, error) {
		read = append(read, name)
		return old(name)
	}
	defer func() { readDir = old }()
	got := runArgs([]string{"-l", dir}, "")
	want := []string{"Dockerfile", "a/Dockerfile", "a/b/Dockerfile.dev"}
	for i := range want {
		want[i] = filepath.Join(dir, want[i]) + "\n"
	}
	if got.stdout != strings.Join(want, "") || got.code != exitChanged {
		t.Fatalf("%+v", got)
	}
	wantRead := []string{dir, filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")}
	if !slices.Equal(read, wantRead) {
		t.Errorf("read %q, want %q", read, wantRead)
	}
}
