package toolchains

import (
	"bytes"
	"encoding/json"
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
)

// Node.js: the slim image of a node image, what npm, Yarn and pnpm
// commands do, package.json, and the files of a project that are only
// build input.

// NodeSlimTag is the tag of the node image's slim variant with the same
// Node.js and distribution release ("18" gives "18-slim", "18-bookworm"
// "18-bookworm-slim", "lts" "lts-slim"); a slim or Alpine tag is its
// own. ok is false for tags it does not know the form of.
func NodeSlimTag(tag string) (string, bool) {
	switch {
	case tag == "" || tag == "latest":
		return "slim", true
	case strings.Contains(tag, "slim") || strings.Contains(tag, "alpine"):
		return tag, true
	case strings.Contains(tag, "windows") || strings.Contains(tag, "nanoserver") || strings.Contains(tag, "onbuild"):
		return "", false
	}
	return tag + "-slim", true
}

// nodeCodenames are the LTS lines by codename.
var nodeCodenames = lazy.Value[map[string]int]{New: func() map[string]int {
	return map[string]int{
		"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16,
		"hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24,
	}
}}

var nodeMajor = lazyre.New(`^(\d+)`)

// NodeMajor is the Node.js major version a node tag names (0 when it
// names none: "lts", "current", "latest").
func NodeMajor(tag string) int {
	if m := nodeMajor.FindStringSubmatch(tag); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(tag, "lts-"), "-")
	return nodeCodenames.Get()[name]
}

// NodeStep is an npm, Yarn or pnpm command.
type NodeStep struct {
	// Manager is "npm", "yarn" or "pnpm".
	Manager string
	// Install: it installs the project's dependencies (npm ci, npm
	// install, yarn, yarn install, pnpm install) with the dev ones unless
	// Production.
	Install, Production bool
	// Prune: it removes the devDependencies from node_modules (npm prune
	// --omit=dev or --production, pnpm prune --prod).
	Prune bool
	// Script is the package.json script it runs ("build" for npm run
	// build, yarn build, pnpm build), "" when none.
	Script string
	// Other: a command that changes the project otherwise (adds,
	// removes, links packages, a global install, a workspace).
	Other bool
}

// yarnCommands are Yarn's own commands: any other word runs a script.
var yarnCommands = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"add": true, "audit": true, "autoclean": true, "bin": true, "cache": true, "check": true, "config": true,
		"create": true, "dlx": true, "exec": true, "generate-lock-entry": true, "global": true, "help": true,
		"import": true, "info": true, "init": true, "install": true, "licenses": true, "link": true, "list": true,
		"login": true, "logout": true, "node": true, "outdated": true, "owner": true, "pack": true, "policies": true,
		"publish": true, "remove": true, "run": true, "tag": true, "team": true, "unlink": true, "unplug": true,
		"upgrade": true, "upgrade-interactive": true, "version": true, "versions": true, "why": true, "workspace": true,
		"workspaces": true, "set": true, "plugin": true, "up": true, "dedupe": true, "rebuild": true, "explain": true,
	}
}}

