package manifests

import (
	"encoding/json"
	"strings"
)

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
