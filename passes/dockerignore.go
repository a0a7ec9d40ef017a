package passes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Dockerignore proposes .dockerignore entries for what the build does not need.
var Dockerignore = &analysis.Pass{
	Name:    "dockerignore",
	Summary: "leave out of the build context what the build does not need (.git, node_modules, caches, editor files)",
	Tier:    analysis.Safe,
	Run:     runDockerignore,
	Doc: `Everything in the build context that the ignore file does not exclude is
sent to the builder (the whole directory with the classic builder or a
context upload; with BuildKit, what the COPY/ADD sources cover), and
"COPY . ." puts it in the image. With a build context, this pass appends
to the ignore file the paths that exist in the context and that the build
does not need, under a comment line:

    # added by dfopt: not needed by the build
    .git
    node_modules
    **/__pycache__

The finding gives the size of the regular files of the context that are
not ignored, before and after ("more than" when the context has more than
100000 entries, where counting stops).

The ignore file is NAME.dockerignore next to the Dockerfile NAME when it
exists (BuildKit prefers it), else .dockerignore, created when missing.
Line endings follow the file's. Nothing is written without -w; -d shows
the change. When the Dockerfile is outside the context and has its own
NAME.dockerignore, or the ignore file is not a regular file or does not
parse, the pass does nothing.

Candidates, each only when it exists and is not excluded yet:

  .git                    unless a RUN after the context is copied uses the
                          repository: git (other than clone, init, ls-remote,
                          config --global), go build/install/test/vet/list/
                          generate/run (VCS stamping; not with
                          -buildvcs=false), a script from the context or a
                          build tool (make, npm, pip install ., maven, gradle,
                          cargo, cmake, bundler, composer, ...) whose files
                          in the context mention git, husky, setuptools_scm,
                          versioneer, pbr; dotnet, bazel, meson and other
                          build systems count as using it; so does a CMD or
                          ENTRYPOINT that mentions git
  node_modules            (each one, not those inside another) when the
                          image installs its own (npm ci/install, yarn, pnpm
                          install) in the directory where the copy puts it,
                          in the same stage or the stage it is built on;
                          when it is not copied, when some RUN installs
  .venv, venv             directories with pyvenv.cfg or bin/activate
  **/__pycache__, **/*.pyc  (.pyc files only with their .py next to them or
                          in __pycache__: a .pyc alone is the program)
  .idea, .vscode, **/.DS_Store
  *.log                   log files at the root; **/*.log when every nested
                          one is in a log or logs directory
  test, tests, __tests__, spec, testdata (**/testdata)
                          when nothing after the copy can use them: every
                          later RUN of the stage, and of the stages that
                          take files from it, runs only system commands
                          (package managers, useradd, chown, mkdir, ...;
                          go build/install for testdata), and no CMD or
                          ENTRYPOINT runs a test runner
  dist, build, target     when .gitignore lists them and a RUN after the
                          copy, in the directory the copy puts them, runs
                          the build that makes them: a JavaScript build
                          (npm/yarn/pnpm build script, vite, webpack, ng,
                          react-scripts, ...) whose output directory is
                          known from an --outDir-style flag or the tool's
                          default; gradle; maven, cargo, sbt; python -m
                          build, setup.py, pip install .

The ignore file itself is added too when "COPY . ." would put it (new, or
changed) in the image; BuildKit still reads an ignore file that excludes
itself.

Never ignored: a path a COPY, ADD or RUN --mount=type=bind source names (by
name or with a glob other than a bare *, e.g. COPY .git /x, COPY *.log /x,
COPY .* /x; a source with a variable names everything below its literal
part), or that an instruction mentions (.git, __pycache__, tests, venv, a
log file's name, ...). "COPY . ." and "COPY * ." send everything but name
nothing. Sources of ONBUILD COPY/ADD count as naming. A bind mount of the
context counts as a use of what it covers (node_modules, test and build
directories are then kept). An entry that would exclude again something
that a "!" line of the file re-includes is not added. Every stage is
considered, whatever the target.

The ignore file is shared by the Dockerfiles of the context that have no
NAME.dockerignore of their own: an entry is added only when none of them
needs it (one that does not parse, or more than 20 of them, stops the
pass). A Dockerfile that takes
nothing from its context gets no finding.

Not detected: a program that reads .git, tests or logs when the container
runs, and files that scripts of the tools named above read without the
file mentioning them. The image loses the ignored paths that "COPY . ."
put there (the fix lists them as removed when it can tell where they go);
node_modules and build outputs are the image's own, from its install or
build.`,
}

const (
	diMaxEntries = 100000
	diMaxFile    = 1 << 20
	diComment    = "# added by dfopt: not needed by the build"
)

// Candidate categories.
const (
	diJunk    = iota // caches and editor files: never needed unless named
	diGit            // .git
	diNode           // node_modules
	diVenv           // virtual environments
	diTests          // test directories
	diOutputs        // build outputs
)

// Relations between a source and a context path.
const (
	diNone       = iota // the source does not send the path
	diIncidental        // it sends the path as part of a directory or a bare *
	diNamed             // it names the path (or something below it)
)

// diEntry is a path of the build context.
type diEntry struct {
	path    string
	dir     bool
	regular bool
	size    int64
}

// diTree is the build context as walked once per run, in fs.WalkDir order
// (a directory is followed by everything below it).
type diTree struct {
	entries   []diEntry
	index     map[string]int
	truncated bool
}

func diWalk(fsys fs.FS) *diTree {
	t := &diTree{index: map[string]int{}}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if len(t.entries) >= diMaxEntries {
			t.truncated = true
			return fs.SkipAll
		}
		e := diEntry{path: p, dir: d.IsDir(), regular: d.Type().IsRegular()}
		if e.regular {
			if info, err := d.Info(); err == nil {
				e.size = info.Size()
			}
		}
		t.index[p] = len(t.entries)
		t.entries = append(t.entries, e)
		return nil
	})
	return t
}

