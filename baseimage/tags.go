package baseimage

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/internal/lazy"
)

// release is one release of a distribution: "debian" "bookworm",
// "ubuntu" "24.04", "alpine" "3.20". An empty name means only the
// distribution is known.
type release struct{ distro, name string }

func (r release) known() bool { return r.distro != "" && r.name != "" }

func (r release) String() string {
	if !r.known() {
		return "?"
	}
	return r.distro + "/" + r.name
}

func parseRelease(s string) release {
	d, n, _ := strings.Cut(s, "/")
	return release{d, n}
}

// familyOf is the package-manager family of a distribution.
func familyOf(distro string) Family {
	switch distro {
	case "debian", "ubuntu":
		return Debian
	case "alpine":
		return Alpine
	case "fedora", "centos", "rhel", "rockylinux", "almalinux", "oraclelinux", "amazonlinux":
		return RHEL
	case "windows":
		return Windows
	}
	return Unknown
}

// Official images that are distributions themselves, and the family of
// every tag of them.
var distroImages = lazy.Value[map[string]struct {
	distro string
	family Family
}]{New: func() map[string]struct {
	distro string
	family Family
} {
	return map[string]struct {
		distro string
		family Family
	}{
		"debian": {"debian", Debian}, "ubuntu": {"ubuntu", Debian}, "alpine": {"alpine", Alpine},
		"fedora": {"fedora", RHEL}, "centos": {"centos", RHEL}, "rockylinux": {"rockylinux", RHEL},
		"almalinux": {"almalinux", RHEL}, "oraclelinux": {"oraclelinux", RHEL}, "amazonlinux": {"amazonlinux", RHEL},
		"buildpack-deps": {"", Unknown},
	}
}}

// releaseOfTag returns the release a tag names by itself, the same for
// every build of it: debian:12-slim, ubuntu:jammy-20240111, alpine:3.19.1,
// python:3.12-slim-bookworm, golang:1.22-alpine3.19,
// eclipse-temurin:21-jre-alpine-3.20, openjdk:21-oraclelinux8,
// amazoncorretto:21-al2023. full is false when the tag names no release,
// or only a distribution (python:3.12-alpine: r.distro is "alpine").
func releaseOfTag(image, tag string) (r release, full bool) {
	words := strings.Split(tag, "-")
	switch image {
	case "debian":
		w := words[0]
		if v := codenameOf("debian", w); v != "" || w == "sid" {
			return release{"debian", w}, true
		}
		if major, ok := leadingInt(w); ok && major == w || ok && strings.HasPrefix(w, major+".") {
			if c := debianCodename(major); c != "" {
				return release{"debian", c}, true
			}
		}
		return release{"debian", ""}, false
	case "ubuntu":
		w := words[0]
		if v := codenameOf("ubuntu", w); v != "" {
			return release{"ubuntu", v}, true
		}
		if len(w) >= 5 && w[2] == '.' && isDigits(w[:2]) && isDigits(w[3:5]) {
			return release{"ubuntu", w[:5]}, true
		}
		return release{"ubuntu", ""}, false
	case "alpine":
		w := words[0]
		if w == "edge" {
			return release{"alpine", "edge"}, true
		}
		if v, ok := majorMinor(w); ok {
			return release{"alpine", v}, true
		}
		return release{"alpine", ""}, false
	case "fedora", "centos", "rockylinux", "almalinux", "oraclelinux", "amazonlinux":
		w := strings.TrimPrefix(words[0], "centos")
		w = strings.TrimPrefix(w, "stream")
		if major, ok := leadingInt(w); ok {
			if image == "amazonlinux" && strings.HasPrefix(w, "2018.") {
				major = "1" // Amazon Linux AMI 2018.03
			}
			return release{image, major}, true
		}
		return release{image, ""}, false
	}
	return releaseInWords(words)
}

// releaseInWords finds the release named by the words of a tag
// ("3.12-slim-bookworm", "21-jre-alpine-3.20"): a Debian or Ubuntu
// codename, alpineX.Y, oraclelinuxN, al2/al2023, centosN, ubiN, ubuntuYY.MM.
// Two different releases cancel each other.
func releaseInWords(words []string) (release, bool) {
	var found release
	full, conflict := false, false
	note := func(r release) {
		switch {
		case found.distro == "":
			found = r
		case found.distro != r.distro || found.name != "" && r.name != "" && found.name != r.name:
			conflict = true
		case found.name == "":
			found = r
		}
	}
	for i, w := range words {
		switch {
		case w == "sid" || codenameOf("debian", w) != "":
			note(release{"debian", w})
		case codenameOf("ubuntu", w) != "":
			note(release{"ubuntu", codenameOf("ubuntu", w)})
		case w == "alpine":
			name := ""
			if i+1 < len(words) {
				name, _ = majorMinor(words[i+1])
			}
			note(release{"alpine", name})
		case strings.HasPrefix(w, "alpine"):
			if v, ok := majorMinor(w[len("alpine"):]); ok {
				note(release{"alpine", v})
			}
		case strings.HasPrefix(w, "ubuntu"):
			v := w[len("ubuntu"):]
			if len(v) == 5 && v[2] == '.' && isDigits(v[:2]) && isDigits(v[3:]) {
				note(release{"ubuntu", v})
			}
		case w == "oracle":
			note(release{"oraclelinux", ""})
		case strings.HasPrefix(w, "oraclelinux") && isDigits(w[len("oraclelinux"):]):
			note(release{"oraclelinux", w[len("oraclelinux"):]})
		case w == "al2" || w == "al2023":
			note(release{"amazonlinux", w[2:]})
		case strings.HasPrefix(w, "centos") && isDigits(w[len("centos"):]):
			note(release{"centos", w[len("centos"):]})
		case strings.HasPrefix(w, "ubi") && isDigits(w[len("ubi"):]):
			note(release{"rhel", w[len("ubi"):]})
		case w == "windowsservercore" || w == "nanoserver":
			note(release{"windows", ""})
		}
	}
	if conflict {
		return release{}, false
	}
	full = found.known()
	return found, full
}

