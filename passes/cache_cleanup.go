package passes

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// CacheCleanup removes package-manager caches in the RUN that creates them.
var CacheCleanup = &analysis.Pass{
	Name:    "cache-cleanup",
	Summary: "remove package-manager caches in the RUN that creates them",
	Tier:    analysis.Safe,
	Run:     runCacheCleanup,
	Doc: `Package indexes and download caches left in a layer stay in the image even
when a later RUN deletes them. This pass adds the cleanup, or the no-cache
flag, to the RUN that creates them:

  apt-get/apt update   append rm -rf /var/lib/apt/lists/*
  apk add/upgrade      add --no-cache
  apk update           append rm -rf /var/cache/apk/* (its index would stay)
  pip install          add --no-cache-dir (pip, pip3, python -m pip)
  pipx install         add --pip-args=--no-cache-dir
  dnf/yum/microdnf     append <mgr> clean all (and rm -rf /var/cache/yum)
  npm install/ci       append npm cache clean --force
  yarn (v1) install    append yarn cache clean
  pnpm install/add     append pnpm store prune
  gem install          add --no-document
  bundle install       append rm -rf of bundler's and gem's download caches
  composer install     append composer clear-cache

Before:
    RUN apt-get update && apt-get install -y curl
    RUN pip install -r requirements.txt

After:
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    RUN pip install --no-cache-dir -r requirements.txt

Appended commands are joined with && after the RUN's last command, so the
RUN's exit status is unchanged (the cleanup cannot fail, and it is skipped
only when the build fails anyway); they go before a final ';' or trailing
comment, and on a new continuation line in the RUN's own style when the RUN
spans several lines. Commands run through sudo get their cleanup through
sudo too. When the install may not run (inside if, after ||, ...), a
cleanup that calls the package manager is written "{ CMD || true; }" so it
cannot fail a build that did not fail before. Installs run as another user
(sudo -u, gosu, su-exec, ...) are left alone: their cache is elsewhere.

Left alone: RUNs that already clean up (any rm of the cache directory or the
manager's own clean command counts), RUNs with a --mount=type=cache over the
manager's cache, heredoc RUNs, exec-form RUNs, non-POSIX shells, RUNs whose
shell cannot be parsed, RUNs that end in the background or in exit/exec, and
pip when PIP_NO_CACHE_DIR is set. apt lists are kept when a later RUN of the
stage, a stage built FROM it, or an ONBUILD RUN installs with apt without its
own apt-get update (removing the lists would break that install); the finding
says which line. yarn is left alone when the stage shows Yarn 2+ (its cache
can be part of the project). PIP_NO_CACHE_DIR is never added as an ENV: that
would change the image's configuration.

Reported without a fix: apt-get upgrade/dist-upgrade (the image then depends
on the day it was built), and apt-get install without -y (the build stops at
the confirmation prompt).`,
}

