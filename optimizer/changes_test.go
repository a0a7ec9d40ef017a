package optimizer

import (
	"slices"
	"testing"
)

// The passes that change the image configuration on purpose declare what
// they change, and the declaration reaches the findings and the result.
func TestDeclaredChanges(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		pass      string
		want      []string
	}{
		{"exec-form CMD", "FROM debian:bookworm\nCMD python3 app.py\n", "exec-form", []string{"Cmd"}},
		{"exec-form ENTRYPOINT", "FROM debian:bookworm\nENTRYPOINT python3 app.py\n", "exec-form", []string{"Entrypoint"}},
		{"tini", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\", \"--version\"]\n",
			"tini", []string{"Entrypoint"}},
		{"maintainer-label", "FROM debian:bookworm\nMAINTAINER Jane Doe <jane@example.com>\n", "maintainer-label",
			[]string{"Author", "Labels[org.opencontainers.image.authors]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Optimize([]byte(tc.src), Options{Enable: []string{tc.pass}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed() {
				t.Fatalf("%s changes nothing:\n%s", tc.pass, res.Output)
			}
			if got := res.Changes(); !slices.Equal(got, tc.want) {
				t.Errorf("Changes() = %q, want %q", got, tc.want)
			}
			for _, f := range res.Findings {
				if f.Fixed && !slices.Equal(f.Changes, tc.want) {
					t.Errorf("finding %s: Changes %q, want %q", f, f.Changes, tc.want)
				}
			}
		})
	}
	// A safe pass declares nothing.
	res, err := Optimize([]byte("FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed() || len(res.Changes()) != 0 {
		t.Errorf("safe passes: changed %v, Changes %q", res.Changed(), res.Changes())
	}
}