// leadingInt returns the leading digits of s.
func leadingInt(s string) (string, bool) {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return s[:n], n > 0
}

// majorMinor reads "3.19" or "3.19.1" as "3.19".
func majorMinor(s string) (string, bool) {
	a, rest, ok := strings.Cut(s, ".")
	if !ok || !isDigits(a) {
		return "", false
	}
	b, _, _ := strings.Cut(rest, ".")
	if !isDigits(b) {
		return "", false
	}
	return a + "." + b, true
}

// versionLess orders two release names of one distribution: numbers
// numerically ("3.9" < "3.10"), Debian codenames by their version; sid
// and edge come last.
func versionLess(distro, a, b string) bool {
	key := func(s string) []int {
		if distro == "debian" {
			if s == "sid" {
				return []int{1 << 30}
			}
			s = codenameOf("debian", s)
		}
		if s == "edge" || s == "" {
			return []int{1 << 30}
		}
		var out []int
		for _, p := range strings.Split(s, ".") {
			n, err := strconv.Atoi(p)
			if err != nil {
				return []int{1 << 30}
			}
			out = append(out, n)
		}
		return out
	}
	ka, kb := key(a), key(b)
	for i := 0; i < len(ka) && i < len(kb); i++ {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return len(ka) < len(kb)
}

//go:embed tags.txt
var tagsData string

// tagFacts is what the official images' history says about one tag.
type tagFacts struct {
	last, oldest release
	commit       string // the official-images commit of the last entry
}

type tagTable struct {
	codenames map[string]map[string]string // distro -> codename -> version
	versions  map[string]map[string]string // distro -> major version -> codename
	lines     map[string][]string          // image -> its "tags" lines, not parsed yet

	mu   sync.Mutex
	tags map[string]map[string]tagFacts // image -> tag -> facts, parsed on first use
}

var table = sync.OnceValue(func() *tagTable { return parseTags(tagsData) })

// parseTags reads tags.txt: "release DISTRO CODENAME VERSION" and
// "tags IMAGE LAST OLDEST COMMIT TAG..." lines, # comments. The tags lines
// of an image are read when a tag of it is first looked up.
func parseTags(data string) *tagTable {
	t := &tagTable{
		codenames: map[string]map[string]string{"debian": {}, "ubuntu": {}},
		versions:  map[string]map[string]string{"debian": {}, "ubuntu": {}},
		lines:     map[string][]string{},
		tags:      map[string]map[string]tagFacts{},
	}
	for line := range strings.Lines(data) {
		switch {
		case strings.HasPrefix(line, "tags "):
			image, _, _ := strings.Cut(line[len("tags "):], " ")
			t.lines[image] = append(t.lines[image], line)
		case strings.HasPrefix(line, "release "):
			f := strings.Fields(line)
			if len(f) != 4 || t.codenames[f[1]] == nil {
				continue
			}
			t.codenames[f[1]][f[2]] = f[3]
			t.versions[f[1]][f[3]] = f[2]
		}
	}
	return t
}

// imageTags returns the facts about an image's tags.
func (t *tagTable) imageTags(image string) map[string]tagFacts {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.tags[image]; ok {
		return m
	}
	m := map[string]tagFacts{}
	for _, line := range t.lines[image] {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		facts := tagFacts{last: parseRelease(f[2]), oldest: parseRelease(f[3]), commit: f[4]}
		for _, tag := range f[5:] {
			m[tag] = facts
		}
	}
	t.tags[image] = m
	return m
}

// Debian releases named before their images carry a version tag: the
// release team announced forky as Debian 14 and duke as Debian 15.
// (library/debian tags forky without a number at the commit tags.txt
// was made from.)
var debianAnnounced = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{"forky": "14", "duke": "15"}
}}

// codenameOf returns the version of a Debian or Ubuntu codename ("12" for
// bookworm, "24.04" for noble), "" when w is not one.
func codenameOf(distro, w string) string {
	if v := table().codenames[distro][w]; v != "" {
		return v
	}
	if distro == "debian" {
		return debianAnnounced.Get()[w]
	}
	return ""
}

// debianCodename returns the codename of a Debian major version.
func debianCodename(major string) string { return table().versions["debian"][major] }

func lookupTag(image, tag string) (tagFacts, bool) {
	f, ok := table().imageTags(image)[tag]
	return f, ok
}
