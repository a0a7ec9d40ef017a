package dockerignore

import (
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/stages"
)

var gitWordRE = lazyre.New(`(?i)(^|[^a-z0-9_])(git|husky|setuptools[-_]scm|setuptools[-_]git[-_a-z]*|hatch[-_]vcs|versioneer|dunamai|pbr|gitversion|sourcelink|buildvcs)([^a-z0-9_]|$)`)

// mentionGit reports whether any of the files (relative to dir) mentions
// git; a missing file set counts as a mention (cannot tell).
func (r *contextFiles) mentionGit(dir string, files ...string) bool {
	found := false
	for _, f := range files {
		if b := r.read(path.Join(dir, f)); b != nil {
			found = true
			if gitWordRE.Match(b) {
				return true
			}
		}
	}
	return !found
}

// packageScriptsGit reports whether package.json's scripts (or a husky
// dependency) use git.
func (r *contextFiles) packageScriptsGit(dir string) bool {
	b := r.read(path.Join(dir, "package.json"))
	if b == nil {
		return true
	}
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
		Deps    map[string]any `json:"dependencies"`
		DevDeps map[string]any `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return true
	}
	for _, v := range pkg.Scripts {
		if s, _ := v.(string); gitWordRE.MatchString(s) {
			return true
		}
	}
	_, h1 := pkg.Deps["husky"]
	_, h2 := pkg.DevDeps["husky"]
	return h1 || h2
}

// ctxDir maps the working directory of a RUN to a directory of the
// context, through the send that brought the context there; the root
// when it cannot tell.
func ctxDir(s *send, wd string) string {
	if s != nil && !s.opaque && !s.glob && s.dest != "" && wd != "" && stages.Under(wd, s.dest) {
		rel := strings.TrimPrefix(strings.TrimPrefix(wd, s.dest), "/")
		return path.Join(append(append([]string{}, s.comps...), rel)...)
	}
	return ""
}

// script maps a script named in a RUN to a context path ("" unknown).
func scriptPath(s *send, wd, p string) string {
	if p == "" || strings.ContainsAny(p, "$`") {
		return ""
	}
	if path.IsAbs(p) || wd != "" {
		abs := stages.JoinDir(wd, p)
		if s != nil && !s.opaque && !s.glob && s.dest != "" && abs != "" && stages.Under(abs, s.dest) {
			rel := strings.TrimPrefix(strings.TrimPrefix(abs, s.dest), "/")
			return buildcontext.Clean(path.Join(append(append([]string{}, s.comps...), rel)...))
		}
		if path.IsAbs(p) {
			return ""
		}
	}
	return buildcontext.Clean(p)
}

