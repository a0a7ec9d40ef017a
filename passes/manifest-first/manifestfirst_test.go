package manifestfirst_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// A Dockerfile outside its build context with an ignore file of its own
// next to it: the builder leaves out what that file excludes, and so does
// the pass (node_modules is not copied over what the install makes).
func TestIgnoreFileOutsideTheContext(t *testing.T) {
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "app")
	for name, data := range map[string]string{
		"package.json":      `{"name": "x", "dependencies": {"left-pad": "1.3.0"}}`,
		"package-lock.json": "{}",
		"index.js":          "require('left-pad')\n",
		"node_modules/x.js": "",
	} {
		p := filepath.Join(ctxDir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	df := filepath.Join(dir, "Dockerfile")
	src := "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
	run := func() *optimizer.Result {
		res, err := optimizer.Optimize([]byte(src), optimizer.Options{Filename: df, ContextDir: ctxDir, Enable: []string{"manifest-first"}})
		require.NoError(t, err)
		return res
	}
	res := run()
	require.Len(t, res.Findings, 1)
	require.Contains(t, res.Findings[0].Message, "the context has node_modules")

	require.NoError(t, os.WriteFile(df+".dockerignore", []byte("node_modules\n"), 0o644))
	res = run()
	require.Len(t, res.Findings, 1)
	require.True(t, res.Findings[0].Fixed, res.Findings[0].Message)
	require.Equal(t, "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n", string(res.Output))
}
