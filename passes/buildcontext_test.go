package passes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIgnoreFileNames(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "deploy"), 0o755))
	// No directory known: NAME.dockerignore at the root.
	require.Equal(t, []string{"Dockerfile.dockerignore", ".dockerignore"}, ignoreFileNames("Dockerfile", ""))
	require.Equal(t, []string{".dockerignore"}, ignoreFileNames("<stdin>", ""))
	// A Dockerfile in a subdirectory of the context: next to it.
	require.Equal(t, []string{"deploy/app.Dockerfile.dockerignore", ".dockerignore"},
		ignoreFileNames(filepath.Join(dir, "deploy", "app.Dockerfile"), dir))
	// Outside the context: only the context's .dockerignore.
	require.Equal(t, []string{".dockerignore"}, ignoreFileNames(filepath.Join(filepath.Dir(dir), "Dockerfile"), dir))
}
