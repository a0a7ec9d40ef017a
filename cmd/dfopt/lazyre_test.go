package main

import (
	"testing"

	"github.com/dfopt/dfopt/internal/lazyre"
)

// TestRegexps compiles every regular expression that the command's
// packages compile on first use: an invalid one fails here, not in the
// run that first needs it.
func TestRegexps(t *testing.T) {
	all := lazyre.All()
	if len(all) < 50 {
		t.Fatalf("only %d expressions registered", len(all))
	}
	for _, re := range all {
		if err := re.Compile(); err != nil {
			t.Errorf("%s: %v", re, err)
		}
	}
}
