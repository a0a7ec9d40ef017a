package buildcontext

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func TestIgnoreFileNames(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "deploy"), 0o755))
	names := func(dockerfileName, contextDir string) []string {
		doc, err := dockerfile.Parse(dockerfileName, []byte("FROM scratch\n"))
		require.NoError(t, err)
		return IgnoreFileNames(&analysis.Context{Doc: doc, ContextDir: contextDir})
	}
	// No directory known: NAME.dockerignore at the root.
	require.Equal(t, []string{"Dockerfile.dockerignore", ".dockerignore"}, names("Dockerfile", ""))
	require.Equal(t, []string{".dockerignore"}, names("<stdin>", ""))
	// A Dockerfile in a subdirectory of the context: next to it.
	require.Equal(t, []string{"deploy/app.Dockerfile.dockerignore", ".dockerignore"},
		names(filepath.Join(dir, "deploy", "app.Dockerfile"), dir))
	// Outside the context: only the context's .dockerignore.
	require.Equal(t, []string{".dockerignore"}, names(filepath.Join(filepath.Dir(dir), "Dockerfile"), dir))
}
