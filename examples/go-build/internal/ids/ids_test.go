package ids

import "testing"

func TestNew(t *testing.T) {
	if a, b := New(), New(); a == b || len(a) != 36 {
		t.Errorf("New() = %q, %q", a, b)
	}
}
