package verify

import (
	"bufio"
	"bytes"
	"path"
	"regexp"
	"strings"
)

// ignoreRule is one line of a .dockerignore file.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

// dockerignore tells which context paths a build leaves out, with the
// .dockerignore rules: one pattern a line, "#" comments, "!" for
// exceptions, "*" and "?" within a path element, "**" across elements; a
// pattern that matches a directory leaves out everything below it; the
// last matching line wins.
type dockerignore struct {
	rules []ignoreRule
}

func parseDockerignore(data []byte) *dockerignore {
	di := &dockerignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := false
		if strings.HasPrefix(line, "!") {
			neg = true
			line = strings.TrimSpace(line[1:])
		}
		line = strings.TrimPrefix(path.Clean("/"+line), "/")
		if line == "" {
			// "/" or ".": the whole context.
			line = "**"
		}
		re, err := regexp.Compile(globToRegexp(line))
		if err != nil {
			continue
		}
		di.rules = append(di.rules, ignoreRule{re: re, negate: neg})
	}
	return di
}

// globToRegexp translates a .dockerignore pattern.
func globToRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*' && i+1 < len(p) && p[i+1] == '*':
			i++
			if i+1 < len(p) && p[i+1] == '/' {
				// "**/": any number of leading directories, none included.
				i++
				b.WriteString("(.*/)?")
			} else {
				b.WriteString(".*")
			}
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(string(p[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// Excluded reports whether the slash-separated context path rel is left
// out of the build context.
func (di *dockerignore) Excluded(rel string) bool {
	if di == nil || len(di.rules) == 0 {
		return false
	}
	excluded := false
	for _, r := range di.rules {
		if matchSelfOrParent(r.re, rel) {
			excluded = !r.negate
		}
	}
	return excluded
}

// HasExceptions reports whether some rule is an exception: then an
// excluded directory may still hold included paths.
func (di *dockerignore) HasExceptions() bool {
	if di == nil {
		return false
	}
	for _, r := range di.rules {
		if r.negate {
			return true
		}
	}
	return false
}

func matchSelfOrParent(re *regexp.Regexp, rel string) bool {
	for p := rel; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}
