package baseimage

import (
	"regexp"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	cases := []struct {
		ref                     string
		family                  Family
		distro, release         string
		known, current, noEntry bool
	}{
		// Distribution images by version, codename and alias.
		{"debian:bookworm", Debian, "debian", "bookworm", true, true, true},
		{"debian:12.5-slim", Debian, "debian", "bookworm", true, true, true},
		{"debian:bookworm-20240110-slim", Debian, "debian", "bookworm", true, true, true},
		{"debian:stretch", Debian, "debian", "stretch", true, false, true},
		{"debian:10", Debian, "debian", "buster", true, false, true},
		{"debian:sid", Debian, "debian", "sid", true, true, true},
		{"ubuntu:24.04", Debian, "ubuntu", "24.04", true, true, true},
		{"ubuntu:noble-20240605", Debian, "ubuntu", "24.04", true, true, true},
		{"ubuntu:xenial", Debian, "ubuntu", "16.04", true, false, true},
		{"ubuntu:25.04", Debian, "ubuntu", "25.04", true, false, true},
		{"alpine:3.20", Alpine, "alpine", "3.20", true, true, true},
		{"alpine:3.19.1", Alpine, "alpine", "3.19", true, true, true},
		{"alpine:edge", Alpine, "alpine", "edge", true, true, true},
		{"alpine", Alpine, "alpine", "3.24", true, true, true}, // latest, from the table
		{"fedora:40", RHEL, "fedora", "40", true, false, true},
		{"amazonlinux:2", RHEL, "amazonlinux", "2", true, false, true},
		// Language images by variant suffix.
		{"python:3.8-slim-buster", Debian, "debian", "buster", true, false, true},
		{"python:3.12-slim-bookworm", Debian, "debian", "bookworm", true, true, true},
		{"golang:1.22-alpine3.19", Alpine, "alpine", "3.19", true, true, true},
		{"node:20-bookworm-slim", Debian, "debian", "bookworm", true, true, false},
		{"eclipse-temurin:21-jre-alpine-3.20", Alpine, "alpine", "3.20", true, true, false},
		{"eclipse-temurin:11-jre-jammy", Debian, "ubuntu", "22.04", true, true, false},
		{"openjdk:21-oraclelinux8", RHEL, "oraclelinux", "8", true, false, true},
		{"amazoncorretto:21-al2023", RHEL, "amazonlinux", "2023", true, false, false},
		// Language images whose tag does not say: the official images' history.
		{"node:10", Debian, "debian", "stretch", true, false, false},
		{"node:12", Debian, "debian", "stretch", true, false, false},
		{"python:3.5", Debian, "debian", "buster", true, false, true},
		{"python:3.8", Debian, "debian", "bookworm", true, true, true},
		{"openjdk:11", Debian, "debian", "bullseye", true, false, true},
		{"openjdk:21", RHEL, "oraclelinux", "8", true, false, true},
		{"amazoncorretto:21", RHEL, "amazonlinux", "2023", true, false, false},
		{"python:3.6-alpine", Alpine, "alpine", "3.15", true, true, true},
		// Mirrors and spellings of the official images.
		{"docker.io/library/debian:trixie-slim", Debian, "debian", "trixie", true, true, true},
		{"docker.io/alpine:3.20", Alpine, "alpine", "3.20", true, true, true},
		{"library/ubuntu:22.04", Debian, "ubuntu", "22.04", true, true, true},
		{"public.ecr.aws/docker/library/python:3.12-slim-bookworm", Debian, "debian", "bookworm", true, true, true},
		{"DEBIAN:Bookworm", Debian, "debian", "bookworm", true, true, true},
		// Digests: a tag that names its release keeps it; one that does not
		// gets the oldest release it was built on.
		{"python:3.12-slim-bookworm@sha256:00", Debian, "debian", "bookworm", true, true, true},
		{"python:3.9@sha256:00", Debian, "debian", "buster", true, false, true},
		{"python@sha256:00", Unknown, "", "", false, false, true},
		{"debian@sha256:00", Debian, "debian", "", false, false, true},
		// Vendor images.
		{"registry.access.redhat.com/ubi9/ubi-minimal:9.4", RHEL, "rhel", "9", true, false, false},
		{"redhat/ubi8", RHEL, "rhel", "8", true, false, false},
		{"gcr.io/distroless/static-debian12", None, "", "", true, false, false},
		{"scratch", None, "", "", true, false, true},
		// Not known.
		{"someorg/python:3.12", Unknown, "", "", false, false, false},
		{"bitnami/minideb:bookworm", Unknown, "", "", false, false, false},
		{"${BASE_IMAGE}", Unknown, "", "", false, false, false},
		{"python:${PY}-slim", Unknown, "", "", false, false, false},
		{"python:3.99-nonesuch", Unknown, "", "", false, false, true},
		{"node:0.10", Unknown, "", "", false, false, false},
		{"python:3.12-bookworm-jammy", Unknown, "", "", false, false, true}, // two releases named
	}
	for _, c := range cases {
		got := Resolve(c.ref)
		if got.Family != c.family || got.Distro != c.distro || got.Release != c.release ||
			got.Known != c.known || got.Current != c.current || got.NoEntrypoint != c.noEntry {
			t.Errorf("Resolve(%q) = %+v\nwant family %q %s %s known=%v current=%v noEntrypoint=%v",
				c.ref, got, c.family, c.distro, c.release, c.known, c.current, c.noEntry)
		}
		if got.Why == "" {
			t.Errorf("Resolve(%q): no reason given", c.ref)
		}
	}
}

