package fromascasing

import (
	"math/rand"
	"regexp"
	"testing"
)

// TestAsKeyword checks asKeyword against the regular expression it stands
// for, on chosen and random arguments.
func TestAsKeyword(t *testing.T) {
	re := regexp.MustCompile(`^(\S+)([ \t]+)([aA][sS])[ \t]`)
	args := []string{
		"", "a", "a as", "a as b", "a AS b", "a As\tb", "a\taS  b", "a  as b", " a as b", "a\nas b", "a\ras b",
		"a \fas b", "a asb", "a a s b", "a as\nb", "é as b", "\xff as b", "a\t \tas\t", "as as as", "a  s b",
	}
	r := rand.New(rand.NewSource(1))
	alphabet := "aAsSx \t\n\r\f\xc3\xa9"
	for range 20000 {
		b := make([]byte, r.Intn(8))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		args = append(args, string(b))
	}
	for _, a := range args {
		m := re.FindStringSubmatchIndex(a)
		at, ok := asKeyword(a)
		if ok != (m != nil) || ok && (at != m[6] || at+2 != m[7]) {
			t.Errorf("asKeyword(%q) = %d, %v; the expression says %v", a, at, ok, m)
		}
	}
}