// NodeStepOf reads an npm, yarn or pnpm command; ok is false for other
// commands.
func NodeStepOf(c *shellparse.Command) (NodeStep, bool) {
	var s NodeStep
	switch c.Name {
	case "npm", "yarn", "pnpm":
		s.Manager = c.Name
	default:
		return s, false
	}
	var ops []string
	for i, a := range c.Lits {
		if !c.Static[i] {
			s.Other = true
			continue
		}
		switch {
		case a == "--production" || a == "--prod" || a == "-P" || a == "--omit=dev" || a == "--only=production" || a == "--only=prod":
			s.Production = true
		case a == "-g" || a == "--global" || strings.HasPrefix(a, "--prefix") || strings.HasPrefix(a, "--workspace") || a == "-w" || a == "--filter" || strings.HasPrefix(a, "--cwd") || a == "-C" || a == "--dir":
			s.Other = true
		case strings.HasPrefix(a, "-"):
		default:
			ops = append(ops, a)
		}
	}
	sub := ""
	if len(ops) > 0 {
		sub = ops[0]
	}
	switch s.Manager {
	case "npm":
		switch sub {
		case "ci", "clean-install", "ic", "install-clean":
			s.Install = true
		case "install", "i", "in", "add":
			s.Install = len(ops) == 1
			s.Other = s.Other || len(ops) > 1
		case "run", "run-script", "rum", "urn":
			if len(ops) > 1 {
				s.Script = ops[1]
			}
		case "test", "t", "tst":
			s.Script = "test"
		case "start":
			s.Script = "start"
		case "prune":
			s.Prune = s.Production && len(ops) == 1
			s.Other = !s.Prune
		case "audit", "config", "set", "cache", "ls", "list", "version", "view", "outdated", "doctor", "ping", "help", "rebuild", "explain", "fund":
		default:
			s.Other = true
		}
	case "yarn":
		switch {
		case sub == "" || sub == "install":
			s.Install = len(ops) <= 1
		case sub == "run":
			if len(ops) > 1 {
				s.Script = ops[1]
			}
		case !yarnCommands.Get()[sub]:
			s.Script = sub
		case sub == "cache" || sub == "config" || sub == "check" || sub == "audit" || sub == "info" || sub == "list" || sub == "why" || sub == "version" || sub == "versions" || sub == "licenses" || sub == "set":
		default:
			s.Other = true
		}
	case "pnpm":
		switch sub {
		case "install", "i":
			s.Install = len(ops) == 1
		case "run", "run-script":
			if len(ops) > 1 {
				s.Script = ops[1]
			}
		case "test", "t", "start":
			s.Script = sub
		case "prune":
			s.Prune = s.Production && len(ops) == 1
			s.Other = !s.Prune
		case "config", "store", "audit", "list", "ls", "why", "fetch", "env", "setup":
		default:
			if sub == "build" || sub == "" {
				s.Script = sub
			} else {
				s.Other = true
			}
		}
	}
	return s, true
}

// PackageJSON is what dfopt reads of a package.json.
type PackageJSON struct {
	Main           string            `json:"main"`
	Type           string            `json:"type"`
	Scripts        map[string]string `json:"scripts"`
	Dependencies   map[string]any    `json:"dependencies"`
	DevDeps        map[string]any    `json:"devDependencies"`
	PackageManager string            `json:"packageManager"`
	Workspaces     any               `json:"workspaces"`
}

// ParsePackageJSON reads a package.json; nil when it does not parse.
func ParsePackageJSON(data []byte) *PackageJSON {
	var p PackageJSON
	if err := json.Unmarshal(data, &p); err != nil {
		return nil
	}
	return &p
}

// NodeScriptCommand reads a package.json script that runs one command of
// literal words, and returns its words.
func NodeScriptCommand(script string) ([]string, bool) {
	prog, err := shellparse.Parse(script)
	if err != nil || len(prog.File.Stmts) != 1 {
		return nil, false
	}
	cmds := shellparse.Commands(prog)
	if len(cmds) != 1 || len(cmds[0].Call.Assigns) > 0 || cmds[0].NameIdx != 0 {
		return nil, false
	}
	words, ok := shellparse.LiteralWords(cmds[0].Call.Args)
	return words, ok && len(words) > 0
}

// NodeScriptFile returns the script file a node command line runs
// (arguments after the program), skipping node's options; "" when it
// runs none (-e, -p, a REPL).
func NodeScriptFile(args []string) string {
	valued := map[string]bool{"-r": true, "--require": true, "--import": true, "--loader": true, "--experimental-loader": true,
		"--env-file": true, "--title": true, "--conditions": true, "-C": true, "--input-type": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e" || a == "--eval" || a == "-p" || a == "--print" || a == "-i" || a == "--interactive":
			return ""
		case valued[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// NodeNativeLibraries are npm packages with native code that links
// libraries of the system (headers the full node image has and the slim
// one has not the runtime of), by package.
var NodeNativeLibraries = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"canvas": "cairo, pango and libjpeg", "pg-native": "libpq", "libpq": "libpq", "kerberos": "libkrb5",
		"gdal": "libgdal", "gdal-async": "libgdal", "odbc": "unixODBC", "node-gtk": "GTK", "ibm_db": "the IBM CLI driver",
		"gl": "OpenGL", "headless-gl": "OpenGL", "libxmljs2": "libxml2", "node-expat": "libexpat",
	}
}}

