package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes"
)

// tempFiles lists what -w may have left in dir: its temporary files.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".dfopt-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func readString(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A rename that fails leaves the original as it was, and no temporary
// file: exit 2, and the message names the file.
func TestWriteRenameFails(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, df, mergeable)
	before, err := os.Stat(df)
	if err != nil {
		t.Fatal(err)
	}
	old := rename
	rename = func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("device full")}
	}
	defer func() { rename = old }()

	got := runArgs([]string{"-w", df}, "")
	if got.code != exitError || got.stdout != "" || !strings.HasPrefix(got.stderr, df+": not rewritten: rename ") ||
		!strings.HasSuffix(got.stderr, ": device full\n") {
		t.Fatalf("%+v", got)
	}
	if s := readString(t, df); s != mergeable {
		t.Errorf("the original changed:\n%s", s)
	}
	if after, err := os.Stat(df); err != nil || !os.SameFile(before, after) {
		t.Errorf("the original was replaced")
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// touchy returns a pass that proposes to change the first byte of the
// Dockerfile and, while it runs, does what another program would do to the
// files on disk.
func touchy(meanwhile func(name string)) *analysis.Pass {
	return &analysis.Pass{
		Name: "touchy", Docs: analysis.StaticDocs("change the first byte", "For the tests."), Tier: analysis.Safe,
		Run: func(ctx *analysis.Context) []analysis.Finding {
			if ctx.Doc.Src[0] != 'F' {
				return nil
			}
			meanwhile(ctx.Doc.Name)
			return []analysis.Finding{{Message: "lower", Fix: &analysis.Fix{
				Message: "lower it", Edits: []analysis.Edit{analysis.Replace(0, 1, "f")},
			}}}
		},
	}
}

// A Dockerfile changed on disk between dfopt's read and its write is not
// overwritten: exit 2, the message names it, the other change stays.
func TestWriteChangedOnDisk(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, df, mergeable)
	edited := mergeable + "# saved by an editor meanwhile\n"
	p := touchy(func(name string) { writeTestFile(t, name, edited) })

	var out, errOut strings.Builder
	code := runWith([]string{"-w", df}, strings.NewReader(""), &out, &errOut, []*analysis.Pass{p})
	if code != exitError || out.Len() != 0 || errOut.String() != df+": changed on disk while dfopt ran; not overwriting it\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if s := readString(t, df); s != edited {
		t.Errorf("the file holds:\n%s", s)
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Removed, or replaced by a directory, meanwhile: not recreated.
	for what, meanwhile := range map[string]func(string){
		"removed":  func(name string) { os.Remove(name) },
		"replaced": func(name string) { os.Remove(name); os.Mkdir(name, 0o755) },
	} {
		t.Run(what, func(t *testing.T) {
			os.RemoveAll(df)
			writeTestFile(t, df, mergeable)
			errOut.Reset()
			code := runWith([]string{"-w", df}, strings.NewReader(""), &out, &errOut, []*analysis.Pass{touchy(meanwhile)})
			if code != exitError || !strings.HasPrefix(errOut.String(), df+": changed on disk while dfopt ran (") {
				t.Fatalf("exit %d, stderr %q", code, errOut.String())
			}
			if fi, err := os.Lstat(df); what == "removed" && err == nil || what == "replaced" && (err != nil || !fi.IsDir()) {
				t.Errorf("%s: %v %v", df, fi, err)
			}
		})
	}
}

// The context files a fix writes are checked too: a .dockerignore that
// another program changed, or created, after dfopt read the context is
// not overwritten, and then the Dockerfile is not rewritten either.
func TestWriteContextFileChangedOnDisk(t *testing.T) {
	di := passes.Lookup("dockerignore")
	if di == nil {
		t.Fatal("no dockerignore pass")
	}
	const df = "FROM node:18\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	for _, tc := range []struct {
		name, existing, want string
	}{
		{"changed", "# mine\n", "changed on disk while dfopt ran; not overwriting it"},
		{"created", "", "appeared while dfopt ran; not overwriting it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "Dockerfile")
			writeTestFile(t, name, df)
			writeTestFile(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/main\n")
			writeTestFile(t, filepath.Join(dir, "package.json"), `{"name": "x"}`)
			ignore := filepath.Join(dir, ".dockerignore")
			if tc.existing != "" {
				writeTestFile(t, ignore, tc.existing)
			}
			const theirs = "# written by someone else\n"
			// The other program writes after every pass has read the
			// context: the pass that runs last does it.
			last := &analysis.Pass{Name: "meanwhile", Docs: analysis.StaticDocs("x", "For the tests."), Tier: analysis.Safe,
				Run: func(ctx *analysis.Context) []analysis.Finding {
					if _, err := os.Stat(ignore); err != nil || readString(t, ignore) != theirs {
						writeTestFile(t, ignore, theirs)
					}
					return nil
				}}
			var out, errOut strings.Builder
			code := runWith([]string{"-w", name}, strings.NewReader(""), &out, &errOut, []*analysis.Pass{di, last})
			if code != exitError || errOut.String() != ignore+": "+tc.want+"\n" {
				t.Fatalf("exit %d, stderr %q", code, errOut.String())
			}
			if s := readString(t, ignore); s != theirs {
				t.Errorf(".dockerignore holds %q", s)
			}
			if s := readString(t, name); s != df {
				t.Errorf("the Dockerfile was rewritten:\n%s", s)
			}
			if left := tempFiles(t, dir); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// writeFile checks again right before it renames: a change after the
// checks of writeAll is caught there.
func TestWriteFileChecksBeforeRename(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	writeTestFile(t, p, "theirs\n")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	err = writeFile(p, []byte("new\n"), []byte("what dfopt read\n"), true, fi)
	if err == nil || err.Error() != p+": changed on disk while dfopt ran; not overwriting it" {
		t.Fatalf("error %v", err)
	}
	if s := readString(t, p); s != "theirs\n" {
		t.Errorf("file holds %q", s)
	}
	// A new file whose name got taken.
	err = writeFile(p, []byte("new\n"), nil, false, nil)
	if err == nil || err.Error() != p+": appeared while dfopt ran; not overwriting it" {
		t.Fatalf("error %v", err)
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// And the ordinary cases.
	if err := writeFile(p, []byte("new\n"), []byte("theirs\n"), true, fi); err != nil || readString(t, p) != "new\n" {
		t.Fatalf("rewrite: %v", err)
	}
	q := filepath.Join(dir, "new.txt")
	if err := writeFile(q, []byte("x\n"), nil, false, nil); err != nil || readString(t, q) != "x\n" {
		t.Fatalf("create: %v", err)
	}
	if fi, err := os.Stat(q); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v %v", fi.Mode(), err)
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A panic while a file is processed (here, in the rename) is reported as an
// internal error, exit 2, as on the main goroutine; the other files are
// still processed.
func TestWorkerPanic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.Dockerfile"), filepath.Join(dir, "b.Dockerfile")
	writeTestFile(t, a, mergeable)
	writeTestFile(t, b, mergeable)
	old := rename
	rename = func(from, to string) error {
		if strings.HasSuffix(to, "a.Dockerfile") {
			os.Remove(from)
			panic("rename exploded")
		}
		return old(from, to)
	}
	defer func() { rename = old }()
	got := runArgs([]string{"-w", dir}, "")
	if got.code != exitError || got.stderr != "dfopt: internal error: rename exploded\n" {
		t.Fatalf("%+v", got)
	}
	if readString(t, a) != mergeable || readString(t, b) == mergeable {
		t.Errorf("a rewritten or b not")
	}
}
