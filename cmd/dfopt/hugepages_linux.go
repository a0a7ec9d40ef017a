//go:build linux && (amd64 || arm64)

package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on amd64 and arm64 (with
// 4 KB base pages).
const hugePage = 2 << 20

// maxAround bounds the rest of the heap's mapping that a reservation
// advises with it.
const maxAround = 256 << 20

// reserveHeap makes the heap grow by n bytes at once and advises the kernel
// to back them with huge pages, and the rest of the heap the runtime has
// mapped with them too: once the allocation is freed, the runtime allocates
// from the lowest free pages, the untouched part of what it had mapped
// before. It returns the range it advised (for the tests), empty if it
// advised none. The allocation is made with the collector off, so that no
// collection sees it live; the first collection after it frees it.
func reserveHeap(n int) (start, end uintptr) {
	if n < 2*hugePage {
		return 0, 0
	}
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	// A large allocation from fresh memory is not cleared (the kernel's
	// pages are zero), so this maps n bytes without touching one.
	b := make([]byte, n)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start = (p + hugePage - 1) &^ (hugePage - 1)
	end = (p + uintptr(n)) &^ (hugePage - 1)
	// The runtime maps its heap upwards in 4 MB chunks, which the kernel
	// merges into one mapping: the allocation's, unless the heap is
	// larger than it looks.
	if lo, hi, ok := mappingOf(p); ok && hi-lo <= uintptr(n)+maxAround {
		start = (lo + hugePage - 1) &^ (hugePage - 1)
		end = hi &^ (hugePage - 1)
	}
	if start >= end {
		return 0, 0
	}
	// An error (a kernel without transparent huge pages) leaves the
	// heap as it would have been.
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, syscall.MADV_HUGEPAGE); errno != 0 {
		start, end = 0, 0
	}
	runtime.KeepAlive(b)
	return start, end
}

// mappingOf returns the range of the mapping of the process that holds
// address p, read from /proc/self/maps.
func mappingOf(p uintptr) (lo, hi uintptr, ok bool) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, false
	}
	for line := range bytes.Lines(maps) {
		// "start-end perms offset dev inode path", addresses in hex.
		rng, _, _ := bytes.Cut(line, []byte(" "))
		a, b, found := bytes.Cut(rng, []byte("-"))
		if !found {
			continue
		}
		start, err1 := strconv.ParseUint(string(a), 16, 64)
		end, err2 := strconv.ParseUint(string(b), 16, 64)
		if err1 == nil && err2 == nil && uintptr(start) <= p && p < uintptr(end) {
			return uintptr(start), uintptr(end), true
		}
	}
	return 0, 0, false
}