// end returns the index just after the entries below entry i.
func (t *diTree) end(i int) int {
	prefix := t.entries[i].path + "/"
	j := i + 1
	for j < len(t.entries) && strings.HasPrefix(t.entries[j].path, prefix) {
		j++
	}
	return j
}

func (t *diTree) has(p string) bool { _, ok := t.index[p]; return ok }

// diSend is a source of the build context that an instruction uses.
type diSend struct {
	ins    *dockerfile.Instruction
	comps  []string // the cleaned source, split; nil for the whole context
	glob   bool
	opaque bool   // variable, quotes or ONBUILD: comps is the literal prefix
	dest   string // where the source's contents go ("" unknown)
	bind   bool   // RUN --mount=type=bind
}

func (s *diSend) relation(pc []string) int {
	if s.opaque {
		n := min(len(s.comps), len(pc))
		for i := 0; i < n; i++ {
			if s.comps[i] != pc[i] {
				return diNone
			}
		}
		return diNamed
	}
	n := min(len(s.comps), len(pc))
	for i := 0; i < n; i++ {
		if ok, _ := path.Match(s.comps[i], pc[i]); !ok {
			return diNone
		}
	}
	if len(s.comps) < len(pc) {
		return diIncidental
	}
	if c := s.comps[len(pc)-1]; s.glob && (c == "*" || c == "**") {
		return diIncidental
	}
	return diNamed
}

// landing is where the context path pc ends up in the image ("" unknown).
func (s *diSend) landing(pc []string) string {
	if s.opaque || s.glob || s.dest == "" || len(pc) < len(s.comps) {
		return ""
	}
	return path.Join(append([]string{s.dest}, pc[len(s.comps):]...)...)
}

func diNewSend(ins *dockerfile.Instruction, src, dest string) *diSend {
	s := &diSend{ins: ins, dest: dest}
	clean := buildcontext.Clean(src)
	var comps []string
	if clean != "" {
		comps = strings.Split(clean, "/")
	}
	if strings.ContainsAny(src, "$\"'`\\") {
		s.opaque = true
		for _, c := range comps {
			if strings.ContainsAny(c, "$\"'`\\*?[") {
				break
			}
			s.comps = append(s.comps, c)
		}
		return s
	}
	s.comps = comps
	for _, c := range comps {
		if strings.ContainsAny(c, "*?[") {
			s.glob = true
		}
	}
	return s
}

// diDest resolves a destination or mount target ("" when unknown).
func diDest(ins *dockerfile.Instruction, d string) string {
	if d == "" || strings.ContainsAny(d, "$\"'`\\") {
		return ""
	}
	return stages.JoinDir(stages.WorkdirAt(ins), d)
}

func diFlag(flags []string, name string) (string, bool) {
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v, true
		}
		if f == "--"+name {
			return "", true
		}
	}
	return "", false
}

// diDoc is what the pass knows about one Dockerfile.
type diDoc struct {
	doc   *dockerfile.Document
	sends []*diSend
	users map[*dockerfile.Stage][]*dockerfile.Stage // stages that take files from a stage
	text  string                                    // every instruction's text, for mentions
}

func diAnalyze(doc *dockerfile.Document) *diDoc {
	a := &diDoc{doc: doc, users: map[*dockerfile.Stage][]*dockerfile.Stage{}}
	var text strings.Builder
	for _, ins := range doc.Instructions {
		text.WriteString(ins.Text)
		text.WriteByte('\n')
		for _, h := range ins.Heredocs {
			text.WriteString(h.Content)
			text.WriteByte('\n')
		}
		cmd, onbuild := ins.Cmd, false
		if cmd == "onbuild" {
			cmd, onbuild = ins.Onbuild, true
		}
		switch cmd {
		case "copy", "add":
			if len(ins.Args) < 2 {
				continue
			}
			if _, ok := diFlag(ins.Flags, "from"); ok {
				continue
			}
			dest := ""
			if _, parents := diFlag(ins.Flags, "parents"); !parents && !onbuild && ins.Stage != nil {
				dest = diDest(ins, ins.Args[len(ins.Args)-1])
			}
			for _, src := range ins.Args[:len(ins.Args)-1] {
				if len(ins.Heredocs) > 0 && strings.HasPrefix(src, "<<") {
					continue
				}
				if cmd == "add" && (dockerfile.IsHTTPURL(src) || dockerfile.IsGitSource(src, false)) {
					continue
				}
				s := diNewSend(ins, src, dest)
				if onbuild {
					s.opaque = true
				}
				a.sends = append(a.sends, s)
			}
		case "run":
			if onbuild || ins.Stage == nil {
				continue
			}
			for _, f := range ins.Flags {
				v, ok := strings.CutPrefix(f, "--mount=")
				if !ok {
					continue
				}
				typ, src, target, from := "bind", ".", "", ""
				for _, kv := range strings.Split(v, ",") {
					k, val, _ := strings.Cut(kv, "=")
					switch strings.ToLower(strings.TrimSpace(k)) {
					case "type":
						typ = val
					case "source", "src":
						src = val
					case "target", "dst", "destination":
						target = val
					case "from":
						from = val
					}
				}
				if typ != "bind" || from != "" {
					continue
				}
				s := diNewSend(ins, src, diDest(ins, target))
				s.bind = true
				a.sends = append(a.sends, s)
			}
		}
	}
	a.text = text.String()
	a.findUsers()
	return a
}

