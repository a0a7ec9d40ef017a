package passes

import (
	"encoding/json"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/shellparse"
)

// depStep is a command of a RUN that installs dependencies and reads only
// dependency manifests (requirements.txt, package.json, go.mod, ...), so
// that it can run before the sources are copied.
type depStep struct {
	eco string // ecosystem: "pip", "npm", ...
	cmd *shellparse.Command
	dir string // working directory (absolute image path; "" = unknown)

	// files are the manifests it reads, as paths relative to dir or
	// absolute; optional ones are read when they exist (.npmrc, lock files).
	files, optional []string
	// dirs are directories it reads when they exist (.yarn/releases).
	dirs []string
	// outputs are paths relative to dir that it creates (node_modules):
	// they must not come from the context, or copying the sources after
	// the install would overwrite what it made.
	outputs []string
	// lock is a lock file (relative to dir) that the step rewrites when it
	// is out of date; such a step moves only when the context has no lock
	// file for it to rewrite.
	lock string
	// prefetch, when set, is a command that fetches the dependencies from
	// the manifests alone (poetry install --no-root): it runs before the
	// sources are copied and the step itself stays after them.
	prefetch string
	// check, run with the context, returns more files the step reads and
	// why it cannot move ("" if it can).
	check depCheck
	// noContext is why the step cannot move without a context ("" = it can).
	noContext string
	// reason, when set, is why the step can never move.
	reason string
}

// staticArgs returns the command's arguments when all are static.
func staticArgs(c *shellparse.Command) ([]string, bool) {
	for _, ok := range c.Static {
		if !ok {
			return nil, false
		}
	}
	return c.Lits, true
}

// splitOpts separates options from operands. valued lists the options
// that take a value as the next word (when not given with '=').
func splitOpts(args []string, valued ...string) (opts map[string][]string, operands []string) {
	opts = map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			operands = append(operands, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") && len(a) > 2 {
			// -rfile: a short option with its value attached
			for _, v := range valued {
				if len(v) == 2 && strings.HasPrefix(a, v) {
					name, val, hasVal = v, a[2:], true
					break
				}
			}
		}
		if !hasVal {
			for _, v := range valued {
				if v == name && i+1 < len(args) {
					val, hasVal = args[i+1], true
					i++
					break
				}
			}
		}
		opts[name] = append(opts[name], val)
	}
	return opts, operands
}

func hasOpt(opts map[string][]string, names ...string) bool {
	for _, n := range names {
		if _, ok := opts[n]; ok {
			return true
		}
	}
	return false
}

// localPath reports whether a package operand names something on disk
// rather than a package in a registry.
func localPath(s string) bool {
	if strings.Contains(s, "://") {
		return strings.HasPrefix(s, "file:")
	}
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "file:") ||
		strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip") ||
		strings.HasSuffix(s, ".tgz") || (strings.Contains(s, "/") && !strings.Contains(s, "@"))
}

// contextReader reads the build context at the install's working directory:
// read returns a file's content, list the names in a directory. Paths are
// relative to the working directory.
type contextReader struct {
	read func(rel string) ([]byte, bool)
	list func(rel string) []string
}

// depCheck, run with the context, returns extra files the step reads
// (relative to its directory) and why it cannot move ("" if it can).
type depCheck func(cr contextReader) (extra []string, reason string)

