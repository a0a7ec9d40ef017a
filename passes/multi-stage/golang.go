package multistage

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"github.com/dfopt/dfopt/toolchains"
	"mvdan.cc/sh/v3/syntax"
)

var goEcosystem = &ecosystem{
	what:    "the Go toolchain",
	matches: func(name, tag string) bool { return name == "golang" },
	builds: func(c *shellparse.Command) bool {
		_, ok := toolchains.GoCommandOf(c)
		return ok
	},
	plan: planGo,
}

// goPath is the PATH of the official golang images.
var goPath = []string{"/go/bin", "/usr/local/go/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// defaultPath is the PATH a stage on an image without one gets.
var defaultPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// Paths in the golang images of what a Go program may need at run time.
const (
	caCerts  = "/etc/ssl/certs/ca-certificates.crt"
	zoneinfo = "/usr/share/zoneinfo"
)

// Debian releases whose images (and their slim variants) carry the time
// zone database: tzdata stopped being part of the minimal system in trixie.
var tzdataReleases = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"stretch": true, "buster": true, "bullseye": true, "bookworm": true}
}}

// goShellOK are commands a Go build stage may run that leave nothing the
// program needs.
var goShellOK = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cd": true, "mkdir": true, "ls": true, "echo": true, "printf": true, "true": true, "rm": true,
		"chmod": true, "chown": true, "set": true, "export": true, "update-ca-certificates": true,
		"git": true, "upx": true, "strip": true, "test": true, "[": true, "pwd": true, "cat": true,
		"touch": true, "which": true, "du": true, "file": true, "ldd": true, "sleep": true,
	}
}}

// goBuild is the state of a Go build stage as its instructions run.
type goBuild struct {
	s *split
	// gopath and gobin are GOPATH and GOBIN ("" when not known / not set).
	gopath, gobin string
	// cgoEnv is CGO_ENABLED from ENV ("" when not set).
	cgoEnv string
	// cgoOff: the build that makes the binary runs with CGO_ENABLED=0;
	// cgoOn: with CGO_ENABLED=1, -race or an external link.
	cgoOff, cgoOn bool
	// tests is the first go test or go vet that runs without
	// CGO_ENABLED=0 ("" when none): "the go test on line N".
	tests string
	// pathDirs are the directories of PATH a bare command name is
	// looked up in.
	pathDirs []string
	// builds are the binaries go build and go install make; artifacts
	// are those and the copies cp, mv, install and ln made of them.
	builds, artifacts []string
	made              string
	// modules are the go.mod files copied, by image directory.
	modules map[string]*toolchains.GoModule
}

