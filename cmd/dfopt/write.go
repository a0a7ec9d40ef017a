package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dfopt/dfopt/optimizer"
)

// rename moves the written temporary file over the original; tests
// replace it.
var rename = os.Rename

// writeAll writes what -w writes for one Dockerfile: the files of the build
// context that its fixes change (such as .dockerignore), then the
// Dockerfile itself when it changed. Nothing is written unless every file
// is still as dfopt read it (a new context file still absent); each write
// checks again right before it replaces its file. If a context file cannot
// be written, the Dockerfile is left as it was.
func (r *runner) writeAll(name string, res *optimizer.Result, info fs.FileInfo, sides []sideFile) error {
	type target struct {
		path      string
		data, old []byte
		existed   bool
		info      fs.FileInfo
	}
	var targets []target
	for _, sf := range sides {
		t := target{path: sf.disk, data: sf.Output, old: sf.Input, existed: sf.Existed}
		if sf.Existed {
			fi, err := os.Lstat(sf.disk)
			if err != nil || !fi.Mode().IsRegular() {
				return fmt.Errorf("%s: refusing to rewrite it: not a regular file", sf.disk)
			}
			t.info = fi
		}
		targets = append(targets, t)
	}
	if res.Changed() {
		targets = append(targets, target{path: name, data: res.Output, old: res.Input, existed: true, info: info})
	}
	for _, t := range targets {
		if err := unchanged(t.path, t.old, t.existed); err != nil {
			return err
		}
	}
	for _, t := range targets {
		if err := writeFile(t.path, t.data, t.old, t.existed, t.info); err != nil {
			return err
		}
	}
	return nil
}

// unchanged checks that the file at path still holds old, what dfopt read
// (or, when it did not exist, that it still does not).
func unchanged(path string, old []byte, existed bool) error {
	if !existed {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: appeared while dfopt ran; not overwriting it", path)
		}
		return nil
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("%s: changed on disk while dfopt ran (%v); not overwriting it", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: changed on disk while dfopt ran (no longer a regular file); not overwriting it", path)
	}
	cur, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, old) {
		return fmt.Errorf("%s: changed on disk while dfopt ran; not overwriting it", path)
	}
	return nil
}

// writeFile replaces the file at path with data: it writes a temporary
// file in the same directory, syncs it, gives it the mode (and, where
// allowed, the owner) of the original (info; a new file gets mode 0644),
// checks that the original still holds old, what dfopt read, and renames
// the temporary file over it. A file that did not exist (existed false) is
// created only if it still does not: the temporary file is linked to its
// name, which fails if the name is taken. On any failure the temporary
// file is removed and the original is left as it was.
//
// Between the check and the rename, a few microseconds, a concurrent
// writer still wins the race and loses its write; no system call closes
// that window for a rename over an existing file.
func writeFile(path string, data, old []byte, existed bool, info fs.FileInfo) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".dfopt-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	mode := fs.FileMode(0o644) // a new file
	if info != nil {
		keepOwner(tmp, info)
		mode = info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if !existed {
		switch lerr := os.Link(tmpName, path); {
		case lerr == nil:
			os.Remove(tmpName)
			return nil
		case errors.Is(lerr, fs.ErrExist):
			return fmt.Errorf("%s: appeared while dfopt ran; not overwriting it", path)
		}
		// No hard links here: check, then rename.
	}
	if err = unchanged(path, old, existed); err != nil {
		return err
	}
	if err = rename(tmpName, path); err != nil {
		return fmt.Errorf("%s: not rewritten: %w", path, err)
	}
	return nil
}
