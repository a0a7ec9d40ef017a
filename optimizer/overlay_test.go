package optimizer

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/stretchr/testify/require"
)

// ignoreLine proposes appending line to .dockerignore while it is missing,
// reading the file through the context as a pass does.
func ignoreLine(name, line string) *Pass {
	return testPass(name, func(ctx *analysis.Context) []analysis.Finding {
		if ctx.BuildContext == nil {
			return nil
		}
		cur, _ := fs.ReadFile(ctx.BuildContext, ".dockerignore")
		for _, l := range strings.Split(string(cur), "\n") {
			if l == line {
				return nil
			}
		}
		return []analysis.Finding{{Pos: 0, End: 4, Message: "ignore " + line, Fix: &analysis.Fix{
			Message: "add " + line,
			Files: []analysis.FileEdit{{Path: ".dockerignore",
				Edits: []analysis.Edit{analysis.Insert(len(cur), line+"\n")}}},
		}}}
	})
}

func TestContextFileEdits(t *testing.T) {
	ctxFS := fstest.MapFS{"app.py": {Data: []byte("print(1)\n")}}
	passes := []*Pass{ignoreLine("a", ".git"), ignoreLine("b", "*.log")}
	res, err := Optimize([]byte(small), Options{Passes: passes, Context: ctxFS})
	require.NoError(t, err)
	require.False(t, res.Changed(), "the Dockerfile is not edited")
	require.Len(t, res.Files, 1)
	fc := res.Files[0]
	require.Equal(t, ".dockerignore", fc.Path)
	require.False(t, fc.Existed)
	// Both passes insert at the end of the empty file: the second fix
	// conflicts in the first round and is applied in the next one.
	require.Equal(t, ".git\n*.log\n", string(fc.Output))
	require.Equal(t, 2, res.Rounds)
	require.Equal(t, 2, res.FixedCount())
	require.Contains(t, string(fc.Diff()), "--- /dev/null\n+++ .dockerignore\n")
	_, err = fs.Stat(ctxFS, ".dockerignore")
	require.ErrorIs(t, err, fs.ErrNotExist, "the caller's context is not written")

	// An existing file is edited in place; a fix that would add nothing is
	// not proposed.
	ctxFS[".dockerignore"] = &fstest.MapFile{Data: []byte("*.log\n")}
	res, err = Optimize([]byte(small), Options{Passes: passes, Context: ctxFS})
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	require.True(t, res.Files[0].Existed)
	require.Equal(t, "*.log\n.git\n", string(res.Files[0].Output))
	require.Equal(t, 1, res.FixedCount())
}

func TestContextOverlayListsNewFiles(t *testing.T) {
	o := newOverlay(fstest.MapFS{"a/b.txt": {Data: []byte("b")}, "c.txt": {Data: []byte("c")}})
	o.set("a/new.txt", []byte("new"))
	o.set("c.txt", []byte("c2"))
	var seen []string
	require.NoError(t, fs.WalkDir(o, ".", func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		seen = append(seen, p)
		return nil
	}))
	require.Equal(t, []string{".", "a", "a/b.txt", "a/new.txt", "c.txt"}, seen)
	b, err := fs.ReadFile(o, "c.txt")
	require.NoError(t, err)
	require.Equal(t, "c2", string(b))
	ch := o.changes()
	require.Len(t, ch, 2)
	require.Equal(t, "a/new.txt", ch[0].Path)
	require.False(t, ch[0].Existed)
	require.Equal(t, "c", string(ch[1].Input))
	// Writing the original content back is no change.
	o.set("c.txt", []byte("c"))
	require.Len(t, o.changes(), 1)
}

func TestContextFileEditNeedsAContext(t *testing.T) {
	_, err := Optimize([]byte(small), Options{Passes: []*Pass{testPass("p", func(*analysis.Context) []analysis.Finding {
		return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Message: "x",
			Files: []analysis.FileEdit{{Path: ".dockerignore", Edits: []analysis.Edit{analysis.Insert(0, "x\n")}}}}}}
	})}})
	var ie *InternalError
	require.ErrorAs(t, err, &ie)
	require.Contains(t, err.Error(), "without a build context")
}

// A context file that another program changes while Optimize runs is read
// once: the passes that come after see what the first one read, the fix is
// applied to that version, and FileChange.Input is that version, so that a
// writer can tell the file changed.
func TestContextFileReadOnce(t *testing.T) {
	ctxFS := fstest.MapFS{".dockerignore": {Data: []byte("# mine\n")}}
	meddle := testPass("meddle", func(ctx *analysis.Context) []analysis.Finding {
		ctxFS[".dockerignore"] = &fstest.MapFile{Data: []byte("# theirs\n")}
		return nil
	})
	var seen []string
	look := func(name string) *Pass {
		return testPass(name, func(ctx *analysis.Context) []analysis.Finding {
			b, _ := fs.ReadFile(ctx.BuildContext, ".dockerignore")
			seen = append(seen, string(b))
			return nil
		})
	}
	res, err := Optimize([]byte(small), Options{Passes: []*Pass{look("look1"), ignoreLine("a", ".git"), meddle, look("look2")}, Context: ctxFS})
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	require.Equal(t, "# mine\n", string(res.Files[0].Input))
	require.Equal(t, "# mine\n.git\n", string(res.Files[0].Output))
	require.Equal(t, "# mine\n", seen[0])
	require.Equal(t, "# mine\n", seen[1], "a pass read another version of the file within one round")
	for _, s := range seen[2:] {
		require.Equal(t, "# mine\n.git\n", s)
	}
}

// TestOverlayFS: the overlay is a well-behaved fs.FS (fstest.TestFS reads
// every file through Open, ReadFile, Stat and ReadDir, seeks and reads at
// offsets, and checks that they agree) with edited files over the context,
// one emptied, and a new file in a directory of the context.
func TestOverlayFS(t *testing.T) {
	base := fstest.MapFS{
		"Dockerfile":    {Data: []byte("FROM alpine\n"), Mode: 0o644},
		".dockerignore": {Data: []byte(".git\n"), Mode: 0o644},
		"src/main.go":   {Data: []byte("package main\n"), Mode: 0o644},
	}
	o := newOverlay(base)
	o.set(".dockerignore", []byte(".git\nnode_modules\n"))
	o.set("src/main.go", []byte("package main\n\nfunc main() {}\n"))
	o.set("Dockerfile", []byte{})
	o.set("src/extra.txt", []byte("new\n"))
	if err := fstest.TestFS(o, "Dockerfile", ".dockerignore", "src/main.go", "src/extra.txt"); err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(o, ".dockerignore")
	require.NoError(t, err)
	require.Equal(t, ".git\nnode_modules\n", string(b))
	entries, err := fs.ReadDir(o, "src")
	require.NoError(t, err)
	require.Len(t, entries, 2)
	info, err := entries[1].Info()
	require.NoError(t, err)
	require.Equal(t, "main.go", info.Name())
	require.EqualValues(t, len("package main\n\nfunc main() {}\n"), info.Size())
}