// findUsers records which stages take files from which: a stage built on
// another, COPY --from and RUN --mount from=. A reference that cannot be
// resolved counts as using every earlier stage.
func (a *diDoc) findUsers() {
	stages := a.doc.Stages
	byRef := func(t *dockerfile.Stage, ref string) []*dockerfile.Stage {
		if strings.Contains(ref, "$") {
			return stages[:t.Index]
		}
		for _, s := range stages[:t.Index] {
			if s.Name != "" && s.Name == strings.ToLower(ref) || fmt.Sprint(s.Index) == ref {
				return []*dockerfile.Stage{s}
			}
		}
		return nil
	}
	add := func(from []*dockerfile.Stage, t *dockerfile.Stage) {
		for _, s := range from {
			a.users[s] = append(a.users[s], t)
		}
	}
	for _, t := range stages {
		if t.Parent != nil {
			add([]*dockerfile.Stage{t.Parent}, t)
		} else if strings.Contains(t.Base, "$") {
			add(stages[:t.Index], t)
		}
		for _, ins := range t.Instructions {
			if ins.Cmd == "copy" || ins.Cmd == "add" {
				if ref, ok := diFlag(ins.Flags, "from"); ok {
					add(byRef(t, ref), t)
				}
			}
			if ins.Cmd == "run" {
				for _, f := range ins.Flags {
					if v, ok := strings.CutPrefix(f, "--mount="); ok {
						for _, kv := range strings.Split(v, ",") {
							if ref, ok := strings.CutPrefix(kv, "from="); ok {
								add(byRef(t, ref), t)
							}
						}
					}
				}
			}
		}
	}
}

// later returns the instructions that can see what a send brought: the rest
// of its stage (the RUN itself for a bind mount) and every stage that takes
// files from it, directly or not.
func (a *diDoc) later(s *diSend) []*dockerfile.Instruction {
	st := s.ins.Stage
	if st == nil {
		return nil
	}
	var out []*dockerfile.Instruction
	for _, o := range st.Instructions {
		if o.Index > s.ins.Index || (s.bind && o == s.ins) {
			out = append(out, o)
		}
	}
	seen := map[*dockerfile.Stage]bool{st: true}
	queue := []*dockerfile.Stage{st}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, t := range a.users[cur] {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
				out = append(out, t.Instructions...)
			}
		}
	}
	return out
}

// diCmd is a command of a RUN.
type diCmd struct {
	name   string // base name (the module for python -m)
	word   string // the name as written
	args   []string
	static bool // every argument is static
	sc     *shellparse.Command
}

// runCmds returns the commands of a RUN; ok is false when they cannot be
// read (heredocs other than a script, a shell that is not POSIX, ...).
func runCmds(doc *dockerfile.Document, ins *dockerfile.Instruction) ([]diCmd, bool) {
	if ins.Cmd != "run" {
		return nil, false
	}
	if ins.JSON {
		if len(ins.Args) == 0 || len(ins.Heredocs) > 0 {
			return nil, false
		}
		return []diCmd{{name: path.Base(ins.Args[0]), word: ins.Args[0], args: ins.Args[1:], static: true}}, true
	}
	p := runs.Read(doc, ins)
	if p == nil {
		return nil, false
	}
	var out []diCmd
	for _, c := range shellparse.Commands(p.Prog) {
		d := diCmd{name: c.Name, args: c.Lits, static: true, sc: c}
		if w := c.NameWord(); w != nil {
			d.word, _ = shellparse.Lit(w)
		}
		for _, ok := range c.Static {
			d.static = d.static && ok
		}
		out = append(out, d)
	}
	return out, true
}

