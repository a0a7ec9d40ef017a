package cachemounts

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// use is what one package manager does in one RUN.
type use struct {
	m    *manager
	cmds []*shellparse.Command // its commands that download
	// targets are the cache directories to mount; why says why none is
	// (the use is then reported, not fixed). skip: the RUN mounts them
	// already.
	targets []target
	why     string
	skip    bool
	// apt only: whether /var/cache/apt is mounted too (it is worth it only
	// where the official images' docker-clean is undone), and why not.
	archives    bool
	archivesWhy string
	// apt only: why /var/lib/apt/lists is not mounted while
	// /var/cache/apt is (the RUN empties the lists in a way that cannot be
	// taken out).
	listsWhy string
	// edits to the manager's own command lines (pip --no-cache-dir, apk
	// --no-cache).
	edits []analysis.Edit
}

// declineFor keeps dir from being mounted, for the reason why: for apt's
// archives only that directory (the lists may still be mounted, unless
// they are not either: then nothing is), for any other the whole use. It
// reports whether the whole use is declined.
func (u *use) declineFor(dir, why string) bool {
	if dir == pkgmgr.AptArchives {
		u.archives, u.archivesWhy = false, why
		if u.listsWhy == "" {
			return false
		}
		why = u.listsWhy
	}
	u.why = why
	return true
}

