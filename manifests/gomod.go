package manifests

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Go modules: go build, install, test, vet, run, generate, list and get
// download the modules go.mod requires when the module cache lacks them;
// go mod download, run in the module's root with go.mod and go.sum, fetches
// them (and those the tests need) before the sources are there.
var goFetcher = &fetcher{
	name:  "go",
	what:  "the modules",
	build: goBuild,
	plan:  goPlan,
	env: []string{"GOFLAGS", "GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB",
		"GOINSECURE", "GOPATH", "GOMODCACHE", "GO111MODULE", "GOWORK", "GOTOOLCHAIN", "GOENV", "GOAUTH",
		"GOVCS", "GOROOT"},
	carry:    []string{"GO111MODULE", "GOFLAGS", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN"},
	tool:     lazyre.New(`^(golang|go|golang-go|golang-[0-9.]+(-go)?)$`),
	packages: lazyre.New(`^(go|golang|golang-go|golang-[0-9.]+(-go)?|` + fetchPackages + `)$`),
}

// goValueOpts are the go command's options that take the next word.
var goValueOpts = []string{"-C", "-o", "-p", "-ldflags", "-gcflags", "-asmflags", "-tags", "-mod", "-modfile",
	"-pkgdir", "-toolexec", "-overlay", "-pgo", "-buildmode", "-compiler", "-installsuffix", "-exec", "-run",
	"-bench", "-count", "-timeout", "-coverpkg", "-covermode", "-cpu", "-parallel", "-vettool", "-f", "-json"}

// goBuild recognises go commands that load the main module's packages.
func goBuild(c *shellparse.Command) (build, stop bool) {
	if c.Name != "go" {
		return false, false
	}
	sub, i := c.Subcommand(goValueOpts...)
	switch sub {
	case "build", "test", "vet", "generate", "list", "get":
		return true, false
	case "install", "run":
		// pkg@version builds outside the main module.
		for j := i + 1; j < len(c.Lits); j++ {
			if c.Static[j] && !strings.HasPrefix(c.Lits[j], "-") && strings.Contains(c.Lits[j], "@") {
				return false, false
			}
		}
		return true, false
	case "mod":
		op, _ := opAfter(c, i)
		switch op {
		case "init":
			return false, true // go.mod is made by the build
		case "download", "tidy", "vendor", "verify", "graph", "why":
			return true, false
		}
	case "work":
		return true, false
	}
	return false, false
}

// opAfter is the first static operand after index i.
func opAfter(c *shellparse.Command, i int) (string, int) {
	for j := i + 1; j < len(c.Lits); j++ {
		if !c.Static[j] {
			return "", -1
		}
		if !strings.HasPrefix(c.Lits[j], "-") {
			return c.Lits[j], j
		}
	}
	return "", -1
}

// goOpt returns the value of a go command option given as -name=value or
// -name value, and whether it is there; known is false when a value is not
// static.
func goOpt(c *shellparse.Command, name string) (val string, found, known bool) {
	for i, l := range c.Lits {
		if !c.Static[i] {
			continue
		}
		for _, n := range []string{name, "-" + name} {
			if v, ok := strings.CutPrefix(l, n+"="); ok {
				val, found, known = v, true, true
			} else if l == n {
				found = true
				if i+1 < len(c.Lits) && c.Static[i+1] {
					val, known = c.Lits[i+1], true
				} else {
					val, known = "", false
				}
			}
		}
	}
	return val, found, known
}

// goEnv is the value of a Go variable for the build command: its own
// assignment, else the environment at its RUN (Set false when not set;
// Known false when the file does not tell).
func goEnv(b *buildCmd, name string) stages.Value {
	for _, a := range b.cmd.Assigns {
		if a.Name.Value == name {
			if a.Value == nil {
				return stages.Value{Set: true, Known: true}
			}
			v, ok := shellparse.Lit(a.Value)
			return stages.Value{Set: true, Known: ok, Value: v}
		}
	}
	v := stages.EnvAt(b.r.Ins, name)
	if !v.Set && !v.Known {
		// Not known from a base image: the Go images set none of these.
		return stages.Value{Known: false}
	}
	return v
}

func goPlan(fc *fetchCtx) fetchStep {
	b := fc.b
	dir := b.dir
	if v, found, known := goOpt(b.cmd, "-C"); found {
		if !known {
			return fetchStep{reason: "it changes directory with -C to a directory that is not known"}
		}
		dir = stages.JoinDir(dir, v)
	}
	if mod, found, known := goOpt(b.cmd, "-mod"); found && known && mod == "vendor" {
		return fetchStep{skip: true} // builds from vendor/: downloads nothing
	}
	if _, found, _ := goOpt(b.cmd, "-modfile"); found {
		return fetchStep{reason: "it reads another go.mod (-modfile)"}
	}
	flags := goEnv(b, "GOFLAGS")
	if flags.Set && flags.Known && strings.Contains(flags.Value, "-mod=vendor") {
		return fetchStep{skip: true}
	}
	if v := goEnv(b, "GOPROXY"); v.Set && v.Known && v.Value == "off" {
		return fetchStep{skip: true} // cannot download
	}
	if v := goEnv(b, "GO111MODULE"); v.Set && v.Known && v.Value == "off" {
		return fetchStep{skip: true} // GOPATH mode
	}
	for _, name := range []string{"GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOAUTH"} {
		if v := goEnv(b, name); v.Set {
			return fetchStep{reason: name + " is set: private modules may need credentials or settings that only the build has"}
		}
	}
	if v := goEnv(b, "GOWORK"); v.Set && !(v.Known && v.Value == "off") {
		return fetchStep{reason: "GOWORK names a workspace, whose modules are in the sources"}
	}
	// The module root: the nearest directory with a go.mod, from the
	// build's directory up to where the copy puts the context.
	root := ""
	for d := dir; ; d = path.Dir(d) {
		if fc.exists(path.Join(d, "go.mod")) {
			root = d
			break
		}
		if d == fc.sc.dest || d == "/" || !stages.Under(d, fc.sc.dest) {
			break
		}
	}
	if fc.cv == nil {
		return fetchStep{reason: "dfopt needs the build context to read go.mod"}
	}
	if root == "" {
		return fetchStep{skip: true} // no go.mod in the context: GOPATH mode, or one the build makes
	}
	for d := root; stages.Under(d, fc.sc.dest); d = path.Dir(d) {
		if fc.exists(path.Join(d, "go.work")) {
			return fetchStep{reason: "go.work makes this a workspace, whose modules are in the sources"}
		}
		if d == fc.sc.dest || d == "/" {
			break
		}
	}
	data, _ := fc.read(path.Join(root, "go.mod"))
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		return fetchStep{reason: "go.mod does not parse"}
	}
	for _, r := range mf.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			return fetchStep{reason: "go.mod replaces " + r.Old.Path + " with " + r.New.Path + ", in the sources"}
		}
	}
	if len(mf.Require) == 0 {
		return fetchStep{skip: true} // nothing to download
	}
	// A vendor directory is what go build reads from go 1.14 on, unless
	// -mod=mod says otherwise.
	modMod := strings.Contains(flags.Value, "-mod=mod")
	if mod, found, _ := goOpt(b.cmd, "-mod"); found && mod == "mod" {
		modMod = true
	}
	if fc.exists(path.Join(root, "vendor/modules.txt")) && !modMod &&
		mf.Go != nil && semver.Compare("v"+mf.Go.Version, "v1.14") >= 0 {
		return fetchStep{skip: true}
	}
	if !fc.exists(path.Join(root, "go.sum")) {
		return fetchStep{reason: "the context has no go.sum for the modules go.mod requires"}
	}
	assigns, ok := b.carriedAssigns()
	if !ok {
		return fetchStep{reason: "its variables are not all static"}
	}
	step := fetchStep{root: root, files: []string{"go.mod", "go.sum"}, command: assigns + "go mod download"}
	step.caches, step.cachesKnown, step.cacheMount = goCaches(fc)
	return step
}

// goCaches are the paths go mod download writes: the module cache and the
// go command's configuration directory (telemetry counters).
func goCaches(fc *fetchCtx) (caches []string, known bool, mount string) {
	homes := homeOf(fc.sc)
	known = true
	if v, set, ok := envPath(fc.sc, "GOMODCACHE"); set {
		if !ok {
			known = false
		} else {
			caches = append(caches, v)
		}
	} else {
		gopath := stages.EnvAt(fc.sc.Ins, "GOPATH")
		switch {
		case gopath.Set && gopath.Known && gopath.Value != "":
			for _, p := range strings.Split(gopath.Value, ":") {
				if path.IsAbs(p) {
					caches = append(caches, path.Join(p, "pkg/mod"))
				} else {
					known = false
				}
			}
			if len(caches) > 0 {
				caches = caches[:1] // the first entry holds the module cache
			}
		case gopath.Set && !gopath.Known:
			known = false
		default:
			for _, h := range homes {
				caches = append(caches, path.Join(h, "go/pkg/mod"))
			}
		}
	}
	if len(caches) > 0 {
		mount = caches[0]
	}
	for _, h := range homes {
		caches = append(caches, path.Join(h, ".config/go"))
	}
	return caches, known, mount
}
