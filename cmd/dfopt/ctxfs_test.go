package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// contextFS behaves as a file system (testing/fstest), and answers from
// what it read first: a file removed afterwards is still listed, stat'ed
// and read, as the run's first Dockerfile saw it.
func TestContextFS(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "package.json"), `{"name": "x"}`)
	writeTestFile(t, filepath.Join(dir, "src", "main.js"), "x\n")
	writeTestFile(t, filepath.Join(dir, "big.bin"), strings.Repeat("x", maxContextFile+1))
	if err := os.Symlink("src/main.js", filepath.Join(dir, "link.js")); err != nil {
		t.Fatal(err)
	}
	c := newContextFS(dir)
	if err := fstest.TestFS(c, "package.json", "src/main.js", "big.bin", "link.js"); err != nil {
		t.Fatal(err)
	}

	entries, err := fs.ReadDir(c, ".")
	if err != nil || len(entries) != 4 {
		t.Fatalf("%v %v", entries, err)
	}
	entries[0] = nil // the caller's slice is its own
	info, _ := entries[1].Info()
	if err := os.RemoveAll(filepath.Join(dir, "src")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "package.json"))
	again, _ := fs.ReadDir(c, ".")
	if len(again) != 4 || again[0] == nil {
		t.Errorf("listing changed: %v", again)
	}
	if info2, _ := again[1].Info(); info2 != info {
		t.Errorf("Info read again")
	}
	if data, err := fs.ReadFile(c, "package.json"); err != nil || string(data) != `{"name": "x"}` {
		t.Errorf("package.json: %q %v", data, err)
	}
	if fi, err := fs.Stat(c, "src/main.js"); err != nil || fi.Size() != 2 {
		t.Errorf("src/main.js: %v %v", fi, err)
	}
	if target, err := fs.ReadLink(c, "link.js"); err != nil || target != "src/main.js" {
		t.Errorf("link.js: %q %v", target, err)
	}
	if _, err := fs.Stat(c, "missing"); err == nil {
		t.Errorf("missing file found")
	}
	// What ReadFile returns is the caller's to change.
	data, _ := fs.ReadFile(c, "package.json")
	data[0] = 'X'
	if again, _ := fs.ReadFile(c, "package.json"); again[0] != '{' {
		t.Errorf("kept content changed")
	}
	// A large file is not kept.
	os.Remove(filepath.Join(dir, "big.bin"))
	if _, err := fs.ReadFile(c, "big.bin"); err == nil {
		t.Errorf("a large file was kept")
	}
}

// The Dockerfiles of a run share the view of their context directory; a
// run that writes (-w) does not use one.
func TestContextFSShared(t *testing.T) {
	dir := t.TempDir()
	r := &runner{cfg: &config{}, ctxs: &contexts{}}
	a, b := r.contextFS(dir), r.contextFS(dir+string(filepath.Separator)+".")
	if a == nil || a != b {
		t.Errorf("not shared: %v %v", a, b)
	}
	if r.contextFS(t.TempDir()) == a || r.contextFS("") != nil {
		t.Errorf("shared across directories, or made for none")
	}
	w := &runner{cfg: &config{write: true}, ctxs: &contexts{}}
	if w.contextFS(dir) != nil {
		t.Errorf("-w uses a kept view")
	}
}
