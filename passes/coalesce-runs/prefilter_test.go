package coalesceruns

import (
	"testing"

	"github.com/dfopt/dfopt/shellparse"
)

// TestMayCallSet checks that the quick test never rules out a program in
// which setsErrexit finds a set.
func TestMayCallSet(t *testing.T) {
	for _, src := range []string{
		"set -e", "s'e't -e", `s"e"t -e`, `\set -e`, `$'\x73et' -e`, "command set -o errexit",
		"sudo set -e", "/bin/set -e", "( set -eu; true )", "f() { set -e; }",
		"apt-get update && apt-get install -y x", "echo settings", "set +e",
	} {
		prog, err := shellparse.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if setsErrexit(prog.File) && !mayCallSet(src) {
			t.Errorf("%q sets errexit, the quick test says no", src)
		}
	}
	if mayCallSet("apt-get update && make -j4 && echo $X") {
		t.Error("the quick test should rule out a program without set")
	}
}
