package verify

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/oci"
)

func TestDeclaredApply(t *testing.T) {
	changes := declaredList(map[string][]string{"tini": {"Entrypoint", "/usr/bin/tini"}, "exec-form": {"Cmd"}},
		[]string{"Env[MODE]", "~/.config/app/"})
	want := []DeclaredChange{{"/usr/bin/tini", "tini"}, {"Cmd", "exec-form"}, {"Entrypoint", "tini"},
		{"Env[MODE]", ByCaller}, {"~/.config/app/", ByCaller}}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("declaredList:\n got %+v\nwant %+v", changes, want)
	}
	d := sortDeclared(changes)
	rep := &Report{
		Differences: []Difference{
			{Path: "/etc/app.conf", Kind: "changed"},
			{Path: "/home/app/.config/app/x", Kind: "added"},
			{Path: "/usr/bin/tini", Kind: "added"},
		},
	}
	rep.ConfigDifferences = CompareConfig(
		configOf([]string{"app"}, nil, []string{"MODE=dev", "HOME=/root"}),
		configOf([]string{"app"}, []string{"/usr/bin/tini", "--"}, []string{"MODE=prod", "HOME=/home/app"}), d.config)
	d.apply(rep, func(field, key string) bool { return true })
	if len(rep.Differences) != 1 || rep.Differences[0].Path != "/etc/app.conf" || len(rep.ChangedPaths) != 2 {
		t.Errorf("differences %+v, changed on purpose %+v", rep.Differences, rep.ChangedPaths)
	}
	var got []string
	for _, c := range rep.ConfigDifferences {
		got = append(got, c.Field+"["+c.Key+"] "+c.AllowedBy)
	}
	if !reflect.DeepEqual(got, []string{"Entrypoint[] tini", "Env[HOME] ", "Env[MODE] --changes"}) {
		t.Errorf("configuration differences %q", got)
	}

	// With a new base, what the original inherits from its base changes
	// with it; what its Dockerfile sets does not.
	d = sortDeclared([]DeclaredChange{{"base", "multi-stage"}})
	rep = &Report{Differences: []Difference{{Path: "/usr/lib/go/bin/go", Kind: "removed"}}}
	rep.ConfigDifferences = CompareConfig(configOf(nil, nil, []string{"GOPATH=/go", "MODE=dev"}), configOf(nil, nil, nil), nil)
	d.apply(rep, func(field, key string) bool { return field == FieldEnv && key == "MODE" })
	if len(rep.Differences) != 0 || rep.BaseChangedPaths != 1 {
		t.Errorf("differences %+v, %d left to the base", rep.Differences, rep.BaseChangedPaths)
	}
	var lines []string
	for _, c := range rep.ConfigDifferences {
		lines = append(lines, c.String())
	}
	if strings.Join(lines, "\n") != `Env[GOPATH]: "/go" => (none) (inherited from the base, which multi-stage changes)`+"\n"+`Env[MODE]: "dev" => (none)` {
		t.Errorf("configuration differences:\n%s", strings.Join(lines, "\n"))
	}
}

func configOf(cmd, entrypoint, env []string) oci.Config {
	return oci.Config{Cmd: cmd, Entrypoint: entrypoint, Env: env}
}
