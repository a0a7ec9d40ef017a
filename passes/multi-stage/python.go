package multistage

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/toolchains"
)

var pythonEcosystem = &ecosystem{
	what:    "compilers and headers",
	matches: func(name, tag string) bool { return name == "python" },
	builds: func(c *shellparse.Command) bool {
		_, ok := toolchains.PipInstallOf(c)
		return ok
	},
	plan: planPython,
}

// maxOutsideFiles is how many files COPYs may put outside the working
// directory, each copied to the final stage by a COPY of its own.
const maxOutsideFiles = 8

// venvDir is where the build stage's virtual environment goes.
const venvDir = "/opt/venv"

// pythonShellOK are commands a Python build stage may run that leave
// nothing the program needs outside the app and the environment.
var pythonShellOK = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cd": true, "mkdir": true, "ls": true, "echo": true, "printf": true, "true": true, "rm": true,
		"chmod": true, "set": true, "export": true, "test": true, "[": true, "pwd": true, "cat": true,
		"touch": true, "which": true, "du": true, "update-ca-certificates": true, "compileall": true,
	}
}}

// pyBuild is the state of a Python build stage as its instructions run.
type pyBuild struct {
	s *split
	// pips are the pip installs, with their directories.
	pips []toolchains.Step
	// runtime are the Debian packages the program needs at run time, and
	// words the word that installs each, as the build wrote it (with its
	// version or release: libpq5=15.3-0+deb12u1, curl/bookworm-backports).
	runtime []string
	words   map[string]string
	// selects are the apt options of the installs that brought runtime
	// packages which choose versions or configure apt (-t
	// bookworm-backports, -o ...), as written; selectsSet says an install
	// has set them, selectsMixed that two differ.
	selects      []string
	selectsSet   bool
	selectsMixed bool
	// dests are where the COPYs from the context put files.
	dests []string
	// removed are the paths (or patterns) rm removes, with the index of
	// the instruction; removedUnknown tells an rm of a path that cannot
	// be told.
	removed        []removal
	removedUnknown bool
	// index is the index of the RUN read.
	index int
	// compilers: the stage installs build packages (compilers, headers).
	compilers bool
	// aptSources is the line of the first instruction that may add a
	// package repository (0 when none does).
	aptSources int
	// recommends is how the installs that brought runtime packages ran:
	// "" none yet, "no" all with --no-install-recommends, "yes" all
	// without it, "mixed" some of each.
	recommends string
}

// removal is a path an rm of the build stage removes.
type removal struct {
	path  string // absolute; may be a pattern
	index int    // of the RUN
}

// gone reports whether a file a COPY put at p is removed by an rm after
// that COPY (the instruction at index).
func (b *pyBuild) gone(p string, index int) bool {
	for _, r := range b.removed {
		if r.index < index {
			continue
		}
		for q := p; q != "/" && q != "."; q = path.Dir(q) {
			if ok, _ := path.Match(r.path, q); ok || q == r.path {
				return true
			}
		}
	}
	return false
}

// aptSourceWords mark a RUN that may add a package repository (or its key)
// for apt: the final stage would install from the default ones only.
var aptSourceWords = []string{"/etc/apt", "sources.list", "apt-key", "add-apt-repository", "keyring", "gpg", "extrepo"}

// aptSource reports whether a text may add a package repository for apt.
func aptSource(text string) bool {
	return slices.ContainsFunc(aptSourceWords, func(w string) bool { return strings.Contains(text, w) })
}