// classifyDep classifies a command of a RUN: a dependency step (non-nil; its
// reason says if it cannot move), a neutral command that neither reads the
// sources nor changes how the install behaves (neutral), or anything else.
func classifyDep(c *shellparse.Command) (step *depStep, neutral bool) {
	args, static := staticArgs(c)
	name := c.Name
	if c.Module != "" {
		name = c.Module
	}
	switch {
	case name == "corepack":
		return nil, static && len(args) > 0 && (args[0] == "enable" || args[0] == "prepare")
	case (name == "npm" || name == "yarn" || name == "pnpm") && static && len(args) >= 2 && args[0] == "config" && args[1] == "set":
		return nil, true
	case name == "bundle" && static && len(args) >= 2 && args[0] == "config" && args[1] == "set" && !slicesHas(args, "--local"):
		return nil, true
	}
	mk := func(eco string) *depStep { return &depStep{eco: eco, cmd: c} }
	if !static {
		switch name {
		case "pip", "pip3", "npm", "yarn", "pnpm", "go", "pipenv", "poetry", "composer", "bundle", "dotnet":
			if len(args) > 0 && isInstallWord(c.Lits[0]) {
				st := mk(name)
				st.reason = "its arguments are not all static"
				return st, false
			}
		}
		return nil, false
	}
	if pkgmgr.IsPip(name) {
		return pipStep(mk("pip"), args)
	}
	switch name {
	case "npm":
		return npmStep(mk("npm"), args)
	case "yarn":
		return yarnStep(mk("yarn"), args)
	case "pnpm":
		return pnpmStep(mk("pnpm"), args)
	case "go":
		return goStep(mk("go"), args)
	case "pipenv":
		return pipenvStep(mk("pipenv"), args)
	case "poetry":
		return poetryStep(mk("poetry"), args)
	case "composer", "composer.phar":
		return composerStep(mk("composer"), args)
	case "bundle", "bundler":
		return bundleStep(mk("bundler"), args)
	case "dotnet":
		return dotnetStep(mk("dotnet"), args)
	case "cargo":
		if len(args) > 0 && slicesHas([]string{"build", "fetch", "install", "vendor"}, args[0]) {
			st := mk("cargo")
			st.reason = "cargo needs the sources to know the package's targets (a stub src/main.rs or cargo-chef can fetch the dependencies first)"
			return st, false
		}
	case "mvn", "mvnw", "./mvnw":
		if len(args) > 0 && mavenBuilds(args) {
			st := mk("maven")
			st.reason = "maven resolves dependencies while it builds; copy pom.xml and run mvn dependency:go-offline first (not done automatically: it downloads more than the build needs into ~/.m2)"
			return st, false
		}
	case "gradle", "gradlew", "./gradlew":
		if len(args) > 0 {
			st := mk("gradle")
			st.reason = "gradle resolves dependencies while it builds; copy the build files and the wrapper and resolve dependencies first (not done automatically: what a gradle build resolves depends on its tasks)"
			return st, false
		}
	}
	return nil, false
}

func isInstallWord(w string) bool {
	switch w {
	case "install", "i", "ci", "sync", "restore", "mod", "":
		return true
	}
	return false
}

func mavenBuilds(args []string) bool {
	for _, a := range args {
		switch a {
		case "package", "install", "verify", "compile", "test":
			return true
		}
	}
	return false
}

func slicesHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var pipValued = []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
	"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
	"-t", "--target", "--prefix", "--root", "--src", "--platform", "--python-version",
	"--implementation", "--abi", "--upgrade-strategy", "--global-option", "--install-option",
	"--config-settings", "-C", "--progress-bar", "--root-user-action", "--cache-dir", "--log",
	"--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
	"--only-binary", "--no-binary", "--report", "--python", "--use-feature", "--use-deprecated"}

func pipStep(st *depStep, args []string) (*depStep, bool) {
	if len(args) == 0 || args[0] != "install" {
		return nil, false
	}
	opts, operands := splitOpts(args[1:], pipValued...)
	switch {
	case hasOpt(opts, "-e", "--editable"):
		st.reason = "it installs a project from the sources (-e)"
		return st, false
	}
	for _, op := range operands {
		if localPath(op) {
			st.reason = "it installs " + op + ", which is on disk, not in a package index"
			return st, false
		}
	}
	for _, o := range []string{"-t", "--target", "--prefix", "--root", "--src"} {
		for _, v := range opts[o] {
			if !path.IsAbs(v) {
				st.reason = "it installs into a relative directory (" + o + " " + v + ")"
				return st, false
			}
		}
	}
	for _, o := range []string{"-f", "--find-links"} {
		for _, v := range opts[o] {
			if !strings.Contains(v, "://") || strings.HasPrefix(v, "file:") {
				st.reason = "it finds packages in " + v + ", on disk"
				return st, false
			}
		}
	}
	for _, o := range []string{"-r", "--requirement", "-c", "--constraint"} {
		st.files = append(st.files, opts[o]...)
	}
	if len(st.files) > 0 {
		files := st.files
		st.check = func(cr contextReader) ([]string, string) { return nestedRequirements(cr, files) }
	}
	return st, false
}

