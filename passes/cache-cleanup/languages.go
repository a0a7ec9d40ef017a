package cachecleanup

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
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
		switch own := cl.filePip(c); {
		case onlyWheels(c) || own > 0:
		case own < 0:
			cl.decline(c, msg, "an earlier command installs a pip older than "+pkgmgr.PipWheelsWithoutCache+
				" or one whose version cannot be read"+pkgmgr.PipOldEffect)
			continue
		default:
			if ok, why := pkgmgr.PipNoCacheDir(cl.rootImage()); !ok {
				cl.decline(c, msg, why)
				continue
			}
		}
		if cl.declineTaken(c, msg, cl.homePaths(c, ".cache/pip")) {
			continue
		}
		if why := pipCacheBrought(cl.ctx, ins, f.mounts); why != "" {
			// --no-cache-dir turns the cache off: pip would build again
			// the wheels it holds, maybe without the compilers that built
			// them.
			cl.decline(c, msg, why+", which pip reads and --no-cache-dir would make it ignore")
			continue
		}
		cl.option(c, i, text, msg, "add "+text, "~/.cache/pip", "~/.cache")
	}
}

// pipCacheBrought says what puts files in pip's cache before the RUN ins
// runs pip, or "": a mount of the RUN, or a COPY or ADD of its stage chain,
// whose target is the cache (a .cache/pip directory), a directory in it,
// or the .cache directory above it (COPY --from=wheels /root/.cache/pip
// /root/.cache/pip, to install the wheels another stage built).
func pipCacheBrought(ctx *analysis.Context, ins *dockerfile.Instruction, mounts []string) string {
	for _, m := range mounts {
		if pipCacheDest(m) {
			return "the RUN mounts files at " + m
		}
	}
	if o := stages.MarkedBefore(ins, "copies into pip's cache", func(other *dockerfile.Instruction) bool {
		if (other.Cmd != "copy" && other.Cmd != "add") || len(other.Args) < 2 {
			return false
		}
		return pipCacheDest(stages.JoinDir(stages.WorkdirAt(other), dockerfile.Unquote(other.Args[len(other.Args)-1])))
	}); len(o) > 0 {
		last := o[len(o)-1]
		return fmt.Sprintf("line %d puts files in its cache", ctx.Line(last.Span.Start))
	}
	return ""
}

