package manifests

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
)

// Dependencies that compile native code when they are installed: they need
// a compiler and C headers (what the default python and node images have
// and their slim variants do not). The lists are of common packages, not
// of all of them: a package not listed may build from source too.

// PythonSourceBuilds are distributions on PyPI without binary wheels for
// Linux (manylinux) for current Python versions, or whose wheels need a
// system library: pip builds them from source.
var PythonSourceBuilds = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"psycopg2": true, "mysqlclient": true, "uwsgi": true, "pycrypto": true, "python-ldap": true,
		"pylibmc": true, "mod-wsgi": true, "pygraphviz": true, "pyaudio": true, "dlib": true,
		"face-recognition": true, "pycairo": true, "pygobject": true, "m2crypto": true, "xmlsec": true,
		"python-xmlsec": true, "gssapi": true, "kerberos": true, "pykerberos": true, "mariadb": true,
		"pyodbc": true, "netifaces": true, "python-snappy": true, "cx-oracle": true, "pysqlite3": true,
		"psycopg-c": true,
	}
}}

// PythonSourceBuildLibraries maps those of PythonSourceBuilds whose build
// links one system library to the Debian package with that library at run
// time (the same name in the Debian releases python images are built on).
// A source build not listed may link several, or ones whose package names
// change between releases.
var PythonSourceBuildLibraries = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"psycopg2": "libpq5", "psycopg-c": "libpq5", "mysqlclient": "libmariadb3",
	}
}}

// PythonSystemLibraryUsers are distributions that install as wheels but
// load a system library at run time (with ctypes or cffi), which the full
// python image has (or may have) and its slim variant has not. psycopg (3)
// is pure Python and loads libpq.so.5 with ctypes unless its binary extra
// brings a wheel with libpq inside; its c extra builds psycopg-c against
// libpq. Readers drop the extras of a requirement, so psycopg[binary]
// counts as psycopg. Wand loads ImageMagick's MagickWand, filemagic
// libmagic.
var PythonSystemLibraryUsers = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"python-magic": true, "cairocffi": true, "cairosvg": true, "weasyprint": true, "pyvips": true,
		"psycopg": true, "wand": true, "filemagic": true,
	}
}}

// PythonSourceBuildsBefore are distributions whose releases before the
// version given were published on PyPI as sources only: pip builds a pin
// to one of them (==) from source, with a compiler and C headers.
// python-Levenshtein 0.12.2 and earlier have no wheels; from 0.20.0 on it
// depends on Levenshtein, which has.
var PythonSourceBuildsBefore = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"python-levenshtein": "0.20.0",
	}
}}

// PinnedSourceBuild reports whether the requirement req (a word of a pip
// command line or a line of a requirements file) pins a version of a
// distribution that PythonSourceBuildsBefore lists to one that pip builds
// from source; name is the distribution, normalized.
func PinnedSourceBuild(req string) (name string, ok bool) {
	m := reqNameRE.FindString(req)
	if m == "" {
		return "", false
	}
	name = NormalizeDist(m)
	before, listed := PythonSourceBuildsBefore.Get()[name]
	if !listed {
		return name, false
	}
	rest := strings.TrimSpace(req[len(m):])
	if strings.HasPrefix(rest, "[") {
		if i := strings.Index(rest, "]"); i >= 0 {
			rest = strings.TrimSpace(rest[i+1:])
		}
	}
	v, pinned := strings.CutPrefix(rest, "==")
	if !pinned {
		return name, false
	}
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, " ;,"); i >= 0 {
		v = v[:i]
	}
	return name, v != "" && versionLess(v, before)
}

// PinnedSourceBuilds returns the distributions of a requirements file that
// PinnedSourceBuild finds.
func PinnedSourceBuilds(data string) []string {
	var out []string
	for _, line := range requirementLines(data) {
		if name, ok := PinnedSourceBuild(line); ok {
			out = append(out, name)
		}
	}
	return out
}