func planGo(s *split) (*plan, string) {
	info := baseimage.Resolve(s.st.Base)
	if info.Family != baseimage.Debian && info.Family != baseimage.Alpine {
		return nil, fmt.Sprintf("the distribution of %s is not known", s.st.Base)
	}
	g := &goBuild{s: s, gopath: "/go", pathDirs: goPath, modules: map[string]*toolchains.GoModule{}}
	copied := toolchains.CopiedBy(s.ctx, s.st)
	// The modules of the build besides go.mod's requirements: go.sum and
	// vendor/modules.txt list those reached through them (all of them
	// before go 1.17, whose go.mod lists the direct ones only).
	graph := map[string][]string{}
	graphRead := map[string]bool{}
	for _, f := range copied.Files {
		dir, base := path.Dir(f.Image), path.Base(f.Context)
		if base == "modules.txt" && path.Base(dir) == "vendor" {
			dir, base = path.Dir(dir), "vendor/modules.txt"
		}
		switch base {
		case "go.mod":
			if data, ok := toolchains.ReadFile(s.ctx, f.Context); ok {
				if m := toolchains.ParseGoMod(data); m != nil {
					g.modules[path.Dir(f.Image)] = m
				}
			}
		case "go.sum", "vendor/modules.txt":
			if data, ok := toolchains.ReadFile(s.ctx, f.Context); ok {
				graph[dir] = append(graph[dir], toolchains.GoModuleGraph(data)...)
				graphRead[dir] = true
			}
		}
	}
	for _, ins := range s.st.Instructions[1:] {
		if why := g.instruction(ins); why != "" {
			return nil, why
		}
	}
	switch {
	case g.made == "":
		return nil, "no go build or go install makes a binary"
	case len(distinct(g.builds)) > 1:
		return nil, "the build makes several binaries (" + strings.Join(distinct(g.builds), ", ") + ")"
	}
	prog := s.program(g.pathDirs, func(p string) bool { return slices.Contains(g.artifacts, p) })
	if prog == "" || !slices.Contains(g.artifacts, prog) {
		return nil, fmt.Sprintf("the image runs %s, which is not the binary the build makes (%s)", s.argv[0], g.made)
	}
	// Where the binary goes: where it was, unless the command finds it
	// in a directory of the golang image's PATH that the runtime's has not.
	dest := prog
	if !strings.Contains(s.argv[0], "/") && !slices.Contains(defaultPath, path.Dir(prog)) {
		dest = path.Join("/usr/local/bin", path.Base(prog))
	}

	// What the COPYs bring: sources only, and what the sources use.
	var src *toolchains.GoSources
	visible := copied.Unknown == ""
	if !visible {
		// Without a context, files named as Go sources are still known to
		// be only that.
		for _, c := range copied.Copies {
			b := path.Base(c.Src)
			if !strings.HasSuffix(b, ".go") && b != "go.mod" && b != "go.sum" {
				return nil, "cannot tell which files COPY on line " + fmt.Sprint(s.ctx.Line(c.Ins.Span.Start)) + " brings and whether the program reads them at run time: " + copied.Unknown
			}
		}
	} else {
		src = toolchains.ReadGoSources(s.ctx, copied.Files)
		if src.Unparsed != "" {
			return nil, src.Unparsed + " does not parse"
		}
		var runtime []string
		for _, f := range copied.Files {
			if !f.Dir && !toolchains.GoBuildFile(f.Context) && !src.Embedded(f.Image) {
				runtime = append(runtime, f.Context)
			}
		}
		if len(runtime) > 0 {
			if len(runtime) > 3 {
				runtime = append(runtime[:3], "...")
			}
			return nil, "the program may read files of the source tree at run time (" + strings.Join(runtime, ", ") +
				"); copy them into a final stage by hand"
		}
		if src.Exec != "" {
			return nil, src.Exec + " runs other programs, which the runtime image may not have (the golang image has a shell, git, gcc, curl, ...)"
		}
		for _, a := range s.argv[1:] {
			p := toolchains.Resolve(s.wdEnd, a)
			for _, f := range copied.Files {
				if p != "" && (f.Image == p || strings.HasPrefix(f.Image, p+"/")) {
					return nil, fmt.Sprintf("the command names %s, which comes from the source tree", a)
				}
			}
		}
	}
	cgo := ""
	switch {
	case g.cgoOn:
		cgo = "the build enables cgo"
	case g.tests != "" && !g.cgoOff:
		// ENV CGO_ENABLED=0 in the build stage would change what the
		// tests build and run: -race needs cgo, and so do the packages
		// (and test dependencies) that use it.
		cgo = g.tests + " runs with cgo, which CGO_ENABLED=0 for the build stage would turn off"
	case src != nil && src.Cgo != "":
		cgo = src.Cgo + " uses cgo"
	default:
		dirs := slices.Sorted(maps.Keys(g.modules))
		for _, d := range dirs {
			m := g.modules[d]
			for _, r := range m.Requires {
				if toolchains.CgoModule(r) && cgo == "" {
					cgo = "it requires " + r + ", which uses cgo"
				}
			}
			for _, r := range graph[d] {
				if toolchains.CgoModule(r) && cgo == "" {
					cgo = "it depends on " + r + ", which uses cgo"
				}
			}
			if cgo == "" && len(m.Requires) > 0 && !graphRead[d] {
				cgo = "no go.sum beside " + path.Join(d, "go.mod") + " tells which modules its requirements bring, and one may use cgo"
			}
		}
	}

	p := &plan{
		dropEnv: func(key, value string) bool {
			return toolchains.GoToolchainEnv(key) || key == "PATH" && goOnlyPath(value)
		},
		changes: []string{"/usr/local/go/"},
	}
	p.copies = [][2]string{{prog, dest}}
	static := g.cgoOff || visible && cgo == ""
	if static && s.shellForm {
		// No shell on scratch and distroless: a CMD of literal words is
		// written in exec form; an ENTRYPOINT, which would then start
		// taking CMD and run arguments, is not.
		if s.cmdIns.Cmd != "cmd" || stages.Last(s.st, "entrypoint") != nil {
			return nil, fmt.Sprintf("%s on line %d is in shell form, and scratch and distroless have no shell",
				strings.ToUpper(s.cmdIns.Cmd), s.ctx.Line(s.cmdIns.Span.Start))
		}
		p.execForm = true
	}
	if static {
		if !g.cgoOff {
			p.afterFrom = []string{s.doc.KeywordCase("ENV") + " CGO_ENABLED=0"}
		}
		distroless := ""
		switch {
		case src == nil:
			distroless = "what the program needs from the system is not known"
		case src.Temp:
			distroless = "the program may write temporary files"
		case src.Users:
			distroless = "the program looks users up"
		case src.Zoneinfo && !(info.Family == baseimage.Debian && tzdataReleases.Get()[info.Release]):
			distroless = "the program may load time zones"
		case namedUser(stages.FinalUserArg(s.st)):
			distroless = "the image names its user, and scratch has no user database"
		}
		if distroless != "" {
			p.runtime = "gcr.io/distroless/static-debian12"
			p.fix = "build in a stage of its own with CGO_ENABLED=0 and copy the binary onto distroless static (" + distroless + ")"
		} else {
			p.runtime = "scratch"
			var extra []string
			if src.Certs {
				p.setup = append(p.setup, "COPY --from=build "+caCerts+" "+caCerts)
				extra = append(extra, "CA certificates")
			}
			if src.Zoneinfo {
				p.setup = append(p.setup, "COPY --from=build "+zoneinfo+" "+zoneinfo)
				extra = append(extra, "time zones")
			}
			p.fix = "build in a stage of its own with CGO_ENABLED=0 and copy the binary onto scratch"
			if len(extra) > 0 {
				p.fix += " with the " + strings.Join(extra, " and ")
			}
		}
		return p, ""
	}
	// cgo, or sources that cannot be seen: a glibc runtime of the same
	// release.
	why := cgo
	if why == "" {
		why = "the sources cannot be seen, so the binary may link C libraries"
	}
	if info.Family != baseimage.Debian {
		return nil, why + ", and the binary would need the musl libc of " + info.String() + "; build with CGO_ENABLED=0 if it can"
	}
	if info.Distro != "debian" || !tzdataReleases.Get()[info.Release] {
		return nil, why + ", and no slim runtime of " + info.String() + " is known to match it"
	}
	p.runtime = "debian:" + info.Release + "-slim"
	p.setup = []string{"COPY --from=build " + caCerts + " " + caCerts}
	p.fix = "build in a stage of its own and copy the binary onto " + p.runtime + " with the CA certificates (" + why + ")"
	return p, ""
}