// operands returns the arguments that are not options.
func (c diCmd) operands() []string {
	var out []string
	for _, a := range c.args {
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

func (c diCmd) has(args ...string) bool {
	for _, a := range c.args {
		for _, x := range args {
			if a == x || strings.HasPrefix(a, x+"=") {
				return true
			}
		}
	}
	return false
}

func (c diCmd) first() string {
	if ops := c.operands(); len(ops) > 0 {
		return ops[0]
	}
	return ""
}

// changesDir reports whether a RUN moves to another directory, so that
// where its commands run is not its WORKDIR.
func changesDir(cmds []diCmd) bool {
	for _, c := range cmds {
		if c.name == "cd" || c.name == "pushd" || (c.sc != nil && c.sc.HasWrapper("env") && c.has("-C", "--chdir")) {
			return true
		}
	}
	return false
}

// diCtx reads files of the build context for the checks.
type diCtx struct {
	ctx  *analysis.Context
	tree *diTree
}

// read returns a regular file of the context (nil when missing or too big).
func (r *diCtx) read(p string) []byte {
	p = buildcontext.Clean(p)
	if p == "" {
		return nil
	}
	return r.ctx.Memo("dockerignore.file:"+p, func() any {
		fi, err := fs.Stat(r.ctx.BuildContext, p)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() > diMaxFile {
			return []byte(nil)
		}
		b, err := fs.ReadFile(r.ctx.BuildContext, p)
		if err != nil {
			return []byte(nil)
		}
		return b
	}).([]byte)
}

var diGitWordRE = regexp.MustCompile(`(?i)(^|[^a-z0-9_])(git|husky|setuptools[-_]scm|setuptools[-_]git[-_a-z]*|hatch[-_]vcs|versioneer|dunamai|pbr|gitversion|sourcelink|buildvcs)([^a-z0-9_]|$)`)

// mentionGit reports whether any of the files (relative to dir) mentions
// git; a missing file set counts as a mention (cannot tell).
func (r *diCtx) mentionGit(dir string, files ...string) bool {
	found := false
	for _, f := range files {
		if b := r.read(path.Join(dir, f)); b != nil {
			found = true
			if diGitWordRE.Match(b) {
				return true
			}
		}
	}
	return !found
}

// packageScriptsGit reports whether package.json's scripts (or a husky
// dependency) use git.
func (r *diCtx) packageScriptsGit(dir string) bool {
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
		if s, _ := v.(string); diGitWordRE.MatchString(s) {
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
func ctxDir(s *diSend, wd string) string {
	if s != nil && !s.opaque && !s.glob && s.dest != "" && wd != "" && stages.Under(wd, s.dest) {
		rel := strings.TrimPrefix(strings.TrimPrefix(wd, s.dest), "/")
		return path.Join(append(append([]string{}, s.comps...), rel)...)
	}
	return ""
}

// script maps a script named in a RUN to a context path ("" unknown).
func scriptPath(s *diSend, wd, p string) string {
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
	diInterpreters = map[string]bool{"perl": true, "ruby": true, "php": true, "node": true, "deno": true, "tsx": true, "ts-node": true}
	diNodeTools    = map[string]bool{"npm": true, "npx": true, "yarn": true, "pnpm": true, "pnpx": true, "bun": true, "bunx": true, "corepack": true, "lerna": true, "nx": true, "turbo": true}
	diPyTools      = map[string]bool{"poetry": true, "pdm": true, "uv": true, "hatch": true, "flit": true, "pipenv": true, "tox": true, "nox": true, "build": true, "setup.py": true}
	// diUnknownBuilds are build systems that may read the repository.
	diUnknownBuilds = map[string]bool{"dotnet": true, "msbuild": true, "bazel": true, "bazelisk": true, "meson": true,
		"ninja": true, "autoreconf": true, "autogen.sh": true, "configure": true, "just": true, "task": true,
		"earthly": true, "goreleaser": true, "mage": true, "scons": true, "waf": true, "semantic-release": true,
		"husky": true, "pre-commit": true, "buf": true, "xcodebuild": true, "swift": true, "stack": true, "cabal": true,
		"dune": true, "rebar3": true, "lein": true, "clojure": true, "zig": true, "bb": true, "ant": true}
	diManifests = map[string][]string{
		"make": {"Makefile", "makefile", "GNUmakefile"}, "gmake": {"Makefile", "makefile", "GNUmakefile"},
		"mvn": {"pom.xml"}, "mvnw": {"pom.xml"},
		"gradle":  {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"},
		"gradlew": {"build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts"},
		"cargo":   {"Cargo.toml", "build.rs"}, "cmake": {"CMakeLists.txt"},
		"bundle": {"Gemfile", "Rakefile"}, "bundler": {"Gemfile", "Rakefile"}, "rake": {"Rakefile", "Gemfile"},
		"gem": {"Gemfile", "Rakefile"}, "composer": {"composer.json"}, "mix": {"mix.exs"},
		"sbt": {"build.sbt", "project/plugins.sbt"},
	}
	diPyManifests = []string{"pyproject.toml", "setup.py", "setup.cfg"}
	diPythonRE    = regexp.MustCompile(`^python[0-9]*(\.[0-9]+)*$`)
	// diLocalReqRE finds requirements that install the project itself.
	diLocalReqRE = regexp.MustCompile(`(?m)^\s*(-e|--editable|-r|--requirement|\.|/|file:|git\+)`)
)

// cmdNeedsGit reports whether a command may read the repository in .git.
// s is the send that brought the context and wd the RUN's WORKDIR.
func (r *diCtx) cmdNeedsGit(c diCmd, s *diSend, wd, runText string) bool {
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
	case diManifests[c.name] != nil:
		return r.mentionGit(dir, diManifests[c.name]...)
	case diNodeTools[c.name]:
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
			return r.mentionGit(dir, diPyManifests...)
		}
		for _, a := range c.operands()[1:] {
			if manifests.LocalPath(a) {
				return r.mentionGit(dir, diPyManifests...)
			}
		}
		for i, a := range c.args {
			if (a == "-r" || a == "--requirement") && i+1 < len(c.args) {
				req := r.read(scriptPath(s, wd, c.args[i+1]))
				if req == nil || diLocalReqRE.Match(req) {
					return r.mentionGit(dir, diPyManifests...)
				}
			}
		}
		return false
	case diPyTools[c.name]:
		return r.mentionGit(dir, diPyManifests...)
	case diUnknownBuilds[c.name]:
		return true
	case dockerfile.IsPOSIXShell(c.name) || diInterpreters[c.name] || diPythonRE.MatchString(c.name):
		if c.has("-c", "-e", "--eval") || !c.static {
			return diGitWordRE.MatchString(strings.Join(c.args, " ")) || !c.static
		}
		sp := c.first()
		if sp == "" {
			return dockerfile.IsPOSIXShell(c.name) // a shell reading its input
		}
		if diPythonRE.MatchString(c.name) && path.Base(sp) == "setup.py" {
			return r.mentionGit(dir, diPyManifests...)
		}
		b := r.read(scriptPath(s, wd, sp))
		return b == nil || diGitWordRE.Match(b)
	case strings.Contains(c.word, "/") && !path.IsAbs(c.word):
		b := r.read(scriptPath(s, wd, c.word))
		return b == nil || diGitWordRE.Match(b)
	}
	return false
}

// gitNeeded reports whether something after the send may use .git.
func (a *diDoc) gitNeeded(r *diCtx, s *diSend) bool {
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
			if diGitWordRE.MatchString(o.Text) {
				return true
			}
		}
	}
	return false
}

// nodeInstall reports whether a command installs a project's node modules
// in its working directory.
func nodeInstall(c diCmd) bool {
	if c.sc == nil || c.sc.Conditional {
		return false
	}
	st, _ := manifests.Classify(c.sc)
	return st != nil && slices.Contains(st.Outputs, "node_modules")
}

// installsAt returns the RUNs of the stage and the stages it is built on
// that install node modules in dir (exactly, with no cd).
func (a *diDoc) installsAt(st *dockerfile.Stage, dir string) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for s := st; s != nil; s = s.Parent {
		for _, o := range s.Instructions {
			cmds, ok := runCmds(a.doc, o)
			if !ok || changesDir(cmds) || stages.WorkdirAt(o) != dir {
				continue
			}
			for _, c := range cmds {
				if nodeInstall(c) {
					out = append(out, o)
					break
				}
			}
		}
	}
	return out
}

func (a *diDoc) installsAnywhere() bool {
	for _, o := range a.doc.Instructions {
		cmds, _ := runCmds(a.doc, o)
		for _, c := range cmds {
			if nodeInstall(c) {
				return true
			}
		}
	}
	return false
}

var diBenign = map[string]bool{
	"apt-get": true, "apt": true, "apt-cache": true, "apt-key": true, "apk": true, "yum": true, "dnf": true,
	"microdnf": true, "tdnf": true, "zypper": true, "dpkg": true, "rpm": true, "dpkg-reconfigure": true,
	"useradd": true, "adduser": true, "groupadd": true, "addgroup": true, "usermod": true, "groupmod": true,
	"userdel": true, "deluser": true, "chown": true, "chmod": true, "chgrp": true, "mkdir": true, "rmdir": true,
	"ln": true, "echo": true, "printf": true, "true": true, "false": true, ":": true, "test": true, "[": true,
	"sleep": true, "touch": true, "curl": true, "wget": true, "update-ca-certificates": true, "ldconfig": true,
	"locale-gen": true, "localedef": true, "id": true, "whoami": true, "export": true, "set": true,
	"unset": true, "cd": true, "rm": true, "update-alternatives": true, "setcap": true, "which": true,
	"command": true, "ls": true, "exit": true, "umask": true, "sync": true, "date": true, "uname": true,
}

