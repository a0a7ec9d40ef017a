package multistage

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/toolchains"
)

var nodeEcosystem = &ecosystem{
	what:    "the devDependencies and the build's sources",
	matches: func(name, tag string) bool { return name == "node" },
	builds: func(c *shellparse.Command) bool {
		ns, ok := toolchains.NodeStepOf(c)
		return ok && ns.Install
	},
	plan: planNode,
}

// nodeShellOK are commands a Node.js build stage may run that leave
// nothing the program needs outside its build output.
var nodeShellOK = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cd": true, "mkdir": true, "ls": true, "echo": true, "printf": true, "true": true, "rm": true,
		"chmod": true, "chown": true, "set": true, "export": true, "test": true, "[": true, "pwd": true, "cat": true,
		"touch": true, "which": true, "du": true, "corepack": true, "git": true, "update-ca-certificates": true,
	}
}}

// nodeBuild is the state of a Node.js build stage as its instructions run.
type nodeBuild struct {
	s *split
	// manager is the package manager of the install, dir where it ran.
	manager, dir string
	// built: a script ran after the install (the build); pruned: the
	// devDependencies were removed after it.
	built, pruned bool
	// globals are the package managers installed in the build stage
	// (npm i -g pnpm, corepack), which the runtime image does not have.
	globals []string
}

func planNode(s *split) (*plan, string) {
	slim, ok := toolchains.NodeSlimTag(s.tag)
	if strings.Contains(s.st.Base, "@") {
		return nil, "the base is pinned by digest, and the digest of its slim variant is not known"
	}
	if !ok {
		return nil, fmt.Sprintf("no slim variant of %s is known", s.st.Base)
	}
	n := &nodeBuild{s: s}
	for _, ins := range s.st.Instructions[1:] {
		if why := n.instruction(ins); why != "" {
			return nil, why
		}
	}
	switch {
	case n.manager == "":
		return nil, "no npm, Yarn or pnpm install of the project's dependencies"
	case !n.built:
		return nil, "no build runs after the install: the program runs from its sources, which the final stage would need"
	case n.dir != s.wdEnd:
		return nil, fmt.Sprintf("the install runs in %s, and the program in %s", n.dir, s.wdEnd)
	}
	copied := toolchains.CopiedBy(s.ctx, s.st)
	if copied.Unknown != "" {
		return nil, "cannot tell which files the COPYs bring and whether the program reads them at run time: " + copied.Unknown
	}
	var pkgFile string
	for _, f := range copied.Files {
		if f.Image == path.Join(n.dir, "package.json") {
			pkgFile = f.Context
		}
	}
	if pkgFile == "" {
		return nil, "no package.json is copied into " + n.dir
	}
	data, _ := toolchains.ReadFile(s.ctx, pkgFile)
	pkg := toolchains.ParsePackageJSON(data)
	if pkg == nil {
		return nil, pkgFile + " does not parse"
	}
	if pkg.Workspaces != nil {
		return nil, pkgFile + " declares workspaces"
	}
	for dep, lib := range toolchains.NodeNativeLibraries.Get() {
		if _, ok := pkg.Dependencies[dep]; ok {
			return nil, fmt.Sprintf("the dependency %s links %s, which the slim image does not have", dep, lib)
		}
	}

	// The file the program runs, and the build output it is in.
	argv := s.argv
	runner := ""
	if prog := path.Base(argv[0]); prog == "npm" || prog == "yarn" || prog == "pnpm" {
		st, script := nodeRunsScript(argv)
		if !st {
			return nil, fmt.Sprintf("the image runs %s", strings.Join(argv, " "))
		}
		if prog == "pnpm" || slices.Contains(n.globals, prog) {
			return nil, fmt.Sprintf("the image runs %s, which is installed in the build stage only", prog)
		}
		words, ok := toolchains.NodeScriptCommand(pkg.Scripts[script])
		if !ok {
			return nil, fmt.Sprintf("the %s script of %s is not one command of literal words", script, pkgFile)
		}
		runner, argv = prog+" "+script, words
	}
	if path.Base(argv[0]) != "node" {
		what := "the image runs " + argv[0]
		if runner != "" {
			what = "the " + runner + " script runs " + argv[0]
		}
		return nil, what + ", not node with a file of the build output"
	}
	file := toolchains.NodeScriptFile(argv[1:])
	if file == "." || file == "./" {
		file = pkg.Main
		if file == "" {
			file = "index.js"
		}
	}
	if file == "" {
		return nil, "node runs no script file"
	}
	if why := n.preloads(argv[1:], file); why != "" {
		return nil, why
	}
	abs := toolchains.Resolve(n.dir, file)
	rel := strings.TrimPrefix(abs, n.dir+"/")
	out, _, nested := strings.Cut(rel, "/")
	if abs == "" || !strings.HasPrefix(abs, n.dir+"/") || !nested || out == "node_modules" || out == ".." {
		return nil, fmt.Sprintf("the program runs %s, which is not in a directory the build makes", file)
	}
	outDir := path.Join(n.dir, out)
	var runtime []string
	for _, f := range copied.Files {
		if stagesUnder(f.Image, outDir) {
			return nil, fmt.Sprintf("the program runs %s, and %s comes from the source tree", file, out+"/")
		}
		if !f.Dir && !toolchains.NodeBuildFile(f.Context) {
			runtime = append(runtime, f.Context)
		}
	}
	if len(runtime) > 0 {
		if len(runtime) > 3 {
			runtime = append(runtime[:3], "...")
		}
		return nil, "the program may read files of the source tree at run time (" + strings.Join(runtime, ", ") + "); copy them into a final stage by hand"
	}

	prune := ""
	switch n.manager {
	case "npm":
		prune = "npm prune --omit=dev"
		if v := toolchains.NodeMajor(s.tag); v != 0 && v < 16 {
			prune = "npm prune --production"
		}
	case "yarn":
		if strings.HasPrefix(pkg.PackageManager, "yarn@") && !strings.HasPrefix(pkg.PackageManager, "yarn@1") {
			return nil, "Yarn 2 and later prune devDependencies only with a plugin"
		}
		for _, f := range copied.Files {
			if path.Base(f.Context) == ".yarnrc.yml" {
				return nil, "Yarn 2 and later prune devDependencies only with a plugin"
			}
		}
		prune = "yarn install --production --frozen-lockfile"
	case "pnpm":
		prune = "pnpm prune --prod"
	}
	if n.manager != "npm" && !n.pruned {
		// Yarn 1's install runs the root package's lifecycle scripts
		// again, after the devDependencies they may run are gone
		// (patch-package, husky), and pnpm's prune is an install too;
		// --ignore-scripts would skip the dependencies' install scripts
		// as well.
		for _, sc := range rootLifecycleScripts {
			if strings.TrimSpace(pkg.Scripts[sc]) != "" {
				return nil, fmt.Sprintf("the %s script of %s may run again in the %s that prunes the devDependencies, without them", sc, pkgFile, prune)
			}
		}
	}
	image := "node:" + slim
	if i := strings.LastIndex(s.st.Base, ":"); i > strings.LastIndex(s.st.Base, "/") {
		image = s.st.Base[:i] + ":" + slim
	} else {
		image = s.st.Base + ":" + slim
	}
	if image != s.st.Base {
		if f := toolchains.NodeRunsPrograms(s.ctx, copied.Files); f != "" {
			return nil, fmt.Sprintf("%s runs other programs (child_process), which %s may not have (%s has git, python3, gcc, curl, ...)", f, image, s.st.Base)
		}
	}
	var beforeFinal []string
	how := "which prunes the devDependencies"
	if !n.pruned {
		beforeFinal = []string{s.doc.KeywordCase("RUN") + " " + prune}
		how = "pruning the devDependencies with " + prune
	}
	p := &plan{
		runtime:     image,
		beforeFinal: beforeFinal,
		copies: [][2]string{
			{path.Join(n.dir, "package.json"), path.Join(n.dir, "package.json")},
			{path.Join(n.dir, "node_modules"), path.Join(n.dir, "node_modules")},
			{outDir, outDir},
		},
		dropEnv:  func(key, _ string) bool { return toolchains.NodeToolchainEnv(key) },
		keepVars: []string{"PATH", "NODE_VERSION", "YARN_VERSION"},
		changes:  []string{path.Join(n.dir, "node_modules") + "/"},
		fix: fmt.Sprintf("build in a stage of its own (%s) and copy package.json, node_modules and %s/ onto %s",
			how, out, image),
	}
	return p, ""
}

