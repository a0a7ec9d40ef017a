package manifests

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// nodeCheck reads package.json: lifecycle scripts run by an install
// (unless ignored), a native addon of the project (binding.gyp, which npm
// builds with node-gyp when there is no install script), and local or
// workspace dependencies (also through overrides and resolutions) need the
// sources.
func nodeCheck(ignoreScripts bool) depCheck {
	return func(cr contextReader) ([]string, string) {
		data, ok := cr.read("package.json")
		if !ok {
			return nil, "package.json is not in the build context"
		}
		var pkg struct {
			Scripts     map[string]any `json:"scripts"`
			Workspaces  any            `json:"workspaces"`
			Deps        map[string]any `json:"dependencies"`
			DevDeps     map[string]any `json:"devDependencies"`
			OptDeps     map[string]any `json:"optionalDependencies"`
			Overrides   any            `json:"overrides"`
			Resolutions any            `json:"resolutions"`
			Pnpm        struct {
				Overrides any `json:"overrides"`
			} `json:"pnpm"`
		}
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, "package.json does not parse: " + err.Error()
		}
		if pkg.Workspaces != nil {
			return nil, "package.json declares workspaces, whose packages are in the sources"
		}
		if !ignoreScripts {
			for _, s := range nodeInstallScripts {
				if _, ok := pkg.Scripts[s]; ok {
					return nil, "package.json has a " + s + " script, which the install runs and which may use the sources"
				}
			}
			if _, ok := cr.read("binding.gyp"); ok {
				return nil, "the project has a binding.gyp, which the install builds from the sources"
			}
			for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps, pkg.OptDeps} {
				for _, name := range nodeProjectReaders { // in a fixed order: the message names the first
					if _, ok := deps[name]; ok {
						return nil, "dependency " + name + " has an install script that reads the project's files"
					}
				}
			}
			if why := lockInstallScripts(cr); why != "" {
				return nil, why
			}
		}
		for _, deps := range []map[string]any{pkg.Deps, pkg.DevDeps, pkg.OptDeps} {
			for name, v := range deps {
				if spec, _ := v.(string); localNodeSpec(spec) {
					return nil, "dependency " + name + " is " + spec + ", in the sources"
				}
			}
		}
		for _, o := range []struct {
			field string
			v     any
		}{{"overrides", pkg.Overrides}, {"resolutions", pkg.Resolutions}, {"pnpm.overrides", pkg.Pnpm.Overrides}} {
			if spec, ok := localOverride(o.v); ok {
				return nil, "package.json's " + o.field + " point to " + spec + ", in the sources"
			}
		}
		return nil, ""
	}
}

// nodeProjectReaders are packages whose install script reads files of the
// project that installs them: @prisma/client's postinstall generates the
// client from prisma/schema.prisma (a stub without it), prisma's
// preinstall and postinstall belong to the same generation, nx's
// postinstall reads the workspace. An install before the sources runs them
// without those files, and the install after the sources finds
// node_modules complete and runs nothing again.
var nodeProjectReaders = []string{"@prisma/client", "prisma", "nx"}

// nodeSelfContained are packages with an install script that is known to
// read nothing of the project: it downloads or builds a binary of the
// package itself (esbuild, sharp, bcrypt, ...) or prints a message
// (core-js, nodemon, ...).
var nodeSelfContained = []string{"esbuild", "sharp", "bcrypt", "node-sass", "fsevents", "core-js", "core-js-pure",
	"protobufjs", "es5-ext", "cpu-features", "ssh2", "bufferutil", "utf-8-validate", "canvas", "sqlite3",
	"better-sqlite3", "argon2", "re2", "nodemon", "@swc/core", "@parcel/watcher", "msgpackr-extract", "leveldown",
	"cypress", "electron", "@sentry/cli", "chromedriver", "geckodriver", "dtrace-provider", "@nestjs/core",
	"styled-components", "@scarf/scarf", "unrs-resolver", "lmdb", "@biomejs/biome", "@tailwindcss/oxide",
	"spawn-sync", "yarn", "pnpm"}

