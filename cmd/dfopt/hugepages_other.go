//go:build !(linux && (amd64 || arm64))

package main

// reserveHeap does nothing where dfopt does not ask for huge pages.
func reserveHeap(n int) (start, end uintptr) { return 0, 0 }
