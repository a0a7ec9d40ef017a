package dockerignore_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

func dockerignoreRun(t *testing.T, df string, opts optimizer.Options) *optimizer.Result {
	t.Helper()
	if opts.Enable == nil {
		opts.Enable = []string{"dockerignore"}
	}
	res, err := optimizer.Optimize([]byte(df), opts)
	require.NoError(t, err)
	return res
}

func ctxFile(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

// An ignore file without a final newline gets one before the entries, in
// its own line-ending style.
func TestDockerignoreNoFinalNewline(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"lf":         {"node_modules", "node_modules\n\n# added by dfopt: not needed by the build\n.git\n.dockerignore\n"},
		"crlf":       {"a\r\nb", "a\r\nb\r\n\r\n# added by dfopt: not needed by the build\r\n.git\r\n.dockerignore\r\n"},
		"blank line": {"a\n\n", "a\n\n# added by dfopt: not needed by the build\n.git\n.dockerignore\n"},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := fstest.MapFS{".dockerignore": ctxFile(tc.in), ".git/HEAD": ctxFile("ref\n"), "a.txt": ctxFile("a\n")}
			res := dockerignoreRun(t, "FROM debian:bookworm\nCOPY . /app\n", optimizer.Options{Context: ctx})
			require.Len(t, res.Files, 1)
			require.Equal(t, tc.want, string(res.Files[0].Output))
			require.True(t, res.Files[0].Existed)
		})
	}
}

