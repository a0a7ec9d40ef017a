package dockerignore

import (
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/stages"
)

var jsBuildTools = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"vite": true, "tsc": true, "webpack": true, "ng": true, "vue-cli-service": true,
		"react-scripts": true, "rollup": true, "parcel": true, "esbuild": true, "tsup": true}
}}

var (
	outFlagRE = lazyre.New(`(?:--out-?[dD]ir|--dist-dir|--output-path|--outdir|--out-dir|--output|-o|-d)[= ]+['"]?(?:\./)?([A-Za-z0-9_.-]+)/?['"]?(?:\s|$)`)
	jsToolRE  = lazyre.New(`(?:^|[\s/])(vite|webpack|webpack-cli|ng|vue-cli-service|parcel|tsup|react-scripts)(?:\s|$)`)
)

// jsOutput is the directory a JavaScript build command writes ("" when
// it cannot tell): an --outDir-style flag, else the tool's default.
func jsOutput(text string) string {
	if m := outFlagRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	if m := jsToolRE.FindStringSubmatch(text); m != nil {
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
func (r *contextFiles) makes(c command, name, dir string) bool {
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
	case (c.name == "npx" || c.name == "pnpx" || c.name == "bunx") && jsBuildTools.Get()[arg(0)]:
		jsOut = jsOutput(strings.Join(c.args, " "))
	case jsBuildTools.Get()[c.name]:
		jsOut = jsOutput(c.name + " " + strings.Join(c.args, " "))
	}
	if jsOut != "" {
		return jsOut == name
	}
	py := func(kinds ...string) bool {
		if path.Base(arg(0)) == "setup.py" && pythonRE.MatchString(c.name) {
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
func (a *build) rebuilt(r *contextFiles, s *send, pc []string) bool {
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

func (a *build) buildsAnywhere(r *contextFiles, name string) bool {
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