// pipCacheDest reports whether an image path is pip's cache (in any home
// directory), a directory in it, or the .cache directory above it.
func pipCacheDest(p string) bool {
	p = strings.TrimRight(p, "/")
	return strings.HasSuffix(p, "/.cache") || strings.HasSuffix(p, "/.cache/pip") || strings.Contains(p, "/.cache/pip/")
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

// rootImage is the image the RUN's stage chain starts from, with the
// defaults of global ARGs expanded in it (python:${PYTHON_VERSION}-slim):
// the image the file builds unless a build argument says otherwise.
func (cl *cleaner) rootImage() string {
	root := cl.r.Ins.Stage
	for root.Parent != nil {
		root = root.Parent
	}
	if !strings.Contains(root.Base, "$") {
		return root.Base
	}
	if b := stages.ResolveBase(cl.doc, root, stages.GlobalArgs(cl.doc)); b.Name != "" && b.Parent == nil {
		return b.Name
	}
	return root.Base
}

// filePip tells which pip command c runs when the file installed one
// before it: the last command that installs pip before c, earlier in the
// RUN or in the last RUN of the stage chain that installs one, decides. It
// returns 1 when that pip is pkgmgr.PipWheelsWithoutCache or later, -1
// when it is older or its version cannot be read (pip<19, pip==$V), and 0
// when the file installs no pip before c (the base image's pip runs).
func (cl *cleaner) filePip(c *shellparse.Command) int {
	if ch := lastPipChange(cl.r, c); ch != 0 {
		return ch
	}
	last := stages.LastMarked(cl.r.Ins, "changes pip", func(other *dockerfile.Instruction) bool {
		if lacksWords(other, []string{"pip"}) {
			return false // pipChange needs get-pip or a requirement named pip
		}
		sr, _ := runs.Parse(other)
		return sr != nil && lastPipChange(sr, nil) != 0
	})
	if last == nil {
		return 0
	}
	sr, _ := runs.Parse(last)
	return lastPipChange(sr, nil)
}

// lastPipChange returns how the last command of RUN r before c (before
// its end when c is nil) that installs pip changes it: 1 for 19.1 or
// newer, -1 for an older or unknown version, 0 when no command does.
func lastPipChange(r *runs.Run, c *shellparse.Command) int {
	state := 0
	for _, o := range r.Commands() {
		if o == c {
			break
		}
		text := r.Prog.Text(o.Call)
		if o.Conditional && !strings.Contains(text, "get-pip") {
			continue // may not run; get-pip.py is piped from curl or wget
		}
		if ch := pipChange(o, text); ch != 0 {
			state = ch
		}
	}
	return state
}

// pipChange tells how command o (whose text is text) changes pip: 1 when
// it installs 19.1 or newer (pip install -U pip installs the newest pip
// for its Python: 19.1.1 and later for Python 2.7 and 3.4+; pip==X or
// pip>=X with X at least 19.1; get-pip.py), -1 when it installs an older
// or unknown one (pip==9.0.3, pip<19), 0 when it installs none.
func pipChange(o *shellparse.Command, text string) int {
	if strings.Contains(text, "get-pip") {
		if getPipIsNew(text) {
			return 1
		}
		return -1
	}
	if !pkgmgr.IsPip(o.Name) {
		return 0
	}
	if s, _ := o.Subcommand(); s != "install" {
		return 0
	}
	upgrade := o.HasArg(shellparse.ArgIs("-U", "--upgrade"))
	for i, v := range o.Lits {
		if !o.Static[i] {
			if name, _ := splitRequirement(staticPrefix(o.Args[i].Parts)); name == "pip" {
				return -1 // pip==$PIP_VERSION: a version that cannot be read
			}
			continue
		}
		name, spec := splitRequirement(v)
		if name != "pip" {
			continue
		}
		switch {
		case spec == "" && upgrade:
			return 1
		case spec == "":
			return 0 // already installed: nothing happens
		case strings.HasPrefix(spec, "=="), strings.HasPrefix(spec, ">="):
			ver := strings.TrimLeft(spec, "=>")
			if !strings.ContainsAny(ver, ",*<!") && !versionBelow(ver, pkgmgr.PipWheelsWithoutCache) {
				return 1
			}
		}
		return -1
	}
	return 0
}

// getPipIsNew reports whether the get-pip.py that text runs installs pip
// 19.1 or newer: not the ones for Python 2.6, 3.2 and 3.3
// (bootstrap.pypa.io/pip/X.Y/get-pip.py installs 9.0.3, 7.1.2 and 17.1),
// nor one given an older pip.
func getPipIsNew(text string) bool {
	for _, old := range []string{"/pip/2.6/", "/pip/3.2/", "/pip/3.3/", "/2.6/get-pip", "/3.2/get-pip", "/3.3/get-pip"} {
		if strings.Contains(text, old) {
			return false
		}
	}
	for _, m := range pipPinRE.FindAllStringSubmatch(text, -1) {
		if m[1] != ">=" && m[1] != "==" || versionBelow(m[2], pkgmgr.PipWheelsWithoutCache) {
			return false
		}
	}
	return true
}

var pipPinRE = lazyre.New(`\bpip\s*(==|<=|<|~=|>=)\s*([0-9][0-9.]*)`)

// onlyWheels reports whether pip command c installs nothing but pip,
// setuptools and wheel (upgrading pip itself, as a first step), which are
// published as wheels: pip installs them the same with or without its
// cache, whatever its version.
func onlyWheels(c *shellparse.Command) bool {
	s, i := c.Subcommand("--python", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert", "--cache-dir")
	if s != "install" {
		return false
	}
	valued := []string{"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
		"--trusted-host", "--platform", "--python-version", "--implementation", "--abi", "--progress-bar", "--src", "--upgrade-strategy",
		"--config-settings", "-C", "--global-option", "--install-option", "--report", "--python", "--log", "--proxy", "--retries",
		"--timeout", "--exists-action", "--cert", "--client-cert", "--cache-dir", "--only-binary", "--no-binary"}
	n := 0
	for j := i + 1; j < len(c.Lits); j++ {
		v := c.Lits[j]
		if !c.Static[j] {
			return false
		}
		switch {
		case v == "-r" || v == "-c" || v == "-e" || strings.HasPrefix(v, "--requirement") || strings.HasPrefix(v, "--constraint") ||
			strings.HasPrefix(v, "--editable") || strings.HasPrefix(v, "-r") || strings.HasPrefix(v, "-e") || strings.HasPrefix(v, "-c"):
			return false
		case slices.Contains(valued, v):
			j++
		case strings.HasPrefix(v, "-"):
		default:
			name, _ := splitRequirement(v)
			if name != "pip" && name != "setuptools" && name != "wheel" {
				return false
			}
			n++
		}
	}
	return n > 0
}

// splitRequirement splits a requirement ("pip>=20", "Wheel", "pip==9.0.1")
// into its normalized name and its version specifier.
func splitRequirement(v string) (name, spec string) {
	v = strings.Trim(v, `"'`)
	i := strings.IndexAny(v, "<>=!~;[ ")
	if i < 0 {
		i = len(v)
	}
	return strings.ReplaceAll(strings.ToLower(v[:i]), "_", "-"), strings.TrimSpace(v[i:])
}

// staticPrefix returns the literal text a word made of parts starts with,
// up to its first expansion: "pip==" for "pip==${PIP_VERSION}".
func staticPrefix(parts []syntax.WordPart) string {
	var sb strings.Builder
	writeStaticPrefix(&sb, parts)
	return sb.String()
}

// writeStaticPrefix writes the literal parts up to the first expansion and
// reports whether it reached the end of parts.
func writeStaticPrefix(sb *strings.Builder, parts []syntax.WordPart) bool {
	for _, p := range parts {
		switch x := p.(type) {
		case *syntax.Lit:
			sb.WriteString(x.Value)
		case *syntax.SglQuoted:
			sb.WriteString(x.Value)
		case *syntax.DblQuoted:
			if !writeStaticPrefix(sb, x.Parts) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// versionBelow reports whether dotted version a is older than b.
func versionBelow(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for k := 0; k < len(pa) || k < len(pb); k++ {
		var x, y int
		if k < len(pa) {
			x, _ = strconv.Atoi(pa[k])
		}
		if k < len(pb) {
			y, _ = strconv.Atoi(pb[k])
		}
		if x != y {
			return x < y
		}
	}
	return false
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
		if cl.declineTaken(c, msg, gemDocs) {
			continue
		}
		opt := pkgmgr.GemDocOption(name, tag, updated)
		cl.option(c, i, opt, msg, "add "+opt, gemDocs...)
	}
}

// gemDocs are where gem install puts the documentation it builds.
var gemDocs = []string{"/usr/local/bundle/doc", "/usr/local/lib/ruby/gems/*/doc",
	"/var/lib/gems/*/doc", "~/.gem/ruby/*/doc", "~/.local/share/gem/ruby/*/doc"}

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