// nodePreloadOptions are node's options that load a module or read a
// file before the program runs.
var nodePreloadOptions = []string{"-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file", "--env-file-if-exists"}

// nodeQuietPreloads are preloaded modules that read no file of the
// project.
var nodeQuietPreloads = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"source-map-support/register": true}
}}

// preloads reads the options of node before the file it runs, and says
// why the build is declined: a module it preloads may read files of the
// project when the program starts, which the final stage would not have
// (tsconfig-paths/register reads tsconfig.json and resolves its paths,
// which may lead into the source tree); so does --env-file. NODE_OPTIONS
// and ts-node's variables in an ENV are read as well.
func (n *nodeBuild) preloads(args []string, file string) string {
	var mods []string
	for i := 0; i < len(args) && args[i] != file; i++ {
		a := args[i]
		for _, o := range nodePreloadOptions {
			switch {
			case a == o && i+1 < len(args):
				mods = append(mods, o+" "+args[i+1])
				i++
			case strings.HasPrefix(a, o+"="):
				mods = append(mods, o+" "+a[len(o)+1:])
			case o == "-r" && strings.HasPrefix(a, "-r") && len(a) > 2:
				mods = append(mods, "-r "+a[2:])
			}
		}
	}
	for _, ins := range n.s.st.Instructions {
		if ins.Cmd != "env" {
			continue
		}
		for i := 0; i+1 < len(ins.Args); i += 3 {
			switch k, v := ins.Args[i], ins.Args[i+1]; {
			case strings.HasPrefix(k, "TS_NODE_"):
				return fmt.Sprintf("ENV on line %d sets %s, which the program may read at run time", n.s.ctx.Line(ins.Span.Start), k)
			case k == "NODE_OPTIONS" && slices.ContainsFunc(nodePreloadOptions, func(o string) bool { return strings.Contains(v, o) }):
				return fmt.Sprintf("NODE_OPTIONS (line %d) preloads modules or files, which may read files of the source tree at run time", n.s.ctx.Line(ins.Span.Start))
			}
		}
	}
	for _, m := range mods {
		o, mod, _ := strings.Cut(m, " ")
		switch {
		case strings.HasPrefix(o, "--env-file"):
			return fmt.Sprintf("node reads %s (%s) at run time, which the final stage would not have", mod, o)
		case nodeQuietPreloads.Get()[mod]:
		default:
			return fmt.Sprintf("node preloads %s (%s), which may read files of the source tree at run time", mod, o)
		}
	}
	return ""
}