var diTestRunnerRE = regexp.MustCompile(`(?i)(^|[^a-z0-9_.-])(pytest|py\.test|tox|nox|unittest|jest|mocha|vitest|ava|karma|rspec|phpunit|test|tests|spec|testing)([^a-z0-9_-]|$)`)

// benignCmd reports whether a command cannot read test directories.
func benignCmd(c diCmd, testdata bool) bool {
	if c.name == "" {
		return c.sc != nil && c.sc.NameIdx < 0 // assignments only
	}
	if !c.static {
		return false
	}
	switch {
	case diBenign[c.name]:
		return true
	case c.name == "go":
		ops := c.operands()
		switch c.first() {
		case "version", "env":
			return true
		case "mod":
			return len(ops) > 1 && (ops[1] == "download" || ops[1] == "verify")
		case "build", "install":
			return testdata // the go tool ignores testdata directories
		}
	case pkgmgr.IsPip(c.name):
		if c.first() != "install" || c.has("-r", "--requirement", "-e", "--editable", "-c", "--constraint") {
			return false
		}
		for _, a := range c.operands()[1:] {
			if manifests.LocalPath(a) {
				return false
			}
		}
		return true
	}
	return false
}

// testsNeeded reports whether something after the send may use a test
// directory.
func (a *diDoc) testsNeeded(s *diSend, testdata bool) bool {
	for _, o := range a.later(s) {
		switch o.Cmd {
		case "run":
			cmds, ok := runCmds(a.doc, o)
			if !ok {
				return true
			}
			for _, c := range cmds {
				if !benignCmd(c, testdata) {
					return true
				}
			}
		case "onbuild":
			return true
		case "cmd", "entrypoint", "healthcheck":
			if diTestRunnerRE.MatchString(o.Text) {
				return true
			}
		}
	}
	return false
}

var diJSBuildTools = map[string]bool{"vite": true, "tsc": true, "webpack": true, "ng": true, "vue-cli-service": true,
	"react-scripts": true, "rollup": true, "parcel": true, "esbuild": true, "tsup": true}

var (
	diOutFlagRE = regexp.MustCompile(`(?:--out-?[dD]ir|--dist-dir|--output-path|--outdir|--out-dir|--output|-o|-d)[= ]+['"]?(?:\./)?([A-Za-z0-9_.-]+)/?['"]?(?:\s|$)`)
	diToolRE    = regexp.MustCompile(`(?:^|[\s/])(vite|webpack|webpack-cli|ng|vue-cli-service|parcel|tsup|react-scripts)(?:\s|$)`)
)

// jsOutput is the directory a JavaScript build command writes ("" when
// it cannot tell): an --outDir-style flag, else the tool's default.
func jsOutput(text string) string {
	if m := diOutFlagRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	if m := diToolRE.FindStringSubmatch(text); m != nil {
		if m[1] == "react-scripts" {
			return "build"
		}
		return "dist"
	}
	return ""
}

// makes reports whether a command builds the output directory name
// (dist, build or target) in its working directory, which is the context
// directory dir.
func (r *diCtx) makes(c diCmd, name, dir string) bool {
	if !c.static || c.sc == nil || c.sc.Conditional {
		return false
	}
	ops := c.operands()
	arg := func(i int) string {
		if i < len(ops) {
			return ops[i]
		}
		return ""
	}
	buildScript := func(s string) bool { return s == "build" || strings.HasPrefix(s, "build:") }
	script := ""
	switch c.name {
	case "npm":
		if arg(0) == "run" || arg(0) == "run-script" {
			script = arg(1)
		}
	case "yarn", "pnpm", "bun":
		script = arg(0)
		if script == "run" {
			script = arg(1)
		}
	}
	jsOut := ""
	switch {
	case buildScript(script):
		var pkg struct {
			Scripts map[string]any `json:"scripts"`
		}
		if b := r.read(path.Join(dir, "package.json")); b != nil && json.Unmarshal(b, &pkg) == nil {
			text, _ := pkg.Scripts[script].(string)
			jsOut = jsOutput(text)
		}
	case (c.name == "npx" || c.name == "pnpx" || c.name == "bunx") && diJSBuildTools[arg(0)]:
		jsOut = jsOutput(strings.Join(c.args, " "))
	case diJSBuildTools[c.name]:
		jsOut = jsOutput(c.name + " " + strings.Join(c.args, " "))
	}
	if jsOut != "" {
		return jsOut == name
	}
	py := func(kinds ...string) bool {
		if path.Base(arg(0)) == "setup.py" && diPythonRE.MatchString(c.name) {
			for _, k := range kinds {
				if strings.HasPrefix(arg(1), k) {
					return true
				}
			}
		}
		return false
	}
	switch name {
	case "target":
		switch c.name {
		case "cargo":
			return slices.Contains([]string{"build", "b", "install", "test", "t", "run", "r", "rustc", "bench", "doc"}, arg(0))
		case "mvn", "mvnw":
			return manifests.MavenBuilds(c.args)
		case "sbt":
			return len(ops) > 0
		}
	case "build":
		switch {
		case c.name == "gradle" || c.name == "gradlew":
			return len(ops) > 0
		case pkgmgr.IsPip(c.name):
			return (arg(0) == "install" || arg(0) == "wheel") && slices.Contains(ops, ".")
		}
		return py("build", "bdist", "install", "develop", "sdist")
	case "dist":
		switch {
		case c.name == "build" && c.sc.Module == "build":
			return true
		case slices.Contains([]string{"poetry", "hatch", "uv", "pdm", "flit"}, c.name):
			return arg(0) == "build"
		}
		return py("sdist", "bdist")
	}
	return false
}

