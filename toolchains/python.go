package toolchains

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
)

// Python: the slim image of a python image, pip installs, and which
// distribution packages a build installs only to compile extensions and
// which the program needs at run time.

// PythonSlimTag is the tag of the python image's slim variant with the
// same Python and distribution release ("3.11" gives "3.11-slim",
// "3.11-bookworm" "3.11-slim-bookworm"); a slim tag is its own. ok is
// false for Alpine, Windows and tags it does not know the form of.
func PythonSlimTag(tag string) (string, bool) {
	switch {
	case tag == "" || tag == "latest":
		return "slim", true
	case strings.Contains(tag, "slim"):
		return tag, true
	case strings.Contains(tag, "alpine") || strings.Contains(tag, "windows") || strings.Contains(tag, "nanoserver") || strings.Contains(tag, "onbuild"):
		return "", false
	}
	version, release, _ := strings.Cut(tag, "-")
	if release != "" {
		return version + "-slim-" + release, true
	}
	return tag + "-slim", true
}

// PipInstall is a pip install command.
type PipInstall struct {
	Cmd *shellparse.Command
	// Requirements are the -r/-c files, Packages the other operands
	// (names, local paths, URLs).
	Requirements, Packages []string
	// Elsewhere says it installs outside the environment pip runs in
	// (--user, --target, --prefix, --root), "" when it does not.
	Elsewhere string
	// Absolute: pip is run by an absolute path (so not the one a PATH
	// change would pick).
	Absolute bool
}

var pipValued = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
		"-t": true, "--target": true, "--prefix": true, "--root": true, "-i": true, "--index-url": true,
		"--extra-index-url": true, "-f": true, "--find-links": true, "--platform": true, "--python-version": true,
		"--implementation": true, "--abi": true, "--src": true, "--upgrade-strategy": true, "--progress-bar": true,
		"--config-settings": true, "-C": true, "--global-option": true, "--no-binary": true, "--only-binary": true,
		"--trusted-host": true, "--cache-dir": true, "--log": true, "--timeout": true, "--retries": true, "--proxy": true,
	}
}}

var pipName = lazyre.New(`^pip(3(\.\d+)?)?$`)

// PipInstallOf reads pip install (pip, pip3, python -m pip); ok is false
// for other commands.
func PipInstallOf(c *shellparse.Command) (PipInstall, bool) {
	p := PipInstall{Cmd: c}
	if !pipName.MatchString(c.Name) {
		return p, false
	}
	if w := c.NameWord(); w != nil && c.Module == "" {
		if lit, ok := shellparse.Lit(w); ok && strings.HasPrefix(lit, "/") {
			p.Absolute = true
		}
	}
	if c.Module != "" && c.NameIdx > 0 {
		if lit, ok := shellparse.Lit(c.Call.Args[0]); ok && strings.HasPrefix(lit, "/") {
			p.Absolute = true
		}
	}
	sub := ""
	for i := 0; i < len(c.Args); i++ {
		a := c.Lits[i]
		if !c.Static[i] {
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if sub == "" {
			if !strings.HasPrefix(a, "-") {
				sub = a
			}
			continue
		}
		if pipValued.Get()[name] && !hasVal && i+1 < len(c.Args) {
			i++
			val = c.Lits[i]
		}
		switch {
		case name == "-r" || name == "--requirement":
			p.Requirements = append(p.Requirements, val)
		case name == "-e" || name == "--editable":
			p.Packages = append(p.Packages, val)
		case name == "--user" || name == "-t" || name == "--target" || name == "--prefix" || name == "--root":
			p.Elsewhere = name
		case strings.HasPrefix(a, "-"):
		default:
			p.Packages = append(p.Packages, a)
		}
	}
	return p, sub == "install"
}

// RequirementNames reads the package names of a requirements file (lines
// that name a package; options, URLs and local paths are left out).
func RequirementNames(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") || strings.Contains(line, "://") {
			continue
		}
		out = append(out, PipPackageName(line))
	}
	return out
}

var pipNameEnd = lazyre.New(`[\[<>=!~;@ ]`)

// PipPackageName is the normalized distribution name of a requirement
// ("psycopg2[binary]>=2.9" gives "psycopg2").
func PipPackageName(req string) string {
	if i := pipNameEnd.FindStringIndex(req); i != nil {
		req = req[:i[0]]
	}
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(req)), "_", "-")
}

