package passes

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// ManifestFirst copies dependency manifests and installs the dependencies
// before copying the sources.
var ManifestFirst = &analysis.Pass{
	Name:    "manifest-first",
	Summary: "copy dependency manifests and install before copying the sources",
	Tier:    analysis.Safe,
	Run:     runManifestFirst,
	Doc: `The build cache is invalidated at the first COPY whose files changed. With
the sources copied before the dependency install, every source edit
re-downloads every dependency. Copy the manifests first, install, then copy
the sources:

Before:
    WORKDIR /app
    COPY . .
    RUN npm ci && npm run build

After:
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    RUN npm run build

The install commands recognised, and the files copied for them (those that
exist in the build context; optional ones only when present):
    pip install -r F / -c F    F, and the files F includes with -r and -c
    pipenv install / sync      Pipfile, Pipfile.lock
    poetry install             pyproject.toml, poetry.lock, poetry.toml
    npm ci / npm install       package.json, package-lock.json,
                               npm-shrinkwrap.json, .npmrc
    yarn [install]             package.json, yarn.lock, .yarnrc, .yarnrc.yml,
                               .npmrc, .yarn/releases, plugins, patches, cache
    pnpm install / fetch       package.json, pnpm-lock.yaml, .npmrc,
                               .pnpmfile.cjs
    go mod download / verify   go.mod, go.sum
    bundle install             Gemfile, Gemfile.lock, .bundle
    composer install           composer.json, composer.lock, auth.json
    dotnet restore             the project file, nuget.config,
                               Directory.Build.props/.targets,
                               Directory.Packages.props, global.json
A RUN that installs and then builds is split: the install moves before the
sources, the rest stays after them (a leading cd or set is repeated, and
cache cleanups such as npm cache clean --force run in both parts).
poetry install without --no-root and composer install without --no-scripts
--no-autoloader install the project too, which needs the sources: a first
"poetry install --no-root" (composer: "--no-scripts --no-autoloader") fetches
the dependencies before the sources, and the original command stays after
them and finishes the job.

The rewrite is made only when it cannot change the image:
  - the source COPY copies one directory (. or a directory of the context)
    without --from, --parents or --exclude; its --chown, --chmod and --link
    are kept on the manifest COPY;
  - between it and the install there are only instructions that do not
    read the sources (ENV, ARG, LABEL, EXPOSE, USER, WORKDIR when the COPY's
    destination is absolute, RUNs of system package managers, and a
    non-recursive chown or chmod of the destination directory itself);
  - the install reads only the manifests: pip install of ".", -e, local
    paths or --find-links directories; npm, yarn and pnpm installs with
    lifecycle scripts (preinstall, install, postinstall, prepare), local
    (file:, link:) dependencies or workspaces; go.mod replaced by local
    directories; Gemfiles with gemspec or path gems; Pipfiles and
    pyproject.toml with path dependencies; composer path repositories and
    .NET project references all need the sources, and are only reported;
  - what the install creates is not in the context (node_modules, vendor,
    .venv, obj): copying the sources after it would overwrite it. Add such
    directories to .dockerignore (the dockerignore pass does);
  - an install that may rewrite its lock file (npm install, yarn without
    --frozen-lockfile, pnpm without --frozen-lockfile, bundle install
    without --frozen, pipenv install without --deploy) moves only when the
    context has no lock file: copying the sources after it would put the
    old one back. Use npm ci and the like;
  - the top-level program of a RUN that is split is a plain && list.
Without a build context only pip installs from requirement files named in
the RUN are rewritten (their names are certain; a file in a subdirectory is
copied with its directory, where the files it includes with -r usually
are); the others are reported. cargo, maven
and gradle builds are reported: they need more than their manifests.`,
}

// sourceCopy is a COPY of a context directory.
type sourceCopy struct {
	ins     *dockerfile.Instruction
	src     string // context path of the directory, "." for the root
	dest    string // absolute image path ("/?wd..." when relative to an unknown WORKDIR)
	relDest bool   // the destination was written relative to WORKDIR
	wd      string // WORKDIR at the COPY
	flags   string // builder flags as written
}