// rebuilt reports whether a RUN after the send, in its stage, builds the
// output directory where the send puts it.
func (a *diDoc) rebuilt(r *diCtx, s *diSend, pc []string) bool {
	l := s.landing(pc)
	if l == "" || s.bind {
		return false
	}
	for _, o := range s.ins.Stage.Instructions {
		if o.Index <= s.ins.Index {
			continue
		}
		cmds, ok := runCmds(a.doc, o)
		if !ok || changesDir(cmds) || stages.WorkdirAt(o) != path.Dir(l) {
			continue
		}
		for _, c := range cmds {
			if r.makes(c, path.Base(l), ctxDir(s, stages.WorkdirAt(o))) {
				return true
			}
		}
	}
	return false
}

func (a *diDoc) buildsAnywhere(r *diCtx, name string) bool {
	for _, o := range a.doc.Instructions {
		cmds, _ := runCmds(a.doc, o)
		for _, c := range cmds {
			if r.makes(c, name, "") {
				return true
			}
		}
	}
	return false
}

// mentions reports whether text holds tok as a word of a path or command.
func mentions(text, tok string) bool {
	isWord := func(b byte) bool {
		return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for off := 0; ; {
		i := strings.Index(text[off:], tok)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(tok)
		if (i == 0 || !isWord(text[i-1]) && text[i-1] != '.') && (j == len(text) || !isWord(text[j])) {
			return true
		}
		off = i + 1
	}
}

// diSpec is a candidate entry.
type diSpec struct {
	entry  string
	cat    int
	tokens []string // words whose mention keeps it
	tops   []int    // matched entries with something newly excluded below
	hits   []int    // entries it newly excludes
}

// diState is the pass's view of one run.
type diState struct {
	r        *diCtx
	tree     *diTree
	included []bool
	excepts  []string // the "!" patterns of the ignore file
	docs     []*diDoc // this Dockerfile first, then those sharing the ignore file
	removes  []string
	tops     []string // the paths the accepted entries match
	file     string   // the ignore file
	exists   bool     // whether it exists yet
}

// selectEntry finds what the pattern would newly exclude.
func (st *diState) selectEntry(sp *diSpec) bool {
	pm, err := patternmatcher.New([]string{sp.entry})
	if err != nil {
		return false
	}
	t := st.tree
	for i := 0; i < len(t.entries); {
		m, _ := pm.MatchesUsingParentResult(t.entries[i].path, false)
		if !m {
			i++
			continue
		}
		j := t.end(i)
		n := len(sp.hits)
		for k := i; k < j; k++ {
			if st.included[k] {
				sp.hits = append(sp.hits, k)
			}
		}
		if len(sp.hits) > n {
			sp.tops = append(sp.tops, i)
		}
		i = j
	}
	if len(sp.hits) == 0 {
		return false
	}
	// An entry appended last would override the file's exceptions.
	for _, ex := range st.excepts {
		pmx, err := patternmatcher.New([]string{ex})
		if err != nil {
			return false
		}
		for _, k := range sp.hits {
			if m, _ := pmx.MatchesOrParentMatches(t.entries[k].path); m {
				return false
			}
		}
		var lit []string
		for _, c := range strings.Split(ex, "/") {
			if strings.ContainsAny(c, "*?[\\") {
				break
			}
			lit = append(lit, c)
		}
		if len(lit) > 0 {
			if m, _ := pm.MatchesOrParentMatches(strings.Join(lit, "/")); m {
				return false
			}
		}
	}
	return true
}

// needed reports whether any Dockerfile needs a top of the candidate.
func (st *diState) needed(sp *diSpec) bool {
	for _, a := range st.docs {
		for _, tok := range sp.tokens {
			if mentions(a.text, tok) {
				return true
			}
		}
	}
	covered := false
	for _, ti := range sp.tops {
		p := st.tree.entries[ti].path
		pc := strings.Split(p, "/")
		for _, a := range st.docs {
			for _, s := range a.sends {
				switch s.relation(pc) {
				case diNamed:
					return true
				case diNone:
					continue
				}
				land := s.landing(pc)
				removed := land
				switch sp.cat {
				case diGit:
					if a.gitNeeded(st.r, s) {
						return true
					}
				case diNode:
					if s.bind || land == "" {
						return true
					}
					installs := a.installsAt(s.ins.Stage, path.Dir(land))
					if len(installs) == 0 {
						return true
					}
					covered = true
					for _, o := range installs {
						if o.Stage == s.ins.Stage && o.Index > s.ins.Index {
							removed = "" // installed again after the copy
						}
					}
				case diTests:
					if a.testsNeeded(s, sp.entry == "testdata" || sp.entry == "**/testdata") {
						return true
					}
				case diOutputs:
					if !a.rebuilt(st.r, s, pc) {
						return true
					}
					covered = true
					removed += "/"
				}
				if a == st.docs[0] && !s.bind && strings.HasPrefix(removed, "/") && !strings.HasPrefix(removed, stages.UnknownWorkdir) &&
					len(st.removes) < 100 && !slices.Contains(st.removes, removed) {
					st.removes = append(st.removes, removed)
				}
			}
		}
	}
	switch {
	case covered:
	case sp.cat == diNode:
		// Not copied: ignored when the image installs its own.
		for _, a := range st.docs {
			if a.installsAnywhere() {
				return false
			}
		}
		return true
	case sp.cat == diOutputs:
		name := sp.entry
		for _, a := range st.docs {
			if a.buildsAnywhere(st.r, name) {
				return false
			}
		}
		return true
	}
	return false
}

func (st *diState) accept(sp *diSpec) {
	for _, k := range sp.hits {
		st.included[k] = false
	}
}

// try evaluates a candidate and accepts it when nothing needs it.
func (st *diState) try(sp *diSpec) bool {
	saved := len(st.removes)
	if !st.selectEntry(sp) || st.needed(sp) {
		st.removes = st.removes[:saved]
		return false
	}
	st.accept(sp)
	for _, i := range sp.tops {
		st.tops = append(st.tops, st.tree.entries[i].path)
	}
	return true
}

func (st *diState) rootDir(name string) bool {
	i, ok := st.tree.index[name]
	return ok && st.tree.entries[i].dir && st.included[i]
}

// gitignored reports whether the context's .gitignore lists a root
// directory.
func (st *diState) gitignored(name string) bool {
	b := st.r.read(".gitignore")
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		l = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(l, "**/"), "/"), "/")
		if l == name {
			return true
		}
	}
	return false
}

