package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// treeNames are the names a generated tree uses: plain directories, the
// directories a walk skips, and Dockerfile names.
var treeNames = []string{"a", "b", "node_modules", ".git", "vendor", "Dockerfile", "x.Dockerfile", "Containerfile.dev", "Dockerfile.dockerignore"}

// treeContents are the contents of generated Dockerfiles: one that -l
// lists, one that does not change, one that does not parse, one with a NUL
// byte in a comment.
var treeContents = []string{mergeable, "FROM alpine\n", "RUN x\nFROM a\n", "# \x00\n" + mergeable}

// buildTree makes a directory tree in root from the bytes of spec, read as
// a little program: make a directory or a file, go into the directory just
// made or back up, link to an ancestor (a loop), to a file or to nothing,
// make something unreadable, make a FIFO named like a Dockerfile, or nest
// directories deeply with a Dockerfile at the bottom.
func buildTree(t testing.TB, root string, spec []byte) {
	t.Helper()
	cwd := root
	last := ""
	deep := 0
	next := func(i *int) byte {
		if *i >= len(spec) {
			return 0
		}
		b := spec[*i]
		*i++
		return b
	}
	for i := 0; i < len(spec) && i < 200; {
		op := next(&i) % 9
		name := treeNames[int(next(&i))%len(treeNames)]
		p := filepath.Join(cwd, name)
		switch op {
		case 0:
			if os.Mkdir(p, 0o755) == nil {
				last = p
			}
		case 1:
			// A new file only: what is there may be a FIFO.
			if f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
				f.WriteString(treeContents[int(next(&i))%len(treeContents)])
				f.Close()
			}
		case 2:
			if last != "" {
				cwd, last = last, ""
			}
		case 3:
			if cwd != root {
				cwd = filepath.Dir(cwd)
			}
		case 4:
			// A loop: a link to this directory or one above it.
			up := int(next(&i)) % 4
			target := "."
			for j := 0; j < up; j++ {
				target = filepath.Join(target, "..")
			}
			os.Symlink(target, p)
		case 5:
			// A link to a file, or to nothing.
			os.Symlink(treeNames[int(next(&i))%len(treeNames)], p)
		case 6:
			os.Chmod(p, 0)
		case 7:
			syscall.Mkfifo(p, 0o644)
		case 8:
			deep++
			if deep > 2 {
				break
			}
			depth := 1 + int(next(&i))%200
			d := cwd
			for j := 0; j < depth; j++ {
				d = filepath.Join(d, "d")
			}
			if os.MkdirAll(d, 0o755) == nil {
				os.WriteFile(filepath.Join(d, "Dockerfile"), []byte(mergeable), 0o644)
			}
		}
	}
}

// referenceWalk lists what a walk must find below root, as filepath.WalkDir
// finds it: the regular files with Dockerfile names, in lexical order, not
// below .git, node_modules or vendor, not through symbolic links; and the
// directories it cannot read.
func referenceWalk(root string) (files, unreadable []string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			unreadable = append(unreadable, p)
			return nil
		}
		if d.IsDir() {
			if p != root && skipDirs.Get()[d.Name()] {
				return filepath.SkipDir
			}
			if unreadableDir(p) {
				unreadable = append(unreadable, p)
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isDockerfileName(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	return files, unreadable
}

// unreadableDir reports whether a directory lacks read or search
// permission (which root has anyway).
func unreadableDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir() && fi.Mode().Perm()&0o500 != 0o500
}

// FuzzWalk walks generated trees (symbolic link loops, unreadable files and
// directories, FIFOs, deep nesting) with --json, with one worker and with
// several: the run ends, reports exactly the files a reference walk finds,
// in its order, each once, with the same output whatever the number of
// workers, and the files it cannot read as errors.
func FuzzWalk(f *testing.F) {
	for _, seed := range [][]byte{
		{0, 0, 2, 0, 1, 5, 0, 4, 0, 0, 3, 0, 1, 6, 1}, // a/Dockerfile, a link a/a -> ., Dockerfile
		{0, 2, 1, 5, 0, 0, 6, 2},                      // node_modules/Dockerfile, unreadable node_modules
		{0, 0, 6, 0, 2, 0, 1, 5, 0},                   // an unreadable directory with a Dockerfile
		{1, 5, 1, 6, 5, 0},                            // an unreadable Dockerfile
		{7, 5, 7, 6},                                  // FIFOs named Dockerfile
		{8, 0, 255, 1, 6, 2},                          // deep nesting
		{0, 1, 2, 0, 4, 1, 3, 0, 2, 4, 0, 3, 4, 5, 3, 5, 0, 7, 1, 0}, // loops at several levels, links to files
		{1, 5, 2, 1, 6, 3}, // a file that does not parse, one with a NUL byte
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		root := t.TempDir()
		buildTree(t, root, spec)
		defer filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			// Let t.TempDir remove what was made unreadable.
			if d != nil && d.Type()&fs.ModeSymlink == 0 {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		wantFiles, unreadable := referenceWalk(root)
		// Directories without permissions cannot be read, even by root.
		old := readDir
		readDir = func(name string) ([]fs.DirEntry, error) {
			if unreadableDir(name) {
				return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
			}
			return old(name)
		}
		defer func() { readDir = old }()

		var one runOut
		withPool(t, 1, func() { one = runArgs([]string{"--json", "--enable=none", root}, "") })
		withPool(t, 4, func() {
			if got := runArgs([]string{"--json", "--enable=none", root}, ""); got != one {
				t.Fatalf("4 workers:\n%s", firstDiff(got, one))
			}
		})
		if one.code != exitOK && one.code != exitError {
			t.Fatalf("exit %d: %s", one.code, one.stderr)
		}
		if strings.Contains(one.stderr, "internal error") {
			t.Fatalf("%s", one.stderr)
		}
		// The names in the report, in order; each is a file the reference
		// walk found, or a directory it could not read.
		var names []string
		for _, l := range strings.Split(one.stdout, "\n") {
			if n, ok := strings.CutPrefix(strings.TrimSpace(l), `"name": `); ok {
				names = append(names, strings.Trim(strings.TrimSuffix(n, ","), `"`))
			}
		}
		var files []string
		for _, n := range names {
			if !slices.Contains(unreadable, n) {
				files = append(files, n)
			}
		}
		if !slices.Equal(files, wantFiles) {
			t.Fatalf("files\n%q\nwant\n%q", files, wantFiles)
		}
		for _, u := range unreadable {
			if !slices.Contains(names, u) || !strings.Contains(one.stderr, u) {
				t.Errorf("the unreadable %s is not reported: %s", u, one.stderr)
			}
		}
		if (one.code == exitError) != (one.stderr != "") {
			t.Errorf("exit %d with stderr %q", one.code, one.stderr)
		}
	})
}
