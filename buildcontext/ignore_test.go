package buildcontext_test

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func contextFor(t *testing.T, name string, fsys fstest.MapFS, dir string) *analysis.Context {
	t.Helper()
	doc, err := dockerfile.Parse(name, []byte("FROM scratch\n"))
	require.NoError(t, err)
	return &analysis.Context{Doc: doc, BuildContext: fsys, ContextDir: dir}
}

// The ignore file is compiled once per content within one run, and again
// when a fix rewrites it.
func TestIgnoreCompiledOncePerContent(t *testing.T) {
	fsys := fstest.MapFS{".dockerignore": {Data: []byte("node_modules\n!node_modules/keep\n")}, "node_modules/x": {}}
	ctx := contextFor(t, "Dockerfile", fsys, "")
	ig := buildcontext.IgnoreOf(ctx)
	require.NoError(t, ig.Err)
	require.Same(t, ig, buildcontext.IgnoreOf(ctx))
	require.Same(t, ig, buildcontext.Of(ctx).Ignore)
	require.Equal(t, ".dockerignore", ig.Name)
	require.True(t, ig.Exists && ig.Regular && !ig.Own && !ig.Outside)
	require.True(t, ig.Excluded("node_modules/x"))
	require.False(t, ig.Excluded("node_modules/keep"))
	require.True(t, ig.HasExceptions())

	fsys[".dockerignore"] = &fstest.MapFile{Data: []byte("node_modules\n.git\n")}
	again := buildcontext.IgnoreOf(ctx)
	require.NotSame(t, ig, again)
	require.Equal(t, []string{"node_modules", ".git"}, again.Patterns)
	require.NotEqual(t, ig.Key(), again.Key())

	// Another run compiles again.
	require.NotSame(t, again, buildcontext.IgnoreOf(contextFor(t, "Dockerfile", fsys, "")))
}

func TestIgnoreChoice(t *testing.T) {
	// NAME.dockerignore wins over .dockerignore; none at all is .dockerignore to be.
	fsys := fstest.MapFS{"Dockerfile.dockerignore": {Data: []byte("a\n")}, ".dockerignore": {Data: []byte("b\n")}}
	ig := buildcontext.IgnoreOf(contextFor(t, "Dockerfile", fsys, ""))
	require.Equal(t, "Dockerfile.dockerignore", ig.Name)
	require.True(t, ig.Own)
	require.True(t, ig.Excluded("a") && !ig.Excluded("b"))
	ig = buildcontext.IgnoreOf(contextFor(t, "Dockerfile", fstest.MapFS{}, ""))
	require.Equal(t, ".dockerignore", ig.Name)
	require.False(t, ig.Exists)
	require.False(t, ig.Excluded("a"))
	require.Nil(t, buildcontext.IgnoreOf(&analysis.Context{Doc: contextFor(t, "Dockerfile", nil, "").Doc}))

	// One the builder would refuse: no view of the context.
	bad := contextFor(t, "Dockerfile", fstest.MapFS{".dockerignore": {Data: []byte("[\n")}}, "")
	require.Error(t, buildcontext.IgnoreOf(bad).Err)
	require.Nil(t, buildcontext.Of(bad))
	require.False(t, buildcontext.ParseIgnore([]byte("[\n")).Excluded("x"))

	// A Dockerfile outside the context with an ignore file of its own: that
	// file is the one the builder uses.
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "ctx")
	require.NoError(t, os.MkdirAll(ctxDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile.dockerignore"), []byte("secret\n"), 0o644))
	outside := contextFor(t, filepath.Join(dir, "Dockerfile"), fstest.MapFS{".dockerignore": {Data: []byte("other\n")}}, ctxDir)
	ig = buildcontext.IgnoreOf(outside)
	require.True(t, ig.Outside)
	require.Equal(t, "", ig.Name)
	require.True(t, ig.Excluded("secret"))
	require.False(t, ig.Excluded("other"))

	// A symbolic link is read through, as the builder reads it, and said.
	link := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(link, "ignore.txt"), []byte("x\n"), 0o644))
	require.NoError(t, os.Symlink("ignore.txt", filepath.Join(link, ".dockerignore")))
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM scratch\n"))
	require.NoError(t, err)
	ig = buildcontext.IgnoreOf(&analysis.Context{Doc: doc, BuildContext: os.DirFS(link)})
	require.True(t, ig.Exists)
	require.False(t, ig.Regular)
	require.True(t, ig.Excluded("x"))
}