// versionLess compares dotted release numbers (0.12.2 < 0.20.0); a part
// is read up to its first character that is not a digit, and a version
// with a "*" (==0.12.*) is compared by the parts before it (==0.20.* is
// not before 0.20.0).
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		x, y := versionPart(as, i), versionPart(bs, i)
		if x < 0 {
			return false
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// versionPart returns the number of part i (0 past the end, -1 for "*").
func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	if parts[i] == "*" {
		return -1
	}
	n := 0
	for _, r := range parts[i] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// NodeNativeAddons are npm packages that build a native addon with
// node-gyp at install time (or fall back to it when no prebuilt binary
// fits), which needs python3, make and a C++ compiler.
var NodeNativeAddons = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"bcrypt": true, "node-sass": true, "sqlite3": true, "canvas": true, "better-sqlite3": true,
		"argon2": true, "grpc": true, "fibers": true, "deasync": true, "microtime": true,
		"bufferutil": true, "utf-8-validate": true, "cpu-features": true, "leveldown": true,
		"node-expat": true, "iconv": true, "kerberos": true, "libxmljs": true, "libxmljs2": true,
		"re2": true, "zeromq": true, "node-pty": true, "usb": true, "serialport": true,
		"@serialport/bindings": true, "@serialport/bindings-cpp": true, "farmhash": true, "hiredis": true,
		"diskusage": true, "unix-dgram": true, "heapdump": true, "dtrace-provider": true, "ffi": true,
		"ffi-napi": true, "ref": true, "ref-napi": true, "@tensorflow/tfjs-node": true, "nodegit": true,
		"bignum": true, "lzma-native": true, "isolated-vm": true, "sharp": true, "epoll": true, "mmmagic": true,
		"node-rdkafka": true, "pg-native": true, "libpq": true,
	}
}}

var reqNameRE = lazyre.New(`^([A-Za-z0-9][A-Za-z0-9._-]*)`)

// NormalizeDist normalizes a Python distribution name (PEP 503): lower
// case, runs of -, _ and . as one -.
func NormalizeDist(name string) string {
	return strings.Trim(nonAlnumRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

var nonAlnumRE = lazyre.New(`[-_.]+`)

// Requirements reads a requirements file: the distributions it names
// (normalized), the files it includes (-r, -c), and the lines that name
// something other than a distribution of an index (a URL, a VCS
// checkout, a local path), which may build from source.
func Requirements(data string) (names, includes, others []string) {
	for _, line := range requirementLines(data) {
		fields := strings.Fields(line)
		opt := fields[0]
		if strings.HasPrefix(opt, "-") {
			val := ""
			if n, v, ok := strings.Cut(opt, "="); ok && strings.HasPrefix(opt, "--") {
				opt, val = n, v
			} else if len(fields) > 1 {
				val = fields[1]
			} else if len(opt) > 2 && !strings.HasPrefix(opt, "--") {
				opt, val = opt[:2], opt[2:]
			}
			switch opt {
			case "-r", "--requirement", "-c", "--constraint":
				includes = append(includes, val)
			case "-e", "--editable":
				others = append(others, val)
			}
			continue
		}
		if strings.Contains(opt, "://") || strings.HasPrefix(opt, ".") || strings.HasPrefix(opt, "/") || strings.Contains(opt, " @ ") || strings.Contains(line, " @ ") {
			others = append(others, line)
			continue
		}
		if m := reqNameRE.FindString(opt); m != "" {
			names = append(names, NormalizeDist(m))
		}
	}
	return names, includes, others
}

// LockPackages returns the names of the packages a package-lock.json or
// npm-shrinkwrap.json (lockfile versions 1 to 3) installs, sorted; ok is
// false when it cannot be read.
func LockPackages(data []byte) (names []string, ok bool) {
	var lock struct {
		Packages     map[string]json.RawMessage `json:"packages"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, false
	}
	seen := map[string]bool{}
	for k := range lock.Packages {
		i := strings.LastIndex(k, "node_modules/")
		if i < 0 {
			continue
		}
		seen[k[i+len("node_modules/"):]] = true
	}
	var walk func(deps map[string]json.RawMessage)
	walk = func(deps map[string]json.RawMessage) {
		for name, raw := range deps {
			seen[name] = true
			var sub struct {
				Dependencies map[string]json.RawMessage `json:"dependencies"`
			}
			if json.Unmarshal(raw, &sub) == nil {
				walk(sub.Dependencies)
			}
		}
	}
	walk(lock.Dependencies)
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, true
}

// PackageDeps returns the names of the dependencies a package.json lists
// (dependencies, devDependencies, optionalDependencies), sorted; ok is
// false when it cannot be read.
func PackageDeps(data []byte) (names []string, ok bool) {
	var pkg map[string]json.RawMessage
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, false
	}
	seen := map[string]bool{}
	for _, k := range []string{"dependencies", "devDependencies", "optionalDependencies"} {
		var deps map[string]string
		if raw, ok := pkg[k]; ok && json.Unmarshal(raw, &deps) == nil {
			for n := range deps {
				seen[n] = true
			}
		}
	}
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, true
}
