package passes

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

func runCacheCleanup(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	facts := map[*dockerfile.Instruction]*runFacts{}
	for _, ins := range doc.Instructions {
		if r, _ := runs.Parse(ins); r != nil {
			facts[ins] = collectFacts(r)
		}
	}
	var out []analysis.Finding
	later := &uses{doc: doc, facts: facts, memo: map[string][]*dockerfile.Instruction{}}
	for _, ins := range doc.Instructions {
		f := facts[ins]
		if f == nil {
			continue
		}
		cl := &cleaner{ctx: ctx, doc: doc, f: f, r: f.r, facts: facts, later: later, appended: map[string]bool{}}
		cl.apt()
		cl.apk()
		cl.pip()
		cl.rpm()
		cl.npm()
		cl.yarn()
		cl.pnpm()
		cl.gem()
		cl.bundler()
		cl.composer()
		out = append(out, cl.out...)
	}
	return out
}

// cleaner works out the cleanups of one RUN.
type cleaner struct {
	ctx      *analysis.Context
	doc      *dockerfile.Document
	f        *runFacts
	r        *runs.Run
	facts    map[*dockerfile.Instruction]*runFacts
	later    *uses
	appended map[string]bool
	out      []analysis.Finding
}

func (cl *cleaner) finding(c *shellparse.Command, msg string) analysis.Finding {
	start, end := shellparse.Span(c.Call)
	return analysis.Finding{Pos: cl.r.Src(start), End: cl.r.After(end), Message: msg}
}

// report reports a finding without a fix.
func (cl *cleaner) report(c *shellparse.Command, msg string) {
	cl.out = append(cl.out, cl.finding(c, msg))
}

// decline reports what a command leaves in the layer and why it is not
// cleaned up.
func (cl *cleaner) decline(c *shellparse.Command, msg, why string) {
	cl.report(c, msg+" (not fixed: "+why+")")
}

// option adds an option (one of pkgmgr.Options) after the i-th argument
// of c: the package manager then runs where it ran before.
func (cl *cleaner) option(c *shellparse.Command, i int, text, msg, fix string, removes ...string) {
	f := cl.finding(c, msg)
	if !slices.Contains(pkgmgr.Options, text) {
		f.Message += " (not fixed: " + text + " is not an option cache-cleanup may add)"
		cl.out = append(cl.out, f)
		return
	}
	f.Fix = &analysis.Fix{Message: fix, Edits: []analysis.Edit{analysis.Insert(cl.r.WordEnd(c.Args[i]), " "+text)}, Removes: removes}
	cl.out = append(cl.out, f)
}

// remove appends `rm -rf paths` to the RUN, after everything else and
// joined with &&: the RUN's exit status is unchanged, and the removal does
// the same whatever state the RUN leaves behind (working directory, PATH,
// variables, the versions of its tools). Through sudo when c ran through
// sudo.
func (cl *cleaner) remove(c *shellparse.Command, paths, removes []string, msg string) {
	f := cl.f
	if mounted(f.mounts, paths) {
		return // mounted there: not in the image, and rm may fail on it
	}
	if !f.rmFound {
		cl.decline(c, msg, "the RUN may leave rm off its PATH")
		return
	}
	if !f.globs && slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, "*") }) {
		cl.decline(c, msg, "the RUN's shell may not expand a glob that matches nothing as sh does")
		return
	}
	cmd := pkgmgr.Remove(paths...)
	if c.HasWrapper("sudo") {
		cmd = "sudo " + cmd
		if c.Conditional {
			// The install may not have run; sudo may not work then.
			cmd = "{ " + cmd + " || true; }"
		}
	}
	if !pkgmgr.StateIndependent(cmd) {
		// A path from the file (ENV, useradd) that is not plain.
		cl.decline(c, msg, "the cleanup would not be a plain rm -rf of fixed paths: "+cmd)
		return
	}
	if cl.appended[cmd] {
		return
	}
	cl.appended[cmd] = true
	fd := cl.finding(c, msg)
	if pos, text, ok := cl.r.AppendEdit(cl.doc, cmd); ok {
		fd.Fix = &analysis.Fix{Message: "remove " + strings.Join(paths, " ") + " in the same RUN",
			Edits: []analysis.Edit{analysis.Insert(pos, text)}, Removes: removes}
	} else {
		fd.Message += " (not fixed: the RUN ends in the background or in exit/exec)"
	}
	cl.out = append(cl.out, fd)
}

