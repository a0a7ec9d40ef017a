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
		if setsErrexit(prog) && !mayCallSet(src) {
			t.Errorf("%q sets errexit, the quick test says no", src)
		}
	}
	if mayCallSet("apt-get update && make -j4 && echo $X") {
		t.Error("the quick test should rule out a program without set")
	}
}

// TestMayRemove checks that the quick test never rules out a program whose
// removals removesWorkdir reads.
func TestMayRemove(t *testing.T) {
	for _, src := range []string{
		"rm -rf /srv/work", "r'm' -rf /srv/work", `r"m" -rf /srv`, `\rm -rf /srv`, "rmdir /srv/work",
		"mv /srv/work /srv/old", "m''v /srv/work /x", "find /srv -delete", "unlink /srv/work",
	} {
		if !mayRemove(src) {
			t.Errorf("%q may remove, the quick test says no", src)
		}
	}
	if mayRemove("apt-get update && make -j4 && echo $X") {
		t.Error("the quick test should rule out a program that removes nothing")
	}
}
