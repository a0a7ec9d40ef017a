package shellparse

import (
	"strings"
	"unicode"
)

// NameWords splits the name of a variable or an option into its words, in
// lower case: at every byte that is neither a letter nor a digit, and where
// an upper-case letter follows a lower-case letter or a digit
// (listenAddr, API_KEY, --http-port, s3Bucket: listen addr, api key, http
// port, s3 bucket).
func NameWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}
