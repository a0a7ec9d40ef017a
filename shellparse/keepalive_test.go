package shellparse

import "testing"

func TestKeepsAlive(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want bool
	}{
		{[]string{"sleep", "infinity"}, true},
		{[]string{"/bin/sleep", "86400"}, true},
		{[]string{"tail", "-f", "/dev/null"}, true},
		{[]string{"tail", "--follow", "/dev/null"}, true},
		{[]string{"sleep", "5"}, false},
		{[]string{"tail", "-f", "/var/log/app.log"}, false},
		{[]string{"python", "app.py"}, false},
		{nil, false},
	} {
		if got := KeepsAlive(c.argv); got != c.want {
			t.Errorf("KeepsAlive(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}