var (
	interpreters = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"perl": true, "ruby": true, "php": true, "node": true, "deno": true, "tsx": true, "ts-node": true}
	}}
	nodeTools = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"npm": true, "npx": true, "yarn": true, "pnpm": true, "pnpx": true, "bun": true, "bunx": true, "corepack": true, "lerna": true, "nx": true, "turbo": true}
	}}
	pyTools = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"poetry": true, "pdm": true, "uv": true, "hatch": true, "flit": true, "pipenv": true, "tox": true, "nox": true, "build": true, "setup.py": true}
	}}
	// unknownBuilds are build systems that may read the repository.
	unknownBuilds = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"dotnet": true, "msbuild": true, "bazel": true, "bazelisk": true, "meson": true,
			"ninja": true, "autoreconf": true, "autogen.sh": true, "configure": true, "just": true, "task": true,
			"earthly": true, "goreleaser": true, "mage": true, "scons": true, "waf": true, "semantic-release": true,
			"husky": true, "pre-commit": true, "buf": true, "xcodebuild": true, "swift": true, "stack": true, "cabal": true,
			"dune": true, "rebar3": true, "lein": true, "clojure": true, "zig": true, "bb": true, "ant": true}
	}}
	buildManifests = lazy.Value[map[string][]string]{New: func() map[string][]string {
		return map[string][]string{
			"make": {"Makefile", "makefile", "GNUmakefile"}, "gmake": {"Makefile", "makefile", "GNUmakefile"},
			"mvn": {"pom.xml"}, "mvnw": {"pom.xml"},
			"gradle":  {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"},
			"gradlew": {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"},
			"cargo":   {"Cargo.toml", "build.rs"}, "cmake": {"CMakeLists.txt"},
			"bundle": {"Gemfile", "Rakefile"}, "bundler": {"Gemfile", "Rakefile"}, "rake": {"Rakefile", "Gemfile"},
			"gem": {"Gemfile", "Rakefile"}, "composer": {"composer.json"}, "mix": {"mix.exs"},
			"sbt": {"build.sbt", "project/plugins.sbt"},
		}
	}}
	pyManifests = []string{"pyproject.toml", "setup.py", "setup.cfg"}
	pythonRE    = lazyre.New(`^python[0-9]*(\.[0-9]+)*$`)
	// localReqRE finds requirements that install the project itself.
	localReqRE = lazyre.New(`(?m)^\s*(-e|--editable|-r|--requirement|\.|/|file:|git\+)`)
)

// cmdNeedsGit reports whether a command may read the repository in .git.
// s is the send that brought the context and wd the RUN's WORKDIR.
func (r *contextFiles) cmdNeedsGit(c command, s *send, wd, runText string) bool {
	if c.name == "" {
		return c.word != "" || (c.sc != nil && c.sc.NameIdx >= 0)
	}
	dir := ctxDir(s, wd)
	switch {
	case c.name == "git":
		if !c.static || c.has("-C", "--git-dir", "--work-tree") {
			return true
		}
		switch c.first() {
		case "clone", "init", "ls-remote", "version", "help":
			return false
		case "config":
			return !c.has("--global", "--system")
		case "":
			return !c.has("--version", "--help")
		}
		return true
	case c.name == "go":
		if c.has("-C") || !c.static {
			return true
		}
		switch c.first() {
		case "build", "install", "test", "vet", "generate", "list", "run":
			return !slices.Contains(c.args, "-buildvcs=false") && !strings.Contains(runText, "-buildvcs=false")
		}
		return false
	case buildManifests.Get()[c.name] != nil:
		return r.mentionGit(dir, buildManifests.Get()[c.name]...)
	case nodeTools.Get()[c.name]:
		if c.has("-g", "--global") {
			return false
		}
		return r.packageScriptsGit(dir)
	case pkgmgr.IsPip(c.name):
		switch c.first() {
		case "install", "wheel", "download":
		default:
			return false
		}
		if !c.static || c.has("-e", "--editable") {
			return r.mentionGit(dir, pyManifests...)
		}
		for _, a := range c.operands()[1:] {
			if manifests.LocalPath(a) {
				return r.mentionGit(dir, pyManifests...)
			}
		}
		for i, a := range c.args {
			if (a == "-r" || a == "--requirement") && i+1 < len(c.args) {
				req := r.read(scriptPath(s, wd, c.args[i+1]))
				if req == nil || localReqRE.Match(req) {
					return r.mentionGit(dir, pyManifests...)
				}
			}
		}
		return false
	case pyTools.Get()[c.name]:
		return r.mentionGit(dir, pyManifests...)
	case unknownBuilds.Get()[c.name]:
		return true
	case dockerfile.IsPOSIXShell(c.name) || interpreters.Get()[c.name] || pythonRE.MatchString(c.name):
		if c.has("-c", "-e", "--eval") || !c.static {
			return gitWordRE.MatchString(strings.Join(c.args, " ")) || !c.static
		}
		sp := c.first()
		if sp == "" {
			return dockerfile.IsPOSIXShell(c.name) // a shell reading its input
		}
		if pythonRE.MatchString(c.name) && path.Base(sp) == "setup.py" {
			return r.mentionGit(dir, pyManifests...)
		}
		b := r.read(scriptPath(s, wd, sp))
		return b == nil || gitWordRE.Match(b)
	case strings.Contains(c.word, "/") && !path.IsAbs(c.word):
		b := r.read(scriptPath(s, wd, c.word))
		return b == nil || gitWordRE.Match(b)
	}
	return false
}

// gitNeeded reports whether something after the send may use .git.
func (a *build) gitNeeded(r *contextFiles, s *send) bool {
	for _, o := range a.later(s) {
		switch o.Cmd {
		case "run":
			cmds, ok := runCmds(a.doc, o)
			if !ok {
				return true
			}
			wd := stages.WorkdirAt(o)
			for _, c := range cmds {
				if r.cmdNeedsGit(c, s, wd, o.Text) {
					return true
				}
			}
		case "onbuild":
			return true
		case "cmd", "entrypoint", "healthcheck":
			if gitWordRE.MatchString(o.Text) {
				return true
			}
		}
	}
	return false
}