// active returns the directories to mount.
func (u *use) active() []target {
	if u.why != "" || u.skip {
		return nil
	}
	var out []target
	for _, t := range u.targets {
		if t.dir == pkgmgr.AptArchives && !u.archives {
			continue
		}
		if t.dir == pkgmgr.AptLists && u.listsWhy != "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// plan is what the pass does to one RUN.
type plan struct {
	r    *runs.Run
	ins  *dockerfile.Instruction
	user stages.User
	uid  string
	uses []*use
	// config: insert the RUN that lets apt keep its downloads before this
	// one.
	config bool
	// cleanup edits of the RUN (rm of a mounted cache, apt-get clean ...)
	cleanups []analysis.Edit
}

func (p *plan) apt() *use {
	for _, u := range p.uses {
		if u.m.name == "apt" {
			return u
		}
	}
	return nil
}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var plans []*plan
	for _, st := range doc.Stages {
		if st.Windows() {
			continue
		}
		for _, ins := range st.Instructions {
			if ins.Cmd != "run" {
				continue
			}
			r, _ := runs.Parse(ins)
			if r == nil {
				continue
			}
			if p := analyze(ctx, r); p != nil {
				plans = append(plans, p)
			}
		}
	}
	if len(plans) == 0 {
		return nil
	}
	filledBefore(ctx, plans)
	decideArchives(ctx, plans)
	unsupported := mountsUnsupported(doc)
	var out []analysis.Finding
	for _, p := range plans {
		out = append(out, p.findings(ctx, unsupported)...)
	}
	return out
}

// mountsUnsupported says why the frontend that builds the file may not
// take RUN --mount ("" when it does). Without a "# syntax=" line the
// builder's own frontend builds it: BuildKit's has taken RUN --mount since
// Dockerfile 1.2 (Docker 20.10; the default builder since Docker 23).
func mountsUnsupported(doc *dockerfile.Document) string {
	f := doc.Frontend()
	switch {
	case !f.Line || f.AtLeast(1, 2):
		return ""
	case f.Dockerfile && f.Versioned && f.Major == 1 && f.Suffix == "experimental":
		return "" // 1.0-experimental and 1.1-experimental have RUN --mount
	case !f.Dockerfile:
		return fmt.Sprintf("the # syntax= line selects the frontend %s, which may not take RUN --mount", f.Value)
	}
	return fmt.Sprintf("the # syntax= line selects %s, which may not take RUN --mount (Dockerfile 1.2 and later do)", f.Value)
}

// analyze works out what the managers of one RUN do and which of their
// caches can be mounted.
func analyze(ctx *analysis.Context, r *runs.Run) *plan {
	ins := r.Ins
	cmds := r.Commands()
	p := &plan{r: r, ins: ins, user: stages.UserAt(ins)}
	uid, uidKnown := stages.UID(ins)
	p.uid = uid
	assigned := assignedNames(r.Prog)
	existing := runs.MountTargets(ins)
	if len(runs.CacheMounts(ins)) > 0 {
		return nil // the file mounts caches here itself
	}
	info := baseimage.Resolve(stages.RootImage(ins.Stage))
	ev := &env{ins: ins, assigned: assigned}
	for _, m := range managers {
		var mine []*shellparse.Command
		for _, c := range cmds {
			if m.match(c) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			continue
		}
		u := &use{m: m, cmds: mine}
		p.uses = append(p.uses, u)
		u.why = p.userWhy(m, mine, uidKnown, assigned)
		if u.why != "" {
			continue
		}
		for _, k := range m.env {
			if assigned[k] {
				u.why = "the RUN sets " + k
				break
			}
		}
		if u.why != "" {
			continue
		}
		if !m.system {
			for _, k := range m.env {
				if !stages.EnvAt(ins, k).Known {
					u.why = "the base image is not known, and it may set " + k
					break
				}
			}
		}
		if u.why != "" {
			continue
		}
		u.targets, u.why = m.where(ev, p.user, info)
		if u.why != "" {
			continue
		}
		var dirs []string
		for _, t := range u.targets {
			dirs = append(dirs, t.dir)
		}
		if u.why = p.rootParent(u.targets); u.why != "" {
			continue
		}
		if runs.Covers(existing, dirs...) {
			u.skip = true
			continue
		}
		if u.why = readsOwnCache(m, cmds); u.why != "" {
			continue
		}
		if u.why = otherRoot(m, cmds); u.why != "" {
			continue
		}
		if m.name == "go" || m.name == "cargo" {
			if v, _ := ev.get("GOPROXY"); v == "off" || m.offlineText.MatchString(r.Prog.Src) {
				u.why = "downloads are turned off (GOPROXY=off, --offline): it reads the cache only, which would then be the mount's"
				continue
			}
		}
		if m.name == "yarn" && yarnBerry(ctx, ins) {
			u.why = "Yarn 2 and later keep their cache in the project (.yarn/cache), not in a global cache"
			continue
		}
		if u.why = laterReader(ctx, ins, m, u.targets); u.why != "" {
			continue
		}
		if u.why = runtimeUse(ctx, ins, m); u.why != "" {
			continue
		}
		if u.why = copiedOut(ctx, ins, u.targets); u.why != "" {
			continue
		}
		u.why = optionEdits(ctx.Doc, r, u)
		u.archives = m.name == "apt"
		if u.why == "" {
			touched(ctx, r, cmds, u)
		}
	}
	if len(p.uses) == 0 {
		return nil
	}
	// Removals of the caches that the RUN makes: blocked targets decline
	// their use (or, for /var/cache/apt, only that mount).
	_, blocked := p.cleanupEdits(ctx)
	p.block(blocked)
	return p
}

// block declines what removals the pass cannot rewrite stand in the way
// of.
func (p *plan) block(blocked map[string]string) {
	for _, u := range p.uses {
		for _, t := range u.active() {
			why, ok := blocked[t.dir]
			if !ok {
				continue
			}
			if t.dir == pkgmgr.AptArchives {
				u.declineFor(t.dir, why)
				continue
			}
			if t.dir == pkgmgr.AptLists && u.archives {
				// The packages can still be kept out of the layer, also
				// where an earlier step undid docker-clean.
				u.listsWhy = why
				continue
			}
			u.why = why
		}
	}
}

// userWhy says why the user the RUN runs as keeps the manager's caches
// from being mounted ("" when it does not).
func (p *plan) userWhy(m *manager, cmds []*shellparse.Command, uidKnown bool, assigned map[string]bool) string {
	u := p.user
	for _, c := range cmds {
		if pkgmgr.OtherUser(c) {
			return "it runs as another user (sudo -u, gosu, su, ...)"
		}
		if m.system {
			if !c.HasWrapper("sudo") {
				switch u.Runs {
				case stages.AsOther:
					return "the RUN runs as USER " + u.Name
				case stages.Unknown:
					return "the user the RUN runs as is not known"
				}
			}
			continue
		}
		if c.HasWrapper("sudo") {
			return "it runs through sudo, whose HOME depends on its configuration"
		}
	}
	if m.system {
		return ""
	}
	switch {
	case u.Runs == stages.Unknown:
		return "the user the RUN runs as is not known"
	case assigned["HOME"]:
		return "the RUN sets HOME"
	case !uidKnown:
		return "the numeric id of USER " + u.Name + " is not known (a cache mount belongs to root unless uid= names the user)"
	}
	return ""
}

// readsOwnCache says why a RUN reads the manager's cache before filling it
// itself: an install from the cache only, or an apt-get install before
// the RUN's own apt-get update. Under a mount it would read the mount,
// not what earlier steps left in the image.
func readsOwnCache(m *manager, cmds []*shellparse.Command) string {
	switch m.name {
	case "apt", "apk":
		if c := readsBeforeUpdate(m, cmds); c != nil {
			if m.name == "apt" {
				return c.Name + " " + subcommand(c, pkgmgr.AptValueOptions...) + " runs before the RUN's own " + c.Name + " update: it reads the package lists an earlier step left in the image"
			}
			return "apk " + subcommand(c, pkgmgr.ApkValueOptions...) + " reads the package index an earlier step left in the image (no apk update, --update-cache or --no-cache before it)"
		}
	default:
		if m.offline == nil {
			return ""
		}
		for _, c := range cmds {
			if m.offline(c) {
				return "it installs from the cache only, which would then be the mount's"
			}
		}
	}
	return ""
}

// otherRoot says why an apk of the RUN keeps its cache elsewhere than
// the mount would be: --root (-p) installs into another root, whose own
// etc/apk/cache and var/cache/apk apk uses, --cache-dir names another
// cache ("" when none does).
func otherRoot(m *manager, cmds []*shellparse.Command) string {
	if m.name != "apk" {
		return ""
	}
	for _, c := range cmds {
		if !m.match(c) {
			continue
		}
		for _, w := range c.Lits {
			opt, _, _ := strings.Cut(w, "=")
			switch opt {
			case "-p", "--root":
				return "apk " + opt + " installs into another root, which keeps its own cache there"
			case "--cache-dir":
				return "apk --cache-dir keeps the cache elsewhere"
			}
			if strings.HasPrefix(w, "-p") && len(w) > 2 && !strings.HasPrefix(w, "--") {
				return "apk -p installs into another root, which keeps its own cache there"
			}
		}
	}
	return ""
}

// readsBeforeUpdate returns the first command of the program that reads
// apt's lists (apk's index) before an update that surely ran, or nil.
func readsBeforeUpdate(m *manager, cmds []*shellparse.Command) *shellparse.Command {
	updated := false
	for _, c := range cmds {
		switch m.name {
		case "apt":
			if pkgmgr.AptReadsLists(c) && !updated {
				return c
			}
			updated = updated || pkgmgr.AptUpdates(c) && !c.Conditional && !c.InSubshell
		case "apk":
			if pkgmgr.ApkReadsIndex(c) && !updated {
				return c
			}
			updated = updated || pkgmgr.ApkUpdates(c) && !c.Conditional && !c.InSubshell
		}
	}
	return nil
}

// optionEdits rewrites the manager's own options that turn the cache off:
// pip's --no-cache-dir (or a prefix of it pip takes: --no-cache) goes; apk's --no-cache becomes --update-cache (the
// index is fetched as before, and the packages come from the cache).
func optionEdits(doc *dockerfile.Document, r *runs.Run, u *use) string {
	for _, c := range u.cmds {
		for i, v := range c.Lits {
			if !c.Static[i] {
				continue
			}
			switch {
			case u.m.name == "pip" && pkgmgr.IsPipNoCacheDir(v):
				e, ok := r.RemoveArgEdit(doc, c, i)
				if !ok {
					return "a comment line stands in the way of removing its --no-cache-dir"
				}
				u.edits = append(u.edits, e)
			case u.m.name == "apk" && v == "--no-cache":
				if c.HasArg(shellparse.ArgIs("-U", "--update-cache", "--update")) {
					e, ok := r.RemoveArgEdit(doc, c, i)
					if !ok {
						return "a comment line stands in the way of removing its --no-cache"
					}
					u.edits = append(u.edits, e)
					continue
				}
				start, end := shellparse.Span(c.Args[i])
				u.edits = append(u.edits, analysis.Replace(r.Src(start), r.After(end), "--update-cache"))
			}
		}
	}
	return ""
}

// env reads the variables a manager's cache depends on at a RUN.
type env struct {
	ins      *dockerfile.Instruction
	assigned map[string]bool
}

// get returns a variable's value and whether it is set; the value is ""
// when it is set but not known.
func (e *env) get(key string) (string, bool) {
	if e.assigned[key] {
		return "", true
	}
	v := stages.EnvAt(e.ins, key)
	if !v.Known {
		return "", true // not known whether it is set: as if set to an unknown value
	}
	return v.Value, v.Set
}

// dir returns the directory sub below the value of the variable key: ""
// when the variable is not set, ok false when it is set to something
// other than a plain absolute path.
func (e *env) dir(key, sub string) (string, bool) {
	v, set := e.get(key)
	if !set {
		return "", true
	}
	if !path.IsAbs(v) || strings.ContainsAny(v, "$\"'` \\") {
		return "", false
	}
	return path.Join(v, sub), true
}

// assignedNames returns the variables the program assigns anywhere (also
// as command prefixes, through env, or in subshells).
func assignedNames(p *shellparse.Program) map[string]bool {
	out := map[string]bool{}
	shellparse.Walk(p.File, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.Assign:
			if x.Name != nil {
				out[x.Name.Value] = true
			}
		case *syntax.CallExpr:
			c := shellparse.Resolve(x)
			for _, a := range c.Assigns {
				if a.Name != nil {
					out[a.Name.Value] = true
				}
			}
			if c.Name == "export" || c.Name == "unset" || c.Name == "read" {
				for i, v := range c.Lits {
					if c.Static[i] {
						name, _, _ := strings.Cut(v, "=")
						out[name] = true
					}
				}
			}
		}
		return true
	})
	return out
}