// NodeBuildPackages are distribution packages a Node.js build uses (to
// compile native modules, fetch git dependencies) that the program does
// not.
var NodeBuildPackages = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"python3": true, "python": true, "python-is-python3": true, "make": true, "g++": true, "gcc": true,
		"build-essential": true, "build-base": true, "git": true, "ca-certificates": true, "curl": true, "wget": true,
		"openssh-client": true, "gnupg": true, "bash": true, "libc6-dev": true, "musl-dev": true, "pkgconf": true, "pkg-config": true,
	}
}}

// NodeBuildFile reports whether a file of a Node.js project (a path
// relative to the directory copied) is build input or project metadata
// that the program does not read at run time: sources (src/, compiled
// into the build output), tests, manifests and lock files, tool
// configuration, documentation, CI and editor settings.
func NodeBuildFile(rel string) bool {
	base := path.Base(rel)
	first, _, _ := strings.Cut(rel, "/")
	switch first {
	case "src", "test", "tests", "__tests__", "spec", "e2e", "cypress", "coverage", "types", "typings", "scripts",
		".git", ".github", ".gitlab", ".circleci", ".vscode", ".idea", ".devcontainer", ".husky", ".yarn", ".changeset", "node_modules":
		return true
	}
	switch base {
	case "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "pnpm-workspace.yaml",
		".npmrc", ".yarnrc", ".yarnrc.yml", ".nvmrc", ".node-version", ".dockerignore", ".gitignore", ".gitattributes",
		".editorconfig", ".prettierrc", ".prettierignore", ".eslintignore", ".babelrc", ".browserslistrc", "nodemon.json",
		"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", ".travis.yml", "renovate.json", ".swcrc":
		return true
	}
	if strings.HasPrefix(base, "tsconfig") && strings.HasSuffix(base, ".json") || strings.HasPrefix(base, ".eslintrc") ||
		strings.HasPrefix(base, ".prettierrc") || strings.HasPrefix(base, ".stylelintrc") || strings.HasPrefix(base, "jest.config") ||
		strings.HasPrefix(base, "vitest.config") {
		return true
	}
	for _, tool := range []string{"webpack", "vite", "rollup", "babel", "esbuild", "tsup", "eslint", "prettier", "postcss", "tailwind", "nest-cli", "swc", "jest", "vitest", "playwright", "karma", "commitlint", "lint-staged"} {
		if strings.HasPrefix(base, tool+".config.") || strings.HasPrefix(base, tool+".json") && tool == "nest-cli" {
			return true
		}
	}
	switch path.Ext(base) {
	case ".md", ".ts", ".tsx", ".map":
		return true
	}
	upper := strings.ToUpper(base)
	for _, p := range []string{"LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "README", "CHANGELOG", "DOCKERFILE", "CONTAINERFILE"} {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile")
}

// NodeToolchainEnv reports an environment variable that only the package
// managers read: npm's configuration (NPM_CONFIG_*), Yarn's and pnpm's.
// NODE_ENV and NODE_OPTIONS are the program's.
func NodeToolchainEnv(key string) bool {
	k := strings.ToUpper(key)
	return strings.HasPrefix(k, "NPM_CONFIG_") || strings.HasPrefix(k, "PNPM_") && k != "PNPM_HOME" ||
		k == "YARN_CACHE_FOLDER" || k == "YARN_ENABLE_IMMUTABLE_INSTALLS" || k == "COREPACK_ENABLE_DOWNLOAD_PROMPT" ||
		k == "HUSKY"
}

// nodeSourceExts are the extensions of the JavaScript and TypeScript
// sources a build compiles.
var nodeSourceExts = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{".js": true, ".mjs": true, ".cjs": true, ".jsx": true, ".ts": true, ".mts": true, ".cts": true, ".tsx": true}
}}

// NodeRunsPrograms returns the first of the files (context paths) that
// are the program's sources (not tests, not node_modules) and run other
// programs through child_process, "" when none does.
func NodeRunsPrograms(ctx *analysis.Context, files []File) string {
	for _, f := range files {
		if f.Dir || !nodeSourceExts.Get()[path.Ext(f.Context)] || strings.Contains(f.Context, "node_modules/") {
			continue
		}
		if b := path.Base(f.Context); strings.Contains(b, ".test.") || strings.Contains(b, ".spec.") {
			continue
		}
		if data, ok := ReadFile(ctx, f.Context); ok && bytes.Contains(data, []byte("child_process")) {
			return f.Context
		}
	}
	return ""
}
