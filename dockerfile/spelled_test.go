package dockerfile_test

import (
	"regexp"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
)

// IsPlainPath, IsRemoteSource and Only spell out regular expressions; each
// must accept what its expression matches, and nothing else.
func FuzzSpelledOut(f *testing.F) {
	plainPath := regexp.MustCompile(`^[A-Za-z0-9._/@+=,-]+$`)
	remote := regexp.MustCompile(`^[a-zA-Z0-9]+://`)
	scp := regexp.MustCompile(`^[a-zA-Z0-9-_]+@[a-zA-Z0-9-.]+:`)
	only := regexp.MustCompile(`^[A-Za-z0-9:%]*$`)
	for _, s := range []string{"", "a", "/app/x.txt", "a b", "$X", "ö", "http://x", "HTTPS://x/y", "git@github.com:o/r",
		"git@host", "@h:x", "u@:x", "u_1@h-1.x:p", "u@h/x:p", "://x", "1a://", "s3://b", "x:%", "é:", "a=b,c+d@e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := dockerfile.IsPlainPath(s), plainPath.MatchString(s); got != want {
			t.Errorf("IsPlainPath(%q) = %v, the expression says %v", s, got, want)
		}
		if got, want := dockerfile.IsRemoteSource(s), remote.MatchString(s) || scp.MatchString(s); got != want {
			t.Errorf("IsRemoteSource(%q) = %v, the expressions say %v", s, got, want)
		}
		if got, want := dockerfile.Only(s, ":%"), only.MatchString(s); got != want {
			t.Errorf("Only(%q, \":%%\") = %v, the expression says %v", s, got, want)
		}
	})
}