// yarnBerry reports signs of Yarn 2 or later, which keeps its cache in
// the project.
func yarnBerry(ctx *analysis.Context, ins *dockerfile.Instruction) bool {
	for _, other := range append(stages.Before(ins), ins) {
		for _, s := range []string{".yarnrc.yml", "yarn set version", "yarnPath", ".yarn/releases", "corepack"} {
			if strings.Contains(other.Text, s) {
				return true
			}
		}
	}
	return ctx.BuildContext != nil && ctx.Memo("cache-mounts.yarnrc", func() any {
		f, err := ctx.BuildContext.Open(".yarnrc.yml")
		if err == nil {
			f.Close()
		}
		return err == nil
	}).(bool)
}

// later returns the instructions that run after ins and see what it
// leaves in the image: the rest of its stage, the stages built on it, and
// the ONBUILD instructions before it (they run in images built FROM this
// one).
func later(doc *dockerfile.Document, ins *dockerfile.Instruction) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for _, st := range doc.Stages {
		switch {
		case st == ins.Stage:
			for _, o := range st.Instructions {
				if o.Index > ins.Index {
					out = append(out, o)
				}
			}
		case stages.Descends(st, ins.Stage):
			out = append(out, st.Instructions[1:]...)
		}
	}
	for _, o := range stages.Before(ins) {
		if o.Cmd == "onbuild" {
			out = append(out, o)
		}
	}
	return out
}

// laterReader says why a later step reads the cache that a mount would
// take out of the image: an install from the cache only, an apt-get
// install without its own update. (Steps that fill the cache themselves
// do not count: what a mount keeps may be gone on the next build, the
// image's copy never is.)
func laterReader(ctx *analysis.Context, ins *dockerfile.Instruction, m *manager, targets []target) string {
	doc := ctx.Doc
	for _, o := range later(doc, ins) {
		line := ctx.Line(o.Span.Start)
		if o.Cmd == "env" || o.Cmd == "arg" {
			if (m.name == "go" || m.name == "cargo") && m.offlineText.MatchString(o.Text) {
				return fmt.Sprintf("line %d turns downloads off (%s), so later builds read the cache only", line, strings.TrimSpace(o.Text[o.ArgsOffset:]))
			}
			continue
		}
		if o.Cmd != "run" && !(o.Cmd == "onbuild" && o.Onbuild() == "run") {
			continue
		}
		var dirs []string
		for _, t := range targets {
			dirs = append(dirs, t.dir)
		}
		if o.Cmd == "run" && runs.Covers(runs.CacheMounts(o), dirs...) {
			continue // it reads a mount of its own
		}
		if prog := runs.Read(doc, o); prog != nil {
			cmds := shellparse.Commands(prog.Prog)
			if why := readsOwnCache(m, cmds); why != "" && m.name != "go" {
				return fmt.Sprintf("line %d reads the cache later (%s)", line, cacheOf(m))
			}
			if what := hiddenInstall(ctx, o, m, cmds); what != "" {
				return fmt.Sprintf("line %d may install from the package lists left in the image (%s)", line, what)
			}
			if (m.name == "go" || m.name == "cargo") && m.offlineText.MatchString(prog.Prog.Src) {
				return fmt.Sprintf("line %d reads the cache later (%s)", line, cacheOf(m))
			}
			continue
		}
		text := o.Text
		for _, h := range o.Heredocs() {
			text += "\n" + h.Content
		}
		if m.offlineText == nil || !m.offlineText.MatchString(text) {
			continue
		}
		switch m.name {
		case "apt":
			if strings.Contains(text, "update") {
				continue
			}
		case "apk":
			if strings.Contains(text, "update") || strings.Contains(text, "--no-cache") || strings.Contains(text, "-U") {
				continue
			}
		}
		return fmt.Sprintf("line %d may read the cache later (%s)", line, cacheOf(m))
	}
	return ""
}

