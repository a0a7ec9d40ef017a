package pkgmgr

import (
	"strings"
	"testing"
)

// OtherListReader and OtherListReaderCmd skip their regexps on a text
// without "apt", "unattended-upgrade" or "gdebi": every match holds one.
func FuzzListReaderPrefilter(f *testing.F) {
	for _, s := range []string{"", "aptitude update", "ls /var/lib/apt/lists", "unattended-upgrade -d",
		"gdebi x.deb", "synaptic", "python3 -c 'import apt_pkg'", "from apt import x", "xargs apt-get install",
		"sh -c \"apt update\"", "apt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pass := strings.Contains(text, "apt") || strings.Contains(text, "unattended-upgrade") || strings.Contains(text, "gdebi")
		if otherListReaders.MatchString(text) && !pass {
			t.Fatalf("otherListReaders matches %q, which the prefilter rules out", text)
		}
		if wrappedApt.MatchString(text) && !strings.Contains(text, "apt") {
			t.Fatalf("wrappedApt matches %q, which holds no \"apt\"", text)
		}
	})
}
