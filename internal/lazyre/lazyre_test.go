package lazyre

import (
	"slices"
	"testing"
)

func TestLazy(t *testing.T) {
	re := New(`^a(b+)$`)
	if !slices.Contains(All(), re) {
		t.Fatal("All does not list the new expression")
	}
	if got := re.String(); got != `^a(b+)$` {
		t.Errorf("String() = %q", got)
	}
	if re.Get() != re.Get() {
		t.Error("Get compiles the expression more than once")
	}
	if !re.MatchString("abb") || re.MatchString("ab c") {
		t.Error("MatchString does not match as the expression says")
	}
	if got := re.FindStringSubmatch("abbb"); len(got) != 2 || got[1] != "bbb" {
		t.Errorf("FindStringSubmatch = %q", got)
	}
}

func TestInvalid(t *testing.T) {
	re := New(`(`)
	if re.Compile() == nil {
		t.Fatal("Compile accepts an invalid expression")
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression does not panic on first use")
		}
	}()
	re.MatchString("x")
}