// hiddenInstall says how a RUN may install with apt or apk (m) out of
// sight of readsOwnCache, before an update of its own that surely runs:
// through xargs, in the string of sh -c or bash -c, with aptitude, or in
// a script that a COPY or ADD brought and that installs, or cannot be
// read ("" when it does not). A script the file does not copy by name
// (./configure of a downloaded source, manage.py) is taken for a build.
func hiddenInstall(ctx *analysis.Context, ins *dockerfile.Instruction, m *manager, cmds []*shellparse.Command) string {
	if m.name != "apt" && m.name != "apk" {
		return ""
	}
	tools := map[string]bool{"apk": m.name == "apk", "apt-get": m.name == "apt", "apt": m.name == "apt", "aptitude": m.name == "apt", "apt-cache": m.name == "apt"}
	for _, c := range cmds {
		switch {
		case m.name == "apt" && pkgmgr.AptUpdates(c) && !c.Conditional && !c.InSubshell,
			m.name == "apk" && pkgmgr.ApkUpdates(c) && !c.Conditional && !c.InSubshell:
			return ""
		case m.name == "apt" && c.Name == "aptitude":
			return "it runs aptitude"
		case c.Name == "xargs":
			for _, w := range c.Lits {
				if tools[path.Base(w)] {
					return "xargs runs " + path.Base(w)
				}
			}
		case c.Name == "sh" || c.Name == "bash" || c.Name == "dash" || c.Name == "ash":
			for i, w := range c.Lits {
				if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "--") || !strings.Contains(w, "c") {
					continue
				}
				switch {
				case i+1 >= len(c.Lits):
				case !c.Static[i+1]:
					return c.Name + " -c runs a command line that dfopt cannot read"
				case m.offlineText.MatchString(c.Lits[i+1]) || strings.Contains(c.Lits[i+1], "aptitude"):
					return c.Name + " -c installs packages"
				}
				break
			}
			if runsScript(c) && scriptInstalls(ctx, ins, m, c.Lits[0]) {
				return c.Name + " runs the script " + c.Lits[0]
			}
		case c.Name != "make" && c.Name != "gmake" && runsScript(c):
			if w, ok := shellparse.Lit(c.NameWord()); ok && scriptInstalls(ctx, ins, m, w) {
				return "it runs the script " + w
			}
		case m.name == "apt" && !tools[c.Name]:
			// su -c "apt-get install ...", runuser -u root -- apt-get,
			// chroot / apt-get, flock FILE apt-get, unshare -n apt-get
			if text := pkgmgr.AptInArgs(c); text != "" && (m.offlineText.MatchString(text) || strings.Contains(text, "aptitude")) {
				return c.Name + " runs apt"
			}
		}
	}
	return ""
}

// scriptInstalls reports whether the script that ins runs may install
// with apt or apk (m): a COPY or ADD brought it, and its content, from the
// COPY's heredoc or the build context, names the manager's install, or
// cannot be read.
func scriptInstalls(ctx *analysis.Context, ins *dockerfile.Instruction, m *manager, script string) bool {
	if ext := path.Ext(script); ext != "" && ext != ".sh" && ext != ".bash" {
		return false // manage.py, a program of another language
	}
	o, ok := stages.CopiedProgram(ctx.Doc, ins, script)
	if !ok {
		// A COPY whose destination the file does not tell may have
		// brought it: its content cannot be read.
		return stages.MayHaveCopiedProgram(ctx.Doc, ins, script) != nil
	}
	installs := func(text string) bool {
		return m.offlineText.MatchString(text) || m.name == "apt" && strings.Contains(text, "aptitude")
	}
	if o.Shown {
		return installs(o.Content)
	}
	view := buildcontext.Of(ctx)
	if view == nil {
		return true
	}
	for _, p := range o.Context {
		if data, ok := view.ReadFile(p); ok {
			return installs(string(data))
		}
	}
	return true
}

func cacheOf(m *manager) string {
	switch m.name {
	case "apt":
		return "it installs with apt before its own apt-get update"
	case "apk":
		return "it installs with apk before its own apk update"
	case "go":
		return "with downloads turned off"
	}
	return "it installs from the cache only"
}

// runtimeUse says why the image itself runs the tool, which would then
// miss what the cache held (Go's modules, Maven's repository, ...).
func runtimeUse(ctx *analysis.Context, ins *dockerfile.Instruction, m *manager) string {
	if m.runtime == nil {
		return ""
	}
	for _, st := range ctx.Doc.Stages {
		if !stages.Descends(st, ins.Stage) && !stages.Descends(ins.Stage, st) {
			continue
		}
		for _, o := range st.Instructions {
			switch o.Cmd {
			case "cmd", "entrypoint", "healthcheck":
				if m.runtime.MatchString(o.Text[o.ArgsOffset:]) {
					return fmt.Sprintf("line %d runs it in the image, where what the cache holds would be missing", ctx.Line(o.Span.Start))
				}
			}
		}
	}
	return ""
}

// copiedOut says why a later stage copies the cache out of this one
// (COPY --from, RUN --mount=from=, from this stage, one built FROM it or
// one named with a variable): it would no longer be there. A source with
// a variable may copy anything below its static directory (see
// stages.SourceDir).
func copiedOut(ctx *analysis.Context, ins *dockerfile.Instruction, targets []target) string {
	for _, r := range stages.RefsTo(ctx.Doc, ins.Stage) {
		for i, dir := range r.Paths {
			for _, t := range targets {
				if dir != "/" && !stages.PathsOverlap(dir, t.dir) {
					continue
				}
				what, src := "where the cache would no longer be", dir
				if s := r.Sources[i]; s != "" && path.Clean("/"+s) != dir {
					what, src = "which may be the cache", s
				}
				return fmt.Sprintf("line %d copies %s out of this stage, %s", ctx.Line(r.Ins.Span.Start), src, what)
			}
		}
	}
	return ""
}

