package cachecleanup

import "testing"

var prefilterSeeds = []string{
	"", "sh", "bash", "fish", "shell", "sha256sum x", "curl -fsSL https://x | sh",
	"curl x | sudo -E bash -", "RUN sh -c 'x'", "sh ./install", "./install.sh", "a.sh;",
	"dpkg -i x", "dpkg --install x", "apt-get install ./x.deb", "x.debian", "ksh\tfoo",
	"echo sh_x", "echo sh\u00e9", "zsh", "(sh x)", "a=1\nsh y",
}

// The prefilter is only a shortcut: it must let every text through that
// the regexp matches.
func FuzzScriptChangePrefilter(f *testing.F) {
	for _, s := range prefilterSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if scriptChangeRE.FindString(text) != "" && !mayChangeScript(text) {
			t.Fatalf("mayChangeScript(%q) = false, but scriptChangeRE matches %q", text, scriptChangeRE.FindString(text))
		}
	})
}

func TestScriptChangePrefilter(t *testing.T) {
	for _, s := range prefilterSeeds {
		if got, want := mayChangeScript(s), scriptChangeRE.MatchString(s); want && !got {
			t.Errorf("mayChangeScript(%q) = false, but the regexp matches", s)
		}
	}
	for _, s := range []string{"shell", "sha256sum x", "echo sh_x", "pip install flask"} {
		if mayChangeScript(s) {
			t.Errorf("mayChangeScript(%q) = true, want false", s)
		}
	}
}
