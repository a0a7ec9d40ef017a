// Package lazy holds values computed on first use instead of when their
// package is initialized. dfopt starts a process per file in editors and
// scripts, and a package-level map literal is built by code that runs,
// and memory that is touched, in every process, whether or not the run
// reads the map. A
//
//	var fooSet = map[string]bool{...}
//
// becomes
//
//	var fooSet = lazy.Value[map[string]bool]{New: func() map[string]bool {
//		return map[string]bool{...}
//	}}
//
// which the compiler lays out as data (the function has no free
// variables), and its uses read fooSet.Get(). Get builds the value once
// per process, so a table every file reads costs no more per file than
// the map did.
package lazy

import "sync"

// Value is a value that New computes on first use. It is safe for
// concurrent use; it must not be copied after first use.
type Value[T any] struct {
	// New computes the value. Callers must not modify what it returns
	// (a map or a slice is shared by every caller).
	New func() T

	once sync.Once
	v    T
}

// Get returns the value, computing it on the first call.
func (l *Value[T]) Get() T {
	l.once.Do(l.init)
	return l.v
}

func (l *Value[T]) init() { l.v = l.New() }