// candidates proposes the entries, in order.
func (st *diState) candidates() []string {
	var out []string
	t := st.tree
	add := func(sp *diSpec) {
		if st.try(sp) {
			out = append(out, sp.entry)
		}
	}
	if i, ok := t.index[".git"]; ok && st.included[i] && (t.entries[i].dir || t.entries[i].regular) {
		add(&diSpec{entry: ".git", cat: diGit, tokens: []string{".git"}})
	}
	// node_modules directories, not those inside another one.
	for i := 0; i < len(t.entries); i++ {
		e := t.entries[i]
		if !e.dir || path.Base(e.path) != "node_modules" {
			continue
		}
		if st.included[i] && !strings.ContainsAny(e.path, "*?[]\\!# \t") {
			add(&diSpec{entry: e.path, cat: diNode})
		}
		i = t.end(i) - 1
	}
	for _, v := range []string{".venv", "venv"} {
		if st.rootDir(v) && (t.has(v+"/pyvenv.cfg") || t.has(v+"/bin/activate")) {
			add(&diSpec{entry: v, cat: diVenv, tokens: []string{v}})
		}
	}
	add(&diSpec{entry: "**/__pycache__", cat: diJunk, tokens: []string{"__pycache__"}})
	pyc := &diSpec{entry: "**/*.pyc", cat: diJunk, tokens: []string{"__pycache__", ".pyc"}}
	sourceless := false
	for i, e := range t.entries {
		if st.included[i] && strings.HasSuffix(e.path, ".pyc") {
			inCache := path.Base(path.Dir(e.path)) == "__pycache__"
			if !inCache && !t.has(strings.TrimSuffix(e.path, "c")) || !e.regular {
				sourceless = true
			}
		}
	}
	if !sourceless {
		add(pyc)
	}
	for _, v := range []string{".idea", ".vscode"} {
		if st.rootDir(v) {
			add(&diSpec{entry: v, cat: diJunk, tokens: []string{v}})
		}
	}
	add(&diSpec{entry: "**/.DS_Store", cat: diJunk, tokens: []string{".DS_Store"}})
	// Log files: at the root, or anywhere when the nested ones are in log
	// directories.
	var rootLogs, nestedLogs []string
	nestedOK := true
	for i, e := range t.entries {
		if !st.included[i] || !strings.HasSuffix(e.path, ".log") {
			continue
		}
		if !strings.Contains(e.path, "/") {
			rootLogs = append(rootLogs, e.path)
			continue
		}
		nestedLogs = append(nestedLogs, path.Base(e.path))
		inLogs := false
		for _, c := range strings.Split(path.Dir(e.path), "/") {
			switch c {
			case "log", "logs":
				inLogs = true
			case "test", "tests", "testdata", "__tests__", "spec", "fixtures", "__fixtures__":
				nestedOK = false
			}
		}
		nestedOK = nestedOK && inLogs
	}
	if len(nestedLogs) > 0 && nestedOK {
		add(&diSpec{entry: "**/*.log", cat: diJunk, tokens: append(rootLogs, nestedLogs...)})
	} else if len(rootLogs) > 0 {
		add(&diSpec{entry: "*.log", cat: diJunk, tokens: rootLogs})
	}
	for _, v := range []string{"test", "tests", "__tests__", "spec"} {
		if st.rootDir(v) {
			add(&diSpec{entry: v, cat: diTests, tokens: []string{v}})
		}
	}
	nested := false
	for i, e := range t.entries {
		if e.dir && st.included[i] && strings.HasSuffix(e.path, "/testdata") {
			nested = true
		}
	}
	if nested {
		add(&diSpec{entry: "**/testdata", cat: diTests, tokens: []string{"testdata"}})
	} else if st.rootDir("testdata") {
		add(&diSpec{entry: "testdata", cat: diTests, tokens: []string{"testdata"}})
	}
	for _, v := range []string{"dist", "build", "target"} {
		if st.rootDir(v) && st.gitignored(v) {
			add(&diSpec{entry: v, cat: diOutputs})
		}
	}
	// The ignore file itself, which COPY . . would otherwise put in the
	// image (a new one, or a changed one).
	if len(out) > 0 && !strings.ContainsAny(st.file, "*?[]\\!# \t") {
		self := &diSpec{entry: st.file, cat: diJunk, tokens: []string{path.Base(st.file)}}
		if st.exists {
			if st.sent(st.file) {
				add(self)
			}
		} else if st.sent(st.file) && !st.named(st.file) && !st.needed(self) && !st.reincluded(st.file) {
			out = append(out, st.file)
		}
	}
	return out
}

// sent reports whether a send of this Dockerfile takes the path as part of
// a directory.
func (st *diState) sent(p string) bool {
	pc := strings.Split(p, "/")
	for _, s := range st.docs[0].sends {
		if s.relation(pc) == diIncidental {
			return true
		}
	}
	return false
}

// named reports whether a send of any Dockerfile names the path.
func (st *diState) named(p string) bool {
	pc := strings.Split(p, "/")
	for _, a := range st.docs {
		for _, s := range a.sends {
			if s.relation(pc) == diNamed {
				return true
			}
		}
	}
	return false
}

// reincluded reports whether an exception of the ignore file matches p.
func (st *diState) reincluded(p string) bool {
	for _, ex := range st.excepts {
		pmx, err := patternmatcher.New([]string{ex})
		if err != nil {
			return true
		}
		if m, _ := pmx.MatchesOrParentMatches(p); m {
			return true
		}
	}
	return false
}