var plainPathRE = regexp.MustCompile(`^[A-Za-z0-9._/@+=,-]+$`)

// sourceCopyOf returns the COPY as a source copy, or nil.
func sourceCopyOf(ins *dockerfile.Instruction, cv *buildcontext.View) *sourceCopy {
	if ins.Cmd != "copy" || len(ins.Heredocs) > 0 || len(ins.Args) != 2 {
		return nil
	}
	for _, f := range ins.Flags {
		name, _, _ := strings.Cut(f, "=")
		if name != "--chown" && name != "--chmod" && name != "--link" || strings.Contains(f, "$") {
			return nil
		}
	}
	src, dest := ins.Args[0], ins.Args[1]
	if !plainPathRE.MatchString(src) || !plainPathRE.MatchString(dest) {
		return nil
	}
	dir := buildcontext.Clean(src)
	switch {
	case dir == "":
		dir = "."
	case cv == nil:
		return nil
	default:
		if fi, ok := cv.Stat(dir); !ok || !fi.IsDir() {
			return nil
		}
	}
	wd := stages.WorkdirAt(ins)
	d := stages.JoinDir(wd, dest)
	if d == "" {
		return nil
	}
	flags := ""
	if kw := len(ins.Keyword); kw <= ins.ArgsOffset && ins.ArgsOffset <= len(ins.Text) {
		flags = strings.TrimSpace(ins.Text[kw:ins.ArgsOffset])
	}
	if ins.JSON {
		flags = strings.Join(ins.Flags, " ")
	}
	return &sourceCopy{ins: ins, src: dir, dest: d, relDest: !path.IsAbs(dest), wd: wd, flags: flags}
}

