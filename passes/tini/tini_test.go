package tini

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/shellparse"
)

func commandsOf(t *testing.T, src string) []*shellparse.Command {
	t.Helper()
	prog, err := shellparse.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return shellparse.Commands(prog)
}

// What the tini pass takes for an install it may join and for a command
// that may remove packages again.
func TestTiniCommandKinds(t *testing.T) {
	cases := []struct {
		src               string
		family            baseimage.Family
		install, removes  bool
		virtual, anyFound bool
	}{
		{"apt-get install -y curl", baseimage.Debian, true, false, false, true},
		{"apt-get -qq install curl", baseimage.Debian, true, false, false, true},
		{"apt install curl -y", baseimage.Debian, true, false, false, true},
		{"apt-get install curl", baseimage.Debian, false, false, false, true}, // would prompt
		{"apt-get install -y --download-only curl", baseimage.Debian, false, false, false, true},
		{"apt-get install -y -o Dir=/target curl", baseimage.Debian, false, false, false, true},
		{"apk add --no-cache curl", baseimage.Alpine, true, false, false, true},
		{"apk --no-cache add curl", baseimage.Alpine, true, false, false, true},
		{"apk add --root /rootfs --initdb busybox", baseimage.Alpine, false, false, false, true},
		{"apk add --virtual .build-deps gcc", baseimage.Alpine, true, false, true, true},
		{"apk add --no-cache --virtual=.deps gcc", baseimage.Alpine, true, false, true, true},
		{"apk add -t .deps gcc", baseimage.Alpine, true, false, true, true},
		{"apk del .build-deps", baseimage.Alpine, false, true, false, true},
		{"apt-mark auto '.*'", baseimage.Debian, false, true, false, true},
		{"apt-get purge -y --auto-remove gcc", baseimage.Debian, false, true, false, true},
		{"apt-get autoremove -y", baseimage.Debian, false, true, false, true},
		{"apt-get remove -y gcc", baseimage.Debian, false, true, false, true},
		{"dpkg -r foo", baseimage.Debian, false, true, false, true},
		{"dpkg --purge foo", baseimage.Debian, false, true, false, true},
		{"dpkg -i foo.deb", baseimage.Debian, false, false, false, true},
		{"dpkg --print-architecture", baseimage.Debian, false, false, false, true},
		{"apt-get update", baseimage.Debian, false, false, false, true},
		{"apk update", baseimage.Alpine, false, false, false, true},
		{"apt-get install -y curl", baseimage.Alpine, false, false, false, true}, // not the family's
	}
	for _, c := range cases {
		cmds := commandsOf(t, c.src)
		if len(cmds) != 1 {
			t.Fatalf("%q: %d commands", c.src, len(cmds))
		}
		cmd := cmds[0]
		if got := installCommand(cmd, c.family); got != c.install {
			t.Errorf("installCommand(%q, %s) = %v", c.src, c.family, got)
		}
		if got := removesPackages(cmd); got != c.removes {
			t.Errorf("removesPackages(%q) = %v", c.src, got)
		}
		if got := virtualGroup(cmd); got != c.virtual {
			t.Errorf("virtualGroup(%q) = %v", c.src, got)
		}
		if got := familyPrograms.Get()[cmd.Name]; (got != baseimage.Unknown) != c.anyFound {
			t.Errorf("%q: family of %s = %q", c.src, cmd.Name, got)
		}
	}
}

// Package managers are found in RUNs whose shell is not read, but not in
// file names.
func TestTiniPMWords(t *testing.T) {
	for text, want := range map[string]string{
		"apt-get update":                 "apt-get",
		"set -e\n  apk add curl":         "apk",
		"adb install app.apk":            "",
		"echo adapt":                     "",
		`["/usr/bin/apt-get", "update"]`: "apt-get",
		"yum -y install x":               "yum",
	} {
		var got []string
		for _, m := range pmWordRE.FindAllStringSubmatch(text, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%q: found %q, want %q", text, got, want)
		}
	}
}
