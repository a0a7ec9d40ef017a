package cachecleanup

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
)

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

// lacksWords may rule a RUN out only when no command of its program has
// one of the flags as a static argument.
func FuzzLacksWords(f *testing.F) {
	for _, s := range []string{"npm ci --offline", "npm ci --off''line", "npm ci $'--offline'", `npm ci "--offline"`,
		"npm ci --offline=true", `npm ci --off\line`, "dnf -C install x", "npm ci", "npm ci --off$X", "sudo npm i --prefer-offline",
		"pip install -U pip", "pip3 install pip==9.0.3", "python3 -m pip install 'pip>=23'", "curl -s https://bootstrap.pypa.io/get-pip.py | python",
		"pip install p$V==1"} {
		f.Add(s)
	}
	flags := []string{"--offline", "--prefer-offline", "-C"}
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := dockerfile.Parse("Dockerfile", []byte("FROM x\nRUN "+text+"\n"))
		if err != nil || len(doc.Instructions) != 2 {
			return
		}
		r := readRun(doc, doc.Instructions[1])
		if r == nil {
			return
		}
		if lacksWords(doc.Instructions[1], []string{"pip"}) && lastPipChange(r, nil) != 0 {
			t.Fatalf("lacksWords rules out %q, which changes pip", text)
		}
		if !lacksWords(doc.Instructions[1], flags) {
			return
		}
		for _, c := range r.Commands() {
			if c.HasArg(shellparse.ArgIs(flags...)) {
				t.Fatalf("lacksWords rules out %q, whose command %s has one of %v", text, c.Name, flags)
			}
		}
	})
}

func TestLacksWords(t *testing.T) {
	flags := []string{"--offline", "--prefer-offline"}
	for text, want := range map[string]bool{
		"npm ci":                true,
		"npm ci $HOME && x":     true,
		"npm ci --offline":      false,
		"npm ci --offline=true": false,
		`npm ci "x"`:            false, // a quote may make a flag
		"npm ci 'x'":            false,
		`npm ci \x`:             false,
	} {
		doc, err := dockerfile.Parse("Dockerfile", []byte("FROM x\nRUN "+text+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := lacksWords(doc.Instructions[1], flags); got != want {
			t.Errorf("lacksWords(%q) = %v, want %v", text, got, want)
		}
	}
}