func TestHasPackage(t *testing.T) {
	cases := []struct {
		ref            string
		tini, dumbInit bool
	}{
		{"debian:jessie", false, false},
		{"debian:stretch", false, true},
		{"debian:buster", true, true},
		{"debian:bookworm", true, true},
		{"debian:trixie", true, true},
		{"ubuntu:14.04", false, false},
		{"ubuntu:16.04", false, false},
		{"ubuntu:18.04", false, true},
		{"ubuntu:20.04", true, true},
		{"ubuntu:22.04", true, true},
		{"ubuntu:24.04", true, true},
		{"ubuntu:25.04", true, true},
		{"alpine:3.2", false, false},
		{"alpine:3.3", false, false},
		{"alpine:3.4", true, false},
		{"alpine:3.9", true, false},
		{"alpine:3.10", true, true},
		{"alpine:3.20", true, true},
		{"alpine:edge", true, true},
		{"fedora:40", false, false},
		{"openjdk:21", false, false},
		{"someorg/debian:bookworm", false, false},
		{"debian@sha256:00", false, false},
		{"python:3.6-stretch", false, true},
		{"python:3.8-slim-buster", true, true},
	}
	for _, c := range cases {
		info := Resolve(c.ref)
		if got := HasPackage(info, "tini"); got != c.tini {
			t.Errorf("HasPackage(%s, tini) = %v, want %v", c.ref, got, c.tini)
		}
		if got := HasPackage(info, "dumb-init"); got != c.dumbInit {
			t.Errorf("HasPackage(%s, dumb-init) = %v, want %v", c.ref, got, c.dumbInit)
		}
		if HasPackage(info, "curl") {
			t.Errorf("HasPackage(%s, curl): no facts about curl are recorded", c.ref)
		}
		deb := info.Known && (info.Distro == "debian" || info.Distro == "ubuntu")
		if got := HasPackage(info, "ca-certificates"); got != deb {
			t.Errorf("HasPackage(%s, ca-certificates) = %v, want %v", c.ref, got, deb)
		}
	}
}

// The generated table is well formed and agrees with the rules and facts.
func TestTagsData(t *testing.T) {
	tt := parseTags(tagsData)
	ntags := 0
	for image := range tt.lines {
		ntags += len(tt.imageTags(image))
	}
	if len(tt.codenames["debian"]) < 8 || len(tt.codenames["ubuntu"]) < 20 || ntags < 10000 {
		t.Fatalf("tags.txt looks truncated: %d debian and %d ubuntu codenames, %d tags",
			len(tt.codenames["debian"]), len(tt.codenames["ubuntu"]), ntags)
	}
	if !strings.Contains(tagsData, "# Generated by TestGenerateTags") {
		t.Error("tags.txt has no provenance header")
	}
	hex := regexp.MustCompile(`^[0-9a-f]{10}$`)
	seen := map[string]bool{}
	for line := range strings.Lines(tagsData) {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "release" {
			continue
		}
		if f[0] != "tags" || len(f) < 6 {
			t.Fatalf("bad line %q", line)
		}
		if !hex.MatchString(f[4]) {
			t.Errorf("line %q: commit %q", line[:min(len(line), 80)], f[4])
		}
		last, oldest := parseRelease(f[2]), parseRelease(f[3])
		if !last.known() || familyOf(last.distro) == Unknown {
			t.Errorf("%s: last release %q is not a known distribution release", f[1], f[2])
		}
		if f[3] != "?" && (!oldest.known() || oldest.distro != last.distro || versionLess(last.distro, last.name, oldest.name)) {
			t.Errorf("%s: oldest release %q does not go with last %q", f[1], f[3], f[2])
		}
		for _, tag := range f[5:] {
			key := f[1] + ":" + tag
			if seen[key] {
				t.Errorf("%s listed twice", key)
			}
			seen[key] = true
			if _, full := releaseOfTag(f[1], tag); full {
				t.Errorf("%s names its release: the rules answer it, the table must not", key)
			}
		}
	}
	// Every Debian and Ubuntu release with facts has a codename or is one.
	for name := range debianFacts.Get() {
		if name != "sid" && codenameOf("debian", name) == "" {
			t.Errorf("debian %s: no version in tags.txt", name)
		}
	}
	for v := range ubuntuFacts.Get() {
		if tt.versions["ubuntu"][v] == "" {
			t.Errorf("ubuntu %s: no codename in tags.txt", v)
		}
	}
}

