package baseimage

import (
	"strings"
	"testing"
)

func TestImagePip(t *testing.T) {
	for _, tc := range []struct {
		ref, version string
		atLeast191   bool
	}{
		{"python:3.6.5", "10.0.1", false}, // PYTHON_PIP_VERSION of its builds
		{"python:3.6.8", "19.1.1", true},  // rebuilt with pip 19.1 on 2019-04-24
		{"python:3.6", "21.2.4", true},    // its last build
		{"docker.io/library/python:3.6", "21.2.4", true},
		{"python:3.4", "19.0.3", false},           // 3.4 ended before pip 19.1
		{"python:3.12-slim", "19.2.3+", true},     // ensurepip since 2024-09
		{"python", "19.2.3+", true},               // latest
		{"python:3.6@sha256:abc", "8.1.2", false}, // any build: the oldest
		{"python:no-such-tag", "", false},
		{"pypy:3", "", false},
		{"example/python:3.12", "", false},
		{"python:${V}", "", false},
	} {
		p := ImagePip(tc.ref)
		if p.Version != tc.version || p.AtLeast("19.1") != tc.atLeast191 || p.Why == "" {
			t.Errorf("ImagePip(%q) = %+v, AtLeast(19.1) %v; want %q, %v", tc.ref, p, p.AtLeast("19.1"), tc.version, tc.atLeast191)
		}
	}
}

func TestPackagedPip(t *testing.T) {
	for _, tc := range []struct {
		ref, version string
	}{
		{"debian:bullseye", "20.3.4"},
		{"debian:12-slim", "23.0.1"},
		{"node:22-trixie", "25.1.1"},
		{"ubuntu:20.04", "20.0.2"},
		{"ubuntu:jammy", "22.0.2"},
		{"ubuntu:25.10", "20.0.2+"},
		{"debian:buster", ""},
		{"ubuntu:18.04", ""},
		{"alpine:3.20", ""},
		{"centos:7", ""},
		{"example/debian:12", ""},
	} {
		p := PackagedPip(Resolve(tc.ref))
		if p.Version != tc.version || p.Why == "" {
			t.Errorf("PackagedPip(%q) = %+v, want %q", tc.ref, p, tc.version)
		}
	}
}

func TestPipVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"9.0.1", "19.1", true}, {"19.0.3", "19.1", true}, {"19.1", "19.1", false}, {"19.1.1", "19.1", false},
		{"20", "19.1", false}, {"19.2.3+", "19.1", false}, {"10.0.1", "9.0.3", false},
	} {
		if got := pipVersionLess(tc.a, tc.b); got != tc.less {
			t.Errorf("pipVersionLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// Every line of pip.txt reads: known versions, tags of the python image.
func TestPipData(t *testing.T) {
	n := 0
	for line := range strings.Lines(pipData) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "pip" || f[1] != "python" || f[2] == "?" {
			t.Fatalf("bad line %q", line)
		}
		n += len(f) - 4
	}
	if n < 3000 {
		t.Fatalf("only %d tags", n)
	}
}
