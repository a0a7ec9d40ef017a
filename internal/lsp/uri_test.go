package lsp

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestFilePath(t *testing.T) {
	for _, tc := range []struct {
		uri  DocumentURI
		path string // with slashes; "" for a URI that names no file
	}{
		{"file:///home/me/Dockerfile", "/home/me/Dockerfile"},
		{"file:///tmp/my%20dir/Docker%66ile", "/tmp/my dir/Dockerfile"},
		{"file:///tmp/%C3%A9t%C3%A9/Dockerfile", "/tmp/été/Dockerfile"},
		{"file:///tmp/a+b@c,d;e=f!~'()*&$", "/tmp/a+b@c,d;e=f!~'()*&$"},
		{"file:///tmp/a%2Bb%40c%2Cd%3Be%3Df%21~%27%28%29%2A%26%24", "/tmp/a+b@c,d;e=f!~'()*&$"},
		{"file:///tmp/a%2Fb", "/tmp/a/b"},
		// Escapes decode to bytes, even those that are not UTF-8 (a file
		// name in Latin-1, as Neovim writes it).
		{"file:///tmp/caf%e9/x", "/tmp/caf\xe9/x"},
		// A percent sign that begins no escape is itself.
		{"file:///tmp/%zz/x", "/tmp/%zz/x"},
		{"file:///tmp/100%", "/tmp/100%"},
		{"file:///tmp/a%4", "/tmp/a%4"},
		// Windows drives, as VS Code and as other clients write them: the
		// letter lower-cased, the leading slash dropped.
		{"file:///c%3A/Users/x/Dockerfile", "c:/Users/x/Dockerfile"},
		{"file:///C:/Users/x/Dockerfile", "c:/Users/x/Dockerfile"},
		{"file:///C%3a/Users/x/Dockerfile", "c:/Users/x/Dockerfile"},
		// A host makes a UNC path, but localhost is this machine.
		{"file://server/share/x", "//server/share/x"},
		{"file://server", "/"},
		{"file://localhost/etc/x", "/etc/x"},
		{"file:///tmp/x?a=b#frag", "/tmp/x"},
		{"file:///tmp/x#frag", "/tmp/x"},
		{"FILE:///tmp/x", "/tmp/x"},
		{"file:/tmp/x", "/tmp/x"},
		{"file:Dockerfile", "/Dockerfile"},
		{"file:", "/"},
		{"untitled:Untitled-1", ""},
		{"https://example.com/Dockerfile", ""},
		{"", ""},
		{"::not a uri", ""},
	} {
		got, ok := tc.uri.FilePath()
		want := filepath.FromSlash(tc.path)
		if got != want || ok != (tc.path != "") {
			t.Errorf("%q: got %q, %v; want %q", tc.uri, got, ok, want)
		}
	}
}

func TestFileURI(t *testing.T) {
	for _, tc := range []struct {
		path string
		uri  DocumentURI
	}{
		{"/home/me/Dockerfile", "file:///home/me/Dockerfile"},
		{"/tmp/my dir/a+b@c,d;e=f!~'()*&$", "file:///tmp/my%20dir/a%2Bb%40c%2Cd%3Be%3Df%21~%27%28%29%2A%26%24"},
		{"/tmp/été/x", "file:///tmp/%C3%A9t%C3%A9/x"},
		{"/tmp/a%b", "file:///tmp/a%25b"},
		{"C:/Users/x", "file:///c%3A/Users/x"},
		{"//server/share/x", "file://server/share/x"},
	} {
		if got := FileURI(filepath.FromSlash(tc.path)); got != tc.uri {
			t.Errorf("%q: got %q, want %q", tc.path, got, tc.uri)
		}
	}
	// A backslash is a separator on Windows only.
	want := DocumentURI("file:///tmp/back%5Cslash")
	if runtime.GOOS == "windows" {
		want = "file:///tmp/back/slash"
	}
	if got := FileURI(`/tmp/back\slash`); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FilePath undoes FileURI.
func TestFileURIRoundTrip(t *testing.T) {
	for _, p := range []string{"/", "/a/b c/d", "/tmp/%41/\xff/été/~x/a+b", "c:/x/y", "//host/share/z"} {
		p = filepath.FromSlash(p)
		got, ok := FileURI(p).FilePath()
		if !ok || got != p {
			t.Errorf("%q: got back %q", p, got)
		}
	}
}
