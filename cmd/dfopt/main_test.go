package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update", false, "rewrite cmp files in testdata/script from actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dfopt": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *updateScripts,
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":     cmdStatus,
			"checkmode":  cmdCheckmode,
			"samefile":   cmdSamefile,
			"writebytes": cmdWritebytes,
			"jsonfield":  cmdJSONField,
		},
	})
}

// status N prog args...: run prog and check that it exits with status N.
// Its standard output and error are kept for the commands that follow, as
// with exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad exit status %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// checkmode PERM FILE: the file's permission bits are PERM (octal).
func cmdCheckmode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: checkmode PERM FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("checkmode: bad mode %q", args[0])
	}
	fi, err := os.Lstat(ts.MkAbs(args[1]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o, want %s%#o", args[1], got, map[bool]string{true: "not "}[neg], want)
	}
}

// samefile A B: A and B are the same file (for example hard links to one
// file, which stops being true when one of them is replaced).
func cmdSamefile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: samefile A B")
	}
	a, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	b, err := os.Lstat(ts.MkAbs(args[1]))
	ts.Check(err)
	if os.SameFile(a, b) == neg {
		ts.Fatalf("samefile %s %s: %v", args[0], args[1], !neg)
	}
}

// writebytes FILE QUOTED: write the Go-quoted string QUOTED to FILE, for
// contents a txtar archive cannot hold (CR, BOM, NUL, no final newline).
func cmdWritebytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: writebytes FILE QUOTED")
	}
	s, err := strconv.Unquote(`"` + args[1] + `"`)
	if err != nil {
		ts.Fatalf("writebytes: %v", err)
	}
	name := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(name), 0o777))
	ts.Check(os.WriteFile(name, []byte(s), 0o666))
}

// jsonfield FILE PATH WANT: the value at PATH (dot-separated keys and
// indexes, e.g. files.0.findings.0.pass) in the JSON document FILE is WANT.
// Strings compare by their text, other values by their JSON encoding; "len"
// as the last element of PATH gives the length of an array.
func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: jsonfield FILE PATH WANT")
	}
	data := ts.ReadFile(args[0])
	var v any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		ts.Fatalf("jsonfield: %s: %v", args[0], err)
	}
	got, err := jsonPath(v, args[1])
	if err != nil {
		ts.Fatalf("jsonfield: %v", err)
	}
	if (got == args[2]) == neg {
		ts.Fatalf("jsonfield %s: got %q, want %s%q", args[1], got, map[bool]string{true: "not "}[neg], args[2])
	}
}

func jsonPath(v any, path string) (string, error) {
	for _, key := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			val, ok := x[key]
			if !ok {
				return "<missing>", nil
			}
			v = val
		case []any:
			if key == "len" {
				return strconv.Itoa(len(x)), nil
			}
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) {
				return "", fmt.Errorf("%s: no index %q in an array of %d", path, key, len(x))
			}
			v = x[i]
		default:
			return "", fmt.Errorf("%s: %q: not an object or array", path, key)
		}
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