// lockInstallScripts says why the install cannot run before the sources
// when package-lock.json (or npm-shrinkwrap.json), version 2 or 3, marks a
// package with hasInstallScript that is not in nodeSelfContained: its
// script may read the project (a lock of version 1 does not say which
// packages have one).
func lockInstallScripts(cr contextReader) string {
	for _, lock := range []string{"npm-shrinkwrap.json", "package-lock.json"} {
		data, ok := cr.read(lock)
		if !ok {
			continue
		}
		var l struct {
			Packages map[string]struct {
				HasInstallScript bool `json:"hasInstallScript"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(data, &l); err != nil {
			return lock + " does not parse: " + err.Error()
		}
		var names []string
		for key, p := range l.Packages {
			if !p.HasInstallScript || key == "" {
				continue
			}
			i := strings.LastIndex(key, "node_modules/")
			if i < 0 {
				names = append(names, key) // a linked package in the project
				continue
			}
			if name := key[i+len("node_modules/"):]; !slices.Contains(nodeSelfContained, name) {
				names = append(names, name)
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			return lock + " says " + names[0] + " has an install script, which may read the project's files"
		}
		return ""
	}
	return ""
}

// nodeInstallScripts are the scripts of the project that npm, yarn or pnpm
// run on an install without arguments.
var nodeInstallScripts = []string{"preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare",
	"prepublish", "dependencies", "pnpm:devPreinstall"}

// localNodeSpec reports whether a dependency specifier names something in
// the project's directory: a file:, link:, workspace: or portal: protocol,
// a path (./x, ../x, /x, ~/x), or a tarball by its file name (vendor/x.tgz),
// as npm reads them.
func localNodeSpec(spec string) bool {
	for _, p := range []string{"file:", "link:", "workspace:", "portal:", ".", "/", "~/", "\\"} {
		if strings.HasPrefix(spec, p) {
			return true
		}
	}
	if len(spec) >= 2 && spec[1] == ':' && (spec[0] >= 'a' && spec[0] <= 'z' || spec[0] >= 'A' && spec[0] <= 'Z') {
		return true // C:\x
	}
	if strings.Contains(spec, "://") || strings.HasPrefix(spec, "git") || strings.HasPrefix(spec, "npm:") {
		return false
	}
	l := strings.ToLower(spec)
	return strings.HasSuffix(l, ".tgz") || strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tar")
}

// localOverride finds a local specifier among the values of overrides or
// resolutions (nested objects included).
func localOverride(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, localNodeSpec(v)
	case map[string]any:
		for _, x := range v {
			if s, ok := localOverride(x); ok {
				return s, true
			}
		}
	}
	return "", false
}

const nodeNoContext = "dfopt needs the build context to read package.json's scripts"

func npmStep(st *Step, args []string) (*Step, bool) {
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
	st.Outputs = []string{"node_modules"}
	st.check = nodeCheck(hasOpt(opts, "--ignore-scripts"))
	st.noContext = nodeNoContext
	return st, false
}

func yarnStep(st *Step, args []string) (*Step, bool) {
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
	st.Outputs = []string{"node_modules", ".pnp.cjs", ".pnp.loader.mjs", ".pnp.js"}
	if !hasOpt(opts, "--frozen-lockfile", "--immutable", "--pure-lockfile") {
		st.lock = "yarn.lock"
	}
	st.check = nodeCheck(hasOpt(opts, "--ignore-scripts"))
	st.noContext = nodeNoContext
	return st, false
}

func pnpmStep(st *Step, args []string) (*Step, bool) {
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
	st.Outputs = []string{"node_modules"}
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

// runsTwice says why an install that may rewrite its lock file cannot be
// moved by running it twice ("" when it can): once with the manifests
// before the sources are copied, so that its downloads are cached, and
// again where it was, after them. Copying the sources puts the context's
// lock file back over the one the first install wrote; the second install
// computes its tree from the same package.json and lock file as the
// original's one install did, finds node_modules complete, and writes the
// lock file the original writes. Only npm install, alone in its RUN: it is
// what the e2e suite builds and compares (a lockfileVersion 1 lock file
// that npm rewrites, and a rebuild after a source edit). Yarn 1 and pnpm
// keep their own state of node_modules (.yarn-integrity, .modules.yaml)
// that a lock file put back may make them relink, and are not proven so.
func runsTwice(st *Step, dr *InstallRun, prefetch int) string {
	switch {
	case st.eco != "npm":
		return "only npm install is run twice, before and after the sources"
	case len(dr.steps) > 1 || prefetch >= 0:
		return "it installs with other tools in the same RUN"
	}
	return ""
}

// installedBefore reports whether a RUN before ins in its stage runs the
// install st with the same words in the same directory: the install that
// runsTwice put before the sources.
func installedBefore(ins *dockerfile.Instruction, st *Step) bool {
	c := st.cmd
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd != "run" {
			continue
		}
		odr := ReadInstall(other)
		if odr == nil {
			continue
		}
		for _, ost := range odr.steps {
			oc := ost.cmd
			if ost.dir == st.dir && oc.Name == c.Name && slices.Equal(oc.Lits, c.Lits) && slices.Equal(oc.Static, c.Static) &&
				slices.Equal(oc.Wrappers, c.Wrappers) {
				return true
			}
		}
	}
	return false
}
