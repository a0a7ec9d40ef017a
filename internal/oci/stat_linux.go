//go:build linux

package oci

import (
	"io/fs"
	"syscall"
)

type statInfo struct {
	uid, gid     int
	nlink        uint64
	dev, ino     uint64
	major, minor int64
}

func statOf(fi fs.FileInfo) statInfo {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statInfo{nlink: 1}
	}
	rdev := uint64(st.Rdev)
	return statInfo{
		uid:   int(st.Uid),
		gid:   int(st.Gid),
		nlink: uint64(st.Nlink),
		dev:   uint64(st.Dev),
		ino:   st.Ino,
		// Same encoding as glibc's gnu_dev_major/gnu_dev_minor.
		major: int64(((rdev >> 8) & 0xfff) | ((rdev >> 32) &^ 0xfff)),
		minor: int64((rdev & 0xff) | ((rdev >> 12) &^ 0xff)),
	}
}
