package slimbase

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

func run(ctx *analysis.Context) []analysis.Finding {
	target := ctx.TargetStage()
	if target == nil || target.Windows() {
		return nil
	}
	root := target
	for root.Parent != nil {
		root = root.Parent
	}
	base := root.Base
	slim, why := baseimage.SlimVariant(base)
	what := "the final stage"
	if ctx.Target != "" {
		what = fmt.Sprintf("target stage %q", target.Name)
	}
	msg := fmt.Sprintf("%s runs on %s, which carries compilers, C headers and tools the slim variant leaves out", what, base)
	if slim == "" {
		switch {
		case strings.HasPrefix(why, "it is pinned by digest"), strings.HasPrefix(why, "the image is named by"),
			strings.HasPrefix(why, "dfopt does not know the slim variant"), strings.Contains(why, "is not among the official"):
			return []analysis.Finding{analysis.InstructionFinding(root.From, msg+" (not changed: "+why+")")}
		}
		return nil
	}
	if len(root.From.Flags) > 0 && !onlyPlatform(root.From.Flags) {
		return nil
	}
	name, _, _ := stages.ImageTag(base)
	c := &checker{ctx: ctx, root: root, base: base, slim: slim, node: name == "node"}
	if need := c.needs(); need != "" {
		return []analysis.Finding{analysis.InstructionFinding(root.From, msg+" (not changed to "+slim+": "+need+")")}
	}
	if why := placeholder(target); why != "" {
		return []analysis.Finding{analysis.InstructionFinding(root.From, msg+" (not changed to "+slim+": "+why+")")}
	}
	pos, end, ok := baseSpan(ctx.Doc, root.From, base)
	if !ok {
		return []analysis.Finding{analysis.InstructionFinding(root.From, msg+" (not changed: dfopt cannot find the image name in the FROM line)")}
	}
	f := analysis.InstructionFinding(root.From, msg)
	f.Fix = &analysis.Fix{Message: "build on " + slim, Edits: []analysis.Edit{analysis.Replace(pos, end, slim)},
		Changes: []string{analysis.ChangeBase}}
	return []analysis.Finding{f}
}

func onlyPlatform(flags []string) bool {
	for _, f := range flags {
		if !strings.HasPrefix(f, "--platform=") {
			return false
		}
	}
	return true
}

// baseSpan finds the image name of a FROM in the source.
func baseSpan(doc *dockerfile.Document, from *dockerfile.Instruction, base string) (pos, end int, ok bool) {
	i := from.ArgsOffset
	if !strings.HasPrefix(from.Text[i:], base) {
		return 0, 0, false
	}
	pos = from.SrcOffset(i)
	end = from.SrcOffset(i+len(base)-1) + 1
	if end-pos != len(base) || string(doc.Src[pos:end]) != base {
		return 0, 0, false
	}
	return pos, end, true
}

// checker looks for what the file needs of the full image: in every
// stage built on it (the root stage of the target and the stages that
// descend from it).
type checker struct {
	ctx        *analysis.Context
	root       *dockerfile.Stage
	base, slim string
	node       bool
	installed  map[string]bool // Debian packages the file installs, so far
}

func (c *checker) line(ins *dockerfile.Instruction) int { return c.ctx.Line(ins.Span.Start) }

// needs returns what the file needs of the full image ("" when nothing
// it can see).
func (c *checker) needs() string {
	c.installed = map[string]bool{}
	for _, st := range c.ctx.Doc.Stages {
		if !stages.Descends(st, c.root) {
			continue
		}
		if st != c.root {
			// A stage built on another starts with what that one installed.
			c.installed = c.installedBefore(st)
		}
		for _, ins := range st.Instructions {
			if need := c.instruction(ins); need != "" {
				return need
			}
		}
	}
	return ""
}

// installedBefore returns the packages the stages st descends from
// install.
func (c *checker) installedBefore(st *dockerfile.Stage) map[string]bool {
	out := map[string]bool{}
	var chain []*dockerfile.Stage
	for s := st.Parent; s != nil; s = s.Parent {
		chain = append([]*dockerfile.Stage{s}, chain...)
	}
	for _, s := range chain {
		for _, ins := range s.Instructions {
			for _, cmd := range commandsOf(c.ctx.Doc, ins) {
				for _, p := range aptInstalls(cmd) {
					out[p] = true
				}
			}
		}
	}
	return out
}