// instruction reads one instruction of the build stage.
func (g *goBuild) instruction(ins *dockerfile.Instruction) string {
	s := g.s
	line := s.ctx.Line(ins.Span.Start)
	switch ins.Cmd {
	case "copy", "add":
		if hasFlag(ins, "--from") {
			return fmt.Sprintf("%s on line %d brings files from elsewhere, which the program may need", strings.ToUpper(ins.Cmd), line)
		}
	case "env":
		for i := 0; i+1 < len(ins.Args); i += 3 {
			k, v := ins.Args[i], strings.Trim(ins.Args[i+1], `"'`)
			switch k {
			case "CGO_ENABLED":
				g.cgoEnv = v
			case "GOFLAGS":
				g.cgoOn = g.cgoOn || goflagsNeedCgo(v)
			case "GOPATH":
				g.gopath = ""
				if !strings.Contains(v, "$") && path.IsAbs(v) {
					g.gopath = v
				}
			case "GOBIN":
				g.gobin = ""
				if !strings.Contains(v, "$") && path.IsAbs(v) {
					g.gobin = v
				}
			case "PATH":
				var dirs []string
				for _, d := range strings.Split(v, ":") {
					switch {
					case d == "$PATH" || d == "${PATH}":
						dirs = append(dirs, g.pathDirs...)
					case strings.Contains(d, "$") || !path.IsAbs(d):
					default:
						dirs = append(dirs, d)
					}
				}
				g.pathDirs = dirs
			}
		}
	case "run":
		r, _ := runs.Parse(ins)
		if r == nil {
			return fmt.Sprintf("the RUN on line %d cannot be read", line)
		}
		for _, step := range toolchains.Steps(r.Prog, toolchains.Workdir(ins)) {
			if why := g.step(step, line); why != "" {
				return why
			}
		}
	}
	return ""
}

