package lazy

import (
	"sync"
	"testing"
)

func TestValue(t *testing.T) {
	calls := 0
	v := &Value[map[string]bool]{New: func() map[string]bool {
		calls++
		return map[string]bool{"a": true}
	}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !v.Get()["a"] {
				t.Error("Get: no a")
			}
		}()
	}
	wg.Wait()
	if calls != 1 {
		t.Fatalf("New ran %d times, want 1", calls)
	}
}

// A package-level Value is data: its initialization runs no code and
// allocates nothing.
var static = Value[[]string]{New: func() []string { return []string{"x"} }}

func TestStatic(t *testing.T) {
	if got := static.Get(); len(got) != 1 || got[0] != "x" {
		t.Fatalf("Get = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = static.Get() }); n != 0 {
		t.Fatalf("Get allocates %v times", n)
	}
}