// commandsOf returns the commands of a RUN whose shell can be read (shell
// form or a single heredoc script), or nil.
func commandsOf(doc *dockerfile.Document, ins *dockerfile.Instruction) []*shellparse.Command {
	if ins.Cmd != "run" {
		return nil
	}
	if p := runs.Read(doc, ins); p != nil {
		if p.Run != nil {
			return p.Run.Commands()
		}
		return shellparse.Commands(p.Prog)
	}
	return nil
}

// aptInstalls returns the packages an apt-get/apt install installs.
func aptInstalls(c *shellparse.Command) []string {
	if c.Name != "apt-get" && c.Name != "apt" && c.Name != "aptitude" {
		return nil
	}
	s, i := c.Subcommand(pkgmgr.AptValueOptions...)
	if s != "install" {
		return nil
	}
	var out []string
	for j := i + 1; j < len(c.Lits); j++ {
		v := c.Lits[j]
		if !c.Static[j] || strings.HasPrefix(v, "-") {
			continue
		}
		name, _, _ := strings.Cut(v, "=")
		name, _, _ = strings.Cut(name, ":")
		out = append(out, name)
	}
	return out
}

func (c *checker) has(pkgs []string) bool {
	return slices.ContainsFunc(pkgs, func(p string) bool { return c.installed[p] })
}

// program says why running prog needs the full image, or "".
func (c *checker) program(prog string, line int) string {
	prog = path.Base(prog)
	pkgs, ok := baseimage.FullOnly.Get()[prog]
	if !ok && c.node {
		pkgs, ok = baseimage.FullOnlyNode.Get()[prog]
	}
	if prog == "node-gyp" {
		return fmt.Sprintf("line %d runs node-gyp, which builds with python3, make and g++ that %s does not have", line, c.slim)
	}
	if !ok || c.has(pkgs) {
		return ""
	}
	return fmt.Sprintf("line %d runs %s, which %s does not have (install %s first)", line, prog, c.slim, pkgs[0])
}

// instruction says why an instruction needs the full image, or "".
func (c *checker) instruction(ins *dockerfile.Instruction) string {
	line := c.line(ins)
	switch ins.Cmd {
	case "onbuild":
		return fmt.Sprintf("line %d is an ONBUILD instruction: images built on this one may need what %s has", line, c.base)
	case "copy", "add":
		for _, f := range ins.Flags {
			from, ok := strings.CutPrefix(f, "--from=")
			if !ok {
				continue
			}
			if st := stages.Named(c.ctx.Doc, from); st != nil && !stages.Descends(st, c.root) {
				if what := c.builds(st); what != "" {
					return fmt.Sprintf("line %d copies from stage %s, which %s: native code built there may need libraries that %s does not have", line, from, what, c.slim)
				}
			}
		}
	case "cmd", "entrypoint", "healthcheck":
		for _, prog := range configPrograms(ins) {
			if need := c.program(prog, line); need != "" {
				return need
			}
		}
	case "run":
		cmds := commandsOf(c.ctx.Doc, ins)
		if cmds == nil {
			if ins.JSON && len(ins.Args) > 0 {
				return c.program(ins.Args[0], line)
			}
			// A RUN whose shell cannot be read: its words.
			text := ins.Text[ins.ArgsOffset:]
			for _, h := range ins.Heredocs() {
				text += "\n" + h.Content
			}
			for _, w := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(" \t\n;&|()`\"'", r) }) {
				if _, ok := baseimage.FullOnly.Get()[path.Base(w)]; ok {
					return fmt.Sprintf("line %d may run %s (dfopt cannot read its shell), which %s does not have", line, path.Base(w), c.slim)
				}
			}
			return ""
		}
		for _, cmd := range cmds {
			for _, p := range aptInstalls(cmd) {
				c.installed[p] = true
			}
			if need := c.program(cmd.Name, line); need != "" {
				return need
			}
			if need := c.installs(cmd, ins, line); need != "" {
				return need
			}
		}
	}
	return ""
}

