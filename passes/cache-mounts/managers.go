package cachemounts

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// manager describes one package manager: how its commands are
// recognised, where its caches are, and what reads them later.
type manager struct {
	name string
	// system: the cache is the system's (apt, apk): the command must run
	// as root, and the cache does not depend on the user.
	system bool
	// match reports a command of the manager that downloads into its
	// cache.
	match func(c *shellparse.Command) bool
	// offline reports a command that reads the cache without filling it
	// (an install from the cache only, an apt-get install without its own
	// update): a RUN with such a command is not mounted, and neither is
	// a RUN before it that fills the cache for it.
	offline func(c *shellparse.Command) bool
	// offlineText is the same for a RUN whose shell cannot be read.
	offlineText *lazyre.Regexp
	// runtime matches an ENTRYPOINT, CMD or HEALTHCHECK that runs the tool
	// in the image, where it would miss what the cache held.
	runtime *lazyre.Regexp
	// env are variables that move the cache or turn it off: the manager
	// is not mounted when the RUN sets one, and where the stage sets one
	// targets says what it means.
	env []string
	// markers are words of a path that may be the cache, for removals
	// the RUN makes of paths dfopt cannot read.
	markers []string
	// cleans reports a command of the manager (or of rm/find, handled
	// apart) that empties the cache: it is taken out of a mounted RUN.
	cleans func(c *shellparse.Command) bool
}

var aptVerbs = []string{"update", "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"}

func aptCommand(c *shellparse.Command) bool { return c.Name == "apt-get" || c.Name == "apt" }

func subcommand(c *shellparse.Command, valueOpts ...string) string {
	s, _ := c.Subcommand(valueOpts...)
	return s
}