// size sums the regular files that are included, apart from the ignore
// file, which the builder reads in any case.
func (st *diState) size() int64 {
	var n int64
	for i, e := range st.tree.entries {
		if st.included[i] && e.regular && e.path != st.file {
			n += e.size
		}
	}
	return n
}

func diBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

var diDockerfileRE = regexp.MustCompile(`^(Dockerfile|Containerfile)(\..+)?$|^.+\.(Dockerfile|dockerfile)$`)

// otherDockerfiles parses the other Dockerfiles of the context that have no
// ignore file of their own; ok is false when one does not parse.
func otherDockerfiles(ctx *analysis.Context, tree *diTree, self string) ([]*diDoc, bool) {
	type parsed struct {
		docs []*dockerfile.Document
		ok   bool
	}
	p := ctx.Memo("dockerignore.others:"+self, func() any {
		var docs []*dockerfile.Document
		for _, e := range tree.entries {
			if !e.regular || e.path == self || !diDockerfileRE.MatchString(path.Base(e.path)) ||
				strings.HasSuffix(e.path, ".dockerignore") || tree.has(e.path+".dockerignore") {
				continue
			}
			skip := false
			for _, c := range strings.Split(path.Dir(e.path), "/") {
				skip = skip || c == ".git" || c == "node_modules" || c == "vendor"
			}
			if skip {
				continue
			}
			if len(docs) == 20 || e.size > diMaxFile {
				return parsed{}
			}
			b, err := fs.ReadFile(ctx.BuildContext, e.path)
			if err != nil {
				return parsed{}
			}
			d, err := dockerfile.Parse(e.path, b)
			if err != nil {
				return parsed{}
			}
			docs = append(docs, d)
		}
		return parsed{docs, true}
	}).(parsed)
	if !p.ok {
		return nil, false
	}
	var out []*diDoc
	for _, d := range p.docs {
		out = append(out, diAnalyze(d))
	}
	return out, true
}

func runDockerignore(ctx *analysis.Context) []analysis.Finding {
	if ctx.BuildContext == nil || len(ctx.Doc.Stages) == 0 {
		return nil
	}
	self := diAnalyze(ctx.Doc)
	if len(self.sends) == 0 {
		return nil // the build takes nothing from its context
	}
	// The ignore file: NAME.dockerignore next to the Dockerfile, else
	// .dockerignore at the root.
	sp := buildcontext.SelfPath(ctx)
	if sp == "" {
		if _, err := os.Stat(ctx.Doc.Name + ".dockerignore"); err == nil {
			return nil // its own ignore file is outside the context
		}
	}
	names := buildcontext.IgnoreFileNames(ctx)
	file, own := ".dockerignore", false
	var data []byte
	exists := false
	for i, n := range names {
		fi, err := fs.Lstat(ctx.BuildContext, n)
		if err != nil {
			continue
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(ctx.BuildContext, n)
		if err != nil {
			return nil
		}
		file, data, exists, own = n, b, true, i == 0 && len(names) == 2
		break
	}
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil
	}
	tree := ctx.Memo("dockerignore.tree", func() any { return diWalk(ctx.BuildContext) }).(*diTree)

	st := &diState{r: &diCtx{ctx: ctx, tree: tree}, tree: tree, docs: []*diDoc{self}, file: file, exists: exists}
	for _, p := range patterns {
		if ex, ok := strings.CutPrefix(p, "!"); ok {
			st.excepts = append(st.excepts, ex)
		}
	}
	if !own {
		others, ok := otherDockerfiles(ctx, tree, sp)
		if !ok {
			return nil
		}
		st.docs = append(st.docs, others...)
	}
	st.included = make([]bool, len(tree.entries))
	for i := 0; i < len(tree.entries); {
		e := tree.entries[i]
		if m, _ := pm.MatchesOrParentMatches(e.path); m {
			if e.dir && !pm.Exclusions() {
				i = tree.end(i)
				continue
			}
		} else {
			st.included[i] = true
		}
		i++
	}
	before := st.size()
	entries := st.candidates()
	if len(entries) == 0 {
		return nil
	}
	after := st.size()

	// Where the finding goes: the first instruction that sends one of the
	// entries, else the first that sends anything.
	at := self.sends[0].ins
	found := false
	for _, s := range self.sends {
		for _, p := range st.tops {
			if s.relation(strings.Split(p, "/")) != diNone {
				at, found = s.ins, true
				break
			}
		}
		if found {
			break
		}
	}

	nl := "\n"
	if bytes.Count(data, []byte("\r\n"))*2 > bytes.Count(data, []byte("\n")) {
		nl = "\r\n"
	}
	var text strings.Builder
	if len(data) > 0 {
		if !bytes.HasSuffix(data, []byte("\n")) {
			text.WriteString(nl)
		}
		if !bytes.HasSuffix(data, []byte("\n\n")) && !bytes.HasSuffix(data, []byte("\n\r\n")) {
			text.WriteString(nl)
		}
	}
	text.WriteString(diComment + nl)
	for _, e := range entries {
		text.WriteString(e + nl)
	}

	sizes := fmt.Sprintf("context size %s → %s", diBytes(before), diBytes(after))
	if tree.truncated {
		sizes = fmt.Sprintf("context size more than %s → more than %s, counting the first %d entries",
			diBytes(before), diBytes(after), diMaxEntries)
	}
	list := strings.Join(entries, ", ")
	msg := fmt.Sprintf("%s does not leave out %s, which the build does not need (%s)", file, list, sizes)
	fixMsg := "add " + list + " to " + file
	if !exists {
		msg = fmt.Sprintf("no %s to leave out %s, which the build does not need (%s)", file, list, sizes)
		fixMsg = "create " + file + " with " + list
	}
	f := analysis.InstructionFinding(at, msg)
	f.Fix = &analysis.Fix{
		Message: fixMsg,
		Removes: st.removes,
		Files:   []analysis.FileEdit{{Path: file, Edits: []analysis.Edit{analysis.Insert(len(data), text.String())}}},
	}
	return []analysis.Finding{f}
}