// decideArchives decides where /var/cache/apt is mounted. The official
// Debian and Ubuntu images delete downloaded packages after every dpkg
// run (docker-clean): a mount there keeps nothing until that is undone.
// It is undone, in a new RUN before a stage's first mounted apt RUN, only
// when every later step that installs with apt (in the stage and in the
// stages built on it) gets the mount too: otherwise the packages it
// downloads would stay in its layer.
func decideArchives(ctx *analysis.Context, plans []*plan) {
	doc := ctx.Doc
	byIns := map[*dockerfile.Instruction]*plan{}
	for _, p := range plans {
		byIns[p.ins] = p
	}
	configured := map[*dockerfile.Stage]bool{}
	ok := func(o *dockerfile.Instruction) bool {
		// o runs apt only under a /var/cache/apt mount.
		if p := byIns[o]; p != nil {
			if u := p.apt(); u != nil {
				return u.archives && u.why == "" || u.skip && runs.Covers(runs.CacheMounts(o), pkgmgr.AptArchives)
			}
		}
		if o.Cmd != "run" && !(o.Cmd == "onbuild" && o.Onbuild() == "run") {
			return true
		}
		if o.Cmd == "run" && runs.Covers(runs.CacheMounts(o), pkgmgr.AptArchives) {
			return true
		}
		text := o.Text
		for _, h := range o.Heredocs() {
			text += "\n" + h.Content
		}
		// Not only installs: without docker-clean any apt-get, apt,
		// apt-mark or apt-cache run as root (purge, autoremove, hold)
		// saves pkgcache.bin and srcpkgcache.bin in /var/cache/apt.
		return !aptInstallText.MatchString(text) && !pkgmgr.RunsAptText(text)
	}
	// installs reports whether o, which ok refused, may download packages
	// (else it only runs apt).
	installs := func(o *dockerfile.Instruction) bool {
		if p := byIns[o]; p != nil && p.apt() != nil {
			return true
		}
		text := o.Text
		for _, h := range o.Heredocs() {
			text += "\n" + h.Content
		}
		return aptInstallText.MatchString(text)
	}
	for _, st := range doc.Stages {
		var first *plan
		for _, ins := range st.Instructions {
			if p := byIns[ins]; p != nil && p.apt() != nil && p.apt().why == "" && !p.apt().skip {
				first = p
				break
			}
		}
		if first == nil {
			continue
		}
		done := false
		for a := st.Parent; a != nil; a = a.Parent {
			done = done || configured[a]
		}
		for _, o := range append(stages.Before(first.ins), first.ins) {
			done = done || (o.Cmd == "run" || o.Cmd == "copy" || o.Cmd == "add") && pkgmgr.KeepsAptDownloads(o.Text)
		}
		why := ""
		if !done {
			switch {
			case first.user.Runs != stages.AsRoot:
				why = "the RUN that undoes it would not run as root"
			default:
				for _, o := range append(later(doc, first.ins), first.ins) {
					if !ok(o) {
						why = fmt.Sprintf("line %d would keep the packages it downloads in its layer", ctx.Line(o.Span.Start))
						if !installs(o) {
							why = fmt.Sprintf("line %d runs apt, which would save its binary caches (pkgcache.bin, srcpkgcache.bin) in its layer", ctx.Line(o.Span.Start))
						}
						if p := byIns[o]; p != nil && p.apt() != nil && p.apt().archivesWhy != "" {
							why += " (" + p.apt().archivesWhy + ")"
						}
						break
					}
				}
			}
		}
		if why == "" {
			configured[st] = true
			first.config = !done
		}
		for _, ins := range st.Instructions {
			if p := byIns[ins]; p != nil && p.apt() != nil {
				u := p.apt()
				if why != "" && u.archives {
					u.archives = false
					u.archivesWhy = "the official images' docker-clean deletes downloaded packages, and undoing it is left alone: " + why
					if u.listsWhy != "" {
						u.why = u.listsWhy
					}
				}
			}
		}
	}
	// Recompute the removals with the mounts decided.
	for _, p := range plans {
		for range 3 {
			edits, blocked := p.cleanupEdits(ctx)
			if len(blocked) == 0 {
				p.cleanups = edits
				break
			}
			p.block(blocked)
		}
	}
}

// findings reports the RUN and fixes it.
func (p *plan) findings(ctx *analysis.Context, unsupported string) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	var fixed []*use
	var mounts []target
	for _, u := range p.uses {
		switch {
		case u.skip:
		case u.why != "":
			out = append(out, p.decline(u, u.why))
		case u.listsWhy != "" && len(u.active()) == 0:
			out = append(out, p.decline(u, u.listsWhy))
		case unsupported != "":
			out = append(out, p.decline(u, unsupported))
		default:
			fixed = append(fixed, u)
			mounts = append(mounts, u.active()...)
		}
	}
	if len(fixed) == 0 {
		return out
	}
	var names []string
	for _, u := range fixed {
		names = append(names, u.m.name)
	}
	who := strings.Join(names, " and ")
	verb := "downloads"
	its := "its cache"
	if len(fixed) > 1 {
		verb, its = "download", "their caches"
	}
	f := analysis.InstructionFinding(p.ins, fmt.Sprintf("%s %s again on every build: no cache mount keeps %s", who, verb, its))
	var sub []analysis.Edit
	for _, u := range fixed {
		sub = append(sub, u.edits...)
	}
	sub = append(sub, p.cleanups...)
	start := p.flagsPos()
	sub = append(sub, analysis.Insert(start, p.mountText(doc, mounts)))
	end := p.ins.ContentEnd()
	for _, e := range sub {
		if e.Pos < start || e.End > end {
			for _, u := range fixed {
				out = append(out, p.decline(u, "an edit falls outside the RUN's command"))
			}
			return out
		}
	}
	if err := analysis.CheckEdits(sub, len(doc.Src)); err != nil {
		for _, u := range fixed {
			out = append(out, p.decline(u, "its edits do not fit together ("+err.Error()+")"))
		}
		return out
	}
	// One edit over the whole RUN: no fix of another pass to this RUN
	// (cache-cleanup's, which would remove what the mount keeps) goes
	// with it in the same round.
	var b strings.Builder
	last := start
	for _, e := range sub {
		b.Write(doc.Src[last:e.Pos])
		b.WriteString(e.NewText)
		last = e.End
	}
	b.Write(doc.Src[last:end])
	edits := []analysis.Edit{analysis.Replace(start, end, b.String())}

	var dirs, removes []string
	for _, t := range mounts {
		dirs = append(dirs, t.dir)
		removes = append(removes, t.dir) // the directory too: a mount point the image did not have goes with the mount
	}
	msg := "keep the caches of " + who + " in cache mounts (" + strings.Join(dirs, ", ") + ")"
	var changes []string
	if p.config {
		at := p.ins.Span.Start
		if cs := doc.CommentsAbove(p.ins); len(cs) > 0 {
			at = cs[0].Span.Start
		}
		nl := doc.LineEnding(p.ins.Span.Start)
		edits = append([]analysis.Edit{analysis.Insert(at, doc.KeywordCase("RUN")+" "+pkgmgr.AptKeepDownloads+nl)}, edits...)
		changes = []string{pkgmgr.AptDockerClean, pkgmgr.AptKeepCache}
		msg += ", and let apt keep downloaded packages in a new RUN before it (removes " + pkgmgr.AptDockerClean + ")"
	}
	if u := p.apt(); u != nil && u.why == "" && !u.skip && !u.archives && u.archivesWhy != "" {
		// Said in the fix: a finding of its own, without a fix, would not
		// outlive the round that applies this one.
		msg += "; not " + pkgmgr.AptArchives + ": " + u.archivesWhy
	}
	if u := p.apt(); u != nil && u.why == "" && !u.skip && u.listsWhy != "" && u.archives {
		msg += "; not " + pkgmgr.AptLists + ": " + u.listsWhy
	}
	f.Fix = &analysis.Fix{Message: msg, Edits: edits, Removes: removes, Changes: changes}
	return append(out, f)
}