// toContext maps an image path to the context path the copy brings there.
func (sc *sourceCopy) toContext(p string) (string, bool) {
	if !stages.Under(p, sc.dest) {
		return "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, sc.dest), "/")
	return buildcontext.Clean(path.Join(sc.src, rel)), true
}

// depRun is a RUN whose leading commands install dependencies.
type depRun struct {
	r     *runs.Run
	items []shellparse.Item
	n     int // items[:n] is the install part
	steps []*depStep
	state []int // indexes of cd and set items in the install part
	// cleanups are the indexes of cache cleanups after the install part
	// (npm cache clean --force, rm -rf /root/.cache/pip): when the RUN
	// is split they run in both parts, so the install's layer does not
	// keep the cache.
	cleanups []int
	andAll   bool // the whole program is a plain && list
}

// analyzeDepRun reads a RUN's leading dependency installs (nil if none).
func analyzeDepRun(ins *dockerfile.Instruction) *depRun {
	return ins.Cached("passes.depRun", func() any {
		return analyzeDepRunUncached(ins)
	}).(*depRun)
}

func analyzeDepRunUncached(ins *dockerfile.Instruction) *depRun {
	r, _ := runs.Parse(ins)
	if r == nil {
		return nil
	}
	d := &depRun{r: r, items: shellparse.Chain(r.Prog.File.Stmts), andAll: true}
	for i, it := range d.items {
		if (i < len(d.items)-1 && it.Op != shellparse.OpAnd) || (i == len(d.items)-1 && it.Op != shellparse.OpEnd) {
			d.andAll = false
		}
	}
	wd := stages.WorkdirAt(ins)
	for i, it := range d.items {
		call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || it.Negated || it.Stmt.Background || !outputRedirsOnly(it.Stmt) {
			break
		}
		if i > 0 && d.items[i-1].Op != shellparse.OpAnd {
			break
		}
		c := shellparse.Resolve(call)
		if c.Name == "cd" && len(c.Wrappers) == 0 && len(c.Assigns) == 0 {
			args, ok := staticArgs(c)
			if !ok || len(args) != 1 || strings.HasPrefix(args[0], "-") {
				break
			}
			wd = stages.JoinDir(wd, args[0])
			d.state = append(d.state, i)
			continue
		}
		if c.Name == "set" && len(c.Wrappers) == 0 && len(c.Assigns) == 0 {
			args, ok := staticArgs(c)
			if !ok || len(args) == 0 || !setOptsOnly(args) {
				break
			}
			d.state = append(d.state, i)
			continue
		}
		step, neutral := classifyDep(c)
		if step == nil && !neutral {
			break
		}
		if step != nil {
			step.dir = wd
			d.steps = append(d.steps, step)
			d.n = i + 1
		}
	}
	if len(d.steps) == 0 {
		return nil
	}
	// Trailing cd and set after the last install belong to the rest.
	for len(d.state) > 0 && d.state[len(d.state)-1] >= d.n {
		d.state = d.state[:len(d.state)-1]
	}
	for i := d.n; i < len(d.items); i++ {
		if call, ok := d.items[i].Stmt.Cmd.(*syntax.CallExpr); ok && !d.items[i].Negated &&
			len(d.items[i].Stmt.Redirs) == 0 && cacheCleanupCmd(shellparse.Resolve(call)) {
			d.cleanups = append(d.cleanups, i)
		}
	}
	return d
}

// cacheCleanupPaths are download caches of the package managers that
// manifest-first knows: removing them only makes a later install download
// again. (Not /tmp or apt's lists: a later command may need what is there.)
var cacheCleanupPaths = []string{"/root/.cache/pip", "~/.cache/pip", "$HOME/.cache/pip",
	"/root/.npm", "~/.npm", "$HOME/.npm", "/usr/local/share/.cache/yarn", "~/.cache/yarn",
	"/root/.composer/cache", "~/.composer/cache", "/root/.cache/composer"}

// cacheCleanupCmd reports whether a command only removes a package
// manager's cache.
func cacheCleanupCmd(c *shellparse.Command) bool {
	args, ok := staticArgs(c)
	if !ok || len(c.Assigns) > 0 {
		return false
	}
	joined := strings.Join(args, " ")
	switch c.Name {
	case "npm":
		return joined == "cache clean --force" || joined == "cache clean -f"
	case "yarn":
		return joined == "cache clean"
	case "pnpm":
		return joined == "store prune"
	case "composer":
		return joined == "clear-cache" || joined == "clearcache"
	case "pip", "pip3":
		return joined == "cache purge"
	case "rm":
		n := 0
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				if strings.Trim(a, "-rfRv") != "" {
					return false
				}
				continue
			}
			inCache := false
			for _, p := range cacheCleanupPaths {
				if a == p || strings.HasPrefix(a, p+"/") {
					inCache = true
				}
			}
			if !inCache {
				return false
			}
			n++
		}
		return n > 0
	}
	return false
}

// setOptsOnly reports whether set's arguments only turn shell options on
// or off (set -e, set -eux, set -o pipefail).
func setOptsOnly(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-o" || a == "+o" {
			if i+1 >= len(args) {
				return false
			}
			i++
			continue
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') || strings.Trim(a[1:], "abefhkmnptuvxBCEHP") != "" {
			return false
		}
	}
	return true
}

// outputRedirsOnly reports whether a statement's redirections only send
// output somewhere (no input is read).
func outputRedirsOnly(s *syntax.Stmt) bool {
	for _, r := range s.Redirs {
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.DplOut, syntax.RdrClob:
		default:
			return false
		}
	}
	return true
}