// The fix says what leaves the image, where the copy puts it: not the
// node_modules that the image installs again after the copy.
func TestDockerignoreRemoves(t *testing.T) {
	ctx := fstest.MapFS{
		".git/HEAD": ctxFile("ref\n"), "node_modules/x/i.js": ctxFile("x\n"), "package.json": ctxFile("{}\n"),
		"a/__pycache__/m.pyc": ctxFile("x\n"), "a/m.py": ctxFile("x\n"), ".DS_Store": ctxFile("x"),
	}
	res := dockerignoreRun(t, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", optimizer.Options{Context: ctx})
	require.Len(t, res.Findings, 1)
	require.True(t, res.Findings[0].Fixed)
	require.Equal(t, []string{"/app/.git", "/app/a/__pycache__", "/app/.DS_Store"}, res.Findings[0].Removes)

	// Installed before the copy only: the host's node_modules goes over
	// the image's, and what it adds is the image's: kept.
	res = dockerignoreRun(t, "FROM node:20\nWORKDIR /app\nCOPY package.json .\nRUN npm ci\nCOPY . .\n", optimizer.Options{Context: ctx})
	require.Len(t, res.Findings, 1)
	require.NotContains(t, res.Findings[0].Removes, "/app/node_modules")
	require.NotContains(t, res.Findings[0].Message, "node_modules")
	// A WORKDIR the file does not tell: no path.
	res = dockerignoreRun(t, "FROM node:20\nCOPY . .\n", optimizer.Options{Context: ctx})
	require.Empty(t, res.Findings[0].Removes)
}

// Counting stops at 100000 entries and the message says so.
func TestDockerignoreHugeContext(t *testing.T) {
	ctx := fstest.MapFS{".git/HEAD": ctxFile("ref\n")}
	for i := 0; i < 100010; i++ {
		ctx[fmt.Sprintf("data/f%06d", i)] = ctxFile("x")
	}
	res := dockerignoreRun(t, "FROM debian:bookworm\nCOPY . /app\n", optimizer.Options{Context: ctx})
	require.Len(t, res.Findings, 1)
	require.Contains(t, res.Findings[0].Message, "context size more than 97.7 KiB → more than 97.7 KiB, counting the first 100000 entries")
}

// An ignore file that is not a regular file is left alone.
func TestDockerignoreSymlink(t *testing.T) {
	ctx := fstest.MapFS{
		".dockerignore": &fstest.MapFile{Data: []byte("other.ignore"), Mode: os.ModeSymlink | 0o777},
		"other.ignore":  ctxFile("x\n"), ".git/HEAD": ctxFile("ref\n"),
	}
	res := dockerignoreRun(t, "FROM debian:bookworm\nCOPY . /app\n", optimizer.Options{Context: ctx})
	require.Empty(t, res.Findings)
	require.Empty(t, res.Files)
}

// With a context directory: the ignore file next to a Dockerfile below the
// context root is the one edited; a Dockerfile outside the context with an
// ignore file of its own is left alone.
func TestDockerignoreContextDir(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		p = filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	df := "FROM debian:bookworm\nCOPY . /app\n"
	write("ctx/.git/HEAD", "ref\n")
	write("ctx/docker/app.Dockerfile", df)
	write("ctx/docker/app.Dockerfile.dockerignore", "*.md\n")
	res := dockerignoreRun(t, df, optimizer.Options{Filename: filepath.Join(dir, "ctx/docker/app.Dockerfile"), ContextDir: filepath.Join(dir, "ctx")})
	require.Len(t, res.Files, 1)
	require.Equal(t, "docker/app.Dockerfile.dockerignore", res.Files[0].Path)
	require.Equal(t, "*.md\n\n# added by dfopt: not needed by the build\n.git\ndocker/app.Dockerfile.dockerignore\n", string(res.Files[0].Output))

	write("outside.Dockerfile", df)
	write("outside.Dockerfile.dockerignore", "*.md\n")
	res = dockerignoreRun(t, df, optimizer.Options{Filename: filepath.Join(dir, "outside.Dockerfile"), ContextDir: filepath.Join(dir, "ctx")})
	require.Empty(t, res.Findings)
	// Without its own ignore file it uses the context's .dockerignore.
	require.NoError(t, os.Remove(filepath.Join(dir, "outside.Dockerfile.dockerignore")))
	res = dockerignoreRun(t, df, optimizer.Options{Filename: filepath.Join(dir, "outside.Dockerfile"), ContextDir: filepath.Join(dir, "ctx")})
	require.Len(t, res.Files, 1)
	require.Equal(t, ".dockerignore", res.Files[0].Path)
}

// With the default passes, a Dockerfile that copies everything before npm ci:
// dockerignore leaves node_modules out, after which manifest-first can move
// the install before the copy. The result is stable.
func TestDockerignoreWithDefaultPasses(t *testing.T) {
	ctx := fstest.MapFS{
		".git/HEAD": ctxFile("ref\n"), "node_modules/x/i.js": ctxFile("x\n"),
		"package.json": ctxFile(`{"name": "app"}` + "\n"), "package-lock.json": ctxFile("{}\n"), "server.js": ctxFile("x\n"),
	}
	df := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
	res, err := optimizer.Optimize([]byte(df), optimizer.Options{Context: ctx})
	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	require.Equal(t, "# added by dfopt: not needed by the build\n.git\nnode_modules\n.dockerignore\n", string(res.Files[0].Output))
	next := fstest.MapFS{}
	for k, v := range ctx {
		next[k] = v
	}
	next[".dockerignore"] = ctxFile(string(res.Files[0].Output))
	again, err := optimizer.Optimize(res.Output, optimizer.Options{Context: next})
	require.NoError(t, err)
	require.False(t, again.Changed())
	require.Empty(t, again.Files)
	for _, f := range again.Findings {
		require.NotEqual(t, "dockerignore", f.Pass, f.Message)
	}
	out := string(res.Output)
	require.Less(t, strings.Index(out, "RUN npm ci"), strings.Index(out, "COPY . ."), out)
}

// recordingFS records the directories read and the files opened.
type recordingFS struct {
	fs.FS
	mu     sync.Mutex
	reads  []string
	opened []string
}

func (r *recordingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	r.mu.Lock()
	r.reads = append(r.reads, name)
	r.mu.Unlock()
	return fs.ReadDir(r.FS, name)
}

func (r *recordingFS) Open(name string) (fs.File, error) {
	r.mu.Lock()
	r.opened = append(r.opened, name)
	r.mu.Unlock()
	return r.FS.Open(name)
}

// An ignored node_modules tree is not walked.
func TestDockerignoreSkipsIgnoredTrees(t *testing.T) {
	base := fstest.MapFS{
		".dockerignore": ctxFile("node_modules\n"), ".git/HEAD": ctxFile("ref\n"),
		"package.json": ctxFile("{}\n"), "server.js": ctxFile("x\n"),
	}
	for i := range 200 {
		base[fmt.Sprintf("node_modules/p%d/lib/i.js", i)] = ctxFile("x\n")
	}
	fsys := &recordingFS{FS: base}
	res := dockerignoreRun(t, "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", optimizer.Options{Context: fsys})
	require.Len(t, res.Findings, 1)
	require.Contains(t, res.Findings[0].Message, ".dockerignore does not leave out .git")
	for _, p := range append(fsys.reads, fsys.opened...) {
		require.False(t, strings.HasPrefix(p, "node_modules/"), "read %s", p)
	}
}

// With more than 20 other Dockerfiles sharing the ignore file, the pass
// stops before reading any of them.
func TestDockerignoreCountsDockerfilesFirst(t *testing.T) {
	base := fstest.MapFS{".git/HEAD": ctxFile("ref\n"), "a.txt": ctxFile("a\n")}
	for i := range 21 {
		base[fmt.Sprintf("svc%02d.Dockerfile", i)] = ctxFile("FROM debian:bookworm\nCOPY . /app\n")
	}
	fsys := &recordingFS{FS: base}
	res := dockerignoreRun(t, "FROM debian:bookworm\nCOPY . /app\n", optimizer.Options{Context: fsys})
	require.Empty(t, res.Findings)
	for _, p := range fsys.opened {
		require.False(t, strings.HasSuffix(p, ".Dockerfile"), "opened %s", p)
	}
	// With 20, each is read.
	delete(base, "svc20.Dockerfile")
	fsys = &recordingFS{FS: base}
	res = dockerignoreRun(t, "FROM debian:bookworm\nCOPY . /app\n", optimizer.Options{Context: fsys})
	require.Len(t, res.Findings, 1)
	require.Contains(t, fsys.opened, "svc19.Dockerfile")
}

type sharedFS struct {
	*recordingFS
	analysis.Facts
}

// The Dockerfiles of a shared context walk it, and read and analyse its
// other Dockerfiles, once for all of them; each gets what it got alone.
func TestDockerignoreSharedContext(t *testing.T) {
	base := fstest.MapFS{
		".git/HEAD": ctxFile("ref\n"), "a.txt": ctxFile("a\n"), "node_modules/x/i.js": ctxFile("x\n"),
		"Dockerfile":       ctxFile("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"),
		"tools.Dockerfile": ctxFile("FROM debian:bookworm\nCOPY . /src\nRUN cd /src && git describe\n"),
		"docs.Dockerfile":  ctxFile("FROM debian:bookworm\nCOPY a.txt /a.txt\n"),
	}
	names := []string{"Dockerfile", "tools.Dockerfile", "docs.Dockerfile"}
	alone := map[string]string{}
	for _, n := range names {
		res := dockerignoreRun(t, string(base[n].Data), optimizer.Options{Filename: n, Context: base})
		alone[n] = fmt.Sprint(res.Findings, res.Files)
	}
	fsys := &sharedFS{recordingFS: &recordingFS{FS: base}}
	for _, n := range names {
		res := dockerignoreRun(t, string(base[n].Data), optimizer.Options{Filename: n, Context: fsys})
		require.Equal(t, alone[n], fmt.Sprint(res.Findings, res.Files), n)
	}
	count := func(list []string, p string) int {
		n := 0
		for _, q := range list {
			if q == p {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, count(fsys.reads, "."))
	require.Equal(t, 1, count(fsys.opened, "tools.Dockerfile"))
}