// builds says what a stage (or one it is built on) builds that may link
// against the libraries of its image: packages installed with pip, npm,
// Yarn, pnpm, gem or bundle, or code compiled with gcc or make ("" when
// none).
func (c *checker) builds(st *dockerfile.Stage) string {
	for s := st; s != nil; s = s.Parent {
		for _, ins := range s.Instructions {
			for _, cmd := range commandsOf(c.ctx.Doc, ins) {
				switch {
				case pkgmgr.IsPip(cmd.Name):
					if sub, _ := cmd.Subcommand(pipValued...); sub == "install" || sub == "wheel" {
						return "installs Python packages"
					}
				case cmd.Name == "npm" || cmd.Name == "yarn" || cmd.Name == "pnpm" || cmd.Name == "gem" || cmd.Name == "bundle":
					return "installs " + cmd.Name + " packages"
				case cmd.Name == "gcc" || cmd.Name == "cc" || cmd.Name == "g++" || cmd.Name == "c++" || cmd.Name == "cmake":
					return "compiles code"
				}
			}
		}
	}
	return ""
}

// configPrograms returns the programs an ENTRYPOINT, CMD or HEALTHCHECK
// runs as far as it can be read.
func configPrograms(ins *dockerfile.Instruction) []string {
	var text string
	switch {
	case ins.JSON && len(ins.Args) > 0:
		args := ins.Args
		if ins.Cmd == "healthcheck" && len(args) > 1 && (args[0] == "CMD" || args[0] == "cmd") {
			args = args[1:]
		}
		if len(args) >= 3 && dockerfile.IsPOSIXShell(path.Base(args[0])) && args[1] == "-c" {
			text = args[2]
		} else {
			return []string{args[0]}
		}
	default:
		text = ins.Text[ins.ArgsOffset:]
		if ins.Cmd == "healthcheck" {
			fields := strings.Fields(text)
			for i, f := range fields {
				if strings.EqualFold(f, "cmd") {
					text = strings.Join(fields[i+1:], " ")
					break
				}
			}
		}
	}
	prog, err := shellparse.Parse(strings.TrimSpace(text))
	if err != nil {
		return strings.Fields(text)
	}
	var out []string
	for _, c := range shellparse.Commands(prog) {
		out = append(out, c.Name)
	}
	return out
}

// installs says why a language package install needs the full image: a
// package that compiles native code, one from a VCS checkout or a local
// project whose sources say they build extensions, or dependencies the
// build context does not show.
func (c *checker) installs(cmd *shellparse.Command, ins *dockerfile.Instruction, line int) string {
	switch {
	case pkgmgr.IsPip(cmd.Name):
		return c.pip(cmd, ins, line)
	case cmd.Name == "npm" || cmd.Name == "yarn" || cmd.Name == "pnpm":
		return c.nodeInstall(cmd, ins, line)
	case cmd.Name == "uv" || cmd.Name == "poetry" || cmd.Name == "pipenv" || cmd.Name == "pdm" || cmd.Name == "conda" ||
		cmd.Name == "mamba" || cmd.Name == "micromamba" || cmd.Name == "pip-sync" || cmd.Name == "bun":
		s, _ := cmd.Subcommand()
		switch s {
		case "sync", "install", "add", "pip", "update", "i", "create", "lock":
			return fmt.Sprintf("line %d installs packages with %s, whose dependencies dfopt does not read: some may build native code with the compilers of %s", line, cmd.Name, c.base)
		}
	case cmd.Name == "gem" || cmd.Name == "bundle":
		s, _ := cmd.Subcommand()
		if s == "install" || (cmd.Name == "bundle" && s == "") {
			return fmt.Sprintf("line %d installs gems, which may build native extensions with the compilers and headers of %s", line, c.base)
		}
	}
	return ""
}

var pipValued = []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
	"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
	"-t", "--target", "--prefix", "--root", "--src", "--platform", "--python-version",
	"--implementation", "--abi", "--upgrade-strategy", "--global-option", "--install-option",
	"--config-settings", "-C", "--progress-bar", "--root-user-action", "--cache-dir", "--log",
	"--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
	"--only-binary", "--no-binary", "--report", "--python", "--use-feature", "--use-deprecated"}