func runManifestFirst(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	cv := buildcontext.Of(ctx)
	var out []analysis.Finding
	for _, st := range doc.Stages {
		for i, ins := range st.Instructions {
			sc := sourceCopyOf(ins, cv)
			if sc == nil {
				continue
			}
			dr := installAfter(st.Instructions[i+1:], sc)
			if dr == nil {
				continue
			}
			if f, ok := planManifestFirst(ctx, cv, sc, dr); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// installAfter finds the first RUN after the source copy that installs
// dependencies, if only instructions that do not read the sources come
// between.
func installAfter(rest []*dockerfile.Instruction, sc *sourceCopy) *depRun {
	for _, ins := range rest {
		switch ins.Cmd {
		case "env", "arg", "label", "expose", "user", "stopsignal", "healthcheck", "cmd", "entrypoint", "shell", "maintainer":
			continue
		case "workdir":
			if sc.relDest || sc.flags != "" && !onlyLink(sc.ins.Flags) {
				return nil
			}
			continue
		case "run":
			if dr := analyzeDepRun(ins); dr != nil {
				return dr
			}
			if systemOnlyRun(ins, sc.dest) {
				continue
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

func onlyLink(flags []string) bool {
	for _, f := range flags {
		if f != "--link" && f != "--link=true" {
			return false
		}
	}
	return true
}

// systemPkgCommands are the commands of a RUN that may stand between the
// source COPY and the install: they install system packages and manage
// users, and read nothing of the sources.
var systemPkgCommands = map[string]bool{
	"apt-get": true, "apt": true, "apk": true, "yum": true, "dnf": true, "microdnf": true, "zypper": true,
	"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "rm": true, "true": true,
}

func systemOnlyRun(ins *dockerfile.Instruction, dest string) bool {
	r, _ := runs.Parse(ins)
	if r == nil || len(ins.Flags) > 0 {
		return false
	}
	for _, c := range shellparse.Commands(r.Prog) {
		if (c.Name == "chown" || c.Name == "chmod") && len(c.Lits) == 2 && !strings.HasPrefix(c.Lits[0], "-") &&
			path.Clean(c.Lits[1]) == dest && !c.InSubshell {
			// The destination directory itself, not what is in it
			// (what copy-chown leaves).
			continue
		}
		if !systemPkgCommands[c.Name] || c.InSubshell {
			return false
		}
		if c.Name == "rm" {
			for _, a := range c.Lits {
				if strings.HasPrefix(a, "-") {
					continue
				}
				if !path.IsAbs(a) || stages.Under(path.Clean(a), dest) || strings.HasPrefix(dest, path.Clean(a)+"/") {
					return false
				}
			}
		}
	}
	return true
}

// copiedBefore returns the image paths of files that COPYs of the stage before
// the instruction bring from the context, mapped to their context paths.
func copiedBefore(ins *dockerfile.Instruction) map[string]string {
	out := map[string]string{}
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd != "copy" || len(other.Heredocs) > 0 || len(other.Args) < 2 {
			continue
		}
		fromCtx := true
		for _, f := range other.Flags {
			if strings.HasPrefix(f, "--from") || strings.HasPrefix(f, "--parents") || strings.HasPrefix(f, "--exclude") {
				fromCtx = false
			}
		}
		if !fromCtx {
			continue
		}
		dest := other.Args[len(other.Args)-1]
		srcs := other.Args[:len(other.Args)-1]
		wd := stages.WorkdirAt(other)
		dir := stages.JoinDir(wd, dest)
		if dir == "" || strings.Contains(dest, "$") {
			continue
		}
		asDir := strings.HasSuffix(dest, "/") || len(srcs) > 1 || dest == "." || dest == ".."
		for _, s := range srcs {
			if strings.ContainsAny(s, "*?[$") {
				continue
			}
			cp := buildcontext.Clean(s)
			if asDir {
				out[path.Join(dir, path.Base(cp))] = cp
			} else {
				out[dir] = cp
			}
		}
	}
	return out
}

// mfPlan is what the source copy and the install need.
type mfPlan struct {
	files []string // context paths of files to copy first
	dirs  []string // context paths of directories to copy first
}

func planManifestFirst(ctx *analysis.Context, cv *buildcontext.View, sc *sourceCopy, dr *depRun) (analysis.Finding, bool) {
	doc := ctx.Doc
	first := dr.steps[0]
	pos, end := dr.r.Src(shellparse.Offset(first.cmd.Call.Pos())), dr.r.After(shellparse.Offset(first.cmd.Call.End()))
	msg := fmt.Sprintf("%s runs after %s copies the sources, so every source change re-runs it",
		commandText(dr.r, first.cmd), copyText(sc))
	report := func(reason string) (analysis.Finding, bool) {
		return analysis.Finding{Pos: pos, End: end, Message: msg + "; not moved: " + reason}, true
	}
	for _, f := range dr.r.Ins.Flags {
		if strings.HasPrefix(f, "--mount") && strings.Contains(f, "type=bind") || strings.HasPrefix(f, "--mount") && !strings.Contains(f, "type=") {
			return report("the RUN bind-mounts files, which may be sources")
		}
	}
	provided := copiedBefore(sc.ins)
	plan := &mfPlan{}
	seen := map[string]bool{}
	add := func(list *[]string, cp string) {
		if !seen[cp] {
			seen[cp] = true
			*list = append(*list, cp)
		}
	}
	prefetch := -1
	for si, step := range dr.steps {
		if step.reason != "" {
			return report(step.reason)
		}
		if step.prefetch != "" {
			if len(dr.steps) > 1 {
				return report("it installs with other tools in the same RUN")
			}
			prefetch = si
			if t, ok := withPrefetchFlags(doc, dr, step); ok && prefetchedBefore(sc.ins, t) {
				return analysis.Finding{}, false // done: the COPY is after the prefetch
			}
		}
		if step.dir == "" {
			return report("its working directory is not known")
		}
		if !stages.Under(step.dir, sc.dest) {
			// The COPY brings something other than the project the
			// install runs in (such as a manifest directory).
			return analysis.Finding{}, false
		}
		// need maps a path the step reads to the context path the source
		// copy brings there; ok=false when the copy does not bring it.
		need := func(rel string) (string, bool, string) {
			p := stages.JoinDir(step.dir, rel)
			if p == "" {
				return "", false, "its working directory is not known"
			}
			cp, ok := sc.toContext(p)
			if prov, was := provided[p]; was {
				if ok && prov != cp {
					return "", false, fmt.Sprintf("%s copies %s over the %s an earlier COPY brings", copyText(sc), cp, rel)
				}
				return prov, true, "provided"
			}
			if !ok {
				return "", false, fmt.Sprintf("it reads %s, which %s does not copy", rel, copyText(sc))
			}
			return cp, true, ""
		}
		files := append([]string(nil), step.files...)
		if cv == nil {
			if step.noContext != "" {
				return report(step.noContext)
			}
		} else {
			cr := contextReader{
				read: func(rel string) ([]byte, bool) {
					cp, ok, _ := need(rel)
					if !ok {
						return nil, false
					}
					return cv.ReadFile(cp)
				},
				list: func(rel string) []string {
					cp, ok, _ := need(rel)
					if !ok {
						return nil
					}
					return cv.List(cp)
				},
			}
			if step.check != nil {
				extra, reason := step.check(cr)
				if reason != "" {
					return report(reason)
				}
				files = append(files, extra...)
			}
			for _, o := range step.outputs {
				if cp, ok, _ := need(o); ok {
					if _, exists := cv.Stat(cp); exists {
						return report(fmt.Sprintf("the context has %s, which copying the sources would put over what the install makes (add it to .dockerignore)", cp))
					}
				}
			}
			if step.lock != "" {
				if cp, ok, _ := need(step.lock); ok {
					if _, exists := cv.Stat(cp); exists {
						return report(fmt.Sprintf("%s may rewrite %s, which copying the sources would then put back (use the command's frozen-lockfile form, such as npm ci)", commandText(dr.r, step.cmd), cp))
					}
				}
			}
		}
		for _, f := range files {
			cp, ok, why := need(f)
			if !ok {
				return report(why)
			}
			if why == "provided" {
				continue
			}
			if cv != nil {
				if fi, exists := cv.Stat(cp); !exists || !fi.Mode().IsRegular() {
					return report(fmt.Sprintf("%s is not in the build context", cp))
				}
			} else if d := path.Dir(cp); d != "." && d != buildcontext.Clean(sc.src) {
				// Without a context the files a requirements file
				// includes are not known; they usually sit beside it
				// (requirements/base.txt): copy its directory.
				add(&plan.dirs, d)
				continue
			}
			add(&plan.files, cp)
		}
		if cv == nil {
			continue
		}
		for _, f := range step.optional {
			cp, ok, why := need(f)
			if !ok || why == "provided" {
				continue
			}
			if fi, exists := cv.Stat(cp); exists && fi.Mode().IsRegular() {
				add(&plan.files, cp)
			}
		}
		for _, d := range step.dirs {
			cp, ok, why := need(d)
			if !ok || why == "provided" {
				continue
			}
			if fi, exists := cv.Stat(cp); exists && fi.IsDir() {
				add(&plan.dirs, cp)
			}
		}
	}
	names := append(append([]string(nil), plan.files...), plan.dirs...)
	for _, p := range names {
		if !plainPathRE.MatchString(p) {
			return report(fmt.Sprintf("the path %q would need quoting", p))
		}
	}
	split := dr.n < len(dr.items)
	if split || prefetch >= 0 {
		if !dr.andAll {
			return report("the RUN is not a plain && list, so it cannot be split")
		}
		if dr.r.Prog.HasComments() || dr.r.Prog.HasHeredoc() {
			return report("the RUN has comments or heredocs, so it is not split")
		}
	}
	edits, ok := manifestEdits(doc, sc, dr, plan, prefetch)
	if !ok {
		return report("the instructions could not be rewritten")
	}
	fixMsg := "install before copying the sources"
	if prefetch >= 0 {
		fixMsg = "fetch the dependencies (" + dr.steps[prefetch].prefetch + ") before copying the sources"
	}
	if len(names) > 0 {
		fixMsg = "copy " + strings.Join(names, ", ") + " first and " + fixMsg
	}
	return analysis.Finding{Pos: pos, End: end, Message: msg,
		Fix: &analysis.Fix{Message: fixMsg, Edits: edits}}, true
}

// commandText is a command's source text, shortened.
func commandText(r *runs.Run, c *shellparse.Command) string {
	start := shellparse.Offset(c.Call.Pos())
	end := shellparse.Offset(c.Call.End())
	if c.NameIdx >= 0 {
		start = shellparse.Offset(c.Call.Args[c.NameIdx].Pos())
	}
	text := strings.Join(strings.Fields(r.Prog.Src[start:end]), " ")
	text = strings.ReplaceAll(text, "\\ ", "")
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	return text
}

func copyText(sc *sourceCopy) string {
	return "COPY " + strings.Join(sc.ins.Args, " ")
}

// manifestEdits builds the rewrite: the source COPY becomes a COPY of the
// manifests, and the source COPY is put back after the install part of the
// RUN (splitting the RUN, or before it with a prefetch command).
func manifestEdits(doc *dockerfile.Document, sc *sourceCopy, dr *depRun, plan *mfPlan, prefetch int) ([]analysis.Edit, bool) {
	src := doc.Src
	c, r := sc.ins, dr.r.Ins
	nl := doc.LineEnding(c.Span.Start)
	ctext := string(src[c.Span.Start:c.Span.End])
	if !strings.HasSuffix(ctext, "\n") {
		ctext += nl
	}
	// The manifest COPYs, one per destination directory.
	var lines []string
	kw := c.Keyword
	flags := ""
	if sc.flags != "" {
		flags = " " + sc.flags
	}
	byDir := map[string][]string{}
	var order []string
	for _, f := range plan.files {
		dir := path.Dir(f)
		if _, ok := byDir[dir]; !ok {
			order = append(order, dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	for _, dir := range order {
		dest, ok := destText(sc, dir)
		if !ok {
			return nil, false
		}
		lines = append(lines, kw+flags+" "+strings.Join(byDir[dir], " ")+" "+dest)
	}
	for _, d := range plan.dirs {
		dest, ok := destText(sc, d)
		if !ok {
			return nil, false
		}
		lines = append(lines, kw+flags+" "+d+" "+dest)
	}
	manifest := ""
	for _, l := range lines {
		manifest += l + nl
	}
	edits := []analysis.Edit{analysis.Replace(c.Span.Start, c.Span.End, manifest)}

	runHead := r.Text[:r.ArgsOffset]
	if !strings.HasSuffix(runHead, " ") && !strings.HasSuffix(runHead, "\t") {
		runHead += " "
	}
	var state []string
	for _, i := range dr.state {
		state = append(state, itemText(doc, dr, i))
	}
	rnl := doc.LineEnding(r.Span.Start)
	endsNL := r.Span.End > 0 && src[r.Span.End-1] == '\n'
	switch {
	case prefetch >= 0:
		step := dr.steps[prefetch]
		var cmds []string
		for i := 0; i < dr.n; i++ {
			t := itemText(doc, dr, i)
			if call, ok := dr.items[i].Stmt.Cmd.(*syntax.CallExpr); ok && call == step.cmd.Call {
				t, ok = withPrefetchFlags(doc, dr, step)
				if !ok {
					return nil, false
				}
			}
			cmds = append(cmds, t)
		}
		edits = append(edits, analysis.Insert(r.Span.Start, runHead+strings.Join(cmds, " && ")+rnl+ctext))
	case dr.n < len(dr.items):
		last := dr.items[dr.n-1].Stmt
		cut := dr.r.After(shellparse.Offset(last.End()))
		next := dr.items[dr.n].Stmt
		restStart := dr.r.Src(shellparse.Offset(next.Pos()))
		restEnd := dr.r.After(shellparse.Offset(dr.items[len(dr.items)-1].Stmt.End()))
		rest := string(src[restStart:restEnd])
		prefix := ""
		if len(state) > 0 {
			prefix = strings.Join(state, " && ") + " && "
		}
		var clean []string
		for _, i := range dr.cleanups {
			clean = append(clean, " && "+itemText(doc, dr, i))
		}
		text := strings.Join(clean, "") + rnl + ctext + runHead + prefix + rest
		if endsNL {
			text += rnl
		}
		edits = append(edits, analysis.Replace(cut, r.Span.End, text))
	default:
		text := ctext
		if !endsNL {
			text = rnl + strings.TrimSuffix(strings.TrimSuffix(ctext, "\n"), "\r")
		}
		edits = append(edits, analysis.Insert(r.Span.End, text))
	}
	return edits, true
}

// destText writes the destination of a manifest COPY for the context path
// p (a file's directory, or a directory copied whole), in the style of the
// source COPY: relative to WORKDIR when it was written so.
func destText(sc *sourceCopy, p string) (string, bool) {
	rel := strings.TrimPrefix(strings.TrimPrefix(buildcontext.Clean(p), sc.src), "/")
	if sc.src == "." {
		rel = buildcontext.Clean(p)
	}
	if rel == "." {
		rel = ""
	}
	target := path.Join(sc.dest, rel)
	if sc.relDest {
		r := strings.TrimPrefix(strings.TrimPrefix(target, sc.wd), "/")
		if !stages.Under(target, sc.wd) {
			return "", false
		}
		if r == "" {
			return "./", true
		}
		return "./" + r + "/", true
	}
	if strings.HasPrefix(target, stages.UnknownWorkdir) {
		return "", false
	}
	return strings.TrimSuffix(target, "/") + "/", true
}

// prefetchedBefore reports whether a RUN before the instruction in its stage
// runs the prefetch command.
func prefetchedBefore(ins *dockerfile.Instruction, cmd string) bool {
	want := strings.Join(strings.Fields(cmd), " ")
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd == "run" && strings.Contains(strings.Join(strings.Fields(other.Text), " "), want) {
			return true
		}
	}
	return false
}

// itemText is the source text of item i of the RUN.
func itemText(doc *dockerfile.Document, dr *depRun, i int) string {
	s := dr.items[i].Stmt
	return string(doc.Src[dr.r.Src(shellparse.Offset(s.Pos())):dr.r.After(shellparse.Offset(s.End()))])
}

// withPrefetchFlags is the step's command with its prefetch flags added
// after the subcommand (poetry install --no-root).
func withPrefetchFlags(doc *dockerfile.Document, dr *depRun, step *depStep) (string, bool) {
	call := step.cmd.Call
	for i, l := range step.cmd.Lits {
		if l == "install" {
			start := dr.r.Src(shellparse.Offset(call.Pos()))
			mid := dr.r.WordEnd(step.cmd.Args[i])
			end := dr.r.After(shellparse.Offset(call.End()))
			return string(doc.Src[start:mid]) + " " + step.prefetch + string(doc.Src[mid:end]), true
		}
	}
	return "", false
}
