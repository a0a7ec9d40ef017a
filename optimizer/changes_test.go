package optimizer

import (
	"slices"
	"testing"
)

var debRecords = []string{"/var/lib/dpkg", "/var/lib/apt/extended_states", "/var/log/apt", "/var/log/dpkg.log",
	"/var/log/alternatives.log", "/var/cache/apt", "/var/cache/debconf", "/var/cache/ldconfig"}

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
		// tini declares its package's files and what apt and dpkg
		// record of the install.
		{"tini", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\", \"--version\"]\n",
			"tini", append([]string{"Entrypoint", "/usr/bin/tini", "/usr/bin/tini-static", "/usr/share/doc/tini"}, debRecords...)},
		// An exec put in front of a shell-form CMD's program changes Cmd.
		{"tini shell CMD", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nCMD cd /tmp && curl --version\n",
			"tini", append([]string{"Entrypoint", "Cmd", "/usr/bin/tini", "/usr/bin/tini-static", "/usr/share/doc/tini"}, debRecords...)},
		{"tini alpine", "FROM alpine:3.20\nCMD [\"sh\"]\n",
			"tini", []string{"Entrypoint", "/sbin/tini", "/lib/apk/db", "/etc/apk/world", "/var/cache/apk", "/etc/apk/cache"}},
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