func (c *checker) pip(cmd *shellparse.Command, ins *dockerfile.Instruction, line int) string {
	s, i := cmd.Subcommand(pipValued...)
	if s != "install" && s != "wheel" {
		return ""
	}
	for j := i + 1; j < len(cmd.Args); j++ {
		if !cmd.Static[j] {
			return fmt.Sprintf("line %d installs %s, which dfopt cannot read", line, shellText(cmd, j))
		}
		v := cmd.Lits[j]
		opt, val, hasVal := strings.Cut(v, "=")
		if !strings.HasPrefix(v, "-") {
			if need := c.requirement(v, line); need != "" {
				return need
			}
			continue
		}
		if !hasVal && slices.Contains(pipValued, v) && j+1 < len(cmd.Lits) {
			j++
			val = cmd.Lits[j]
			if !cmd.Static[j] {
				return fmt.Sprintf("line %d installs with %s %s, which dfopt cannot read", line, v, shellText(cmd, j))
			}
		}
		switch opt {
		case "--no-binary":
			return fmt.Sprintf("line %d builds packages from source (--no-binary), with the compilers of %s", line, c.base)
		case "-e", "--editable":
			if need := c.requirement(val, line); need != "" {
				return need
			}
		case "-r", "--requirement", "-c", "--constraint":
			if need := c.requirementsFile(val, ins, line, 0); need != "" {
				return need
			}
		}
	}
	return ""
}

func shellText(cmd *shellparse.Command, j int) string {
	if j < len(cmd.Lits) && cmd.Static[j] {
		return cmd.Lits[j]
	}
	return "a word with variables"
}

// requirement says why one requirement needs the full image.
func (c *checker) requirement(v string, line int) string {
	switch {
	case strings.HasSuffix(v, ".whl"):
		return "" // a built wheel
	case strings.HasPrefix(v, "git+") || strings.Contains(v, ".git@") || strings.HasSuffix(v, ".git"):
		if !c.installed["git"] {
			return fmt.Sprintf("line %d installs %s from git, which %s does not have", line, v, c.slim)
		}
		return fmt.Sprintf("line %d installs %s from its sources, which may build native code", line, v)
	case strings.Contains(v, "://"):
		return fmt.Sprintf("line %d installs %s, which may be sources that build native code", line, v)
	case manifests.LocalPath(v) || strings.HasPrefix(v, ".") || strings.HasPrefix(v, "/"):
		return c.localProject(v, line)
	}
	name := manifests.NormalizeDist(reqName(v))
	if _, ok := manifests.PinnedSourceBuild(v); ok {
		return fmt.Sprintf("line %d installs %s, a version that pip builds from source with a compiler and C headers", line, v)
	}
	if manifests.PythonSourceBuilds.Get()[name] {
		return fmt.Sprintf("line %d installs %s, which pip builds from source with a compiler and C headers", line, name)
	}
	if manifests.PythonSystemLibraryUsers.Get()[name] {
		return fmt.Sprintf("line %d installs %s, which loads a system library at run time that %s does not have", line, name, c.slim)
	}
	return ""
}

func reqName(v string) string {
	for i, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return v[:i]
		}
	}
	return v
}

// localProject says why installing a project from the build context
// needs the full image: its build files name native code, or they
// cannot be read.
func (c *checker) localProject(v string, line int) string {
	dir := c.contextPath(strings.TrimSuffix(v, "/"))
	if abs := path.Clean(v); path.IsAbs(abs) {
		// The directory a COPY from the context fills.
		for _, st := range c.ctx.Doc.Stages {
			if !stages.Descends(st, c.root) {
				continue
			}
			for _, ins := range st.Instructions {
				if ins.Cmd == "copy" && len(ins.Args) == 2 && len(ins.Flags) == 0 && path.Clean(ins.Args[1]) == abs {
					dir = c.contextPath(ins.Args[0])
				}
			}
		}
	}
	found := false
	for _, f := range []string{"setup.py", "pyproject.toml", "setup.cfg"} {
		data, ok := c.read(path.Join(dir, f))
		if !ok {
			continue
		}
		found = true
		for _, mark := range []string{"ext_modules", "Extension(", "cythonize", "cffi_modules", "pybind11", "scikit-build",
			"scikit_build", "maturin", "setuptools-rust", "setuptools_rust", "meson-python", "Cython", "cython"} {
			if strings.Contains(string(data), mark) {
				return fmt.Sprintf("line %d installs the project in %s, whose %s builds native code (%s)", line, v, f, mark)
			}
		}
	}
	if !found {
		return fmt.Sprintf("line %d installs the project in %s, whose build files are not in the build context dfopt reads", line, v)
	}
	return ""
}