// systemUser reports why a cleanup of a system directory (apt, apk, dnf)
// cannot be added for c, or "": the RUN runs as a user other than root and
// c does not go through sudo.
func (cl *cleaner) systemUser(c *shellparse.Command) string {
	if u := cl.f.user; u.Runs == stages.AsOther && !c.HasWrapper("sudo") {
		return "the RUN runs as USER " + u.Name
	}
	return ""
}

// homes returns the home directories whose caches c fills: that of the
// user the RUN runs as (absolute when the file tells it, else
// pkgmgr.HomeVar) and, when c runs through sudo, root's. root says
// whether c runs as root. why is set when it cannot be told.
func (cl *cleaner) homes(c *shellparse.Command) (homes []string, root bool, why string) {
	f := cl.f
	if f.assigned["HOME"] {
		return nil, false, "the RUN sets HOME"
	}
	home := f.user.Home
	if home == "" {
		home = pkgmgr.HomeVar
	}
	if c.HasWrapper("sudo") {
		// sudo runs c as root, with root's HOME or the caller's depending
		// on its configuration: both are cleaned.
		if home == "/root" {
			return []string{"/root"}, true, ""
		}
		return []string{"/root", home}, true, ""
	}
	return []string{home}, f.user.Runs == stages.AsRoot, ""
}

// inHomes returns rel below each home directory, as paths and as
// Fix.Removes patterns.
func inHomes(homes []string, rel string) (paths, removes []string) {
	for _, h := range homes {
		paths = append(paths, pkgmgr.InHome(h, rel))
		removes = append(removes, pkgmgr.RemovesPattern(h, rel))
	}
	return paths, removes
}

// stageSets reports whether the stage (or the RUN) sets variable key.
func (cl *cleaner) stageSets(key string) bool {
	return cl.f.assigned[key] || stages.EnvAt(cl.r.Ins, key).Set
}

// laterArg returns the line of a later RUN (of the stage, a stage built
// FROM it, or an ONBUILD) that runs one of managers with one of the
// arguments args (all of them when args is empty), or 0.
func (cl *cleaner) laterArg(managers []string, verbs []string, args ...string) int {
	key := strings.Join(managers, ",") + "|" + strings.Join(verbs, ",") + "|" + strings.Join(args, ",")
	return cl.later.after(cl.r.Ins, key, func(other *dockerfile.Instruction, of *runFacts) bool {
		if of == nil {
			for _, m := range managers {
				if !strings.Contains(other.Text, m) {
					continue
				}
				if len(verbs) > 0 && !regexp.MustCompile(`\b`+regexp.QuoteMeta(m)+`\b[^&|;\n]*\s(`+strings.Join(verbs, "|")+`)\b`).MatchString(other.Text) {
					continue
				}
				if len(args) == 0 {
					return true
				}
				for _, a := range args {
					if strings.Contains(other.Text, a) {
						return true
					}
				}
			}
			return false
		}
		for _, c := range of.cmds {
			if !slices.Contains(managers, c.Name) {
				continue
			}
			if len(verbs) > 0 {
				if s, _ := c.Subcommand(); !slices.Contains(verbs, s) {
					continue
				}
			}
			if len(args) == 0 || c.HasArg(shellparse.ArgIs(args...)) {
				return true
			}
		}
		return false
	})
}

// userCache cleans up after c, a package manager that keeps its cache for
// the user it runs as. where names the cache's paths for the home
// directories c uses (see homes), or says why they cannot be told; later
// returns the line of a later step that reads the cache (0 when none) and
// what it does there. Nothing is reported when a mount covers the cache:
// it is not in the image.
func (cl *cleaner) userCache(c *shellparse.Command, msg string,
	where func(homes []string, root bool) (paths, removes []string, why string), later func() (int, string)) {
	homes, root, why := cl.homes(c)
	var paths, removes []string
	if why == "" {
		paths, removes, why = where(homes, root)
	}
	if why == "" && mounted(cl.f.mounts, paths) {
		return
	}
	if why == "" && cl.f.bindWork != "" {
		why = "the install runs in the bind mount " + cl.f.bindWork + ": its cache is what the RUN leaves in the image"
	}
	if why == "" {
		if line, what := later(); line > 0 {
			why = fmt.Sprintf("line %d %s", line, what)
		}
	}
	if why != "" {
		cl.decline(c, msg, why)
		return
	}
	cl.remove(c, paths, removes, msg)
}

