package pkgmgr

import (
	"regexp"
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

// IsPip spells out ^pip(\d+(\.\d+)?)?$.
func FuzzIsPip(f *testing.F) {
	re := regexp.MustCompile(`^pip(\d+(\.\d+)?)?$`)
	for _, s := range []string{"", "pip", "pip3", "pip3.12", "pip3.", "pip.3", "pip3.1.2", "pipx", "pip-3", "xpip",
		"pip3.x", "pip33.1", "pip٣", "PIP", "pip3\n", "pip3.12a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := IsPip(name), re.MatchString(name); got != want {
			t.Fatalf("IsPip(%q) = %v, the expression says %v", name, got, want)
		}
	})
}

// cleanupForm spells out the expression of its comment.
func FuzzCleanupForm(f *testing.F) {
	component := `[A-Za-z0-9._@+*-]+`
	absPath := `(/` + component + `){2,}/?`
	homePath := `"\$HOME"(/` + component + `)+/?`
	rmForm := `rm -rf( (` + absPath + `|` + homePath + `))+`
	re := regexp.MustCompile(`^(` + rmForm + `|sudo ` + rmForm + `|\{ sudo ` + rmForm + ` \|\| true; \})$`)
	for _, s := range []string{"", "rm -rf /var/lib/apt/lists/*", "rm -rf /tmp", "rm -rf /a/b/", "rm -rf /a/b//", "rm -rf /a//b",
		"rm -rf  /a/b", "rm -rf /a/b ", `rm -rf "$HOME"/.cache`, `rm -rf "$HOME"`, `rm -rf "$HOME"/`, "sudo rm -rf /a/b /c/d",
		"sudo sudo rm -rf /a/b", "{ sudo rm -rf /a/b || true; }", "{ rm -rf /a/b || true; }", "{ sudo rm -rf /a/b || true; } ",
		"rm -rf /a/$X", "rm -rf /a/b\n", "rm -fr /a/b", "rm -rf ~/.cache/pip", "rm -rf /a/b\t/c/d", "rm -rf /a/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanupForm(s), re.MatchString(s); got != want {
			t.Fatalf("cleanupForm(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
