package curlpipeshell

import (
	"regexp"
	"testing"
)

// TestNames checks the command name tests against the regular expressions
// they stand for.
func TestNames(t *testing.T) {
	sum := regexp.MustCompile(`^(sha(1|224|256|384|512)sum|shasum|md5sum|b2sum|cksum)$`)
	interp := regexp.MustCompile(`^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs)$`)
	for _, name := range []string{
		"", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "sha128sum", "shasum", "md5sum",
		"b2sum", "cksum", "sha256sum ", "xsha1sum", "sha1sums", "md5", "sum",
		"python", "python3", "python3.12", "python.", "python3a", "pythonw", "perl", "perl5.36", "perl-5",
		"ruby", "ruby3.2", "rubyx", "node", "nodejs", "node18", "nodejs2", "py", "sh", "bash", "python\n", "\npython",
	} {
		if got, want := isSumCommand(name), sum.MatchString(name); got != want {
			t.Errorf("isSumCommand(%q) = %v, want %v", name, got, want)
		}
		if got, want := isInterpreter(name), interp.MatchString(name); got != want {
			t.Errorf("isInterpreter(%q) = %v, want %v", name, got, want)
		}
	}
}