// rootLifecycleScripts are the scripts of the root package that Yarn 1's
// install runs (and pnpm's, whose prune installs).
var rootLifecycleScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// nodeRunsScript reads `npm start`, `npm run X`, `yarn X`, `yarn run X`,
// `pnpm start`: whether it runs a script, and which.
func nodeRunsScript(argv []string) (bool, string) {
	var ops []string
	for _, a := range argv[1:] {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	if len(ops) == 0 {
		return false, ""
	}
	switch {
	case ops[0] == "start":
		return len(ops) == 1, "start"
	case (ops[0] == "run" || ops[0] == "run-script") && len(ops) == 2:
		return true, ops[1]
	case path.Base(argv[0]) == "yarn" && len(ops) == 1 && ops[0] != "install":
		return true, ops[0]
	}
	return false, ""
}

// instruction reads one instruction of the build stage.
func (n *nodeBuild) instruction(ins *dockerfile.Instruction) string {
	return n.s.steps(ins, n.step)
}

func (n *nodeBuild) step(step toolchains.Step, line int) string {
	c := step.Cmd
	if ns, ok := toolchains.NodeStepOf(c); ok {
		switch {
		case ns.Other && slices.Contains(c.Lits, "-g") || ns.Other && slices.Contains(c.Lits, "--global"):
			for _, m := range []string{"pnpm", "yarn"} {
				if slices.Contains(c.Lits, m) || slices.ContainsFunc(c.Lits, func(a string) bool { return strings.HasPrefix(a, m+"@") }) {
					n.globals = append(n.globals, m)
					return ""
				}
			}
			return fmt.Sprintf("the RUN on line %d installs packages globally, which the program may run", line)
		case ns.Prune:
			// It prunes the install when it surely runs, in its directory,
			// with its package manager; otherwise the final prune is still
			// added.
			if n.manager == ns.Manager && step.Dir == n.dir && !c.Conditional {
				n.pruned = true
			}
		case ns.Other:
			return fmt.Sprintf("the %s command on line %d changes the project's packages otherwise than an install", ns.Manager, line)
		case ns.Install:
			switch {
			case c.Conditional:
				return fmt.Sprintf("the install on line %d may not run", line)
			case ns.Production:
				return fmt.Sprintf("the install on line %d installs production dependencies only", line)
			case n.manager != "" && n.manager != ns.Manager:
				return fmt.Sprintf("the build installs with both %s and %s", n.manager, ns.Manager)
			case step.Dir == "":
				return fmt.Sprintf("the directory of the install on line %d is not known", line)
			case n.dir != "" && n.dir != step.Dir:
				return fmt.Sprintf("the build installs in %s and in %s", n.dir, step.Dir)
			}
			n.manager, n.dir = ns.Manager, step.Dir
			n.pruned = false
		case ns.Script != "" && ns.Script != "test" && n.manager != "":
			if n.pruned {
				return fmt.Sprintf("the %s script on line %d runs after the devDependencies are pruned", ns.Script, line)
			}
			n.built = true
		}
		return ""
	}
	switch {
	case c.Name == "" && c.NameIdx < 0:
	case c.Name == "mkdir" || c.Name == "touch":
		return n.s.noteCreates(step, line)
	case c.Name == "npx" || c.Name == "tsc":
		if n.manager != "" {
			n.built = true
		}
	case c.Name == "apt-get" || c.Name == "apt" || c.Name == "aptitude" || c.Name == "apk":
		return buildOnlyInstall(c, line, toolchains.NodeBuildPackages.Get())
	case nodeShellOK.Get()[c.Name]:
	case c.Name == "":
		return fmt.Sprintf("the RUN on line %d runs a command named by a variable", line)
	default:
		return fmt.Sprintf("the RUN on line %d runs %s, which may make files the program needs at run time", line, c.Name)
	}
	return ""
}
