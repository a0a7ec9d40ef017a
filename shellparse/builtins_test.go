package shellparse

import "testing"

func TestExecPoint(t *testing.T) {
	for _, tc := range []struct {
		src  string
		at   int // offset of "exec ", -1 when not ok
		done bool
	}{
		{"./server --port 80", 0, false},
		{"cd /app && ./server", 11, false},
		{"cd /app && exec ./server", 0, true},
		{"exec python app.py", 0, true},
		{"cd /app && ./server > /var/log/x 2>&1", 11, false},
		{"a && b || c", -1, false},
		{"a; b", -1, false},
		{"cd /app && echo hi", -1, false},
		{"cd /app && FOO=1 ./server", -1, false},
		{"a && b | c", -1, false},
		{"a && b &", -1, false},
		{"trap 'rm x' EXIT && ./server", -1, false},
		{"{ trap 'rm x' EXIT; } && ./server", -1, false},
		{"f() { x; } && f", -1, false},
		{"a && ! b", -1, false},
		{"a && $PROG", -1, false},
		{"a && (b)", -1, false},
		{"cd /app && [ -f x ]", -1, false},
	} {
		p, err := Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		off, done, ok, why := ExecPoint(p)
		switch {
		case tc.at < 0 && ok:
			t.Errorf("%q: exec at %d, want none", tc.src, off)
		case tc.at >= 0 && !ok:
			t.Errorf("%q: no exec point (%s)", tc.src, why)
		case ok && (off != tc.at || done != tc.done):
			t.Errorf("%q: at %d done %v, want %d %v", tc.src, off, done, tc.at, tc.done)
		case !ok && why == "":
			t.Errorf("%q: no reason", tc.src)
		}
	}
}
