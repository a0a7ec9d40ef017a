package verify

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDownloads(t *testing.T) {
	require.Equal(t, []string{
		"github.com/google/uuid v1.6.0",
		"serde v1.0.197",
		"https://repo.maven.apache.org/maven2/com/google/guava/guava/33.0.0-jre/guava-33.0.0-jre.jar",
		"flask-3.0.0-py3-none-any.whl",
	}, Downloads([]string{
		"go: downloading github.com/google/uuid v1.6.0",
		"go: finding module for package x",
		"  Downloaded serde v1.0.197",
		"   Compiling serde v1.0.197",
		"Downloaded from central: https://repo.maven.apache.org/maven2/com/google/guava/guava/33.0.0-jre/guava-33.0.0-jre.jar (3.1 MB at 10 MB/s)",
		"Downloading flask-3.0.0-py3-none-any.whl (99 kB)",
		"added 1 package in 1s",
	}))
	require.Empty(t, Downloads([]string{"Downloading and Extracting Packages", "downloading"}))
}
