package buildcontext_test

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

// countingFS records the directories read and the files opened.
type countingFS struct {
	fs.FS
	mu     sync.Mutex
	reads  []string
	opened []string
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.mu.Lock()
	c.reads = append(c.reads, name)
	c.mu.Unlock()
	return fs.ReadDir(c.FS, name)
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opened = append(c.opened, name)
	c.mu.Unlock()
	return c.FS.Open(name)
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

func entryPaths(t *buildcontext.Tree) []string {
	var out []string
	for _, e := range t.Entries {
		out = append(out, e.Path)
	}
	return out
}

func TestWalkPrunesIgnoredDirectories(t *testing.T) {
	base := fstest.MapFS{
		"Dockerfile":                         file("FROM scratch\n"),
		"app.js":                             file("x"),
		"node_modules/a/index.js":            file("x"),
		"node_modules/a/Dockerfile":          file("FROM scratch\n"),
		"docker/Dockerfile.dev":              file("FROM scratch\n"),
		"docker/Dockerfile.dev.dockerignore": file("x\n"),
		"docker/vendor/x/Dockerfile":         file("FROM scratch\n"),
		"docker/deep/prod.Dockerfile":        file("FROM scratch\n"),
		".venv/bin/activate":                 file("x"),
		".venv/pyvenv.cfg":                   file("x"),
	}
	fsys := &countingFS{FS: base}
	ig := buildcontext.ParseIgnore([]byte("node_modules\ndocker/\n**/bin\n"))
	tr := buildcontext.Walk(fsys, ig)
	require.Equal(t, []string{".venv", ".venv/bin", ".venv/pyvenv.cfg", "Dockerfile", "app.js", "docker", "node_modules"}, entryPaths(tr))
	for _, d := range fsys.reads {
		require.False(t, strings.HasPrefix(d, "node_modules"), "read %s", d)
		require.False(t, strings.HasPrefix(d, "docker/vendor"), "read %s", d)
	}
	// Other pruned directories are listed to find Dockerfiles, no more.
	require.Contains(t, fsys.reads, "docker")
	require.Equal(t, []string{"."}, fsys.opened) // fs.WalkDir stats the root
	byPath := map[string]buildcontext.Entry{}
	for _, e := range tr.Entries {
		byPath[e.Path] = e
	}
	require.True(t, byPath["node_modules"].Pruned)
	require.False(t, byPath["node_modules"].Sent)
	require.True(t, byPath["docker"].Pruned)
	require.True(t, byPath["app.js"].Sent)
	require.False(t, byPath["app.js"].Pruned)

	// The Dockerfiles of pruned directories are found, not those below
	// node_modules or vendor.
	var dfs []string
	for _, d := range tr.Dockerfiles {
		dfs = append(dfs, fmt.Sprintf("%s own=%v size=%d", d.Path, d.OwnIgnore, d.Size))
	}
	require.Equal(t, []string{
		"Dockerfile own=false size=13",
		"docker/Dockerfile.dev own=true size=13",
		"docker/deep/prod.Dockerfile own=false size=13",
	}, dfs)

	// Paths below a pruned directory are looked up.
	require.True(t, tr.Has(".venv/bin/activate"))
	require.True(t, tr.Has("node_modules/a/index.js"))
	require.False(t, tr.Has("node_modules/a/missing.js"))
	require.False(t, tr.Has("node_modules/a/index.js/x"))
	require.True(t, tr.Has("app.js"))
	require.False(t, tr.Has("nothere/x"))
}

func TestWalkWithExceptionsEntersEverything(t *testing.T) {
	fsys := fstest.MapFS{"build/keep": file("x"), "build/out": file("x"), "src/a": file("x")}
	tr := buildcontext.Walk(fsys, buildcontext.ParseIgnore([]byte("build\n!build/keep\n")))
	require.Equal(t, []string{"build", "build/keep", "build/out", "src", "src/a"}, entryPaths(tr))
	sent := map[string]bool{}
	for _, e := range tr.Entries {
		require.False(t, e.Pruned)
		sent[e.Path] = e.Sent
	}
	require.Equal(t, map[string]bool{"build": false, "build/keep": true, "build/out": false, "src": true, "src/a": true}, sent)
}

// TestWalkLikeFullWalk compares Walk with a walk that enters every
// directory, on random trees and ignore files: the same entries where it
// entered, the same answer to Has for every path, and the Dockerfiles that
// a filter over the full walk finds.
func TestWalkLikeFullWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	for range 300 {
		fsys := fstest.MapFS{}
		names := []string{"a", "b", "node_modules", "vendor", ".git", "docker", "Dockerfile", "x.Dockerfile", "Containerfile.dev", "bin", "Dockerfile.dockerignore", "x.Dockerfile.dockerignore"}
		for range 1 + r.IntN(25) {
			var comps []string
			for range 1 + r.IntN(4) {
				comps = append(comps, names[r.IntN(len(names))])
			}
			fsys[path.Join(comps...)] = file("FROM scratch\n")
		}
		if r.IntN(4) == 0 {
			fsys["link"] = &fstest.MapFile{Data: []byte("a"), Mode: fs.ModeSymlink | 0o777}
		}
		patterns := []string{"node_modules", "docker", "**/bin", "a/b", "*.Dockerfile", "!docker/Dockerfile", "vendor/", "b"}
		var lines []string
		for range r.IntN(4) {
			lines = append(lines, patterns[r.IntN(len(patterns))])
		}
		ig := buildcontext.ParseIgnore([]byte(strings.Join(lines, "\n")))
		if ig.Err != nil {
			continue
		}
		requireLikeFullWalk(t, fsys, ig)
	}
}