// hasAfter reports whether a command after c (or any, when c is nil)
// satisfies pred.
func (cl *cleaner) hasAfter(c *shellparse.Command, pred func(*shellparse.Command) bool) bool {
	return slices.ContainsFunc(cl.f.cmds, func(o *shellparse.Command) bool { return runsAfter(o, c) && pred(o) })
}

func (cl *cleaner) apt() {
	f, r := cl.f, cl.r
	aptReported := false
	var lastUpdate *shellparse.Command
	for _, c := range f.cmds {
		if pkgmgr.AptUpdates(c) {
			lastUpdate = c
		}
	}
	aptCleaned := lastUpdate != nil && cl.hasAfter(lastUpdate, func(o *shellparse.Command) bool { return pkgmgr.Removes(o, pkgmgr.AptLists) })
	for _, c := range f.cmds {
		if c.Name != "apt-get" && c.Name != "apt" {
			continue
		}
		s, _ := c.Subcommand(pkgmgr.AptValueOptions...)
		switch s {
		case "install":
			if !c.HasArg(pkgmgr.AssumesYes) && !stageMentions(r.Ins, "Assume-Yes") &&
				!strings.HasPrefix(strings.TrimSpace(r.Prog.Src), "yes ") {
				cl.report(c, c.Name+" install without -y: the build stops at the confirmation prompt")
			}
		case "upgrade", "dist-upgrade", "full-upgrade":
			cl.report(c, c.Name+" "+s+" makes the image depend on the day it is built; prefer a newer base image")
		case "update":
			if aptReported || aptCleaned || runs.Covers(f.cacheMounts, "/var/lib/apt/lists") {
				continue
			}
			aptReported = true
			line := cl.later.after(r.Ins, "apt lists", func(other *dockerfile.Instruction, of *runFacts) bool {
				if of != nil {
					return of.aptConsumes
				}
				return textUsesBeforeUpdate(other.Text, aptUseRE, aptUpdateRE)
			})
			if line > 0 {
				cl.report(c, fmt.Sprintf("apt lists kept in this layer: line %d installs with apt before its own apt-get update", line))
				continue
			}
			msg := c.Name + " update leaves its package lists (about 20 MB) in the layer"
			if why := cl.systemUser(c); why != "" {
				cl.decline(c, msg, why)
				continue
			}
			cl.remove(c, []string{pkgmgr.AptLists + "/*"}, []string{pkgmgr.AptLists + "/"}, msg)
		}
	}
}

func (cl *cleaner) apk() {
	f := cl.f
	if runs.Covers(f.cacheMounts, "/var/cache/apk", "/etc/apk/cache") {
		return
	}
	for _, c := range f.cmds {
		if c.Name != "apk" || cl.hasAfter(c, func(o *shellparse.Command) bool { return pkgmgr.Removes(o, pkgmgr.ApkCache) }) {
			continue
		}
		s, i := c.Subcommand(pkgmgr.ApkValueOptions...)
		switch s {
		case "add", "upgrade":
			if c.HasArg(shellparse.ArgIs("--no-cache", "--cache-dir")) {
				continue
			}
			msg := "apk " + s + " without --no-cache keeps the package index in /var/cache/apk"
			if name, tag, ok := stages.ImageTag(stages.RootImage(cl.r.Ins.Stage)); ok && pkgmgr.OldApk(name, tag) {
				cl.decline(c, msg, fmt.Sprintf("the apk of %s:%s is older than 2.6, which rejects --no-cache", name, tag))
				continue
			}
			cl.option(c, i, "--no-cache", msg, "add --no-cache", "/var/cache/apk/")
		case "update":
			msg := "apk update leaves the package index in /var/cache/apk"
			line := cl.later.after(cl.r.Ins, "apk index", func(other *dockerfile.Instruction, of *runFacts) bool {
				if of != nil {
					return of.apkConsumes
				}
				return textUsesBeforeUpdate(other.Text, apkUseRE, apkUpdateRE)
			})
			if line > 0 {
				cl.decline(c, msg, fmt.Sprintf("line %d reads the index before its own apk update", line))
				continue
			}
			if why := cl.systemUser(c); why != "" {
				cl.decline(c, msg, why)
				continue
			}
			cl.remove(c, []string{pkgmgr.ApkCache + "/*"}, []string{pkgmgr.ApkCache + "/"}, msg)
		}
	}
}

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
	for _, other := range stages.Before(ins) {
		if other.Cmd != "run" {
			continue
		}
		t := other.Text
		if strings.Contains(t, "get-pip") || strings.Contains(t, "easy_install pip") || strings.Contains(t, "ensurepip") {
			return true
		}
		sr, _ := runs.Parse(other)
		if sr == nil {
			continue
		}
		for _, c := range sr.Commands() {
			if pkgmgr.IsPip(c.Name) && c.HasArg(shellparse.ArgIs("-U", "--upgrade")) && c.HasArg(func(v string) bool {
				return v == "pip" || strings.HasPrefix(v, "pip=") || strings.HasPrefix(v, "pip>") || strings.HasPrefix(v, "pip<")
			}) {
				return true
			}
		}
	}
	return false
}

