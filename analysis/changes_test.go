package analysis

import "testing"

func TestCheckChange(t *testing.T) {
	for _, c := range []string{"Entrypoint", "Cmd", "Author", "Env[PATH]", "Labels[org.opencontainers.image.authors]",
		"ExposedPorts[8080/tcp]", "Volumes[/data]", "base", "/usr/bin/tini", "/usr/share/doc/tini/", "~/.cache/x", "~"} {
		if err := CheckChange(c); err != nil {
			t.Errorf("CheckChange(%q): %v", c, err)
		}
	}
	for _, c := range []string{"", "entrypoint", "Cmd[0]", "User[x]", "Env[]", "Env[PATH", "Base", "usr/bin/tini", "Shell", "/a\nb"} {
		if err := CheckChange(c); err == nil {
			t.Errorf("CheckChange(%q) accepts it", c)
		}
	}
}

func TestChangeField(t *testing.T) {
	for _, tc := range []struct {
		in, field, key string
		ok             bool
	}{
		{"Cmd", "Cmd", "", true},
		{"Env[PATH]", "Env", "PATH", true},
		{"Labels[a[b]]", "Labels", "a[b]", true},
		{"base", "", "", false},
		{"/x", "", "", false},
	} {
		f, k, ok := ChangeField(tc.in)
		if f != tc.field || k != tc.key || ok != tc.ok {
			t.Errorf("ChangeField(%q) = %q, %q, %v", tc.in, f, k, ok)
		}
	}
}