func (p *plan) decline(u *use, why string) analysis.Finding {
	c := u.cmds[0]
	start, end := shellparse.Span(c.Call)
	return analysis.Finding{Pos: p.r.Src(start), End: p.r.After(end),
		Message: fmt.Sprintf("%s downloads again on every build: no cache mount keeps its cache (not fixed: %s)", u.m.name, why)}
}

// flagsPos is the source offset where the RUN's first flag (or its
// command) starts.
func (p *plan) flagsPos() int {
	t := p.ins.Text
	i := len(t) - len(strings.TrimLeft(t, " \t"))
	for i < len(t) && t[i] != ' ' && t[i] != '\t' {
		i++
	}
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	return p.ins.SrcOffset(i)
}

// mountText is the --mount flags, followed by what separates them from
// the rest of the RUN: a blank for one mount; for several, each on a
// line of its own in the file's continuation style.
func (p *plan) mountText(doc *dockerfile.Document, mounts []target) string {
	var flags []string
	for _, t := range mounts {
		m := pkgmgr.CacheMount{Target: t.dir, Locked: t.locked}
		if !t.system {
			m.UID = p.uid
		}
		m.ID = pkgmgr.CacheID(t.id, "", m.UID)
		flags = append(flags, m.Flag())
	}
	if len(flags) == 1 {
		return flags[0] + " "
	}
	nl := doc.LineEnding(p.ins.Span.Start)
	indent := doc.ContinuationIndent("    ", p.ins)
	sep := " " + string(doc.Escape) + nl + indent
	return strings.Join(flags, sep) + sep
}

// cleanupEdits takes out of the RUN what removes a mounted cache: rm and
// find of its directory or of what is in it (the directory is the mount
// point, which rm cannot remove), and the managers' own clean commands
// (apt-get clean, npm cache clean, ...). blocked maps a mount target to
// why such a removal cannot be taken out (a removal of a directory above
// it, a command in a condition ...).
func (p *plan) cleanupEdits(ctx *analysis.Context) (edits []analysis.Edit, blocked map[string]string) {
	doc := ctx.Doc
	blocked = map[string]string{}
	var active []target
	for _, u := range p.uses {
		active = append(active, u.active()...)
	}
	if len(active) == 0 {
		return nil, nil
	}
	home := p.user.Home
	// Whole commands to take out, and the cache directories each empties.
	var gone []*shellparse.Command
	goneDirs := map[*shellparse.Command][]string{}
	notJoined := func(c *shellparse.Command, line int, dirs []string) {
		for _, d := range dirs {
			blocked[d] = fmt.Sprintf("%s on line %d empties the cache, and it cannot be taken out of the RUN (it is not joined to the commands around it by &&, or by ; after set -e)", c.Name, line)
		}
	}
	for _, c := range p.r.Commands() {
		line := ctx.Line(p.r.Src(shellparse.Offset(c.Call.Pos())))
		switch c.Name {
		case "rm", "rmdir", "find":
			operands := pathOperands(c)
			var hit []int
			var hitDirs []string
			for _, i := range operands {
				v, ok := pathValue(p.r, c, i, home)
				if !ok {
					raw := p.r.Prog.Text(c.Args[i])
					for _, u := range p.uses {
						for _, t := range u.active() {
							for _, mk := range u.m.markers {
								if strings.Contains(raw, mk) {
									blocked[t.dir] = fmt.Sprintf("%s on line %d removes %s, which dfopt cannot read and which may be the cache", c.Name, line, raw)
								}
							}
						}
					}
					continue
				}
				for _, t := range active {
					switch relation(v, t.dir) {
					case atOrBelow:
						if !slices.Contains(hit, i) {
							hit = append(hit, i)
						}
						hitDirs = append(hitDirs, t.dir)
					case above:
						if c.Name != "find" {
							blocked[t.dir] = fmt.Sprintf("%s on line %d removes %s, which holds the cache mount %s", c.Name, line, v, t.dir)
						}
					}
				}
			}
			if len(hit) == 0 {
				continue
			}
			if c.Name == "find" || len(hit) == len(operands) {
				if c.Conditional || c.InSubshell {
					notJoined(c, line, hitDirs)
					continue
				}
				gone = append(gone, c)
				goneDirs[c] = hitDirs
				continue
			}
			for _, i := range hit {
				e, ok := p.r.RemoveArgEdit(doc, c, i)
				if !ok {
					for _, d := range hitDirs {
						blocked[d] = fmt.Sprintf("a comment line stands in the way of taking the cache out of the %s on line %d", c.Name, line)
					}
					break
				}
				edits = append(edits, e)
			}
		default:
			for _, u := range p.uses {
				ts := u.active()
				if len(ts) == 0 || u.m.cleans == nil || !u.m.cleans(c) {
					continue
				}
				distClean := u.m.name == "apt" && subcommand(c, pkgmgr.AptValueOptions...) == "dist-clean"
				if u.m.name == "apt" && !u.archives && !distClean {
					continue // apt-get clean empties /var/cache/apt only; dist-clean the lists too
				}
				var dirs []string
				for _, t := range ts {
					if u.m.name != "apt" || t.dir == pkgmgr.AptArchives || distClean {
						dirs = append(dirs, t.dir)
					}
				}
				if c.Conditional || c.InSubshell {
					notJoined(c, line, dirs)
					continue
				}
				gone = append(gone, c)
				goneDirs[c] = dirs
			}
		}
	}
	if len(gone) > 0 {
		es, ok := p.r.RemoveCommandsEdits(doc, gone)
		if !ok {
			// Say which: each alone, as far as that tells.
			for _, c := range gone {
				if _, ok := p.r.RemoveCommandEdit(doc, c); !ok {
					notJoined(c, ctx.Line(p.r.Src(shellparse.Offset(c.Call.Pos()))), goneDirs[c])
				}
			}
			if len(blocked) == 0 {
				for _, c := range gone {
					notJoined(c, ctx.Line(p.r.Src(shellparse.Offset(c.Call.Pos()))), goneDirs[c])
				}
			}
		}
		edits = append(edits, es...)
	}
	return edits, blocked
}

// pathOperands returns the indexes of c's arguments that are paths: rm's
// and rmdir's operands, find's starting points.
func pathOperands(c *shellparse.Command) []int {
	var out []int
	opts := true
	for i, v := range c.Lits {
		if c.Static[i] && opts && v == "--" {
			opts = false
			continue
		}
		if c.Static[i] && opts && strings.HasPrefix(v, "-") {
			if c.Name == "find" {
				break // find's expression
			}
			continue
		}
		if c.Name == "find" && c.Static[i] && (v == "(" || v == "!") {
			break
		}
		out = append(out, i)
	}
	return out
}

