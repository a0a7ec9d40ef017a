package stages

import (
	"regexp"
	"testing"
)

// plainValue spells out ^[A-Za-z0-9._/@+,:=-]*$.
func FuzzPlainValue(f *testing.F) {
	re := regexp.MustCompile(`^[A-Za-z0-9._/@+,:=-]*$`)
	for _, s := range []string{"", "/home/app", "a b", "$HOME", "x:y=z,w+v@u", "é", "a\n", "~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := plainValue(s), re.MatchString(s); got != want {
			t.Fatalf("plainValue(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