// nestedRequirements reads requirement files and returns those they include
// (-r, -c), or why the install reads more than requirement files.
func nestedRequirements(cr contextReader, files []string) ([]string, string) {
	seen := map[string]bool{}
	for _, f := range files {
		seen[path.Clean(f)] = true
	}
	var extra []string
	queue := append([]string(nil), files...)
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		data, ok := cr.read(f)
		if !ok {
			return nil, f + " is not in the build context"
		}
		for _, line := range requirementLines(string(data)) {
			fields := strings.Fields(line)
			opt := fields[0]
			val := ""
			if n, v, ok := strings.Cut(opt, "="); ok && strings.HasPrefix(opt, "--") {
				opt, val = n, v
			} else if len(fields) > 1 {
				val = fields[1]
			} else if len(opt) > 2 && (strings.HasPrefix(opt, "-r") || strings.HasPrefix(opt, "-c") || strings.HasPrefix(opt, "-e") || strings.HasPrefix(opt, "-f")) {
				opt, val = opt[:2], opt[2:]
			}
			switch opt {
			case "-r", "--requirement", "-c", "--constraint":
				if strings.Contains(val, "://") {
					continue
				}
				inc := path.Join(path.Dir(f), val)
				if path.IsAbs(val) {
					return nil, f + " includes " + val + ", an absolute path"
				}
				if !seen[inc] {
					seen[inc] = true
					extra = append(extra, inc)
					queue = append(queue, inc)
				}
				continue
			case "-e", "--editable":
				return nil, f + " installs a project from the sources (" + line + ")"
			case "-f", "--find-links":
				if !strings.Contains(val, "://") || strings.HasPrefix(val, "file:") {
					return nil, f + " finds packages in " + val + ", on disk"
				}
				continue
			}
			if strings.HasPrefix(opt, "-") {
				continue
			}
			spec := line
			if _, url, ok := strings.Cut(line, "@"); ok && strings.Contains(line, " @ ") {
				spec = strings.TrimSpace(url)
			}
			if localPath(strings.Fields(spec)[0]) {
				return nil, f + " installs " + strings.Fields(spec)[0] + ", which is on disk"
			}
		}
	}
	return extra, ""
}

// requirementLines returns the logical lines of a requirements file without
// comments and blank lines.
func requirementLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\\\n", "")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "#"); i == 0 || (i > 0 && (line[i-1] == ' ' || line[i-1] == '\t')) {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// nodeCheck reads package.json: lifecycle scripts run by an install
// (unless ignored) and local or workspace dependencies need the sources.
func nodeCheck(ignoreScripts bool) depCheck {
	return func(cr contextReader) ([]string, string) {
		data, ok := cr.read("package.json")
		if !ok {
			return nil, "package.json is not in the build context"
		}
		var pkg struct {
			Scripts    map[string]any `json:"scripts"`
			Workspaces any            `json:"workspaces"`
			Deps       map[string]any `json:"dependencies"`
			DevDeps    map[string]any `json:"devDependencies"`
			OptDeps    map[string]any `json:"optionalDependencies"`
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, "package.json does not parse: " + err.Error()
		}
		if pkg.Workspaces != nil {
			return nil, "package.json declares workspaces, whose packages are in the sources"
		}
		if !ignoreScripts {
			for _, s := range []string{"preinstall", "install", "postinstall", "prepare", "prepublish"} {
				if _, ok := pkg.Scripts[s]; ok {
					return nil, "package.json has a " + s + " script, which the install runs and which may use the sources"
				}
			}
		}
		for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps, pkg.OptDeps} {
			for name, v := range deps {
				spec, _ := v.(string)
				for _, p := range []string{"file:", "link:", "workspace:", "portal:", ".", "/"} {
					if strings.HasPrefix(spec, p) {
						return nil, "dependency " + name + " is " + spec + ", in the sources"
					}
				}
			}
		}
		return nil, ""
	}
}