// goflagsNeedCgo reports whether a GOFLAGS value asks for what needs cgo
// (-race, -msan, -asan, an external link) or cannot be read.
func goflagsNeedCgo(v string) bool {
	v = strings.Trim(v, `"'`)
	return strings.ContainsAny(v, "$`") || strings.Contains(v, "-race") || strings.Contains(v, "-msan") ||
		strings.Contains(v, "-asan") || strings.Contains(v, "linkmode") && strings.Contains(v, "external") ||
		strings.Contains(v, "-extldflags")
}

// step reads one command of a RUN.
func (g *goBuild) step(step toolchains.Step, line int) string {
	c := step.Cmd
	switch {
	case c.Name == "" && c.NameIdx < 0:
		return "" // an assignment
	case c.Name == "mkdir" || c.Name == "touch":
		return g.s.noteCreates(step, line)
	case c.Name == "go":
		sub := ""
		if len(c.Args) > 0 {
			sub = c.Lits[0]
		}
		switch sub {
		case "build", "install":
			gc, _ := toolchains.GoCommandOf(c)
			bin := g.gobin
			if bin == "" && g.gopath != "" {
				bin = path.Join(strings.Split(g.gopath, ":")[0], "bin")
			}
			if !gc.Static {
				for _, v := range gc.Variables {
					if g.isArg(v) {
						return fmt.Sprintf("the build argument %s picks what the go %s on line %d builds", v, sub, line)
					}
				}
			}
			a := gc.Artifact(step.Dir, func(d string) *toolchains.GoModule { return g.modules[d] }, bin)
			if a.Unknown != "" {
				return fmt.Sprintf("cannot tell which binary the go %s on line %d makes: %s", sub, line, a.Unknown)
			}
			if a.Path == "" {
				return ""
			}
			if c.Conditional {
				return fmt.Sprintf("the go %s on line %d may not run", sub, line)
			}
			g.builds = append(g.builds, a.Path)
			g.artifacts = append(g.artifacts, a.Path)
			if g.made == "" {
				g.made = a.Path
			}
			cgo := gc.Cgo
			if cgo == "" {
				cgo = g.cgoEnv
			}
			for _, as := range c.Assigns {
				if as.Name != nil && as.Name.Value == "GOFLAGS" {
					v, ok := shellparse.Lit(as.Value)
					g.cgoOn = g.cgoOn || !ok || goflagsNeedCgo(v)
				}
			}
			switch {
			case cgo == "0":
				g.cgoOff = true
			case cgo != "" || gc.Race || gc.ExternalLink:
				g.cgoOn = true
			}
		case "get":
			if !c.HasArg(func(a string) bool { return a == "-d" }) {
				return fmt.Sprintf("the go get on line %d may install binaries", line)
			}
		case "run", "generate":
			return fmt.Sprintf("the go %s on line %d runs a program, which may write files the binary needs at run time", sub, line)
		case "vet", "test":
			cgo := g.cgoEnv
			for _, a := range c.Assigns {
				if a.Name != nil && a.Name.Value == "CGO_ENABLED" {
					cgo = "?"
					if v, ok := shellparse.Lit(a.Value); ok && a.Value != nil {
						cgo = v
					}
				}
			}
			if cgo != "0" && g.tests == "" {
				g.tests = fmt.Sprintf("the go %s on line %d", sub, line)
			}
		case "mod", "env", "version", "list", "work", "fmt", "clean", "tool", "doc":
		default:
			return fmt.Sprintf("the RUN on line %d runs go %s", line, sub)
		}
	case c.Name == "export":
		for i, a := range c.Lits {
			if !c.Static[i] {
				if lit, ok := c.Args[i].Parts[0].(*syntax.Lit); ok && strings.HasPrefix(lit.Value, "GOFLAGS=") {
					g.cgoOn = true // a value that cannot be read
				}
			} else if v, ok := strings.CutPrefix(a, "GOFLAGS="); ok {
				g.cgoOn = g.cgoOn || goflagsNeedCgo(v)
			}
			if !c.Static[i] || strings.HasPrefix(a, "CGO_ENABLED=") {
				if a == "CGO_ENABLED=0" {
					g.cgoEnv = "0"
				} else {
					g.cgoEnv = "?"
				}
			}
		}
	case c.Name == "cp" || c.Name == "mv" || c.Name == "install" || c.Name == "ln":
		return g.copyStep(step, line)
	case c.Name == "apt-get" || c.Name == "apt" || c.Name == "aptitude" || c.Name == "apk":
		return buildOnlyInstall(c, line, toolchains.GoBuildPackages.Get())
	case goShellOK.Get()[c.Name]:
	case c.Name == "":
		return fmt.Sprintf("the RUN on line %d runs a command named by a variable", line)
	default:
		return fmt.Sprintf("the RUN on line %d runs %s, which may make files the program needs at run time", line, c.Name)
	}
	return ""
}