// pathValue returns the path the i-th argument of c names, with ~, $HOME
// and ${HOME} standing for home; ok is false when it cannot be read.
func pathValue(r *runs.Run, c *shellparse.Command, i int, home string) (string, bool) {
	if c.Static[i] {
		v := c.Lits[i]
		if rest, ok := strings.CutPrefix(v, "~"); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
			if home == "" {
				return "", false
			}
			v = home + rest
		}
		return v, path.IsAbs(v)
	}
	raw := strings.NewReplacer(`"`, "", `'`, "").Replace(r.Prog.Text(c.Args[i]))
	for _, h := range []string{"${HOME}", "$HOME"} {
		if rest, ok := strings.CutPrefix(raw, h); ok && home != "" && !strings.ContainsAny(rest, "$`") {
			return home + rest, true
		}
	}
	return "", false
}

const (
	unrelated = iota
	atOrBelow
	above
)

// relation tells whether the path pattern v (globs allowed) names dir or
// something below it, or a directory above it. A glob that matches dir
// itself counts as above: it removes the directories beside dir too.
func relation(v, dir string) int {
	v = strings.TrimRight(v, "/")
	if v == dir {
		return atOrBelow
	}
	if v == "" {
		return above // "/"
	}
	for a := dir; a != "/"; a = path.Dir(a) {
		if ok, err := path.Match(v, a); v == a || ok && err == nil {
			return above
		}
	}
	lit := v
	if i := strings.IndexAny(v, "*?["); i >= 0 {
		lit = v[:i]
	}
	if strings.HasPrefix(lit, dir+"/") {
		return atOrBelow
	}
	return unrelated
}

// aptInstallText finds apt installs in RUNs whose shell is not read.
var aptInstallText = managers[0].offlineText

// rootParent says why a cache mount of a user other than root may take
// the user's own directory away from it: the builder makes the missing
// directories above a mount's target as root (0755), whatever uid= says
// (it owns the mounted directory only), so mounting ~/.cache/pip where
// ~/.cache does not exist yet leaves a ~/.cache of root's, and the other
// programs of the RUN that write to ~/.cache as the user (pre-commit,
// golangci-lint, poetry) fail. A target right below the home directory
// (~/.npm, ~/.cargo) has nothing of the user's to take; any other is
// declined, since whether its parent exists is not known.
func (p *plan) rootParent(targets []target) string {
	if p.uid == "" || p.uid == "0" || p.user.Runs == stages.AsRoot {
		return ""
	}
	for _, t := range targets {
		if t.system || p.user.Home == "" || path.Dir(t.dir) == path.Clean(p.user.Home) {
			continue
		}
		return "the RUN runs as USER " + p.user.Name + ", and a cache mount at " + t.dir + " makes " + path.Dir(t.dir) +
			", when it does not exist yet, a directory of root's that the user's other programs in the RUN cannot write to"
	}
	return ""
}

// filledBefore declines the mounts of a user cache (pip, npm, go, ...)
// that an earlier step of the stage, or of a stage it derives from, may
// have filled in the image: a RUN that runs the same tool without a cache
// mount there (and that this pass does not mount either), a RUN that names
// the cache or runs make or a script (make deps running go mod download),
// a COPY or ADD into it. The mount replaces the directory for the RUN: on
// an empty cache (a first build, after a prune, another builder) the RUN
// would no longer see what the image has, and download it again, maybe
// without the secret the earlier step had. plans are in file order.
func filledBefore(ctx *analysis.Context, plans []*plan) {
	byIns := map[*dockerfile.Instruction]*plan{}
	for _, p := range plans {
		byIns[p.ins] = p
	}
	for _, p := range plans {
		for _, u := range p.uses {
			for _, t := range u.active() {
				// The system's caches (apt, apk) are filled by RUNs before
				// as a matter of course, and what those left there only
				// saves downloads; what a COPY or ADD put there is meant
				// for the image.
				why := ""
				if u.m.system {
					why = copiedInto(ctx, p.ins, t.dir)
				} else {
					why = fills(ctx, byIns, p.ins, u.m, t.dir)
				}
				if why == "" {
					continue
				}
				if u.declineFor(t.dir, why) {
					break
				}
			}
		}
	}
}

// copiedInto says which COPY or ADD before ins (in its stage or a stage
// it derives from) puts files in the directory dir, or "".
func copiedInto(ctx *analysis.Context, ins *dockerfile.Instruction, dir string) string {
	for _, e := range stages.Before(ins) {
		if why := copyInto(ctx, e, dir); why != "" {
			return why
		}
	}
	return ""
}

// copyInto says whether the instruction e is a COPY or ADD into the
// directory dir (or below it), and how, or "".
func copyInto(ctx *analysis.Context, e *dockerfile.Instruction, dir string) string {
	if (e.Cmd != "copy" && e.Cmd != "add") || len(e.Args) < 2 {
		return ""
	}
	dest := e.Args[len(e.Args)-1]
	if !path.IsAbs(dest) {
		wd, known := stages.KnownWorkdir(e)
		if !known {
			return ""
		}
		dest = path.Join(wd, dest)
	}
	if dest = path.Clean(dest); dest == dir || strings.HasPrefix(dest, dir+"/") {
		return fmt.Sprintf("line %d copies files into %s, which a cache mount would hide", ctx.Line(e.Span.Start), dir)
	}
	return ""
}

// fills says which step before ins may have left content in the cache
// directory dir of manager m ("" when none).
func fills(ctx *analysis.Context, byIns map[*dockerfile.Instruction]*plan, ins *dockerfile.Instruction, m *manager, dir string) string {
	doc := ctx.Doc
	name := path.Base(dir)
	if !strings.HasPrefix(name, ".") {
		name = path.Join(path.Base(path.Dir(dir)), name)
	}
	for _, e := range stages.Before(ins) {
		line := ctx.Line(e.Span.Start)
		switch e.Cmd {
		case "copy", "add":
			if why := copyInto(ctx, e, dir); why != "" {
				return why
			}
		case "run":
			if runs.Covers(runs.CacheMounts(e), dir) {
				continue
			}
			if mentions(e.Text, name) {
				return fmt.Sprintf("line %d may have filled %s without a cache mount, which a mount would hide (a build with an empty cache would download it all again)", line, dir)
			}
			prog := runs.Read(doc, e)
			if prog == nil {
				continue
			}
			for _, c := range shellparse.Commands(prog.Prog) {
				switch {
				case m.match(c):
					if mountedHere(byIns[e], m, dir) {
						continue
					}
					return fmt.Sprintf("line %d ran %s without a cache mount, and what it left in %s would be hidden by the mount (a build with an empty cache would download it all again)", line, m.name, dir)
				case runsScript(c):
					return fmt.Sprintf("line %d runs %s, which may fill %s without a cache mount; a mount would hide what it left there", line, c.Name, dir)
				}
			}
		}
	}
	return ""
}