func (cl *cleaner) rpm() {
	f := cl.f
	for _, c := range f.cmds {
		switch c.Name {
		case "dnf", "yum", "microdnf", "tdnf":
		default:
			continue
		}
		caches := pkgmgr.RPMCaches(c.Name)
		if runs.Covers(f.cacheMounts, append(caches, "/var/cache/dnf", "/var/cache/yum", "/var/cache/tdnf")...) {
			continue
		}
		s, _ := c.Subcommand("--setopt", "--releasever", "--installroot", "-c", "--config", "--enablerepo", "--disablerepo", "-x", "--exclude")
		switch s {
		case "install", "update", "upgrade", "groupinstall", "reinstall", "makecache", "distro-sync", "module", "group", "localinstall":
		default:
			continue
		}
		name := c.Name
		cleaned := cl.hasAfter(c, func(o *shellparse.Command) bool {
			if o.Name == "dnf" || o.Name == "yum" || o.Name == "microdnf" || o.Name == "tdnf" {
				s, _ := o.Subcommand()
				return s == "clean"
			}
			for _, d := range []string{"/var/cache/dnf", "/var/cache/yum", "/var/cache/tdnf", "/var/cache/libdnf5"} {
				if pkgmgr.Removes(o, d) {
					return true
				}
			}
			return false
		})
		if cleaned {
			continue
		}
		msg := name + " " + s + " leaves package metadata and downloads in the layer"
		if line := cl.laterArg([]string{"dnf", "yum", "microdnf", "tdnf"}, nil, "-C", "--cacheonly"); line > 0 {
			cl.decline(c, msg, fmt.Sprintf("line %d installs from the cache only", line))
			continue
		}
		if why := cl.systemUser(c); why != "" {
			cl.decline(c, msg, why)
			continue
		}
		var paths, removes []string
		for _, d := range caches {
			paths = append(paths, d+"/*")
			removes = append(removes, d+"/")
		}
		cl.remove(c, paths, removes, msg)
	}
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
	check := func(o *shellparse.Command) {
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
	}
	for _, other := range stages.Before(ins) {
		if sr, _ := runs.Parse(other); sr != nil {
			for _, o := range sr.Commands() {
				check(o)
			}
		}
	}
	for _, o := range f.cmds {
		if o == c {
			break
		}
		check(o)
	}
	return updated, old && updated
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

// underHomes reports whether the absolute path p lies below one of homes.
func underHomes(p string, homes []string) bool {
	for _, h := range homes {
		if strings.HasPrefix(h, "/") && strings.HasPrefix(p, strings.TrimRight(h, "/")+"/") {
			return true
		}
	}
	return false
}

// mounted reports whether a mount target is one of paths, lies below one
// or above one. A path below "$HOME" is compared with targets that end in
// the same directories (/root/.npm for "$HOME"/.npm/_cacache).
func mounted(mounts, paths []string) bool {
	for _, p := range paths {
		rel, home := strings.CutPrefix(p, pkgmgr.HomeVar+"/")
		if !home {
			if runs.Covers(mounts, strings.TrimSuffix(strings.TrimSuffix(p, "*"), "/")) {
				return true
			}
			continue
		}
		rel = strings.TrimSuffix(strings.TrimSuffix(rel, "*"), "/")
		parts := strings.Split(rel, "/")
		for _, m := range mounts {
			for i := 1; i <= len(parts); i++ {
				if strings.HasSuffix(m, "/"+strings.Join(parts[:i], "/")) {
					return true
				}
			}
			if strings.Contains(m+"/", "/"+rel+"/") {
				return true
			}
		}
	}
	return false
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