// requirementsFile reads a requirements file and checks what it names.
func (c *checker) requirementsFile(name string, ins *dockerfile.Instruction, line, depth int) string {
	data, ok := c.find(name)
	if !ok {
		return fmt.Sprintf("line %d installs the requirements in %s, which is not in the build context dfopt reads", line, name)
	}
	names, includes, others := manifests.Requirements(string(data))
	for _, n := range names {
		if manifests.PythonSourceBuilds.Get()[n] {
			return fmt.Sprintf("line %d installs %s (from %s), which pip builds from source with a compiler and C headers", line, n, name)
		}
		if manifests.PythonSystemLibraryUsers.Get()[n] {
			return fmt.Sprintf("line %d installs %s (from %s), which loads a system library at run time that %s does not have", line, n, name, c.slim)
		}
	}
	if pins := manifests.PinnedSourceBuilds(string(data)); len(pins) > 0 {
		return fmt.Sprintf("line %d installs a version of %s (from %s) that pip builds from source with a compiler and C headers", line, pins[0], name)
	}
	for _, o := range others {
		if need := c.requirement(strings.Fields(o)[0], line); need != "" {
			return need + " (from " + name + ")"
		}
	}
	if depth < 3 {
		for _, inc := range includes {
			if need := c.requirementsFile(path.Join(path.Dir(name), inc), ins, line, depth+1); need != "" {
				return need
			}
		}
	}
	return ""
}

var nodeVerbs = []string{"install", "i", "ci", "add", "update", "up", "upgrade", "rebuild", "install-clean", "isntall", "in"}

func (c *checker) nodeInstall(cmd *shellparse.Command, ins *dockerfile.Instruction, line int) string {
	s, i := cmd.Subcommand("--prefix", "-C", "--dir", "--cwd", "--registry", "--cache", "--filter", "-F")
	if !slices.Contains(nodeVerbs, s) && !(cmd.Name == "yarn" && s == "") {
		return ""
	}
	if s == "rebuild" {
		return fmt.Sprintf("line %d rebuilds native addons, with the python3, make and g++ of %s", line, c.base)
	}
	// Packages named on the command line.
	for j := i + 1; i >= 0 && j < len(cmd.Lits); j++ {
		v := cmd.Lits[j]
		if !cmd.Static[j] || strings.HasPrefix(v, "-") {
			continue
		}
		name := npmName(v)
		if manifests.NodeNativeAddons.Get()[name] {
			return fmt.Sprintf("line %d installs %s, which builds a native addon with python3, make and g++", line, name)
		}
	}
	// The project's dependencies.
	for _, lock := range []string{"package-lock.json", "npm-shrinkwrap.json"} {
		if data, ok := c.find(lock); ok {
			names, ok := manifests.LockPackages(data)
			if !ok {
				return fmt.Sprintf("line %d installs what %s lists, which dfopt cannot read", line, lock)
			}
			return c.nativeIn(names, lock, line)
		}
	}
	for _, lock := range []string{"yarn.lock", "pnpm-lock.yaml"} {
		if data, ok := c.find(lock); ok {
			for name := range manifests.NodeNativeAddons.Get() {
				if strings.Contains(string(data), "\n"+name+"@") || strings.Contains(string(data), "\n\""+name+"@") ||
					strings.Contains(string(data), "/"+name+"@") || strings.Contains(string(data), "\n  "+name+"@") {
					return fmt.Sprintf("line %d installs %s (in %s), which builds a native addon with python3, make and g++", line, name, lock)
				}
			}
			return ""
		}
	}
	if data, ok := c.find("package.json"); ok {
		names, ok := manifests.PackageDeps(data)
		if !ok {
			return fmt.Sprintf("line %d installs what package.json lists, which dfopt cannot read", line)
		}
		return c.nativeIn(names, "package.json", line)
	}
	if i >= 0 && i+1 < len(cmd.Args) && (s == "install" || s == "i" || s == "add") && cmd.HasArg(shellparse.ArgIs("-g", "--global")) {
		return "" // global tools named above
	}
	return fmt.Sprintf("line %d installs the project's dependencies, and package.json is not in the build context dfopt reads", line)
}