func planPython(s *split) (*plan, string) {
	slim, ok := toolchains.PythonSlimTag(s.tag)
	switch {
	case strings.Contains(s.st.Base, "@"):
		return nil, "the base is pinned by digest, and the digest of its slim variant is not known"
	case !ok:
		return nil, fmt.Sprintf("no slim variant of %s is known (or it is Alpine, whose wheels are another story)", s.st.Base)
	}
	b := &pyBuild{s: s}
	for _, ins := range s.st.Instructions[1:] {
		if why := b.instruction(ins); why != "" {
			return nil, why
		}
	}
	if len(b.pips) == 0 {
		return nil, "no pip install"
	}
	if strings.Contains(s.tag, "slim") && !b.compilers {
		return nil, "" // the slim image without compilers: nothing to leave behind
	}
	if toolchains.FullImageTools.Get()[path.Base(s.argv[0])] {
		return nil, fmt.Sprintf("the image runs %s, which the slim image does not have", s.argv[0])
	}
	// In the full image, a package built from source may link a library
	// that only the full image has: read what is installed.
	if !strings.Contains(s.tag, "slim") {
		copied := toolchains.CopiedBy(s.ctx, s.st)
		if f := toolchains.PythonRunsPrograms(s.ctx, copied.Files); f != "" {
			return nil, fmt.Sprintf("%s runs other programs (subprocess, os.system, ...), which the slim image may not have (%s has git, gcc, curl, ...)", f, s.st.Base)
		}
		for _, st := range b.pips {
			pi, _ := toolchains.PipInstallOf(st.Cmd)
			names := slices.Clone(pi.Packages)
			for _, r := range pi.Requirements {
				p := toolchains.Resolve(st.Dir, r)
				found := false
				for _, f := range copied.Files {
					if f.Image == p {
						if data, ok := toolchains.ReadFile(s.ctx, f.Context); ok {
							names = append(names, toolchains.RequirementNames(data)...)
							found = true
						}
					}
				}
				if !found {
					return nil, fmt.Sprintf("cannot read %s: a package built from source in %s may link a library that the slim image does not have", r, s.st.Base)
				}
			}
			for _, n := range names {
				n = manifests.NormalizeDist(toolchains.PipPackageName(n))
				pkg, ok := manifests.PythonSourceBuildLibraries.Get()[n]
				switch {
				case manifests.PythonSystemLibraryUsers.Get()[n]:
					return nil, fmt.Sprintf("%s loads a system library at run time, which the slim image does not have", n)
				case !ok && manifests.PythonSourceBuilds.Get()[n]:
					return nil, fmt.Sprintf("pip builds %s from source, which may link libraries of %s that the slim image does not have", n, s.st.Base)
				case ok && !slices.Contains(b.runtime, pkg):
					b.runtime = append(b.runtime, pkg)
				}
			}
		}
	}

	// The app: what the COPYs brought, in the working directory or where
	// else they put it.
	var copies [][2]string
	add := func(p string) {
		if !slices.ContainsFunc(copies, func(c [2]string) bool { return c[0] == p }) {
			copies = append(copies, [2]string{p, p})
		}
	}
	var outside []string
	for _, d := range b.dests {
		switch {
		case d == "/":
			return nil, "a COPY puts files into /; set a WORKDIR for the app"
		case s.wd != "/" && stagesUnder(d, s.wd):
			add(s.wd)
		default:
			outside = append(outside, d)
		}
	}
	// Elsewhere (/etc/, /usr/local/lib/, /opt/): the files the COPYs put
	// there, not the directory, which holds the build image's own files.
	if len(outside) > 0 {
		copied := toolchains.CopiedBy(s.ctx, s.st)
		if copied.Unknown != "" {
			return nil, fmt.Sprintf("a COPY puts files into %s, outside the working directory, and which ones cannot be told: %s", outside[0], copied.Unknown)
		}
		var files []string
		for _, f := range copied.Files {
			if slices.ContainsFunc(outside, func(d string) bool { return stagesUnder(f.Image, d) }) &&
				!(s.wd != "/" && stagesUnder(f.Image, s.wd)) && !slices.Contains(files, f.Image) {
				switch {
				case b.removedUnknown:
					return nil, fmt.Sprintf("a COPY puts %s outside the working directory, and an rm removes files that cannot be told", f.Image)
				case b.gone(f.Image, f.Ins.Index):
					continue // a build input (COPY x.whl /tmp/, then rm)
				}
				files = append(files, f.Image)
			}
		}
		if len(files) > maxOutsideFiles {
			return nil, fmt.Sprintf("the COPYs put %d files outside the working directory (in %s, ...); copy them into a final stage by hand", len(files), outside[0])
		}
		for _, f := range files {
			add(f)
		}
	}
	if why := b.systemPaths(copies); why != "" {
		return nil, why
	}
	image := s.st.Base
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	image += ":" + slim
	kw := s.doc.KeywordCase
	p := &plan{
		runtime: image,
		afterFrom: []string{
			kw("RUN") + " python3 -m venv " + venvDir,
			kw("ENV") + " PATH=" + venvDir + "/bin:$PATH",
		},
		copies:   copies,
		dropEnv:  func(key, _ string) bool { return toolchains.PythonToolchainEnv(key) },
		keepVars: []string{"PATH", "PYTHON_VERSION", "LANG", "GPG_KEY", "PYTHON_SHA256", "PYTHON_PIP_VERSION", "PYTHON_SETUPTOOLS_VERSION", "PYTHON_GET_PIP_URL", "PYTHON_GET_PIP_SHA256"},
		changes:  []string{"Env[PATH]", venvDir + "/"},
	}
	with := ""
	if len(b.runtime) > 0 {
		switch {
		case b.aptSources > 0:
			return nil, fmt.Sprintf("line %d may add a package repository, which the final stage's install of %s would not have", b.aptSources, strings.Join(b.runtime, ", "))
		case b.recommends == "mixed":
			return nil, "the build installs packages both with and without --no-install-recommends, which one install in the final stage cannot repeat"
		case b.selectsMixed:
			return nil, "the build installs packages with different apt options (-t, -o, -c), which one install in the final stage cannot repeat"
		}
		opts := "-y --no-install-recommends "
		if b.recommends == "yes" {
			opts = "-y "
		}
		for _, o := range b.selects {
			opts += shellparse.Quote(o) + " "
		}
		slices.Sort(b.runtime)
		var words []string
		for _, rt := range b.runtime {
			w, ok := b.words[rt]
			if !ok {
				w = rt // a package the full image's install brought
			}
			words = append(words, shellparse.Quote(w))
		}
		p.setup = append(p.setup, kw("RUN")+" apt-get update && apt-get install "+opts+
			strings.Join(words, " ")+" && rm -rf /var/lib/apt/lists/*")
		with = " with " + strings.Join(b.runtime, ", ")
	}
	p.setup = append(p.setup, "COPY --from=build "+venvDir+" "+venvDir, kw("ENV")+" PATH="+venvDir+"/bin:$PATH")
	what := "it"
	if len(copies) > 0 {
		what = "it and the app"
	}
	p.fix = fmt.Sprintf("install into a virtual environment in a stage of its own and copy %s onto %s%s", what, image, with)
	return p, ""
}

