package manifests

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Builds that download their dependencies themselves (go build, mvn
// package, cargo build) with no install step to move: FetchPlan adds one
// (go mod download, mvn dependency:go-offline, cargo fetch) before the
// source COPY, where what it downloads cannot reach the image built. Each
// ecosystem says which commands build, which manifests the step reads and
// where it writes (gomod.go, maven.go, cargo.go); this file finds the
// build, checks what the ecosystems share and writes the edits.

// fetcher is an ecosystem whose builds download their dependencies.
type fetcher struct {
	name string
	what string // what the build downloads: "the modules"
	// build classifies a command: a build that downloads dependencies,
	// a command after which nothing is to be done (stop: the build makes
	// its manifests itself, or prefetches otherwise), or neither.
	build func(c *shellparse.Command) (build, stop bool)
	// plan plans the step for a build.
	plan func(fc *fetchCtx) fetchStep
	// env are variables that change what or how the step downloads (and
	// envPrefixes prefixes of such names); they must be the same for the
	// step as for the build.
	env, envPrefixes []string
	// carry are the variables that, assigned on the build command, are
	// assigned on the step's command too.
	carry []string
	// tool matches the base images that have the build tool (and the
	// packages that install it); packages matches the packages whose
	// installation after the source COPY the step may need (the tool, git,
	// certificates).
	tool, packages *lazyre.Regexp
}

// fetchers are the ecosystems, in the order they are tried on a command.
var fetchers = []*fetcher{goFetcher, mavenFetcher, cargoFetcher, gradleFetcher}

// commonEnv are variables every download step reads.
var commonEnv = []string{"HOME", "PATH", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"}

// fetchPackages are packages a download may need besides the tool.
const fetchPackages = `git|git-core|git-lfs|mercurial|hg|bzr|breezy|subversion|svn|fossil|openssh|openssh-client|ca-certificates`

// buildCmd is a build command that downloads dependencies.
type buildCmd struct {
	f     *fetcher
	r     *runs.Run
	cmd   *shellparse.Command
	dir   string                    // where it runs ("" unknown)
	prior []*shellparse.Command     // the commands of its RUN before it
	after []*dockerfile.Instruction // the instructions between the source COPY and its RUN
}

// fetchCtx is what an ecosystem's plan reads.
type fetchCtx struct {
	ctx      *analysis.Context
	cv       *buildcontext.View
	sc       *SourceCopy
	b        *buildCmd
	provided map[string]string // image paths that COPYs before the source COPY bring, to context paths
}

// fetchStep is the dependency step planned for a build.
type fetchStep struct {
	// skip: leave the build alone without a finding (nothing would be
	// gained: it downloads nothing, or caches what it downloads already).
	skip bool
	// reason, when set, is why the step is not added (a finding without a
	// fix).
	reason string
	root   string // the image directory the step runs in
	// files are the manifests it reads, relative to root; optional ones
	// are copied when the context has them, and so are dirs.
	files, optional, dirs []string
	command               string // the step's command, run in root
	// caches are the image paths (globs allowed) the step writes to
	// besides the manifests; cachesKnown is false when their place is
	// not known.
	caches      []string
	cachesKnown bool
	// cacheMount is the directory a cache mount would keep out of the
	// image, for the message in the stage built.
	cacheMount string
}

// read returns a file of the context at an image path, through the source
// copy or the COPYs before it.
func (fc *fetchCtx) read(p string) ([]byte, bool) {
	cp, ok := fc.contextPath(p)
	if !ok || fc.cv == nil {
		return nil, false
	}
	return fc.cv.ReadFile(cp)
}

// exists reports whether the context has a regular file at an image path.
func (fc *fetchCtx) exists(p string) bool {
	cp, ok := fc.contextPath(p)
	if !ok || fc.cv == nil {
		return false
	}
	fi, found := fc.cv.Stat(cp)
	return found && fi.Mode().IsRegular()
}

// isDir reports whether the context has a directory at an image path.
func (fc *fetchCtx) isDir(p string) bool {
	cp, ok := fc.contextPath(p)
	if !ok || fc.cv == nil {
		return false
	}
	fi, found := fc.cv.Stat(cp)
	return found && fi.IsDir()
}

// contextPath maps an image path to the context path that the source copy
// (or an earlier COPY) brings there.
func (fc *fetchCtx) contextPath(p string) (string, bool) {
	if cp, ok := fc.sc.toContext(p); ok {
		return cp, true
	}
	cp, ok := fc.provided[p]
	return cp, ok
}

// PlanCopy plans manifest-first for a source copy, rest being the
// instructions after it in its stage: the install after it moved before it
// (Plan), or else a dependency step added before it (FetchPlan).
func PlanCopy(ctx *analysis.Context, cv *buildcontext.View, sc *SourceCopy, rest []*dockerfile.Instruction) (analysis.Finding, bool) {
	if dr := InstallAfter(rest, sc); dr != nil {
		if f, ok := Plan(ctx, cv, sc, dr); ok {
			return f, true
		}
	}
	return FetchPlan(ctx, cv, sc, rest)
}

// FetchPlan plans a dependency step for the first build after the source
// copy that downloads its dependencies: a finding with a fix that adds the
// step before the copy, a finding that says why not, or nothing (no such
// build, or nothing to gain).
func FetchPlan(ctx *analysis.Context, cv *buildcontext.View, sc *SourceCopy, rest []*dockerfile.Instruction) (analysis.Finding, bool) {
	b := findBuild(sc, rest)
	if b == nil {
		return analysis.Finding{}, false
	}
	pos := b.r.Src(shellparse.Offset(b.cmd.Call.Pos()))
	end := b.r.After(shellparse.Offset(b.cmd.Call.End()))
	msg := fmt.Sprintf("%s downloads %s after %s copies the sources, so every source change downloads them again",
		commandText(b.r, b.cmd), b.f.what, copyText(sc))
	report := func(reason string) (analysis.Finding, bool) {
		return analysis.Finding{Pos: pos, End: end, Message: msg + "; no dependency step added: " + reason}, true
	}
	if b.dir == "" {
		return report("its working directory is not known")
	}
	if len(b.cmd.Wrappers) > 0 {
		return report("it runs through " + strings.Join(b.cmd.Wrappers, " "))
	}
	if !stages.Under(b.dir, sc.dest) {
		return analysis.Finding{}, false // it builds something the copy does not bring
	}
	if !sc.Ins.POSIXShell() {
		return analysis.Finding{}, false
	}
	if ranBefore(sc, b.f) {
		return analysis.Finding{}, false // a RUN before the copy downloads already
	}
	fc := &fetchCtx{ctx: ctx, cv: cv, sc: sc, b: b, provided: copiedBefore(sc.Ins)}
	if skip, reason := b.runFlags(); skip {
		return analysis.Finding{}, false
	} else if reason != "" {
		return report(reason)
	}
	step := b.f.plan(fc)
	if step.skip {
		return analysis.Finding{}, false
	}
	if step.reason != "" {
		return report(step.reason)
	}
	if runs.Covers(runs.CacheMounts(b.r.Ins), step.caches...) {
		return analysis.Finding{}, false // the build keeps its downloads in a cache mount already
	}
	if reason := b.mounts(); reason != "" {
		return report(reason)
	}
	if reason := fc.sameState(step); reason != "" {
		return report(reason)
	}
	if reason := fc.toolBefore(); reason != "" {
		return report(reason)
	}
	if reason := fc.ships(step); reason != "" {
		return report(reason)
	}
	plan, names, reason := fc.copies(step)
	if reason != "" {
		return report(reason)
	}
	edits, ok := fc.edits(step, plan)
	if !ok {
		return report("the instructions could not be rewritten")
	}
	fixMsg := "download " + b.f.what + " with " + step.command + " before copying the sources"
	if len(names) > 0 {
		fixMsg = "copy " + strings.Join(names, ", ") + " first and " + fixMsg
	}
	return analysis.Finding{Pos: pos, End: end, Message: msg,
		Fix: &analysis.Fix{Message: fixMsg, Edits: edits}}, true
}

// findBuild finds the first command after the source copy, in the RUNs of
// its stage, that builds with an ecosystem's tool; nil when a RUN that
// cannot be read comes first, or a command after which there is nothing to
// do.
func findBuild(sc *SourceCopy, rest []*dockerfile.Instruction) *buildCmd {
	for i, ins := range rest {
		if ins.Cmd != "run" {
			continue
		}
		r, _ := runs.Parse(ins)
		if r == nil {
			if ins.JSON && len(ins.Args) > 0 && buildToolName(path.Base(ins.Args[0])) {
				return nil
			}
			if runs.Readable(ins) || len(strings.TrimSpace(ins.Text[ins.ArgsOffset:])) == 0 {
				continue
			}
			return nil
		}
		cmds := r.Commands()
		for j, c := range cmds {
			for _, f := range fetchers {
				build, stop := f.build(c)
				if stop {
					return nil
				}
				if build {
					return &buildCmd{f: f, r: r, cmd: c, dir: dirOf(ins, cmds[:j]), prior: cmds[:j], after: rest[:i]}
				}
			}
		}
	}
	return nil
}

// ranBefore reports whether a RUN before the source copy, in its stage or
// the stages it is built on, runs the ecosystem's build or its own
// download step: the dependencies are fetched there.
func ranBefore(sc *SourceCopy, f *fetcher) bool {
	return stages.AnyBefore(sc.Ins, func(ins *dockerfile.Instruction) bool {
		r, _ := runs.Parse(ins)
		if r == nil {
			return false
		}
		for _, c := range r.Commands() {
			if build, stop := f.build(c); build || stop {
				return true
			}
		}
		return false
	})
}

func buildToolName(n string) bool {
	switch n {
	case "go", "mvn", "mvnw", "cargo", "gradle", "gradlew":
		return true
	}
	return false
}

// dirOf is the working directory of a command of a RUN, after the
// commands before it ("" when a cd among them cannot be followed).
func dirOf(ins *dockerfile.Instruction, prior []*shellparse.Command) string {
	wd := stages.WorkdirAt(ins)
	for _, c := range prior {
		switch c.Name {
		case "cd":
			if c.InSubshell && !c.Conditional {
				continue // the subshell's own directory; a command after it in the subshell is not followed
			}
			if c.Conditional || len(c.Lits) != 1 || !c.Static[0] || strings.HasPrefix(c.Lits[0], "-") {
				return ""
			}
			wd = stages.JoinDir(wd, c.Lits[0])
		case "pushd", "popd":
			return ""
		}
	}
	return wd
}

// runFlags reads the build RUN's flags: skip when it cannot download
// (--network=none), a reason when they stand in the way.
func (b *buildCmd) runFlags() (skip bool, reason string) {
	for _, f := range b.r.Ins.Flags {
		if v, ok := strings.CutPrefix(f, "--network="); ok && v == "none" {
			return true, ""
		}
	}
	if b.cmd.InSubshell {
		for _, c := range b.prior {
			if c.Name == "cd" && c.InSubshell {
				return false, "its working directory is not known"
			}
		}
	}
	return false, ""
}

// mounts says why the build RUN's mounts stand in the way ("" if they do
// not): the step would not have the files, secrets or keys they bring.
func (b *buildCmd) mounts() string {
	for _, m := range runs.Mounts(b.r.Ins) {
		typ, _ := m.Get("type")
		switch typ {
		case "cache", "tmpfs":
		case "secret":
			return "the RUN mounts a secret, which the download may need"
		case "ssh":
			return "the RUN mounts an SSH agent, which the download may need"
		default:
			return "the RUN bind-mounts files, which may be sources or settings"
		}
	}
	return ""
}

// toolBefore says why the build tool may not be there before the source
// copy ("" when it is): the stage is built on an image that has it, or a
// RUN before the copy runs or installs it.
func (fc *fetchCtx) toolBefore() string {
	f := fc.b.f
	if name := rootImageName(fc.ctx.Doc, fc.sc.Ins.Stage); name != "" && f.tool.MatchString(name) {
		return ""
	}
	found := stages.AnyBefore(fc.sc.Ins, func(ins *dockerfile.Instruction) bool {
		r, _ := runs.Parse(ins)
		if r == nil {
			return false
		}
		for _, c := range r.Commands() {
			if f.tool.MatchString(c.Name) && !c.Conditional {
				return true
			}
			for _, p := range installedPackages(c) {
				if f.tool.MatchString(p) {
					return true
				}
			}
		}
		return false
	})
	if found {
		return ""
	}
	return fmt.Sprintf("%s may not be installed before %s", fc.b.cmd.Name, copyText(fc.sc))
}

// sameState says why the step, run before the source copy, may not
// download as the build does ("" when it would): the user, the variables
// the ecosystem reads, the packages it needs and the settings files it
// reads must not change between the copy and the build.
func (fc *fetchCtx) sameState(step fetchStep) string {
	f, sc := fc.b.f, fc.sc
	relevant := func(name string) bool {
		if slices.Contains(commonEnv, name) || slices.Contains(f.env, name) || strings.HasPrefix(name, "GIT_") {
			return true
		}
		for _, p := range f.envPrefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	home := stages.UserAt(sc.Ins).Home
	settingsDirs := []string{"/etc", "/root", "/home"}
	if home != "" {
		settingsDirs = append(settingsDirs, home)
	}
	settingsDirs = append(settingsDirs, step.caches...)
	for _, ins := range fc.b.after {
		switch ins.Cmd {
		case "user":
			return "USER changes between " + copyText(sc) + " and the build, so the download would run as another user"
		case "env":
			for i := 0; i < len(ins.Args); i += 3 {
				if relevant(ins.Args[i]) {
					return ins.Args[i] + " is set after " + copyText(sc)
				}
			}
		case "arg":
			for _, a := range ins.Args {
				if name, _, _ := strings.Cut(a, "="); relevant(name) {
					return name + " is set after " + copyText(sc)
				}
			}
		case "copy", "add":
			if len(ins.Args) < 2 {
				continue
			}
			dest := stages.JoinDir(stages.WorkdirAt(ins), ins.Args[len(ins.Args)-1])
			for _, d := range settingsDirs {
				if dest != "" && (stages.Under(dest, d) || stages.PathsOverlap(d, dest)) {
					return strings.ToUpper(ins.Cmd) + " " + strings.Join(ins.Args, " ") + " puts files where the download may read settings, after " + copyText(sc)
				}
			}
		case "run":
			r, _ := runs.Parse(ins)
			if r == nil {
				continue
			}
			for _, c := range r.Commands() {
				if reason := fc.changesFetch(c, relevant); reason != "" {
					return reason + " after " + copyText(sc)
				}
			}
		}
	}
	for _, c := range fc.b.prior {
		if reason := fc.changesFetch(c, relevant); reason != "" {
			return reason + " before " + commandText(fc.b.r, fc.b.cmd)
		}
	}
	for _, a := range fc.b.cmd.Assigns {
		if name := a.Name.Value; relevant(name) && !carriedAssign(f, name) {
			return name + " is set for " + commandText(fc.b.r, fc.b.cmd) + " alone"
		}
	}
	return ""
}

func carriedAssign(f *fetcher, name string) bool { return slices.Contains(f.carry, name) }

// carriedAssigns is the text of the build command's assignments that the
// step repeats ("GO111MODULE=on "), "" when there are none; ok is false
// when one of them is not static.
func (b *buildCmd) carriedAssigns() (string, bool) {
	var out strings.Builder
	for _, a := range b.cmd.Assigns {
		if !carriedAssign(b.f, a.Name.Value) {
			continue
		}
		if a.Value != nil {
			if _, ok := shellparse.Lit(a.Value); !ok {
				return "", false
			}
		}
		out.WriteString(b.r.Prog.Text(a) + " ")
	}
	return out.String(), true
}

// rootImageName is the short name of the image the stage chain of st
// starts from ("golang"), with global ARGs expanded; "" when not known.
func rootImageName(doc *dockerfile.Document, st *dockerfile.Stage) string {
	for st.Parent != nil {
		st = st.Parent
	}
	if b := stages.ResolveBase(doc, st, stages.GlobalArgs(doc)); b.Name != "" {
		if n, _, ok := stages.ImageTag(b.Name); ok {
			return n
		}
	}
	repo, _, _ := strings.Cut(strings.ToLower(st.Base), "@")
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	if strings.ContainsAny(repo, "$") {
		return ""
	}
	return path.Base(repo)
}

// changesFetch says how a command changes what a download of the
// ecosystem finds ("" when it does not): it installs the tool or what the
// download needs, sets a variable it reads, or writes its settings.
func (fc *fetchCtx) changesFetch(c *shellparse.Command, relevant func(string) bool) string {
	f := fc.b.f
	for _, p := range installedPackages(c) {
		if f.packages.MatchString(p) {
			return p + " is installed"
		}
	}
	if c.Name == "" || c.Name == "export" || c.Name == "declare" || c.Name == "typeset" || c.Name == "readonly" {
		for _, a := range c.Assigns {
			if relevant(a.Name.Value) {
				return a.Name.Value + " is set"
			}
		}
		for i, l := range c.Lits {
			name, _, _ := strings.Cut(l, "=")
			if c.Name != "" && c.Static[i] && relevant(name) {
				return name + " is set"
			}
		}
	}
	switch {
	case c.Name == "git" && c.HasArg(shellparse.ArgIs("config")):
		return "git config runs"
	case c.Name == "go" && c.HasArgSeq("env", "-w"):
		return "go env -w runs"
	case c.Name == "rustup" || c.Name == "sdk":
		return c.Name + " runs"
	}
	for i, l := range c.Lits {
		if c.Static[i] && (strings.Contains(l, ".netrc") || strings.Contains(l, ".gitconfig") || strings.Contains(l, "settings.xml")) {
			return l + " is written"
		}
	}
	return ""
}

// installedPackages returns the packages a package-manager command
// installs (names without versions).
func installedPackages(c *shellparse.Command) []string {
	var sub string
	switch c.Name {
	case "apt-get", "apt", "yum", "dnf", "microdnf", "tdnf", "zypper":
		sub = "install"
	case "apk":
		sub = "add"
	default:
		return nil
	}
	var out []string
	seen := false
	for i, l := range c.Lits {
		if !c.Static[i] || strings.HasPrefix(l, "-") {
			continue
		}
		if !seen {
			seen = l == sub || (c.Name == "zypper" && l == "in")
			if !seen {
				return nil
			}
			continue
		}
		name := l
		if j := strings.IndexAny(name, "=<>~"); j > 0 {
			name = name[:j]
		}
		out = append(out, name)
	}
	return out
}

// ships says why what the step downloads could reach the image built (""
// when it cannot): the stage, or one built FROM it, is the image built, or
// an instruction copies or mounts its caches.
func (fc *fetchCtx) ships(step fetchStep) string {
	st := fc.sc.Ins.Stage
	doc := fc.ctx.Doc
	target := fc.ctx.TargetStage()
	if target == nil {
		return "the stage built is not known"
	}
	if stages.Descends(target, st) {
		what := "this stage is the image built"
		if target != st {
			what = "the image built is built FROM this stage"
		}
		cache := ""
		if step.cacheMount != "" {
			cache = " (RUN --mount=type=cache,target=" + step.cacheMount + " keeps downloads out of the image)"
		}
		return what + ", where " + step.command + " would leave more than the build downloads" + cache
	}
	for _, ref := range stages.RefsTo(doc, st) {
		for _, p := range ref.Paths {
			overlap := !step.cachesKnown || p == "/"
			for _, c := range step.caches {
				overlap = overlap || stages.PathsOverlap(p, c) || stages.PathsOverlap(c, p)
			}
			if overlap {
				return fmt.Sprintf("line %d reads %s from this stage, where %s writes", fc.ctx.Line(ref.Ins.Span.Start), p, step.command)
			}
		}
	}
	return ""
}

// copies plans the manifest COPYs: the files the step reads that the
// source copy brings (those an earlier COPY brings stay as they are).
func (fc *fetchCtx) copies(step fetchStep) (*manifestCopies, []string, string) {
	plan := &manifestCopies{}
	seen := map[string]bool{}
	var names []string
	add := func(list *[]string, cp string) {
		if !seen[cp] {
			seen[cp] = true
			*list = append(*list, cp)
			names = append(names, cp)
		}
	}
	source := func(rel string) (string, bool, string) {
		p := stages.JoinDir(step.root, rel)
		cp, ok := fc.sc.toContext(p)
		if prov, was := fc.provided[p]; was {
			if ok && prov != cp {
				return "", false, fmt.Sprintf("%s copies %s over the %s an earlier COPY brings", copyText(fc.sc), cp, rel)
			}
			return "", true, ""
		}
		if !ok {
			return "", false, fmt.Sprintf("it reads %s, which %s does not copy", rel, copyText(fc.sc))
		}
		return cp, true, ""
	}
	for _, f := range step.files {
		cp, ok, why := source(f)
		if !ok {
			return nil, nil, why
		}
		if cp == "" {
			continue // provided
		}
		if fi, exists := fc.cv.Stat(cp); !exists || !fi.Mode().IsRegular() {
			return nil, nil, cp + " is not in the build context"
		}
		add(&plan.files, cp)
	}
	for _, f := range step.optional {
		if cp, ok, _ := source(f); ok && cp != "" {
			if fi, exists := fc.cv.Stat(cp); exists && fi.Mode().IsRegular() {
				add(&plan.files, cp)
			}
		}
	}
	for _, d := range step.dirs {
		if cp, ok, _ := source(d); ok && cp != "" {
			if fi, exists := fc.cv.Stat(cp); exists && fi.IsDir() {
				add(&plan.dirs, cp)
			}
		}
	}
	for _, p := range names {
		if !dockerfile.IsPlainPath(p) {
			return nil, nil, fmt.Sprintf("the path %q would need quoting", p)
		}
	}
	return plan, names, ""
}

// edits inserts the manifest COPYs and the step's RUN before the source
// copy, which stays as it is.
func (fc *fetchCtx) edits(step fetchStep, plan *manifestCopies) ([]analysis.Edit, bool) {
	doc, sc := fc.ctx.Doc, fc.sc
	lines, ok := manifestCopyLines(sc, plan)
	if !ok {
		return nil, false
	}
	cmd := step.command
	switch {
	case step.root == sc.wd:
	case stages.Under(step.root, sc.wd) && sc.wd != "":
		cmd = "cd " + strings.TrimPrefix(strings.TrimPrefix(step.root, sc.wd), "/") + " && " + cmd
	case strings.HasPrefix(step.root, stages.UnknownWorkdir) || !dockerfile.IsPlainPath(step.root):
		return nil, false
	default:
		cmd = "cd " + step.root + " && " + cmd
	}
	lines = append(lines, doc.KeywordCase("RUN")+" "+cmd)
	nl := doc.LineEnding(sc.Ins.Span.Start)
	text := strings.Join(lines, nl) + nl
	return []analysis.Edit{analysis.Insert(sc.Ins.Span.Start, text)}, true
}

// homeOf is the home directory of the user the source copy's stage runs
// as at the copy, with the directories it may be when not known.
func homeOf(sc *SourceCopy) []string {
	if h := stages.UserAt(sc.Ins).Home; h != "" {
		return []string{h}
	}
	return []string{"/root", "/home/*"}
}

// envPath is the value of a variable that holds a path at the source copy:
// set (and known), or not.
func envPath(sc *SourceCopy, name string) (val string, set, known bool) {
	v := stages.EnvAt(sc.Ins, name)
	if !v.Set {
		return "", false, v.Known
	}
	if !v.Known || !path.IsAbs(v.Value) {
		return "", true, false
	}
	return path.Clean(v.Value), true, true
}
