package baseimage

import (
	"strings"
	"testing"
)

// pipFactsOf answers as the table of every tag that pip.txt's lines make,
// the last line that lists a tag winning.
func TestPipFactsOf(t *testing.T) {
	table := map[string]pipFacts{}
	for line := range strings.Lines(pipData) {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "pip" || f[1] != "python" {
			continue
		}
		for _, tag := range f[4:] {
			table[tag] = pipFacts{last: f[2], oldest: f[3]}
		}
	}
	if len(table) < 100 {
		t.Fatalf("pip.txt lists %d tags", len(table))
	}
	for tag, want := range table {
		for range 2 { // looked up, then remembered
			if got, ok := pipFactsOf(tag); !ok || got != want {
				t.Fatalf("pipFactsOf(%q) = %v, %v; want %v", tag, got, ok, want)
			}
		}
	}
	for _, tag := range []string{"", "3", "pip", "python", "nope", "3.12-nope", "?"} {
		if _, want := table[tag]; want {
			continue
		}
		if got, ok := pipFactsOf(tag); ok {
			t.Errorf("pipFactsOf(%q) = %v, want none", tag, got)
		}
	}
}