// instruction reads one instruction of the build stage.
func (b *pyBuild) instruction(ins *dockerfile.Instruction) string {
	line := b.s.ctx.Line(ins.Span.Start)
	switch ins.Cmd {
	case "copy", "add":
		if hasFlag(ins, "--from") {
			return fmt.Sprintf("%s on line %d brings files from elsewhere, which the program may need", strings.ToUpper(ins.Cmd), line)
		}
		if len(ins.Args) < 2 || len(ins.Heredocs()) > 0 {
			return fmt.Sprintf("%s on line %d cannot be read", strings.ToUpper(ins.Cmd), line)
		}
		dest := ins.Args[len(ins.Args)-1]
		d := toolchains.Resolve(toolchains.Workdir(ins), dest)
		if d == "" || strings.Contains(dest, "$") {
			return fmt.Sprintf("%s on line %d copies to a directory that is not known", strings.ToUpper(ins.Cmd), line)
		}
		if b.aptSources == 0 && (aptSource(d) || strings.HasPrefix(d, "/usr/share/keyrings") || strings.HasPrefix(d, "/etc/pki")) {
			b.aptSources = line
		}
		if !slices.Contains(b.dests, d) {
			b.dests = append(b.dests, d)
		}
	case "env":
		for i := 0; i+1 < len(ins.Args); i += 3 {
			if ins.Args[i] == "VIRTUAL_ENV" || ins.Args[i] == "PYTHONUSERBASE" {
				return fmt.Sprintf("ENV on line %d sets %s: the build has an environment of its own", line, ins.Args[i])
			}
		}
	case "run":
		r, _ := runs.Parse(ins)
		if r == nil {
			return fmt.Sprintf("the RUN on line %d cannot be read", line)
		}
		b.index = ins.Index
		text := ins.Text
		for _, h := range ins.Heredocs() {
			text += "\n" + h.Content
		}
		if b.aptSources == 0 && aptSource(text) {
			b.aptSources = line
		}
		for _, step := range toolchains.Steps(r.Prog, toolchains.Workdir(ins)) {
			if why := b.step(step, line); why != "" {
				return why
			}
		}
	}
	return ""
}