func TestReleaseInWords(t *testing.T) {
	cases := map[string]string{
		"3.12-slim-bookworm":       "debian/bookworm",
		"21-jre-alpine-3.20":       "alpine/3.20",
		"1.22-alpine3.19":          "alpine/3.19",
		"3.12-alpine":              "?", // distribution only
		"21-jdk-oraclelinux8":      "oraclelinux/8",
		"8-al2-full":               "amazonlinux/2",
		"8-al2023-jre":             "amazonlinux/2023",
		"11-jdk-noble":             "ubuntu/24.04",
		"3.12":                     "?",
		"bookworm-jammy":           "?",
		"ltsc2022":                 "?",
		"3.12-windowsservercore":   "?",
		"3-eclipse-temurin-21":     "?",
		"2.7.18-slim-buster":       "debian/buster",
		"3.9-rc-alpine3.12":        "alpine/3.12",
		"12-bullseye-slim":         "debian/bullseye",
		"8u392-b08-jdk-centos7":    "centos/7",
		"17-ubi9-minimal":          "rhel/9",
		"3.10-slim-trixie":         "debian/trixie",
		"lts-alpine3.20":           "alpine/3.20",
		"3.12.1-alpine3.20-alpine": "alpine/3.20",
	}
	for tag, want := range cases {
		r, full := releaseInWords(strings.Split(tag, "-"))
		got := "?"
		if full {
			got = r.String()
		}
		if got != want {
			t.Errorf("releaseInWords(%q) = %s, want %s", tag, got, want)
		}
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		distro, a, b string
		less         bool
	}{
		{"alpine", "3.9", "3.10", true},
		{"alpine", "3.10", "3.9", false},
		{"alpine", "3.20", "edge", true},
		{"debian", "stretch", "buster", true},
		{"debian", "trixie", "bookworm", false},
		{"debian", "bookworm", "sid", true},
		{"ubuntu", "18.04", "20.04", true},
	} {
		if got := versionLess(c.distro, c.a, c.b); got != c.less {
			t.Errorf("versionLess(%s, %s, %s) = %v", c.distro, c.a, c.b, got)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	refs := []string{"python:3.12-slim", "debian:bookworm", "node:10", "someorg/x:1", "alpine:3.20"}
	for i := 0; i < b.N; i++ {
		Resolve(refs[i%len(refs)])
	}
}

// What the first Resolve of a process costs: reading the table and the
// tags of one image.
func BenchmarkFirstLookup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		parseTags(tagsData).imageTags("python")
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"python:3.12-slim", "debian:12", "ubuntu:noble", "alpine", "a/b:c@d", "@", ":", "python:", "x:y-alpine-", "redhat/ubi", "ubuntu:1", "debian:-", "alpine:3."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		info := Resolve(ref)
		if info.Known && info.Family == Unknown {
			t.Errorf("%q: known without a family: %+v", ref, info)
		}
		if info.Known && info.Family != None && (info.Distro == "" || info.Release == "") {
			t.Errorf("%q: known without a release: %+v", ref, info)
		}
		if info.Current && !info.Known {
			t.Errorf("%q: current but not known: %+v", ref, info)
		}
		if HasPackage(info, "tini") && !info.Known {
			t.Errorf("%q: has a package but is not known: %+v", ref, info)
		}
		if info.Why == "" {
			t.Errorf("%q: no reason", ref)
		}
	})
}