var managers = []*manager{
	{
		name:   "apt",
		system: true,
		match: func(c *shellparse.Command) bool {
			return aptCommand(c) && slices.Contains(aptVerbs, subcommand(c, pkgmgr.AptValueOptions...))
		},
		offlineText: lazyre.New(`\bapt(-get)?\b[^;&|]*\b(install|upgrade|dist-upgrade|build-dep|reinstall)\b`),
		markers:     []string{"apt"},
		cleans: func(c *shellparse.Command) bool {
			s := subcommand(c, pkgmgr.AptValueOptions...)
			return aptCommand(c) && (s == "clean" || s == "autoclean" || s == "auto-clean" || s == "dist-clean")
		},
	},
	{
		name:   "apk",
		system: true,
		match: func(c *shellparse.Command) bool {
			s := subcommand(c, pkgmgr.ApkValueOptions...)
			return c.Name == "apk" && (s == "add" || s == "upgrade" || s == "update" || s == "fix")
		},
		offlineText: lazyre.New(`\bapk\b[^;&|]*\b(add|upgrade)\b`),
		markers:     []string{"apk"},
		cleans: func(c *shellparse.Command) bool {
			return c.Name == "apk" && subcommand(c, pkgmgr.ApkValueOptions...) == "cache"
		},
	},
	{
		name: "pip",
		match: func(c *shellparse.Command) bool {
			s := subcommand(c, "--python", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert", "--cache-dir")
			return pkgmgr.IsPip(c.Name) && (s == "install" || s == "download" || s == "wheel")
		},
		env:     []string{"PIP_CACHE_DIR", "PIP_NO_CACHE_DIR", "XDG_CACHE_HOME"},
		markers: []string{".cache", "pip"},
		cleans: func(c *shellparse.Command) bool {
			return pkgmgr.IsPip(c.Name) && subcommand(c) == "cache"
		},
	},
	{
		name: "npm",
		match: func(c *shellparse.Command) bool {
			return c.Name == "npm" && slices.Contains(npmVerbs, subcommand(c, "--cache", "--prefix", "-C", "--registry"))
		},
		offline: func(c *shellparse.Command) bool {
			return c.Name == "npm" && c.HasArg(shellparse.ArgIs("--offline"))
		},
		offlineText: lazyre.New(`\bnpm\s[^;&|]*--offline\b`),
		env:         []string{"npm_config_cache", "NPM_CONFIG_CACHE"},
		markers:     []string{".npm"},
		cleans: func(c *shellparse.Command) bool {
			return c.Name == "npm" && subcommand(c) == "cache" && !c.HasArg(shellparse.ArgIs("ls", "list", "add"))
		},
	},
	{
		name: "yarn",
		match: func(c *shellparse.Command) bool {
			if c.Name != "yarn" {
				return false
			}
			s := subcommand(c, "--cwd", "--cache-folder", "--registry", "--modules-folder", "--network-timeout", "--mutex")
			return s == "install" || s == "add" || s == "global" || (s == "" && pkgmgr.BareInstall(c))
		},
		offline: func(c *shellparse.Command) bool {
			return c.Name == "yarn" && c.HasArg(shellparse.ArgIs("--offline"))
		},
		offlineText: lazyre.New(`\byarn\b[^;&|]*--offline\b`),
		env:         []string{"YARN_CACHE_FOLDER", "XDG_CACHE_HOME"},
		markers:     []string{"yarn"},
		cleans: func(c *shellparse.Command) bool {
			return c.Name == "yarn" && c.HasArgSeq("cache", "clean")
		},
	},
	{
		name: "go",
		match: func(c *shellparse.Command) bool {
			switch subcommand(c, "-C") {
			case "build", "install", "test", "run", "get", "mod", "generate", "vet", "list":
				return c.Name == "go"
			}
			return false
		},
		offlineText: lazyre.New(`GOPROXY=["']?off\b`),
		runtime:     lazyre.New(`(^|[\s"'/\[,])go["']?[\s,]+["']?(run|test|build|generate|get|install|mod)\b`),
		env:         []string{"GOPATH", "GOMODCACHE", "GOCACHE", "XDG_CACHE_HOME", "GOFLAGS"},
		markers:     []string{"go-build", "pkg/mod", "GOPATH", "GOCACHE", "GOMODCACHE"},
		cleans: func(c *shellparse.Command) bool {
			return c.Name == "go" && subcommand(c) == "clean" && c.HasArg(shellparse.ArgIs("-modcache", "-cache", "-testcache", "-fuzzcache"))
		},
	},
	{
		name: "maven",
		match: func(c *shellparse.Command) bool {
			return c.Name == "mvn" || c.Name == "mvnw"
		},
		offline: func(c *shellparse.Command) bool {
			return (c.Name == "mvn" || c.Name == "mvnw") && c.HasArg(func(v string) bool {
				return v == "-o" || v == "--offline" || strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && !strings.HasPrefix(v, "-D") && strings.Contains(v, "o") && len(v) <= 4
			})
		},
		offlineText: lazyre.New(`\bmvnw?\b[^;&|]*\s(-o|--offline)\b`),
		runtime:     lazyre.New(`\bmvnw?\b`),
		env:         []string{"MAVEN_OPTS", "MAVEN_CONFIG", "MAVEN_ARGS"},
		markers:     []string{".m2"},
	},
	{
		name: "gradle",
		match: func(c *shellparse.Command) bool {
			return c.Name == "gradle" || c.Name == "gradlew"
		},
		offline: func(c *shellparse.Command) bool {
			return (c.Name == "gradle" || c.Name == "gradlew") && c.HasArg(shellparse.ArgIs("--offline"))
		},
		offlineText: lazyre.New(`\bgradlew?\b[^;&|]*--offline\b`),
		runtime:     lazyre.New(`\bgradlew?\b`),
		env:         []string{"GRADLE_USER_HOME", "GRADLE_OPTS"},
		markers:     []string{".gradle"},
	},
	{
		name: "cargo",
		match: func(c *shellparse.Command) bool {
			switch subcommand(c, "--manifest-path", "-p", "--package", "--target", "--features", "-F", "-j", "--jobs", "--config", "-Z") {
			case "build", "b", "install", "fetch", "test", "t", "run", "r", "check", "c", "update", "vendor", "doc", "clippy", "generate-lockfile", "bench":
				return c.Name == "cargo"
			}
			return false
		},
		offline: func(c *shellparse.Command) bool {
			return c.Name == "cargo" && c.HasArg(shellparse.ArgIs("--offline", "--frozen"))
		},
		offlineText: lazyre.New(`\bcargo\b[^;&|]*--(offline|frozen)\b|CARGO_NET_OFFLINE`),
		runtime:     lazyre.New(`\bcargo\b`),
		env:         []string{"CARGO_HOME", "CARGO_NET_OFFLINE"},
		markers:     []string{"cargo"},
	},
}

var npmVerbs = []string{"install", "i", "ci", "add", "update", "install-clean", "isntall", "in", "up", "upgrade"}

// target is a directory a manager's cache is kept in, with the Removes
// pattern for it and how it is shared.
type target struct {
	dir    string
	system bool   // the system's cache (apt, apk): root's whoever runs the RUN
	id     string // the id's name part
	locked bool
}

// where works out the cache directories of manager m for a RUN as the
// user u, in a stage whose base is info; why is set when they cannot be
// told.
func (m *manager) where(ev *env, u stages.User, info baseimage.Info) (dirs []target, why string) {
	home := u.Home
	release := ""
	if info.Known && info.Release != "" {
		release = info.Distro + "-" + info.Release
	}
	need := func(rel string) (string, bool) {
		if home == "" {
			why = "the home directory of the user the RUN runs as is not known"
			return "", false
		}
		return path.Join(home, rel), true
	}
	switch m.name {
	case "apt":
		return []target{
			{dir: pkgmgr.AptLists, id: "apt-lists" + dash(release), locked: true, system: true},
			{dir: pkgmgr.AptArchives, id: "apt-archives" + dash(release), locked: true, system: true},
		}, ""
	case "apk":
		return []target{{dir: pkgmgr.ApkCacheDir, id: "apk" + dash(release), locked: true, system: true}}, ""
	case "pip":
		if _, set := ev.get("PIP_NO_CACHE_DIR"); set {
			return nil, "PIP_NO_CACHE_DIR turns pip's cache off"
		}
		dir, ok := ev.dir("PIP_CACHE_DIR", "")
		if !ok {
			return nil, "PIP_CACHE_DIR is set to a value dfopt cannot read"
		}
		if dir == "" {
			xdg, ok := ev.dir("XDG_CACHE_HOME", "pip")
			if !ok {
				return nil, "XDG_CACHE_HOME is set to a value dfopt cannot read"
			}
			dir = xdg
		}
		if dir == "" {
			if dir, ok = need(pkgmgr.PipCache); !ok {
				return nil, why
			}
		}
		return []target{{dir: dir, id: "pip"}}, ""
	case "npm":
		if _, set := ev.get("npm_config_cache"); set {
			return nil, "npm_config_cache moves npm's cache"
		}
		if _, set := ev.get("NPM_CONFIG_CACHE"); set {
			return nil, "NPM_CONFIG_CACHE moves npm's cache"
		}
		dir, ok := need(pkgmgr.NpmDir)
		if !ok {
			return nil, why
		}
		return []target{{dir: dir, id: "npm"}}, ""
	case "yarn":
		if _, set := ev.get("YARN_CACHE_FOLDER"); set {
			return nil, "YARN_CACHE_FOLDER moves Yarn's cache"
		}
		if _, set := ev.get("XDG_CACHE_HOME"); set {
			return nil, "XDG_CACHE_HOME moves Yarn's cache"
		}
		switch u.Runs {
		case stages.AsRoot:
			// Yarn 1 keeps root's cache below /usr/local/share, whatever
			// HOME is.
			return []target{{dir: pkgmgr.YarnRootCache, id: "yarn", locked: true}}, ""
		case stages.Unknown:
			return nil, "the user the RUN runs as is not known, and Yarn keeps root's cache elsewhere than other users'"
		}
		dir, ok := need(pkgmgr.YarnCache)
		if !ok {
			return nil, why
		}
		return []target{{dir: dir, id: "yarn", locked: true}}, ""
	case "go":
		if v, set := ev.get("GOFLAGS"); set && (v == "" || strings.Contains(v, "modcache")) {
			return nil, "GOFLAGS is set to a value dfopt cannot read"
		}
		mod, ok := ev.dir("GOMODCACHE", "")
		if !ok {
			return nil, "GOMODCACHE is set to a value dfopt cannot read"
		}
		if mod == "" {
			gopath, ok := ev.dir("GOPATH", pkgmgr.GoModCache)
			if !ok || strings.Contains(gopath, ":") {
				return nil, "GOPATH is set to a value dfopt cannot read"
			}
			mod = gopath
		}
		if mod == "" {
			if mod, ok = need("go/" + pkgmgr.GoModCache); !ok {
				return nil, why
			}
		}
		build, ok := ev.dir("GOCACHE", "")
		if !ok || build == "off" {
			return nil, "GOCACHE is set to a value dfopt cannot read"
		}
		if build == "" {
			xdg, ok := ev.dir("XDG_CACHE_HOME", "go-build")
			if !ok {
				return nil, "XDG_CACHE_HOME is set to a value dfopt cannot read"
			}
			build = xdg
		}
		if build == "" {
			if build, ok = need(pkgmgr.GoBuildCache); !ok {
				return nil, why
			}
		}
		return []target{{dir: mod, id: "go-mod"}, {dir: build, id: "go-build"}}, ""
	case "maven":
		for _, k := range []string{"MAVEN_OPTS", "MAVEN_CONFIG", "MAVEN_ARGS"} {
			if v, set := ev.get(k); set && (v == "" || strings.Contains(v, "repo.local") || strings.Contains(v, "-s ") || strings.Contains(v, "settings")) {
				if k != "MAVEN_CONFIG" || v != path.Join(home, ".m2") {
					return nil, k + " may move Maven's local repository"
				}
			}
		}
		dir, ok := need(pkgmgr.MavenRepo)
		if !ok {
			return nil, why
		}
		return []target{{dir: dir, id: "maven-repo", locked: true}}, ""
	case "gradle":
		guh, ok := ev.dir("GRADLE_USER_HOME", "")
		if !ok {
			return nil, "GRADLE_USER_HOME is set to a value dfopt cannot read"
		}
		if guh == "" {
			if guh, ok = need(pkgmgr.GradleHome); !ok {
				return nil, why
			}
		}
		return []target{
			{dir: path.Join(guh, "caches"), id: "gradle-caches", locked: true},
			{dir: path.Join(guh, "wrapper"), id: "gradle-wrapper", locked: true},
		}, ""
	case "cargo":
		if _, set := ev.get("CARGO_NET_OFFLINE"); set {
			return nil, "CARGO_NET_OFFLINE makes Cargo read its cache only"
		}
		ch, ok := ev.dir("CARGO_HOME", "")
		if !ok {
			return nil, "CARGO_HOME is set to a value dfopt cannot read"
		}
		if ch == "" {
			if ch, ok = need(pkgmgr.CargoHome); !ok {
				return nil, why
			}
		}
		return []target{
			{dir: path.Join(ch, "registry"), id: "cargo-registry"},
			{dir: path.Join(ch, "git"), id: "cargo-git"},
		}, ""
	}
	return nil, "no cache known"
}

func dash(s string) string {
	if s == "" {
		return ""
	}
	return "-" + s
}