func requireLikeFullWalk(t *testing.T, fsys fs.FS, ig *buildcontext.Ignore) {
	t.Helper()
	tr := buildcontext.Walk(fsys, ig)
	type full struct {
		path      string
		dir, reg  bool
		below     bool // below a directory the ignore file prunes
		dockerish bool
	}
	var all []full
	var prunedDirs []string
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return nil
		}
		below := false
		for _, pd := range prunedDirs {
			below = below || strings.HasPrefix(p, pd+"/")
		}
		if d.IsDir() && !below && ig.Excluded(p) && !ig.HasExceptions() {
			prunedDirs = append(prunedDirs, p)
		}
		foreign := false
		for _, c := range strings.Split(path.Dir(p), "/") {
			foreign = foreign || c == ".git" || c == "node_modules" || c == "vendor"
		}
		all = append(all, full{p, d.IsDir(), d.Type().IsRegular(), below,
			d.Type().IsRegular() && buildcontext.IsDockerfileName(d.Name()) && !foreign})
		return nil
	})
	var want, wantDockerfiles []string
	for _, f := range all {
		require.True(t, tr.Has(f.path), "Has(%q)", f.path)
		require.False(t, tr.Has(f.path+"/nothere"), "Has(%q)", f.path+"/nothere")
		if !f.below {
			want = append(want, f.path)
		}
		if f.dockerish {
			wantDockerfiles = append(wantDockerfiles, f.path)
		}
	}
	require.Equal(t, want, entryPaths(tr))
	for _, e := range tr.Entries {
		require.Equal(t, !ig.Excluded(e.Path), e.Sent, e.Path)
		require.Equal(t, e.Dir && !e.Sent && !ig.HasExceptions(), e.Pruned, e.Path)
	}
	var got []string
	for _, d := range tr.Dockerfiles {
		got = append(got, d.Path)
		_, err := fs.Stat(fsys, d.Path+".dockerignore")
		require.Equal(t, err == nil, d.OwnIgnore, d.Path)
	}
	slices.Sort(got)
	slices.Sort(wantDockerfiles)
	require.Equal(t, wantDockerfiles, got)
}

// The tree of a shared context is walked once for every Optimize call
// that reads it, also when they ask at the same time.
func TestTreeOfShared(t *testing.T) {
	fsys := &countingFS{FS: fstest.MapFS{"a/b": file("x"), ".dockerignore": file("a\n")}}
	shared := &sharedFS{countingFS: fsys}
	var trees sync.Map
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, err := dockerfile.Parse("Dockerfile", []byte("FROM scratch\n"))
			require.NoError(t, err)
			ctx := &analysis.Context{Doc: doc, BuildContext: shared, Shared: shared}
			trees.Store(i, buildcontext.TreeOf(ctx, buildcontext.IgnoreOf(ctx)))
		}()
	}
	wg.Wait()
	first, _ := trees.Load(0)
	trees.Range(func(_, v any) bool { require.Same(t, first, v); return true })
	n := 0
	for _, d := range fsys.reads {
		if d == "." {
			n++
		}
	}
	require.Equal(t, 1, n)
}

type sharedFS struct {
	*countingFS
	analysis.Facts
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte("node_modules/a\x00docker/Dockerfile\x00a/b/c"), "node_modules\ndocker\n")
	f.Add([]byte("build/keep\x00build/out\x00Dockerfile"), "build\n!build/keep\n")
	f.Fuzz(func(t *testing.T, paths []byte, ignore string) {
		fsys := fstest.MapFS{}
		for _, p := range strings.Split(string(paths), "\x00") {
			p = strings.Trim(path.Clean("/"+p), "/")
			if p == "" || !fs.ValidPath(p) || len(fsys) > 200 {
				continue
			}
			fsys[p] = file("x")
		}
		if fstest.TestFS(fsys) != nil {
			return // a file and a directory of the same name
		}
		ig := buildcontext.ParseIgnore([]byte(ignore))
		if ig.Err != nil {
			return
		}
		requireLikeFullWalk(t, fsys, ig)
	})
}
