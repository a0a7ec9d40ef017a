package secretinenv_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	secretinenv "github.com/dfopt/dfopt/passes/secret-in-env"
	"github.com/stretchr/testify/require"
)

// findings runs the pass over src and returns its findings as
// "LINE: message" lines.
func findings(t *testing.T, src string) []string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Passes: []*analysis.Pass{secretinenv.Pass}, Enable: []string{"all"}})
	require.NoError(t, err)
	require.Equal(t, src, string(res.Output), "a report-only pass changed the file")
	var out []string
	for _, f := range res.Findings {
		require.False(t, f.Fixed)
		out = append(out, fmt.Sprintf("%d: %s", f.Line, f.Message))
	}
	return out
}

// Secret-looking names, word by word.
func TestSecretNames(t *testing.T) {
	src := "FROM debian:12\n"
	reported := []string{"PASSWORD", "DB_PASSWORD", "db_passwd", "GITHUB_TOKEN", "ghToken", "NPMTOKEN",
		"JWT_SECRET", "SECRET_KEY", "SECRET_KEY_BASE", "API_KEY", "STRIPE_APIKEY", "apiKey", "SSH_PRIVATE_KEY",
		"AWS_SECRET_ACCESS_KEY", "ACCESS_KEY", "AUTH", "NPM_AUTH", "NPM_AUTH_TOKEN", "REGISTRY_CREDENTIALS"}
	ignored := []string{"TOKENIZER", "AUTHOR", "AUTH_TYPE", "AUTH_URL", "PASSWORD_FILE", "DB_PASSWORD_PATH",
		"TOKEN_URL", "AWS_ACCESS_KEY_ID", "SECRET_NAME", "GPG_KEY", "KEYCLOAK_VERSION", "PASSWORD_MIN_LENGTH",
		"MONKEY", "TOKENS_DIR"}
	for _, n := range append(append([]string{}, reported...), ignored...) {
		src += "ARG " + n + "\n"
	}
	var got []string
	for _, f := range findings(t, src) {
		name := strings.Fields(f)[2]
		got = append(got, name)
	}
	require.Equal(t, reported, got)
}