func (b *pyBuild) step(step toolchains.Step, line int) string {
	c := step.Cmd
	if pi, ok := toolchains.PipInstallOf(c); ok {
		switch {
		case pi.Elsewhere != "":
			return fmt.Sprintf("the pip install on line %d installs with %s, outside the environment", line, pi.Elsewhere)
		case pi.Absolute:
			return fmt.Sprintf("the pip install on line %d runs pip by its path, not the virtual environment's", line)
		case c.Conditional:
			return fmt.Sprintf("the pip install on line %d may not run", line)
		}
		b.pips = append(b.pips, step)
		return ""
	}
	switch {
	case c.Name == "" && c.NameIdx < 0:
	case c.Name == "mkdir" || c.Name == "touch":
		return b.s.noteCreates(step, line)
	case c.Name == "rm":
		for i, a := range c.Lits {
			switch {
			case !c.Static[i]:
				b.removedUnknown = true
			case strings.HasPrefix(a, "-"):
			default:
				if p := toolchains.Resolve(step.Dir, a); p != "" {
					b.removed = append(b.removed, removal{p, b.index})
				} else {
					b.removedUnknown = true
				}
			}
		}
	case c.Module == "venv" || c.Name == "virtualenv":
		return fmt.Sprintf("the RUN on line %d makes a virtual environment of its own", line)
	case c.Module != "" && c.Module != "compileall" || strings.HasPrefix(c.Name, "python"):
		if c.Module == "" && pythonImportCheck(c) {
			return "" // a check: python -c "import x"
		}
		return fmt.Sprintf("the RUN on line %d runs python, which may write files the program needs outside the app (downloaded data, models)", line)
	case c.Name == "poetry" || c.Name == "pipenv" || c.Name == "uv" || c.Name == "conda" || c.Name == "pdm":
		return fmt.Sprintf("the RUN on line %d installs with %s, into an environment of its own", line, c.Name)
	case c.Name == "apt-get" || c.Name == "apt" || c.Name == "aptitude":
		in, ok := toolchains.InstallOf(c)
		if !ok {
			return ""
		}
		if !in.Static {
			return fmt.Sprintf("the RUN on line %d installs packages named by variables", line)
		}
		before := len(b.runtime)
		defer func() {
			if len(b.runtime) == before {
				return
			}
			rec := "yes"
			if slices.Contains(c.Lits, "--no-install-recommends") {
				rec = "no"
			}
			switch b.recommends {
			case "", rec:
				b.recommends = rec
			default:
				b.recommends = "mixed"
			}
		}()
		for k, pkg := range in.Packages {
			word := in.Words[k]
			rt, mapped := toolchains.PythonRuntimePackages.Get()[pkg]
			switch {
			case toolchains.PythonBuildPackages.Get()[pkg]:
				b.compilers = true
				continue
			case mapped && word != pkg:
				return fmt.Sprintf("the RUN on line %d installs %s, and which version of %s goes with it is not known", line, word, rt)
			case mapped:
				b.compilers = true
				word = rt
			case strings.HasSuffix(pkg, "-dev"):
				return fmt.Sprintf("the RUN on line %d installs %s, and the package with its library at run time is not known", line, pkg)
			default:
				rt = pkg // a program or library the program itself may use
			}
			if b.words == nil {
				b.words = map[string]string{}
			}
			if w, seen := b.words[rt]; seen && w != word {
				return fmt.Sprintf("the RUN on line %d installs %s, and an earlier install %s", line, word, w)
			}
			b.words[rt] = word
			if !slices.Contains(b.runtime, rt) {
				b.runtime = append(b.runtime, rt)
			}
		}
		if len(b.runtime) > before {
			switch {
			case !b.selectsSet:
				b.selects, b.selectsSet = in.Select, true
			case !slices.Equal(b.selects, in.Select):
				b.selectsMixed = true
			}
		}
	case c.Name == "apk":
		return fmt.Sprintf("the RUN on line %d installs with apk", line)
	case pythonShellOK.Get()[c.Name]:
	case c.Name == "":
		return fmt.Sprintf("the RUN on line %d runs a command named by a variable", line)
	default:
		return fmt.Sprintf("the RUN on line %d runs %s, which may make files the program needs outside the app", line, c.Name)
	}
	return ""
}

