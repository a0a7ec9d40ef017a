package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRun feeds arbitrary input to dfopt on standard input with the default
// flags. It must not panic, must exit 0 or 2, must print nothing on an
// error, must not hit an internal error (a pass bug), and what it prints must
// be left as it is by a second run.
func FuzzRun(f *testing.F) {
	for _, pattern := range []string{"../../testdata/edge/*", "../../testdata/seed-examples/*.Dockerfile", "../../testdata/corpus/0[0-2]*.Dockerfile"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(mergeable))
	f.Add([]byte("\xef\xbb\xbfFROM a\r\nRUN a\r\nRUN b\r\n"))
	f.Add([]byte("FROM a\nRUN a\nRUN b"))
	f.Add([]byte("FROM a\nRUN <<EOF\necho\n"))
	f.Add([]byte("FROM a\nRUN a\x00\n"))
	f.Add([]byte("# \x00\nFROM a\nRUN a \\\n  #\x00\xfe\n  b\nRUN c\n#\x00"))
	f.Add([]byte("RUN a\nFROM b\n"))
	f.Add([]byte("# escape=`\nFROM a\nRUN a `\n  b\nRUN c\n"))
	f.Add([]byte("FROM a\nRUN cd /x\n# c\nRUN export A=1 || true\nRUN a # c\nRUN b &\nRUN c\n"))

	f.Fuzz(func(t *testing.T, src []byte) {
		out, errOut, code := runBytes(t, src)
		switch code {
		case exitOK:
		case exitError:
			if len(out) != 0 {
				t.Fatalf("exit 2 with output %q", out)
			}
			if len(errOut) == 0 {
				t.Fatalf("exit 2 without a message")
			}
			if bytes.Contains(errOut, []byte("internal error")) {
				t.Fatalf("%s", errOut)
			}
			return
		default:
			t.Fatalf("exit status %d; stderr: %s", code, errOut)
		}
		out2, errOut2, code2 := runBytes(t, out)
		if code2 != exitOK {
			t.Fatalf("output does not go through again (exit %d): %s\noutput:\n%q", code2, errOut2, out)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("not idempotent:\ninput:  %q\nfirst:  %q\nsecond: %q", src, out, out2)
		}
	})
}

func runBytes(t *testing.T, src []byte) (stdout, stderr []byte, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(nil, bytes.NewReader(src), &o, &e)
	if strings.Contains(e.String(), "dfopt: internal error") {
		t.Fatalf("recovered panic: %s\ninput: %q", e.String(), src)
	}
	return o.Bytes(), e.Bytes(), code
}