// copyStep follows a cp, mv, install or ln of the binary.
func (g *goBuild) copyStep(step toolchains.Step, line int) string {
	c := step.Cmd
	var ops []string
	for i, a := range c.Lits {
		if !c.Static[i] {
			return fmt.Sprintf("the %s on line %d names files by variables", c.Name, line)
		}
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	if len(ops) != 2 {
		return fmt.Sprintf("the %s on line %d makes files the program may need", c.Name, line)
	}
	from, to := toolchains.Resolve(step.Dir, ops[0]), toolchains.Resolve(step.Dir, ops[1])
	if from == "" || to == "" || !slices.Contains(g.artifacts, from) {
		return fmt.Sprintf("the %s on line %d makes files the program may need", c.Name, line)
	}
	if strings.HasSuffix(ops[1], "/") || slices.Contains(goPath, to) || to == "/app" {
		to = path.Join(to, path.Base(from))
	}
	if c.Name == "mv" {
		g.artifacts = slices.DeleteFunc(g.artifacts, func(a string) bool { return a == from })
	}
	g.artifacts = append(g.artifacts, to)
	return ""
}

// isArg reports whether a variable is a build argument of the stage (or a
// global one).
func (g *goBuild) isArg(v string) bool {
	for _, ins := range g.s.doc.Instructions {
		if ins.Cmd == "arg" && (ins.Stage == nil || ins.Stage == g.s.st) {
			for _, a := range ins.Args {
				if k, _, _ := strings.Cut(a, "="); k == v {
					return true
				}
			}
		}
	}
	return false
}

// goOnlyPath reports whether an ENV PATH value only adds the Go
// toolchain's directories to the PATH before it.
func goOnlyPath(v string) bool {
	for _, d := range strings.Split(strings.Trim(v, `"'`), ":") {
		switch d {
		case "$PATH", "${PATH}", "/usr/local/go/bin", "/go/bin", "$GOPATH/bin", "${GOPATH}/bin", "/root/go/bin", "$HOME/go/bin", "/usr/lib/go/bin":
		default:
			return false
		}
	}
	return true
}

// namedUser reports a USER argument that names its user (or group)
// rather than giving numbers.
func namedUser(u string) bool {
	for _, part := range strings.Split(u, ":") {
		if strings.Trim(part, "0123456789") != "" {
			return true
		}
	}
	return false
}

func distinct(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func hasFlag(ins *dockerfile.Instruction, name string) bool {
	for _, f := range ins.Flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}
