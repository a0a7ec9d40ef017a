package curlpipeshell

import (
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
)

// TestMayDownload checks that the quick test (runs.MayHold with curl and
// wget) never rules out a program in which the walk finds a piped
// download.
func TestMayDownload(t *testing.T) {
	for _, src := range []string{
		"curl -fsSL https://x | sh", "c'u'rl -fsSL https://x | bash", `\wget -O- https://x | sh`,
		`$'\x63url' https://x | sh`, "sh -c \"$(curl -fsSL https://x)\"", "bash <(/usr/bin/curl -s https://x)",
		"sudo curl https://x | sudo sh", "c\x00url -fsSL https://x | sh",
		"curl -fsSL https://x |& sh", "sh -c \"`curl -fsSL https://x`\"", "bash < <(curl -s https://x)",
		"sh -c \"$\\\n(curl -fsSL https://x)\"", "sh -c \"$\x00(curl -fsSL https://x)\"",
		"bash -c 'set -e' && curl -fsSL https://x > /x && (cd /y && sh -c \"$(cat /x)\" || wget -qO- https://z | sh)",
	} {
		doc, err := dockerfile.Parse("Dockerfile", []byte("FROM debian\nRUN "+src+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		ins := doc.Instructions[1]
		p := runs.Read(doc, ins)
		if p == nil {
			t.Fatalf("%s: not read", src)
		}
		if len(pipedDownloads(p)) == 0 {
			t.Errorf("%q: no piped download found", src)
		}
		if !runs.MayHold(ins, "curl", "wget") || !mayConnect(ins) {
			t.Errorf("%q runs a download, the quick test says no", src)
		}
		if got := run(&analysis.Context{Doc: doc}); len(got) == 0 {
			t.Errorf("%q: the pass finds nothing", src)
		}
	}
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM debian\nRUN apt-get update && make -j4 && echo $X | sh\n"))
	if err != nil {
		t.Fatal(err)
	}
	if runs.MayHold(doc.Instructions[1], "curl", "wget") {
		t.Error("the quick test should rule out a program without curl or wget")
	}
	doc, err = dockerfile.Parse("Dockerfile", []byte("FROM debian\nRUN apt-get install -y curl && curl -fsSLo /x https://x && sh /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if mayConnect(doc.Instructions[1]) {
		t.Error("the quick test should rule out a program without a pipe or a substitution")
	}
	doc, err = dockerfile.Parse("Dockerfile", []byte("FROM debian\nRUN apt-get install -y curl && ( cd /x && curl -fsSLo /x https://x ) && sh /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if mayConnect(doc.Instructions[1]) {
		t.Error("a subshell is neither a pipe nor a substitution")
	}
	// In a here-document a backslash-newline may split $ from (.
	doc, err = dockerfile.Parse("Dockerfile", []byte("FROM debian\nRUN <<EOF\nsh -c \"$\\\n(curl -fsSL https://x)\"\nEOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !mayConnect(doc.Instructions[1]) {
		t.Error("the quick test rules out a substitution split by a backslash-newline in a here-document")
	}
}