var (
	pipName      = regexp.MustCompile(`^pip(\d+(\.\d+)?)?$`)
	aptInstallRE = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`)
	aptWordRE    = regexp.MustCompile(`\bapt(-get)?\s`)
)

// aptValueOpts are apt-get options that take a separate value.
var aptValueOpts = []string{"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release", "--host-architecture"}

// subcommand returns the index in c.Args of the first non-option argument,
// skipping the values of options listed in valueOpts, or -1.
func subcommand(c *shellparse.Command, valueOpts []string) int {
	for i := 0; i < len(c.Args); i++ {
		v := c.Lits[i]
		if !c.Static[i] {
			return -1
		}
		if strings.HasPrefix(v, "-") {
			if slices.Contains(valueOpts, v) {
				i++
			}
			continue
		}
		return i
	}
	return -1
}

func hasArg(c *shellparse.Command, pred func(string) bool) bool {
	for i, v := range c.Lits {
		if c.Static[i] && pred(v) {
			return true
		}
	}
	return false
}

func argIs(names ...string) func(string) bool {
	return func(v string) bool {
		for _, n := range names {
			if v == n || strings.HasPrefix(v, n+"=") {
				return true
			}
		}
		return false
	}
}

// sub returns the subcommand word's value, or "".
func sub(c *shellparse.Command, valueOpts ...string) (string, int) {
	i := subcommand(c, valueOpts)
	if i < 0 {
		return "", -1
	}
	return c.Lits[i], i
}

// assumesYes reports whether an apt-get argument answers its prompt: -y
// (alone or in a cluster such as -qy), --yes, --assume-yes, quiet level 2
// (-qq, -q=2), or an Assume-Yes option.
func assumesYes(v string) bool {
	switch {
	case v == "--yes" || v == "--assume-yes" || v == "--force-yes" || v == "-q=2" || v == "--quiet=2":
		return true
	case strings.Contains(strings.ToLower(v), "assume-yes"):
		return true
	case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--"):
		return strings.Contains(v, "y") || strings.Count(v, "q") >= 2
	}
	return false
}

// runFacts is what one RUN does with package managers.
type runFacts struct {
	r      *shellRun
	mounts []string
	cmds   []*shellparse.Command

	aptUpdate, aptCleaned bool
	aptConsumes           bool // installs (or reads the lists) without its own update
	aptSudo               bool
}

func collectFacts(r *shellRun) *runFacts {
	f := &runFacts{r: r, mounts: cacheMounts(r.ins), cmds: shellparse.Commands(r.prog)}
	aptInstall := false
	for _, c := range f.cmds {
		switch {
		case c.Name == "apt-get" || c.Name == "apt":
			s, _ := sub(c, aptValueOpts...)
			switch s {
			case "update":
				f.aptUpdate = true
				f.aptSudo = f.aptSudo || c.HasWrapper("sudo")
			case "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "reinstall":
				aptInstall = true
			}
		case c.Name == "apt-cache":
			aptInstall = true
		case removes(c, "/var/lib/apt/lists"):
			f.aptCleaned = true
		}
	}
	f.aptConsumes = aptInstall && !f.aptUpdate && !covers(f.mounts, "/var/lib/apt/lists")
	return f
}

// removes reports whether c deletes path (or a glob inside it): rm or find -delete.
func removes(c *shellparse.Command, path string) bool {
	if c.Name != "rm" && c.Name != "find" {
		return false
	}
	return hasArg(c, func(v string) bool {
		v = strings.TrimRight(v, "/")
		return v == path || strings.HasPrefix(v, path+"/") || strings.HasPrefix(path, v+"/") && v != ""
	})
}

func runCacheCleanup(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	facts := map[*dockerfile.Instruction]*runFacts{}
	for _, ins := range doc.Instructions {
		if r, _ := parseRun(ins); r != nil {
			facts[ins] = collectFacts(r)
		}
	}
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		f := facts[ins]
		if f == nil {
			continue
		}
		out = append(out, cleanupRun(ctx, f, facts)...)
	}
	return out
}

func cleanupRun(ctx *analysis.Context, f *runFacts, facts map[*dockerfile.Instruction]*runFacts) []analysis.Finding {
	doc := ctx.Doc
	r := f.r
	var out []analysis.Finding
	report := func(c *shellparse.Command, msg string) {
		start, end := shellparse.Span(c.Call)
		out = append(out, analysis.Finding{Pos: r.src(start), End: r.after(end), Message: msg})
	}
	flag := func(c *shellparse.Command, i int, text, msg, fix string, removes ...string) {
		pos := r.wordEnd(c.Args[i])
		start, end := shellparse.Span(c.Call)
		out = append(out, analysis.Finding{Pos: r.src(start), End: r.after(end), Message: msg,
			Fix: &analysis.Fix{Message: fix, Edits: []analysis.Edit{analysis.Insert(pos, " "+text)}, Removes: removes}})
	}
	appended := map[string]bool{}
	appendCmd := func(c *shellparse.Command, cmd, msg, fix string, removes ...string) {
		if appended[cmd] {
			return
		}
		appended[cmd] = true
		if c.HasWrapper("sudo") {
			cmd = "sudo " + cmd
		}
		if c.Conditional && !strings.HasPrefix(cmd, "rm ") && !strings.HasPrefix(cmd, "sudo rm ") {
			// The install may not have run, nor its tool be there: the
			// cleanup must not be able to fail the build.
			cmd = "{ " + cmd + " || true; }"
		}
		start, end := shellparse.Span(c.Call)
		finding := analysis.Finding{Pos: r.src(start), End: r.after(end), Message: msg}
		if pos, text, ok := r.appendEdit(doc, cmd); ok {
			finding.Fix = &analysis.Fix{Message: fix, Edits: []analysis.Edit{analysis.Insert(pos, text)}, Removes: removes}
		} else {
			finding.Message += " (not fixed: the RUN ends in the background or in exit/exec)"
		}
		out = append(out, finding)
	}
	has := func(pred func(*shellparse.Command) bool) bool { return slices.ContainsFunc(f.cmds, pred) }

	// apt
	aptReported := false
	for _, c := range f.cmds {
		if c.Name != "apt-get" && c.Name != "apt" {
			continue
		}
		s, _ := sub(c, aptValueOpts...)
		switch s {
		case "install":
			if !hasArg(c, assumesYes) && !stageMentions(r.ins, "Assume-Yes") &&
				!strings.HasPrefix(strings.TrimSpace(r.prog.Src), "yes ") {
				report(c, c.Name+" install without -y: the build stops at the confirmation prompt")
			}
		case "upgrade", "dist-upgrade", "full-upgrade":
			report(c, c.Name+" "+s+" makes the image depend on the day it is built; prefer a newer base image")
		case "update":
			if aptReported || f.aptCleaned || covers(f.mounts, "/var/lib/apt/lists") {
				continue
			}
			aptReported = true
			if line := aptConsumer(doc, r.ins, facts); line > 0 {
				start, end := shellparse.Span(c.Call)
				out = append(out, analysis.Finding{Pos: r.src(start), End: r.after(end),
					Message: fmt.Sprintf("apt lists kept in this layer: line %d installs with apt without its own apt-get update", line)})
				continue
			}
			appendCmd(c, "rm -rf /var/lib/apt/lists/*",
				c.Name+" update leaves its package lists (about 20 MB) in the layer",
				"remove /var/lib/apt/lists/* in the same RUN", "/var/lib/apt/lists/")
		}
	}

	// apk
	apkMounted := covers(f.mounts, "/var/cache/apk", "/etc/apk/cache")
	apkCleaned := has(func(c *shellparse.Command) bool { return removes(c, "/var/cache/apk") })
	for _, c := range f.cmds {
		if c.Name != "apk" || apkMounted || apkCleaned {
			continue
		}
		s, i := sub(c, "-X", "--repository", "-p", "--root", "--arch", "-t", "--virtual", "--cache-dir", "--keys-dir", "--repositories-file", "--wait", "--timeout")
		switch s {
		case "add", "upgrade":
			if hasArg(c, argIs("--no-cache", "--cache-dir")) {
				continue
			}
			flag(c, i, "--no-cache", "apk "+s+" without --no-cache keeps the package index in /var/cache/apk",
				"add --no-cache", "/var/cache/apk/")
		case "update":
			appendCmd(c, "rm -rf /var/cache/apk/*", "apk update leaves the package index in /var/cache/apk",
				"remove /var/cache/apk/* in the same RUN", "/var/cache/apk/")
		}
	}

	// pip and pipx
	pipOff := stageEnv(r.ins, "PIP_NO_CACHE_DIR") || covers(f.mounts, "/root/.cache/pip", "/root/.cache")
	for _, c := range f.cmds {
		if pipOff || otherUser(c) || slices.ContainsFunc(c.Assigns, func(a *syntax.Assign) bool { return a.Name != nil && a.Name.Value == "PIP_NO_CACHE_DIR" }) {
			continue
		}
		switch {
		case pipName.MatchString(c.Name):
			s, i := sub(c, "--python", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert", "--cache-dir")
			if s != "install" || hasArg(c, argIs("--no-cache-dir", "--cache-dir")) {
				continue
			}
			flag(c, i, "--no-cache-dir", "pip install without --no-cache-dir keeps downloaded packages in ~/.cache/pip",
				"add --no-cache-dir", "~/.cache/pip", "~/.cache")
		case c.Name == "pipx":
			s, i := sub(c)
			if s != "install" || hasArg(c, func(v string) bool { return strings.HasPrefix(v, "--pip-args") }) {
				continue
			}
			flag(c, i, "--pip-args=--no-cache-dir", "pipx install keeps pip's download cache",
				"add --pip-args=--no-cache-dir", "~/.cache/pip", "~/.cache")
		}
	}

	// dnf, yum, microdnf, tdnf
	for _, c := range f.cmds {
		switch c.Name {
		case "dnf", "yum", "microdnf", "tdnf":
		default:
			continue
		}
		cacheDir := "/var/cache/" + c.Name
		if c.Name == "microdnf" || c.Name == "tdnf" {
			cacheDir = "/var/cache/yum"
		}
		if covers(f.mounts, cacheDir, "/var/cache/dnf", "/var/cache/yum", "/var/cache/tdnf") {
			continue
		}
		s, _ := sub(c, "--setopt", "--releasever", "--installroot", "-c", "--config", "--enablerepo", "--disablerepo", "-x", "--exclude")
		switch s {
		case "install", "update", "upgrade", "groupinstall", "reinstall", "makecache", "distro-sync", "module", "group", "localinstall":
		default:
			continue
		}
		name := c.Name
		cleaned := has(func(o *shellparse.Command) bool {
			if o.Name == name {
				s, _ := sub(o)
				return s == "clean"
			}
			return removes(o, "/var/cache/"+name) || removes(o, "/var/cache/yum") || removes(o, "/var/cache/dnf")
		})
		if cleaned {
			continue
		}
		cmd := commandWord(c) + " clean all"
		if name == "yum" {
			cmd += " && rm -rf /var/cache/yum"
		}
		appendCmd(c, cmd, name+" "+s+" leaves package metadata and downloads in the layer",
			"run "+name+" clean all in the same RUN", "/var/cache/dnf/", "/var/cache/yum", "/var/cache/tdnf/", "/var/lib/dnf/repos/")
	}

	// npm, yarn, pnpm
	for _, c := range f.cmds {
		s, _ := sub(c, "--cache", "--prefix", "-C", "--cwd", "--registry", "--cache-folder", "--store-dir", "--filter", "-F", "--dir")
		switch c.Name {
		case "npm":
			if !slices.Contains([]string{"install", "i", "ci", "add", "update", "install-clean", "isntall", "in"}, s) || otherUser(c) ||
				covers(f.mounts, "/root/.npm") || hasArg(c, argIs("--cache")) ||
				has(func(o *shellparse.Command) bool { return o.Name == "npm" && hasArgSeq(o, "cache", "clean") }) {
				continue
			}
			if !plainWord(c) {
				continue
			}
			appendCmd(c, commandWord(c)+" cache clean --force", "npm "+s+" leaves its download cache in ~/.npm",
				"run npm cache clean --force in the same RUN", "~/.npm/_cacache", "~/.npm/_logs/")
		case "yarn":
			if (s != "" && s != "install" && s != "add" && s != "global") || (s == "" && !bareInstall(c)) || otherUser(c) {
				continue
			}
			if covers(f.mounts, "/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn") || hasArg(c, argIs("--cache-folder")) ||
				has(func(o *shellparse.Command) bool { return o.Name == "yarn" && hasArgSeq(o, "cache", "clean") }) ||
				yarnBerry(ctx, r.ins) || !plainWord(c) {
				continue
			}
			verb := s
			if verb == "" {
				verb = "install"
			}
			appendCmd(c, commandWord(c)+" cache clean", "yarn "+verb+" leaves its download cache in the layer",
				"run yarn cache clean in the same RUN", "/usr/local/share/.cache/yarn/", "~/.cache/yarn/")
		case "pnpm":
			if !slices.Contains([]string{"install", "i", "add", "fetch"}, s) || otherUser(c) ||
				covers(f.mounts, "/root/.local/share/pnpm", "/pnpm") || hasArg(c, argIs("--store-dir")) ||
				has(func(o *shellparse.Command) bool { return o.Name == "pnpm" && hasArgSeq(o, "store", "prune") }) ||
				!plainWord(c) {
				continue
			}
			appendCmd(c, commandWord(c)+" store prune", "pnpm "+s+" leaves unreferenced packages in its store",
				"run pnpm store prune in the same RUN", "~/.local/share/pnpm/store/", "~/.cache/pnpm/")
		}
	}

	// gem and bundler
	gemrc := stageMentions(r.ins, "no-document") || stageMentions(r.ins, "no-rdoc")
	for _, c := range f.cmds {
		switch c.Name {
		case "gem":
			s, i := sub(c)
			if (s != "install" && s != "update") || gemrc ||
				hasArg(c, argIs("--no-document", "--no-doc", "-N", "--no-ri", "--no-rdoc", "--document", "--doc")) {
				continue
			}
			flag(c, i, "--no-document", "gem "+s+" without --no-document builds documentation into the image",
				"add --no-document", "/usr/local/bundle/doc", "/usr/local/lib/ruby/gems/*/doc", "/var/lib/gems/*/doc", "~/.gem/ruby/*/doc", "~/.local/share/gem/ruby/*/doc")
		case "bundle", "bundler":
			s, _ := sub(c, "--gemfile", "--path", "--jobs", "-j", "--retry", "--without", "--with", "--binstubs")
			if (s != "" && s != "install") || (s == "" && !bareInstall(c)) || otherUser(c) || covers(f.mounts, "/usr/local/bundle", "/root/.bundle") ||
				hasArg(c, argIs("--path", "--deployment", "--local")) || stageEnv(r.ins, "BUNDLE_PATH") ||
				stageEnv(r.ins, "BUNDLE_DEPLOYMENT") || stageMentions(r.ins, "deployment") ||
				has(func(o *shellparse.Command) bool {
					return (o.Name == "rm" || o.Name == "find") && hasArg(o, func(v string) bool { return strings.Contains(v, "cache") })
				}) {
				continue
			}
			appendCmd(c, `rm -rf ~/.bundle/cache "$(gem env gemdir)"/cache/*.gem`,
				"bundle install leaves downloaded .gem files in the layer",
				"remove bundler's and gem's download caches in the same RUN",
				"~/.bundle/cache", "/usr/local/bundle/cache/", "/usr/local/lib/ruby/gems/*/cache/", "/var/lib/gems/*/cache/")
		}
	}

	// composer
	for _, c := range f.cmds {
		word := c.Name
		if word == "php" && len(c.Lits) > 0 && strings.HasSuffix(c.Lits[0], "composer.phar") {
			continue // php composer.phar: left alone, the cleanup would need the same invocation
		}
		if word != "composer" && word != "composer.phar" {
			continue
		}
		s, _ := sub(c, "-d", "--working-dir")
		if !slices.Contains([]string{"install", "require", "update", "create-project", "global"}, s) || otherUser(c) ||
			hasArg(c, argIs("--no-cache")) || covers(f.mounts, "/root/.composer/cache", "/root/.cache/composer", "/tmp/cache") ||
			stageEnv(r.ins, "COMPOSER_CACHE_DIR") || !plainWord(c) ||
			has(func(o *shellparse.Command) bool {
				s, _ := sub(o)
				return o.Name == c.Name && (s == "clear-cache" || s == "clearcache" || s == "cc")
			}) {
			continue
		}
		appendCmd(c, commandWord(c)+" clear-cache", "composer "+s+" leaves its download cache in the layer",
			"run composer clear-cache in the same RUN", "~/.composer/cache/", "~/.cache/composer/", "/tmp/cache/")
	}
	return out
}

// bareInstall reports whether a command with no subcommand installs (as
// bare "yarn" and "bundle" do): not when it only asks for help or a version.
func bareInstall(c *shellparse.Command) bool {
	return !hasArg(c, argIs("--version", "-v", "-V", "--help", "-h"))
}

// otherUser reports whether the command runs as another user (sudo -u,
// gosu, su-exec, su, runuser, chroot), whose caches are elsewhere.
func otherUser(c *shellparse.Command) bool {
	for _, w := range []string{"gosu", "su-exec", "su", "runuser", "chroot", "setpriv", "doas"} {
		if c.HasWrapper(w) {
			return true
		}
	}
	if c.HasWrapper("sudo") {
		for _, w := range c.Call.Args[:max(c.NameIdx, 0)] {
			if v, ok := shellparse.Lit(w); ok && (v == "-u" || strings.HasPrefix(v, "--user") || strings.HasPrefix(v, "-u")) {
				return true
			}
		}
	}
	return false
}

// commandWord is the command name as written (a bare name or an absolute path).
func commandWord(c *shellparse.Command) string {
	if v, ok := shellparse.Lit(c.NameWord()); ok {
		return v
	}
	return c.Name
}

// plainWord reports whether the command's name is a bare name or an absolute
// path, so the same word finds the same program at the end of the RUN.
func plainWord(c *shellparse.Command) bool {
	v := commandWord(c)
	return !strings.Contains(v, "/") || strings.HasPrefix(v, "/")
}

func hasArgSeq(c *shellparse.Command, words ...string) bool {
	for i := 0; i+len(words) <= len(c.Lits); i++ {
		if slices.Equal(c.Lits[i:i+len(words)], words) {
			return true
		}
	}
	return false
}

// stageMentions reports whether any RUN or ENV of the stage (or its
// ancestors) before ins contains s.
func stageMentions(ins *dockerfile.Instruction, s string) bool {
	return anyBefore(ins, func(other *dockerfile.Instruction) bool {
		return (other.Cmd == "run" || other.Cmd == "env") && strings.Contains(other.Text, s)
	})
}

// yarnBerry reports signs of Yarn 2+ in the stage or the build context.
func yarnBerry(ctx *analysis.Context, ins *dockerfile.Instruction) bool {
	for _, s := range []string{".yarnrc.yml", "yarn set version", "yarnPath", ".yarn/releases", "corepack"} {
		if stageMentions(ins, s) {
			return true
		}
	}
	for _, other := range ins.Stage.Instructions {
		if (other.Cmd == "copy" || other.Cmd == "add") && strings.Contains(other.Text, ".yarnrc.yml") {
			return true
		}
	}
	if ctx.BuildContext != nil {
		if _, err := fs.Stat(ctx.BuildContext, ".yarnrc.yml"); err == nil {
			return true
		}
	}
	return false
}

// aptConsumer returns the line of a later RUN that needs the apt lists
// created by ins: a RUN of the same stage after ins, of a stage built FROM
// it, or an ONBUILD RUN, that installs with apt without its own update. It
// returns 0 when there is none.
func aptConsumer(doc *dockerfile.Document, ins *dockerfile.Instruction, facts map[*dockerfile.Instruction]*runFacts) int {
	for _, other := range doc.Instructions {
		if other.Index <= ins.Index {
			continue
		}
		if !descends(other.Stage, ins.Stage) {
			continue
		}
		if other.Cmd == "onbuild" && other.Onbuild == "run" &&
			aptInstallRE.MatchString(other.Text) &&
			!strings.Contains(other.Text, "update") {
			return other.StartLine
		}
		if f := facts[other]; f != nil && f.aptConsumes {
			return other.StartLine
		}
		if f := facts[other]; f == nil && other.Cmd == "run" &&
			aptWordRE.MatchString(other.Text) && !strings.Contains(other.Text, "update") {
			return other.StartLine // a RUN we cannot read that uses apt
		}
	}
	return 0
}

// descends reports whether stage s is anc or built FROM it (directly or not).
func descends(s, anc *dockerfile.Stage) bool {
	for ; s != nil; s = s.Parent {
		if s == anc {
			return true
		}
	}
	return false
}
