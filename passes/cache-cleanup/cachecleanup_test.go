package cachecleanup_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// Every cache-cleanup fix says what it removes from the image, so that a
// build-and-compare check can ignore exactly that.
func TestCacheCleanupDeclaresRemovedPaths(t *testing.T) {
	src := `FROM debian:bookworm
RUN apt-get update && apt-get install -y curl
RUN pip install flask
RUN npm ci
RUN apk add git
`
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"cache-cleanup"}})
	require.NoError(t, err)
	for _, f := range res.Findings {
		if f.Fixed {
			require.NotEmpty(t, f.Removes, "%s", f)
		}
	}
	require.Equal(t, []string{"/var/lib/apt/lists/", "~/.cache/pip", "~/.cache", "/root/.npm/_cacache", "/var/cache/apk/"}, res.Removes())
}
