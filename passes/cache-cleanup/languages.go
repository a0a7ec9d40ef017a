package cachecleanup

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

func (cl *cleaner) pip() {
	f, ins := cl.f, cl.r.Ins
	if cl.stageSets("PIP_NO_CACHE_DIR") || runs.Covers(f.cacheMounts, "/root/.cache/pip", "/root/.cache") {
		return
	}
	for _, c := range f.cmds {
		if pkgmgr.OtherUser(c) {
			continue
		}
		var i int
		var text, msg string
		switch {
		case pkgmgr.IsPip(c.Name):
			var s string
			s, i = c.Subcommand("--python", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert", "--cache-dir")
			if s != "install" || c.HasArg(shellparse.ArgIs("--no-cache-dir", "--cache-dir")) {
				continue
			}
			text, msg = "--no-cache-dir", "pip install without --no-cache-dir keeps downloaded packages in ~/.cache/pip"
		case c.Name == "pipx":
			var s string
			s, i = c.Subcommand()
			if s != "install" || c.HasArg(func(v string) bool { return strings.HasPrefix(v, "--pip-args") }) {
				continue
			}
			text, msg = "--pip-args=--no-cache-dir", "pipx install keeps pip's download cache"
		default:
			continue
		}
		if f.cleans(c, f.user.Home, []string{"~/.cache/pip"}, ".cache/pip") {
			continue // the RUN removes the cache itself
		}
		if name, tag, ok := stages.ImageTag(stages.RootImage(ins.Stage)); ok && pkgmgr.OldPip(name, tag) && !pipUpgradedBefore(ins) {
			cl.decline(c, msg, fmt.Sprintf("the pip of %s:%s may be older than 6.0, which rejects %s", name, tag, text))
			continue
		}
		cl.option(c, i, text, msg, "add "+text, "~/.cache/pip", "~/.cache")
	}
}

// pipUpgradedBefore reports whether an earlier RUN of the stage chain
// installs a newer pip (pip install -U pip, get-pip.py, easy_install pip).
func pipUpgradedBefore(ins *dockerfile.Instruction) bool {
	return stages.Marked(ins, "upgrades pip", func(other *dockerfile.Instruction) bool {
		if other.Cmd != "run" {
			return false
		}
		t := other.Text
		if strings.Contains(t, "get-pip") || strings.Contains(t, "easy_install pip") || strings.Contains(t, "ensurepip") {
			return true
		}
		sr, _ := runs.Parse(other)
		if sr == nil {
			return false
		}
		for _, c := range sr.Commands() {
			if pkgmgr.IsPip(c.Name) && c.HasArg(shellparse.ArgIs("-U", "--upgrade")) && c.HasArg(func(v string) bool {
				return v == "pip" || strings.HasPrefix(v, "pip=") || strings.HasPrefix(v, "pip>") || strings.HasPrefix(v, "pip<")
			}) {
				return true
			}
		}
		return false
	})
}

var npmInstallVerbs = []string{"install", "i", "ci", "add", "update", "install-clean", "isntall", "in", "up", "upgrade"}

func (cl *cleaner) npm() {
	f, ins := cl.f, cl.r.Ins
	for _, c := range f.cmds {
		s, _ := c.Subcommand("--cache", "--prefix", "-C", "--registry")
		if c.Name != "npm" || !slices.Contains(npmInstallVerbs, s) || pkgmgr.OtherUser(c) {
			continue
		}
		if c.HasArg(shellparse.ArgIs("--cache")) || cl.stageSets("npm_config_cache") || cl.stageSets("NPM_CONFIG_CACHE") ||
			stageMentions(ins, "npm config set cache") || runs.Covers(f.cacheMounts, "/root/.npm") {
			continue // the cache is elsewhere
		}
		if cl.hasAfter(c, func(o *shellparse.Command) bool {
			return o.Name == "npm" && (o.HasArgSeq("cache", "clean") || o.HasArgSeq("cache", "clear") || o.HasArgSeq("cache", "rm"))
		}) || f.cleans(c, f.user.Home, []string{"~/" + pkgmgr.NpmCache}, ".npm") {
			continue // cleaned already
		}
		msg := "npm " + s + " leaves its download cache in ~/.npm"
		cl.userCache(c, msg, func(homes []string, _ bool) ([]string, []string, string) {
			paths, removes := inHomes(homes, pkgmgr.NpmCache)
			return paths, removes, ""
		}, func() (int, string) {
			return cl.laterArg([]string{"npm"}, nil, "--offline", "--prefer-offline"), "installs from the cache"
		})
	}
}

func (cl *cleaner) yarn() {
	f, ins := cl.f, cl.r.Ins
	for _, c := range f.cmds {
		if c.Name != "yarn" || pkgmgr.OtherUser(c) {
			continue
		}
		s, _ := c.Subcommand("--cwd", "--cache-folder", "--registry", "--modules-folder", "--network-timeout", "--mutex")
		if (s != "" && s != "install" && s != "add" && s != "global") || (s == "" && !pkgmgr.BareInstall(c)) {
			continue
		}
		if c.HasArg(shellparse.ArgIs("--cache-folder")) || cl.stageSets("YARN_CACHE_FOLDER") || cl.stageSets("XDG_CACHE_HOME") ||
			stageMentions(ins, "cache-folder") || yarnBerry(cl.ctx, ins) ||
			runs.Covers(f.cacheMounts, pkgmgr.YarnRootCache, "/root/.cache/yarn", "/root/.yarn") {
			continue
		}
		if cl.hasAfter(c, func(o *shellparse.Command) bool { return o.Name == "yarn" && o.HasArgSeq("cache", "clean") }) ||
			f.cleans(c, f.user.Home, []string{pkgmgr.YarnRootCache, "~/" + pkgmgr.YarnCache}, ".cache/yarn", "yarn-cache", "yarn cache") {
			continue
		}
		verb := s
		if verb == "" {
			verb = "install"
		}
		msg := "yarn " + verb + " leaves its download cache in the layer"
		cl.userCache(c, msg, func(homes []string, root bool) ([]string, []string, string) {
			switch {
			case root:
				// Yarn 1 keeps root's cache below /usr/local/share, whatever HOME is.
				return []string{pkgmgr.YarnRootCache}, []string{pkgmgr.YarnRootCache}, ""
			case f.user.Runs == stages.Unknown:
				return nil, nil, "the user the RUN runs as is not known, and Yarn keeps root's cache elsewhere than other users'"
			}
			paths, removes := inHomes(homes, pkgmgr.YarnCache)
			return paths, removes, ""
		}, func() (int, string) {
			return cl.laterArg([]string{"yarn"}, nil, "--offline", "--prefer-offline"), "installs from the cache"
		})
	}
}

var pnpmVerbs = []string{"install", "i", "add", "fetch", "update", "up", "upgrade", "import", "rebuild", "deploy"}

func (cl *cleaner) pnpm() {
	f, ins := cl.f, cl.r.Ins
	for _, c := range f.cmds {
		s, _ := c.Subcommand("--store-dir", "--cache-dir", "-C", "--dir", "--filter", "-F", "--registry")
		if c.Name != "pnpm" || pkgmgr.OtherUser(c) || (s != "install" && s != "i" && s != "add" && s != "fetch") {
			continue
		}
		if c.HasArg(shellparse.ArgIs("--cache-dir")) || cl.stageSets("XDG_CACHE_HOME") || stageMentions(ins, "cache-dir") ||
			runs.Covers(f.cacheMounts, "/root/.cache/pnpm", "/root/.cache") {
			continue
		}
		if cl.hasAfter(c, func(o *shellparse.Command) bool { return o.Name == "pnpm" && o.HasArgSeq("store", "prune") }) ||
			f.cleans(c, f.user.Home, []string{"~/" + pkgmgr.PnpmCache}, ".cache/pnpm") {
			continue
		}
		msg := "pnpm " + s + " leaves its metadata cache in ~/.cache/pnpm"
		// The store itself stays: node_modules is hard-linked into it (or,
		// with the global virtual store, symlinked), and a later install
		// (after pnpm fetch above all) reads it.
		cl.userCache(c, msg, func(homes []string, _ bool) ([]string, []string, string) {
			paths, removes := inHomes(homes, pkgmgr.PnpmCache)
			return paths, removes, ""
		}, func() (int, string) {
			return cl.laterArg([]string{"pnpm"}, pnpmVerbs), "runs pnpm again, which reads its caches"
		})
	}
}

func (cl *cleaner) gem() {
	f, ins := cl.f, cl.r.Ins
	if !cl.hasAfter(nil, func(c *shellparse.Command) bool { return c.Name == "gem" }) ||
		stageMentions(ins, "no-document") || stageMentions(ins, "no-rdoc") {
		return // no gem, or a gemrc (or ENV) turns documentation off already
	}
	name, tag, _ := stages.ImageTag(stages.RootImage(ins.Stage))
	for _, c := range f.cmds {
		if c.Name != "gem" {
			continue
		}
		s, i := c.Subcommand()
		if (s != "install" && s != "update") ||
			c.HasArg(shellparse.ArgIs("--no-document", "--no-doc", "-N", "--no-ri", "--no-rdoc", "--document", "--doc", "--rdoc", "--ri")) {
			continue
		}
		msg := "gem " + s + " without --no-document builds documentation into the image"
		updated, downgraded := rubygemsUpdatedBefore(ins, f, c)
		if downgraded {
			cl.decline(c, msg, "RubyGems is set to a version older than 2.0 before it")
			continue
		}
		opt := pkgmgr.GemDocOption(name, tag, updated)
		cl.option(c, i, opt, msg, "add "+opt, "/usr/local/bundle/doc", "/usr/local/lib/ruby/gems/*/doc",
			"/var/lib/gems/*/doc", "~/.gem/ruby/*/doc", "~/.local/share/gem/ruby/*/doc")
	}
}

// rubygemsUpdatedBefore reports whether RubyGems is updated before command
// c of the RUN described by f (in an earlier RUN of the stage chain, or
// earlier in this one): gem update --system or update_rubygems; and
// whether it is set to a version older than 2.0.
func rubygemsUpdatedBefore(ins *dockerfile.Instruction, f *runFacts, c *shellparse.Command) (updated, old bool) {
	for _, o := range f.cmds {
		if o == c {
			break
		}
		u, d := rubygemsUpdate(o)
		updated, old = updated || u, old || d
	}
	updated = updated || stages.Marked(ins, "updates rubygems", func(other *dockerfile.Instruction) bool {
		return anyCommand(other, func(o *shellparse.Command) bool { u, _ := rubygemsUpdate(o); return u })
	})
	old = old || stages.Marked(ins, "sets rubygems 1.x", func(other *dockerfile.Instruction) bool {
		return anyCommand(other, func(o *shellparse.Command) bool { _, d := rubygemsUpdate(o); return d })
	})
	return updated, old && updated
}

// rubygemsUpdate reports whether command o updates RubyGems (gem update
// --system, update_rubygems), and whether it names a version older than
// 2.0 for it.
func rubygemsUpdate(o *shellparse.Command) (updated, old bool) {
	switch {
	case o.Name == "gem" && o.HasArg(shellparse.ArgIs("--system")):
		updated = true
		for i, v := range o.Lits {
			if o.Static[i] && strings.HasPrefix(v, "1.") {
				old = true
			}
		}
	case o.Name == "gem" && o.HasArg(shellparse.ArgIs("rubygems-update")):
		for i, v := range o.Lits {
			if o.Static[i] && (strings.HasPrefix(v, "1.") || strings.HasPrefix(v, "rubygems-update:1.")) {
				old = true
			}
		}
	case o.Name == "update_rubygems":
		updated = true
	}
	return updated, old
}

// anyCommand reports whether ins is a RUN whose shell can be read and one
// of its commands satisfies pred.
func anyCommand(ins *dockerfile.Instruction, pred func(*shellparse.Command) bool) bool {
	if ins.Cmd != "run" {
		return false
	}
	sr, _ := runs.Parse(ins)
	return sr != nil && slices.ContainsFunc(sr.Commands(), pred)
}

func (cl *cleaner) bundler() {
	f, ins := cl.f, cl.r.Ins
	for _, c := range f.cmds {
		if c.Name != "bundle" && c.Name != "bundler" {
			continue
		}
		s, _ := c.Subcommand("--gemfile", "--path", "--jobs", "-j", "--retry", "--without", "--with", "--binstubs")
		if (s != "" && s != "install") || (s == "" && !pkgmgr.BareInstall(c)) || pkgmgr.OtherUser(c) || runs.Covers(f.cacheMounts, "/usr/local/bundle", "/root/.bundle") ||
			c.HasArg(shellparse.ArgIs("--path", "--deployment", "--local")) || cl.stageSets("BUNDLE_PATH") ||
			stages.EnvAt(ins, "BUNDLE_DEPLOYMENT").Set || stageMentions(ins, "deployment") || stageMentions(ins, "bundle config set path") ||
			cl.stageSets("BUNDLE_USER_CACHE") || cl.stageSets("BUNDLE_USER_HOME") ||
			f.cleans(c, f.user.Home, bundlerCaches(ins), ".bundle", "gem") {
			continue // cleaned already
		}
		msg := "bundle install leaves downloaded .gem files in the layer"
		cl.userCache(c, msg, func(homes []string, root bool) ([]string, []string, string) {
			paths, removes := inHomes(homes, pkgmgr.BundlerCache)
			// The .gem files bundler downloads stay in GEM_HOME/cache:
			// removed when GEM_HOME is known, and only as root (the
			// directory is shared; another user may not remove what root
			// put there).
			if gh := stages.EnvAt(ins, "GEM_HOME"); root && gh.Known && strings.HasPrefix(gh.Value, "/") && !f.assigned["GEM_HOME"] {
				dir := strings.TrimRight(gh.Value, "/") + "/cache/*.gem"
				paths, removes = append(paths, dir), append(removes, dir)
			}
			return paths, removes, ""
		}, func() (int, string) {
			return cl.laterArg([]string{"bundle", "bundler", "gem"}, nil, "--local", "--prefer-local"), "installs from the cache"
		})
	}
}

func (cl *cleaner) composer() {
	f, ins := cl.f, cl.r.Ins
	for _, c := range f.cmds {
		word, lits := c.Name, c.Lits
		if word == "php" && len(lits) > 0 && strings.HasSuffix(lits[0], "composer.phar") {
			word, lits = "composer.phar", lits[1:]
		}
		if word != "composer" && word != "composer.phar" {
			continue
		}
		s := ""
		for i, v := range lits {
			if v == "-d" || v == "--working-dir" {
				continue
			}
			if i > 0 && (lits[i-1] == "-d" || lits[i-1] == "--working-dir") {
				continue
			}
			if !strings.HasPrefix(v, "-") {
				s = v
				break
			}
		}
		if !slices.Contains([]string{"install", "require", "update", "create-project", "global"}, s) || pkgmgr.OtherUser(c) ||
			c.HasArg(shellparse.ArgIs("--no-cache")) || cl.stageSets("COMPOSER_CACHE_DIR") || cl.stageSets("XDG_CACHE_HOME") ||
			runs.Covers(f.cacheMounts, "/root/.composer/cache", "/root/.cache/composer", "/tmp/cache") {
			continue
		}
		if cl.hasAfter(c, func(o *shellparse.Command) bool {
			ss := ""
			for _, v := range o.Lits {
				if !strings.HasPrefix(v, "-") && !strings.HasSuffix(v, "composer.phar") {
					ss = v
					break
				}
			}
			return (o.Name == "composer" || o.Name == "composer.phar" || o.Name == "php") && (ss == "clear-cache" || ss == "clearcache" || ss == "cc")
		}) || f.cleans(c, f.user.Home, composerCaches(ins), "composer", "COMPOSER_HOME") {
			continue // cleaned already
		}
		msg := "composer " + s + " leaves its download cache in the layer"
		if f.assigned["COMPOSER_HOME"] {
			cl.decline(c, msg, "the RUN sets COMPOSER_HOME")
			continue
		}
		cl.userCache(c, msg, func(homes []string, root bool) ([]string, []string, string) {
			switch ch := stages.EnvAt(ins, "COMPOSER_HOME"); {
			case ch.Set && !(ch.Known && strings.HasPrefix(ch.Value, "/")):
				return nil, nil, "COMPOSER_HOME is not known"
			case ch.Set:
				dir := strings.TrimRight(ch.Value, "/") + "/cache"
				if !root && !underHomes(dir, homes) {
					return nil, nil, "the RUN does not run as root, and " + dir + " may hold root's files"
				}
				return []string{dir}, []string{dir + "/"}, ""
			}
			var paths, removes []string
			for _, rel := range pkgmgr.ComposerCaches {
				p, rm := inHomes(homes, rel)
				paths, removes = append(paths, p...), append(removes, rm...)
			}
			return paths, removes, ""
		}, func() (int, string) { return 0, "" })
	}
}

// bundlerCaches are the places whose removal after bundle install counts
// as a cleanup: Bundler's cache, and the gem directories' caches.
func bundlerCaches(ins *dockerfile.Instruction) []string {
	out := []string{"~/" + pkgmgr.BundlerCache, "/usr/local/bundle/cache", "/var/lib/gems/*/cache", "/usr/local/lib/ruby/gems/*/cache"}
	if gh := stages.EnvAt(ins, "GEM_HOME"); gh.Known && strings.HasPrefix(gh.Value, "/") {
		out = append(out, strings.TrimRight(gh.Value, "/")+"/cache")
	}
	return out
}

// composerCaches are the places whose removal after a composer install
// counts as a cleanup.
func composerCaches(ins *dockerfile.Instruction) []string {
	out := []string{"~/.composer", "~/.cache/composer"}
	if ch := stages.EnvAt(ins, "COMPOSER_HOME"); ch.Known && strings.HasPrefix(ch.Value, "/") {
		out = append(out, strings.TrimRight(ch.Value, "/")+"/cache")
	}
	return out
}

// yarnBerry reports signs of Yarn 2+ in the stage or the build context.
func yarnBerry(ctx *analysis.Context, ins *dockerfile.Instruction) bool {
	for _, s := range []string{".yarnrc.yml", "yarn set version", "yarnPath", ".yarn/releases", "corepack"} {
		if stageMentions(ins, s) {
			return true
		}
	}
	if stages.MarkedInStage(ins, "copies .yarnrc.yml", func(other *dockerfile.Instruction) bool {
		return (other.Cmd == "copy" || other.Cmd == "add") && strings.Contains(other.Text, ".yarnrc.yml")
	}) {
		return true
	}
	if ctx.BuildContext != nil {
		if _, err := fs.Stat(ctx.BuildContext, ".yarnrc.yml"); err == nil {
			return true
		}
	}
	return false
}