func (c *checker) nativeIn(names []string, file string, line int) string {
	for _, n := range names {
		if manifests.NodeNativeAddons.Get()[n] {
			return fmt.Sprintf("line %d installs %s (in %s), which builds a native addon with python3, make and g++", line, n, file)
		}
	}
	return ""
}

// npmName is the package name of an npm install argument (name@version,
// @scope/name@version).
func npmName(v string) string {
	if strings.HasPrefix(v, "@") {
		if i := strings.Index(v[1:], "@"); i >= 0 {
			return v[:i+1]
		}
		return v
	}
	name, _, _ := strings.Cut(v, "@")
	return name
}

// find reads a file of the build context: name as given, or a file of
// that base name that a COPY of the stages takes from the context, or at
// the context's root.
func (c *checker) find(name string) ([]byte, bool) {
	name = strings.TrimPrefix(path.Clean(name), "./")
	if data, ok := c.read(c.contextPath(name)); ok {
		return data, true
	}
	base := path.Base(name)
	for _, st := range c.ctx.Doc.Stages {
		if !stages.Descends(st, c.root) {
			continue
		}
		for _, ins := range st.Instructions {
			if ins.Cmd != "copy" && ins.Cmd != "add" || len(ins.Args) < 2 || slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from") }) {
				continue
			}
			for _, src := range ins.Args[:len(ins.Args)-1] {
				src = strings.TrimPrefix(path.Clean(src), "/")
				if path.Base(src) == base {
					if data, ok := c.read(src); ok {
						return data, true
					}
				}
				if data, ok := c.read(path.Join(src, base)); ok {
					return data, true
				}
			}
		}
	}
	return c.read(base)
}

func (c *checker) contextPath(p string) string {
	p = strings.TrimPrefix(path.Clean(p), "/")
	if p == "" {
		return "."
	}
	return p
}

func (c *checker) read(p string) ([]byte, bool) {
	if c.ctx.BuildContext == nil || !fs.ValidPath(p) {
		return nil, false
	}
	data, err := fs.ReadFile(c.ctx.BuildContext, p)
	return data, err == nil
}

// shells and REPLs that an image runs when it is a toolbox or a
// development container rather than a program: what is run in it comes
// at docker run or exec time, and may need what the slim variant lacks.
var interactive = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "fish": true,
		"python": true, "python3": true, "node": true, "irb": true, "ipython": true,
	}
}}

// placeholder says why the command of a stage (with the stages it is
// built from) is not a program whose needs the file shows: none of its
// own (a base for other images), a shell or REPL, or one that only keeps
// the container running (sleep infinity, tail -f /dev/null). "" when it
// is a program.
func placeholder(target *dockerfile.Stage) string {
	var cmd, entrypoint *dockerfile.Instruction
	for st := target; st != nil; st = st.Parent {
		for _, ins := range slices.Backward(st.Instructions) {
			switch {
			case ins.Cmd == "cmd" && cmd == nil:
				cmd = ins
			case ins.Cmd == "entrypoint" && entrypoint == nil:
				entrypoint = ins
			}
		}
	}
	if cmd == nil && entrypoint == nil {
		return "the image has no CMD or ENTRYPOINT of its own: it may be a base for other images, which may need the full one"
	}
	var words []string
	for _, ins := range []*dockerfile.Instruction{entrypoint, cmd} {
		switch {
		case ins == nil:
		case ins.JSON:
			words = append(words, ins.Args...)
		default:
			words = append(words, strings.Fields(strings.Join(ins.Args, " "))...)
		}
		if ins != nil && !ins.JSON {
			break // a shell-form ENTRYPOINT ignores CMD
		}
	}
	for len(words) > 0 && (path.Base(words[0]) == "tini" || path.Base(words[0]) == "dumb-init" || words[0] == "--") {
		words = words[1:]
	}
	if len(words) == 0 {
		return ""
	}
	prog, rest := path.Base(words[0]), words[1:]
	rest = slices.DeleteFunc(slices.Clone(rest), func(w string) bool { return w == "-l" || w == "-i" || w == "--login" })
	switch {
	case interactive.Get()[prog] && len(rest) == 0:
		return fmt.Sprintf("the image runs %s: what is run in it comes at run time and may need the full image", prog)
	case shellparse.KeepsAlive(words):
		return fmt.Sprintf("the image runs %s, which keeps a container for other commands running: they may need the full image", strings.Join(words, " "))
	}
	return ""
}