const nodeNoContext = "dfopt needs the build context to read package.json's scripts"

func npmStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--prefix", "-C", "--cache", "--registry", "--omit", "--include", "--workspace", "-w", "--loglevel")
	if len(operands) == 0 {
		return nil, false
	}
	global := hasOpt(opts, "-g", "--global", "--location")
	switch operands[0] {
	case "ci", "clean-install", "install-clean", "isntall-clean", "ic":
		if len(operands) > 1 {
			return nil, false
		}
	case "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add":
		if global {
			return st, false // installs named packages globally: reads no manifest
		}
		if len(operands) > 1 {
			if !hasOpt(opts, "--no-save") {
				return nil, false // saves the packages to package.json
			}
		}
		st.lock = "package-lock.json"
	default:
		return nil, false
	}
	if hasOpt(opts, "--prefix", "-C", "--workspace", "-w", "--workspaces", "-ws") {
		st.reason = "it installs for another directory or a workspace"
		return st, false
	}
	st.files = []string{"package.json"}
	st.optional = []string{"package-lock.json", "npm-shrinkwrap.json", ".npmrc"}
	st.outputs = []string{"node_modules"}
	st.check = nodeCheck(hasOpt(opts, "--ignore-scripts"))
	st.noContext = nodeNoContext
	return st, false
}

func yarnStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--cwd", "--modules-folder", "--cache-folder", "--network-timeout", "--mutex", "--registry")
	if len(operands) > 1 || (len(operands) == 1 && operands[0] != "install") {
		if len(operands) >= 2 && operands[0] == "global" && operands[1] == "add" {
			return st, false
		}
		return nil, false
	}
	if hasOpt(opts, "--cwd", "--modules-folder") {
		st.reason = "it installs for another directory"
		return st, false
	}
	st.files = []string{"package.json"}
	st.optional = []string{"yarn.lock", ".yarnrc", ".yarnrc.yml", ".npmrc"}
	st.dirs = []string{".yarn/releases", ".yarn/plugins", ".yarn/patches", ".yarn/cache"}
	st.outputs = []string{"node_modules", ".pnp.cjs", ".pnp.loader.mjs", ".pnp.js"}
	if !hasOpt(opts, "--frozen-lockfile", "--immutable", "--pure-lockfile") {
		st.lock = "yarn.lock"
	}
	st.check = nodeCheck(hasOpt(opts, "--ignore-scripts"))
	st.noContext = nodeNoContext
	return st, false
}

func pnpmStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--dir", "-C", "--filter", "-F", "--store-dir", "--reporter")
	if len(operands) == 0 {
		return nil, false
	}
	switch operands[0] {
	case "fetch":
		st.files = []string{"pnpm-lock.yaml"}
		st.optional = []string{".npmrc", "pnpm-workspace.yaml"}
		st.noContext = "dfopt needs the build context to see which pnpm files exist"
		st.check = func(contextReader) ([]string, string) { return nil, "" }
		return st, false
	case "install", "i":
		if len(operands) > 1 {
			return nil, false
		}
	default:
		if operands[0] == "add" && hasOpt(opts, "-g", "--global") {
			return st, false
		}
		return nil, false
	}
	if hasOpt(opts, "--dir", "-C", "--filter", "-F", "-r", "--recursive") {
		st.reason = "it installs for another directory or a workspace"
		return st, false
	}
	st.files = []string{"package.json"}
	st.optional = []string{"pnpm-lock.yaml", ".npmrc", ".pnpmfile.cjs"}
	st.outputs = []string{"node_modules"}
	if !hasOpt(opts, "--frozen-lockfile") {
		st.lock = "pnpm-lock.yaml"
	}
	node := nodeCheck(hasOpt(opts, "--ignore-scripts"))
	st.check = func(cr contextReader) ([]string, string) {
		if _, ok := cr.read("pnpm-workspace.yaml"); ok {
			return nil, "pnpm-workspace.yaml declares a workspace, whose packages are in the sources"
		}
		return node(cr)
	}
	st.noContext = nodeNoContext
	return st, false
}