// PythonBuildPackages are Debian packages a Python build installs only to
// compile extensions: compilers, headers of libraries the slim python
// image has the runtime of, version control.
var PythonBuildPackages = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"gcc": true, "g++": true, "make": true, "build-essential": true, "libc6-dev": true, "libc-dev": true,
		"pkg-config": true, "pkgconf": true, "python3-dev": true, "python-dev": true, "libpython3-dev": true,
		"git": true, "curl": true, "wget": true, "ca-certificates": true, "cmake": true, "cargo": true, "rustc": true,
		"libffi-dev": true, "libssl-dev": true, "zlib1g-dev": true, "libbz2-dev": true, "liblzma-dev": true,
		"libsqlite3-dev": true, "libreadline-dev": true, "libncurses-dev": true, "libncursesw5-dev": true,
		"libgdbm-dev": true, "uuid-dev": true, "libexpat1-dev": true, "gnupg": true, "openssh-client": true, "unzip": true,
	}
}}

// PythonRuntimePackages maps -dev packages a Python build installs to the
// Debian package with their library, which the program needs at run time
// (the same name in the Debian releases python images are built on).
var PythonRuntimePackages = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"libpq-dev": "libpq5", "default-libmysqlclient-dev": "libmariadb3", "libmariadb-dev": "libmariadb3",
		"libmariadb-dev-compat": "libmariadb3", "libjpeg-dev": "libjpeg62-turbo", "libjpeg62-turbo-dev": "libjpeg62-turbo",
		"libpng-dev": "libpng16-16", "libxml2-dev": "libxml2", "libxslt1-dev": "libxslt1.1", "libxslt-dev": "libxslt1.1",
		"libyaml-dev": "libyaml-0-2", "libgeos-dev": "libgeos-c1v5", "libmagic-dev": "libmagic1", "libsasl2-dev": "libsasl2-2",
		"libcurl4-openssl-dev": "libcurl4", "libfreetype6-dev": "libfreetype6", "liblcms2-dev": "liblcms2-2",
		"libzmq3-dev": "libzmq5", "libsnappy-dev": "libsnappy1v5", "libopenjp2-7-dev": "libopenjp2-7",
	}
}}

// PythonToolchainEnv reports an environment variable that only the
// installers read (pip's, Poetry's, Pipenv's configuration).
// PYTHONUNBUFFERED, PYTHONDONTWRITEBYTECODE and PYTHONPATH are the
// program's.
func PythonToolchainEnv(key string) bool {
	k := strings.ToUpper(key)
	return strings.HasPrefix(k, "PIP_") || strings.HasPrefix(k, "POETRY_") || strings.HasPrefix(k, "PIPENV_") ||
		k == "UV_CACHE_DIR" || k == "UV_COMPILE_BYTECODE" || k == "UV_LINK_MODE"
}

// FullImageTools are programs the full python and node images have (from
// buildpack-deps) and their slim images have not.
var FullImageTools = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"git": true, "curl": true, "wget": true, "gcc": true, "g++": true, "cc": true, "make": true, "ssh": true,
		"svn": true, "hg": true, "gpg": true, "pkg-config": true, "patch": true, "bzr": true, "file": true,
	}
}}

// pythonRuns matches the calls and imports of Python sources that run
// other programs.
var pythonRuns = lazyre.New(`\bsubprocess\b|\bos\.(system|popen|exec[lv]p?e?|spawn[lv]p?e?)\(|\bpty\.spawn\(`)

// PythonRunsPrograms returns the first of the files (context paths) that
// is a Python source of the program (not a test) and runs other programs
// (subprocess, os.system, os.popen, os.exec*), "" when none does.
func PythonRunsPrograms(ctx *analysis.Context, files []File) string {
	for _, f := range files {
		if f.Dir || path.Ext(f.Context) != ".py" {
			continue
		}
		b := path.Base(f.Context)
		if strings.HasPrefix(b, "test_") || strings.HasSuffix(b, "_test.py") || strings.Contains("/"+f.Context, "/tests/") {
			continue
		}
		if data, ok := ReadFile(ctx, f.Context); ok && pythonRuns.Match(data) {
			return f.Context
		}
	}
	return ""
}