// mountedHere reports whether this pass mounts dir for manager m in the
// RUN of plan p.
func mountedHere(p *plan, m *manager, dir string) bool {
	if p == nil {
		return false
	}
	for _, u := range p.uses {
		if u.m == m {
			for _, t := range u.active() {
				if t.dir == dir {
					return true
				}
			}
		}
	}
	return false
}

// runsScript reports whether a command runs make or a script, whose
// commands are not known.
func runsScript(c *shellparse.Command) bool {
	switch c.Name {
	case "make", "gmake":
		return true
	case "sh", "bash", "ash", "dash":
		return len(c.Lits) > 0 && !strings.HasPrefix(c.Lits[0], "-")
	}
	if c.Module == "" && c.NameIdx >= 0 {
		// a script of the project's: ./build, scripts/deps
		if w, ok := shellparse.Lit(c.Call.Args[c.NameIdx]); ok && strings.Contains(w, "/") && !path.IsAbs(w) {
			return true
		}
	}
	return strings.HasSuffix(c.Name, ".sh")
}

// mentions reports whether text names the cache directory name (.npm, not
// .npmrc).
func mentions(text, name string) bool {
	for i := strings.Index(text, name); i >= 0; {
		end := i + len(name)
		if end == len(text) || !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", rune(text[end])) {
			return true
		}
		j := strings.Index(text[end:], name)
		if j < 0 {
			break
		}
		i = end + j
	}
	return false
}

// touched declines the mounts of use u (of RUN r, whose commands are cmds)
// whose directory holds files meant for the image: the RUN itself names
// the directory in a command other than the manager's own that download
// and those that remove (cp x.whl /root/.cache/pip/, a redirection into
// it: written under the mount, they would not be in the image), apt
// downloads packages only (apt-get install -d keeps them in
// /var/cache/apt/archives), or a later step of the stage, a stage built on
// it or an ONBUILD names it (RUN dpkg -i /var/cache/apt/archives/*.deb,
// CMD ls /root/.cache/pip) other than to remove it. For apt, a reason
// that holds for /var/cache/apt alone declines only that mount.
func touched(ctx *analysis.Context, r *runs.Run, cmds []*shellparse.Command, u *use) {
	for _, t := range u.active() {
		why := ""
		if t.dir == pkgmgr.AptArchives {
			for _, c := range u.cmds {
				if c.HasArg(shellparse.ArgIs("-d", "--download-only")) {
					why = c.Name + " " + subcommand(c, pkgmgr.AptValueOptions...) + " downloads packages only: they stay in " + t.dir + " for the image"
					break
				}
			}
		}
		name := cacheName(t.dir)
		if why == "" {
			if w := namedOutside(r.Prog, cmds, name, u.m); w != "" {
				why = fmt.Sprintf("the RUN names %s (%s): what it writes there would not be in the image under the mount", t.dir, w)
			}
		}
		if why == "" {
			why = laterNames(ctx, r.Ins, t.dir, name)
		}
		if why == "" {
			continue
		}
		if u.declineFor(t.dir, why) {
			return
		}
	}
}

// cacheName is the part of a cache directory's path that names it in a
// command (.cache/pip, cache/apt, apt/lists): see mentions.
func cacheName(dir string) string {
	name := path.Base(dir)
	if !strings.HasPrefix(name, ".") {
		name = path.Join(path.Base(path.Dir(dir)), name)
	}
	return name
}

// namedOutside returns the text of a word of the program that names the
// cache (see mentions) outside the commands of manager m and those that
// remove files (rm, rmdir, find), or "".
func namedOutside(prog *shellparse.Program, cmds []*shellparse.Command, name string, m *manager) string {
	if !mentions(prog.Src, name) {
		return ""
	}
	type span struct{ start, end int }
	var skip []span
	for _, c := range cmds {
		switch {
		case m.match(c), m.cleans != nil && m.cleans(c), c.Name == "rm" || c.Name == "rmdir" || c.Name == "find":
			start, end := shellparse.Span(c.Call)
			skip = append(skip, span{start, end})
		}
	}
	found := ""
	shellparse.Walk(prog.File, func(n syntax.Node) bool {
		w, ok := n.(*syntax.Word)
		if !ok || found != "" {
			return found == ""
		}
		at := shellparse.Offset(w.Pos())
		for _, sp := range skip {
			if at >= sp.start && at < sp.end {
				return false
			}
		}
		if text := prog.Text(w); mentions(text, name) {
			found = text
		}
		return false
	})
	return found
}

// laterNames says which later step (see later) names the cache directory
// dir (whose name is name) other than to remove it or under a cache mount
// of its own: it reads or expects files there that the mount would take
// out of the image. COPY and ADD into it do not count (they write it
// after the RUN, in a layer of their own).
func laterNames(ctx *analysis.Context, ins *dockerfile.Instruction, dir, name string) string {
	for _, o := range later(ctx.Doc, ins) {
		if o.Cmd == "copy" || o.Cmd == "add" || o.Cmd == "onbuild" && (o.Onbuild() == "copy" || o.Onbuild() == "add") {
			continue
		}
		text := o.Text
		for _, h := range o.Heredocs() {
			text += "\n" + h.Content
		}
		if !mentions(text, name) {
			continue
		}
		if o.Cmd == "run" {
			if runs.Covers(runs.CacheMounts(o), dir) {
				continue
			}
			if prog := runs.Read(ctx.Doc, o); prog != nil && namedOutside(prog.Prog, shellparse.Commands(prog.Prog), name, noManager) == "" {
				continue
			}
		}
		return fmt.Sprintf("line %d names %s, which under the mount would not be in the image", ctx.Line(o.Span.Start), dir)
	}
	return ""
}

// noManager matches no command: for namedOutside over a RUN in which the
// manager's own commands count too.
var noManager = &manager{match: func(*shellparse.Command) bool { return false }}