func goStep(st *depStep, args []string) (*depStep, bool) {
	if len(args) < 2 || args[0] != "mod" || (args[1] != "download" && args[1] != "verify") {
		return nil, false
	}
	for _, a := range args[2:] {
		if strings.HasPrefix(a, "-") && a != "-x" && a != "-json" && a != "-reuse" && !strings.HasPrefix(a, "-reuse=") {
			st.reason = "it has the flag " + a
			return st, false
		}
	}
	st.files = []string{"go.mod"}
	st.optional = []string{"go.sum"}
	st.noContext = "dfopt needs the build context to read go.mod's replace directives"
	st.check = func(cr contextReader) ([]string, string) {
		if _, ok := cr.read("go.work"); ok {
			return nil, "go.work makes this a workspace, whose modules are in the sources"
		}
		data, ok := cr.read("go.mod")
		if !ok {
			return nil, "go.mod is not in the build context"
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.Index(line, "=>"); i >= 0 {
				target := strings.Fields(line[i+2:])
				if len(target) > 0 && (strings.HasPrefix(target[0], ".") || strings.HasPrefix(target[0], "/")) {
					return nil, "go.mod replaces a module with " + target[0] + ", in the sources"
				}
			}
		}
		return nil, ""
	}
	return st, false
}

func pipenvStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--python", "--pypi-mirror", "-r", "--requirements", "--categories", "--extra-pip-args")
	if len(operands) != 1 || (operands[0] != "install" && operands[0] != "sync") {
		return nil, false
	}
	if hasOpt(opts, "-r", "--requirements", "-e", "--editable") {
		st.reason = "it installs from other files"
		return st, false
	}
	st.files = []string{"Pipfile"}
	st.optional = []string{"Pipfile.lock"}
	st.outputs = []string{".venv"}
	if operands[0] == "install" && !hasOpt(opts, "--deploy", "--ignore-pipfile") {
		st.lock = "Pipfile.lock"
	}
	st.noContext = "dfopt needs the build context to read the Pipfile"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("Pipfile")
		if !ok {
			return nil, "Pipfile is not in the build context"
		}
		if tomlMentions(string(data), "path", "editable") {
			return nil, "the Pipfile has a path or editable package, in the sources"
		}
		return nil, ""
	}
	return st, false
}

// tomlMentions reports whether a TOML file sets one of the keys anywhere
// (a coarse reading that errs towards true).
func tomlMentions(s string, keys ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		for _, k := range keys {
			if strings.HasPrefix(line, k+" ") || strings.HasPrefix(line, k+"=") ||
				strings.Contains(line, " "+k+" =") || strings.Contains(line, " "+k+"=") ||
				strings.Contains(line, "{"+k+" =") || strings.Contains(line, "{"+k+"=") {
				return true
			}
		}
	}
	return false
}

func poetryStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--with", "--without", "--only", "-E", "--extras", "-C", "--directory", "-P", "--project")
	if len(operands) != 1 || operands[0] != "install" {
		return nil, false
	}
	if hasOpt(opts, "-C", "--directory", "-P", "--project", "--only-root") {
		st.reason = "it installs for another directory or only the project"
		return st, false
	}
	st.files = []string{"pyproject.toml"}
	st.optional = []string{"poetry.lock", "poetry.toml"}
	st.outputs = []string{".venv"}
	if !hasOpt(opts, "--no-root") {
		st.prefetch = "--no-root"
	}
	st.noContext = "dfopt needs the build context to read pyproject.toml"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("pyproject.toml")
		if !ok {
			return nil, "pyproject.toml is not in the build context"
		}
		if tomlMentions(string(data), "path", "develop") {
			return nil, "pyproject.toml has a path dependency, in the sources"
		}
		return nil, ""
	}
	return st, false
}

func composerStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "-d", "--working-dir")
	if len(operands) != 1 || operands[0] != "install" {
		return nil, false
	}
	if hasOpt(opts, "-d", "--working-dir") {
		st.reason = "it installs for another directory"
		return st, false
	}
	st.files = []string{"composer.json"}
	st.optional = []string{"composer.lock", "auth.json"}
	st.outputs = []string{"vendor"}
	var missing []string
	if !hasOpt(opts, "--no-scripts") {
		missing = append(missing, "--no-scripts")
	}
	if !hasOpt(opts, "--no-autoloader") {
		missing = append(missing, "--no-autoloader")
	}
	st.prefetch = strings.Join(missing, " ")
	st.noContext = "dfopt needs the build context to read composer.json"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("composer.json")
		if !ok {
			return nil, "composer.json is not in the build context"
		}
		if strings.Contains(strings.ReplaceAll(string(data), " ", ""), `"type":"path"`) {
			return nil, "composer.json has a path repository, in the sources"
		}
		return nil, ""
	}
	return st, false
}

func bundleStep(st *depStep, args []string) (*depStep, bool) {
	opts, operands := splitOpts(args, "--path", "--without", "--with", "--jobs", "-j", "--retry", "--gemfile", "--binstubs", "--standalone")
	if len(operands) > 1 || (len(operands) == 1 && operands[0] != "install") {
		return nil, false
	}
	if hasOpt(opts, "--gemfile") {
		st.reason = "it reads another Gemfile"
		return st, false
	}
	st.files = []string{"Gemfile"}
	st.optional = []string{"Gemfile.lock"}
	st.dirs = []string{".bundle"}
	for _, p := range opts["--path"] {
		if !path.IsAbs(p) {
			st.outputs = append(st.outputs, p)
		}
	}
	if hasOpt(opts, "--deployment") {
		st.outputs = append(st.outputs, "vendor/bundle")
	}
	if !hasOpt(opts, "--frozen", "--deployment") {
		st.lock = "Gemfile.lock"
	}
	st.noContext = "dfopt needs the build context to read the Gemfile"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("Gemfile")
		if !ok {
			return nil, "the Gemfile is not in the build context"
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#") {
				continue
			}
			if strings.HasPrefix(line, "gemspec") || strings.Contains(line, "path:") || strings.Contains(line, ":path") ||
				strings.HasPrefix(line, "eval_gemfile") || strings.HasPrefix(line, "path ") {
				return nil, "the Gemfile uses gems from the sources (" + line + ")"
			}
		}
		return nil, ""
	}
	return st, false
}

var dotnetProjectExts = []string{".csproj", ".fsproj", ".vbproj", ".sln", ".slnx"}

func dotnetStep(st *depStep, args []string) (*depStep, bool) {
	if len(args) == 0 || args[0] != "restore" {
		return nil, false
	}
	_, operands := splitOpts(args[1:], "-s", "--source", "-r", "--runtime", "--packages", "--configfile", "-v", "--verbosity", "-p", "--property")
	if len(operands) > 1 || (len(operands) == 1 && strings.Contains(operands[0], "/")) {
		st.reason = "it restores a project in another directory"
		return st, false
	}
	st.optional = []string{"nuget.config", "NuGet.Config", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json"}
	st.outputs = []string{"obj"}
	st.noContext = "dfopt needs the build context to find the project files"
	named := ""
	if len(operands) == 1 {
		named = operands[0]
	}
	st.check = func(cr contextReader) ([]string, string) {
		var projects []string
		for _, n := range cr.list(".") {
			for _, ext := range dotnetProjectExts {
				if strings.HasSuffix(n, ext) && (named == "" || n == named) {
					projects = append(projects, n)
				}
			}
		}
		if len(projects) == 0 {
			return nil, "no project file in the build context"
		}
		for _, p := range projects {
			data, _ := cr.read(p)
			if strings.Contains(string(data), "ProjectReference") || strings.HasSuffix(p, ".sln") || strings.HasSuffix(p, ".slnx") {
				return nil, p + " refers to other projects, in the sources"
			}
		}
		return projects, ""
	}
	return st, false
}