// pythonCheckStatement matches a statement of a python -c that only
// imports modules or prints names of them: import x, from x import y,
// print(x.__version__).
var pythonCheckStatement = lazyre.New(`^(import [\w., ]+|from [\w.]+ import [\w., ]+|print\([\w.'" ,]*\))$`)

// pythonImportCheck reports whether the python command is `python -c CODE`
// whose code only imports and prints (a check that the install works):
// other code may write anywhere (nltk.download, a model from_pretrained),
// which the final stage would not have.
func pythonImportCheck(c *shellparse.Command) bool {
	i := slices.Index(c.Lits, "-c")
	if i < 0 || i+1 >= len(c.Lits) || !c.Static[i] || !c.Static[i+1] {
		return false
	}
	for j, a := range c.Lits[:i] {
		if !c.Static[j] || !strings.HasPrefix(a, "-") {
			return false
		}
	}
	code := strings.TrimSpace(c.Lits[i+1])
	if code == "" {
		return false
	}
	for _, st := range strings.FieldsFunc(code, func(r rune) bool { return r == ';' || r == '\n' }) {
		if st = strings.TrimSpace(st); st != "" && !pythonCheckStatement.MatchString(st) {
			return false
		}
	}
	return true
}

// systemPythonPaths are where the python image keeps its interpreter, the
// console scripts pip installs and the packages: the virtual environment
// moves the packages and scripts to /opt/venv, and a path naming them
// bypasses PATH.
var systemPythonPaths = []string{"/usr/local/bin/", "/usr/local/lib/python", "/usr/bin/python", "/usr/local/sbin/"}

// systemPaths says why the build cannot move to a virtual environment: an
// instruction names the python image's interpreter, a console script by
// its path (/usr/local/bin/gunicorn), or its site-packages (a
// sitecustomize.py COPY'd there, a PYTHONPATH), which the environment's
// interpreter does not use. Files the COPYs put there and the final stage
// gets (copies) may be named.
func (b *pyBuild) systemPaths(copies [][2]string) string {
	for _, d := range b.dests {
		if strings.HasPrefix(d, "/usr/local/lib/python") {
			return fmt.Sprintf("a COPY puts files into %s, which the virtual environment's interpreter does not read", d)
		}
	}
	for _, ins := range b.s.st.Instructions[1:] {
		if ins.Cmd == "copy" || ins.Cmd == "add" {
			continue
		}
		text := ins.Text
		for _, h := range ins.Heredocs() {
			text += "\n" + h.Content
		}
		for _, sp := range systemPythonPaths {
			for rest := text; ; {
				i := strings.Index(rest, sp)
				if i < 0 {
					break
				}
				rest = rest[i:]
				j := strings.IndexAny(rest, " \t\r\n\"',:;=)`")
				if j < 0 {
					j = len(rest)
				}
				p := rest[:j]
				rest = rest[len(sp):]
				if slices.ContainsFunc(copies, func(c [2]string) bool { return stagesUnder(p, c[1]) }) {
					continue
				}
				return fmt.Sprintf("%s on line %d names %s, which the virtual environment does not replace (its interpreter, scripts and packages are in %s)",
					strings.ToUpper(ins.Cmd), b.s.ctx.Line(ins.Span.Start), p, venvDir)
			}
		}
	}
	return ""
}
