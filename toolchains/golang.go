package toolchains

import (
	"bytes"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Go: what `go build` and `go install` make, whether a build needs cgo,
// and what a Go program needs from the image it runs in.

// GoCommand is a `go build` or `go install` command.
type GoCommand struct {
	Cmd *shellparse.Command
	// Install is set for go install.
	Install bool
	// Output is the -o value as written ("" when not given).
	Output string
	// Dir is the -C value as written ("" when not given).
	Dir string
	// Operands are the packages, patterns or .go files built.
	Operands []string
	// Race, BuildMode and ExternalLink are what need cgo or change the
	// kind of file made: -race, -buildmode, -ldflags with -linkmode
	// external or -extldflags.
	Race         bool
	BuildMode    string
	ExternalLink bool
	// Cgo is CGO_ENABLED as given to the command (`CGO_ENABLED=0 go
	// build`, env CGO_ENABLED=0 go build), "" when not.
	Cgo string
	// Static is false when a word of the command is not literal (a
	// variable): the other fields are then not to be trusted.
	Static bool
	// Variables names the variables the words that are not literal use.
	Variables []string
}

// goValued are the go build flags that take a value.
var goValued = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"o": true, "p": true, "C": true, "asmflags": true, "buildmode": true, "compiler": true,
		"gccgoflags": true, "gcflags": true, "installsuffix": true, "ldflags": true, "mod": true,
		"modfile": true, "overlay": true, "pgo": true, "pkgdir": true, "tags": true, "toolexec": true,
		"covermode": true, "coverpkg": true,
	}
}}

// GoCommandOf reads a go build or go install command; ok is false for
// other commands (go vet, go mod download, ...).
func GoCommandOf(c *shellparse.Command) (g *GoCommand, ok bool) {
	if c.Name != "go" || len(c.Args) == 0 || !c.Static[0] {
		return nil, false
	}
	switch c.Lits[0] {
	case "build":
	case "install":
	default:
		return nil, false
	}
	g = &GoCommand{Cmd: c, Install: c.Lits[0] == "install", Static: true}
	for _, as := range c.Assigns {
		if as.Name != nil && as.Name.Value == "CGO_ENABLED" {
			if v, ok := shellparse.Lit(as.Value); ok {
				g.Cgo = v
			} else {
				g.Cgo = "?"
			}
		}
	}
	for i := 1; i < len(c.Args); i++ {
		if !c.Static[i] {
			g.Static = false
			g.Variables = append(g.Variables, WordVariables(c.Args[i])...)
			continue
		}
		a := c.Lits[i]
		if a == "--" {
			g.Operands = append(g.Operands, c.Lits[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") {
			g.Operands = append(g.Operands, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if goValued.Get()[name] && !hasVal && i+1 < len(c.Args) {
			i++
			if !c.Static[i] {
				g.Static = false
				g.Variables = append(g.Variables, WordVariables(c.Args[i])...)
				continue
			}
			val = c.Lits[i]
		}
		switch name {
		case "o":
			g.Output = val
		case "C":
			g.Dir = val
		case "race", "msan", "asan":
			if !hasVal || val == "true" {
				g.Race = true
			}
		case "buildmode":
			g.BuildMode = val
		case "ldflags":
			if strings.Contains(val, "-linkmode") && strings.Contains(val, "external") || strings.Contains(val, "-extldflags") {
				g.ExternalLink = true
			}
		}
	}
	return g, true
}

// WordVariables names the variables a word expands.
func WordVariables(w *syntax.Word) []string {
	var out []string
	shellparse.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && pe.Param != nil {
			out = append(out, pe.Param.Value)
		}
		return true
	})
	return out
}

// GoExecName is the name go build and go install give the binary of the
// package with the given import path: its last element, or the one before
// a major version suffix (example.com/tool/v2 makes "tool").
func GoExecName(importPath string) string {
	importPath = strings.TrimSuffix(importPath, "/")
	elem := path.Base(importPath)
	if isMajorSuffix(elem) {
		if d := path.Dir(importPath); d != "." && d != "/" {
			return path.Base(d)
		}
	}
	return elem
}

func isMajorSuffix(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	n, err := strconv.Atoi(s[1:])
	return err == nil && n >= 2
}

// GoArtifact is where a go build or go install command leaves its binary.
type GoArtifact struct {
	// Path is the binary's absolute path in the image ("" when the
	// command leaves none: several packages, a pattern, a library).
	Path string
	// Unknown says why the path cannot be told ("" when it can).
	Unknown string
}

// GoModule is what the go.mod of a directory says.
type GoModule struct {
	// Path is the module path.
	Path string
	// Requires lists the module paths it requires.
	Requires []string
}

// Artifact tells where the command leaves the binary, for a command run
// in dir (absolute, "" when unknown). module returns the module whose
// root is an image directory (nil when not known); bin is where go
// install puts binaries (GOBIN, or GOPATH/bin; "" when not known).
func (g *GoCommand) Artifact(dir string, module func(dir string) *GoModule, bin string) GoArtifact {
	if g.Dir != "" {
		dir = Resolve(dir, g.Dir)
	}
	switch {
	case g.BuildMode != "" && g.BuildMode != "exe" && g.BuildMode != "pie" && g.BuildMode != "default":
		return GoArtifact{Unknown: "it builds with -buildmode=" + g.BuildMode}
	case !g.Static:
		return GoArtifact{Unknown: "a word of it is not literal"}
	}
	// The package built, and the name of its binary.
	var name string
	var files []string
	var pkgs []string
	for _, op := range g.Operands {
		if strings.HasSuffix(op, ".go") {
			files = append(files, op)
		} else {
			pkgs = append(pkgs, op)
		}
	}
	switch {
	case len(files) > 0 && len(pkgs) > 0:
		return GoArtifact{Unknown: "it names both files and packages"}
	case len(files) > 0:
		if g.Install {
			return GoArtifact{Unknown: "go install of files"}
		}
		name = strings.TrimSuffix(path.Base(files[0]), ".go")
	case len(pkgs) > 1:
		if g.Output != "" && !strings.HasSuffix(g.Output, "/") && !g.Install {
			return GoArtifact{Unknown: "it writes several packages to one file"}
		}
		return GoArtifact{Unknown: "it builds several packages"}
	default:
		pkg := "."
		if len(pkgs) == 1 {
			pkg = pkgs[0]
		}
		if strings.Contains(pkg, "...") {
			if g.Install || g.Output != "" {
				return GoArtifact{Unknown: "it builds the packages of the pattern " + pkg}
			}
			return GoArtifact{} // builds and discards
		}
		pkg, _, _ = strings.Cut(pkg, "@")
		local := pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") || path.IsAbs(pkg)
		if !local {
			name = GoExecName(pkg)
			break
		}
		if g.Output != "" && !strings.HasSuffix(g.Output, "/") && !g.Install {
			break // -o names the file
		}
		pkgDir := Resolve(dir, pkg)
		if pkgDir == "" {
			return GoArtifact{Unknown: "the directory it builds in is not known"}
		}
		// The import path: the module path of the nearest go.mod above.
		for d := pkgDir; ; d = path.Dir(d) {
			if m := module(d); m != nil {
				rel := strings.TrimPrefix(strings.TrimPrefix(pkgDir, d), "/")
				name = GoExecName(path.Join(m.Path, rel))
				break
			}
			if d == "/" {
				break
			}
		}
		if name == "" {
			return GoArtifact{Unknown: "no go.mod names the package it builds (name the binary with -o)"}
		}
	}
	switch {
	case g.Install:
		if bin == "" {
			return GoArtifact{Unknown: "where go install puts binaries (GOBIN, GOPATH) is not known"}
		}
		return GoArtifact{Path: path.Join(bin, name)}
	case g.Output == "":
		if dir == "" {
			return GoArtifact{Unknown: "the directory it builds in is not known"}
		}
		return GoArtifact{Path: path.Join(dir, name)}
	case strings.HasSuffix(g.Output, "/"):
		p := Resolve(dir, g.Output)
		if p == "" || name == "" {
			return GoArtifact{Unknown: "the directory it writes to is not known"}
		}
		return GoArtifact{Path: path.Join(p, name)}
	}
	p := Resolve(dir, g.Output)
	if p == "" {
		return GoArtifact{Unknown: "the directory it builds in is not known"}
	}
	return GoArtifact{Path: p}
}

// ParseGoMod reads the module path and the requirements of a go.mod.
func ParseGoMod(data []byte) *GoModule {
	m := &GoModule{}
	inRequire := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case inRequire && line == ")":
			inRequire = false
		case inRequire:
			if f := strings.Fields(line); len(f) > 0 {
				m.Requires = append(m.Requires, unquoteGo(f[0]))
			}
		case strings.HasPrefix(line, "module ") || strings.HasPrefix(line, "module\t"):
			m.Path = unquoteGo(strings.TrimSpace(line[len("module"):]))
		case line == "require (":
			inRequire = true
		case strings.HasPrefix(line, "require "):
			if f := strings.Fields(line[len("require "):]); len(f) > 0 {
				m.Requires = append(m.Requires, unquoteGo(f[0]))
			}
		}
	}
	if m.Path == "" {
		return nil
	}
	return m
}

func unquoteGo(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// GoModuleGraph returns the modules of a go.sum or a vendor/modules.txt
// whose code the build may compile: in go.sum, those with a hash of the
// module's content (MODULE VERSION h1:...), which go mod download fetches;
// a module listed only by its go.mod's hash (MODULE VERSION/go.mod
// h1:...) is in the module graph for the versions it requires, and its
// code is neither downloaded nor built. In vendor/modules.txt, those
// with packages vendored (lines after the module's # line); an explicit
// requirement alone (# MODULE VERSION, ## explicit) vendors nothing.
func GoModuleGraph(data []byte) []string {
	var out []string
	header := "" // the module of the last # line, until a package of it
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "#": // vendor/modules.txt: # MODULE VERSION
			header = f[1]
		case len(f) >= 1 && strings.HasPrefix(f[0], "#"): // ## explicit
		case len(f) == 1 && header != "": // vendor/modules.txt: a package
			out = append(out, header)
			header = ""
		case len(f) >= 3 && !strings.HasSuffix(f[1], "/go.mod"): // go.sum: MODULE VERSION HASH
			out = append(out, f[0])
		}
	}
	return out
}

// CgoModules are modules whose packages use cgo (bindings to C libraries):
// a program that requires one is built with cgo. Prefixes end with "/".
var CgoModules = []string{
	"github.com/mattn/go-sqlite3", "github.com/mattn/go-oci8", "github.com/godror/godror",
	"github.com/alexbrainman/odbc", "github.com/go-gl/", "github.com/gotk3/", "github.com/veandco/go-sdl2",
	"github.com/davidbyttow/govips", "github.com/h2non/bimg", "gopkg.in/gographics/imagick",
	"github.com/confluentinc/confluent-kafka-go", "github.com/miekg/pkcs11", "github.com/google/gopacket",
	"github.com/tecbot/gorocksdb", "github.com/linxGnu/grocksdb", "github.com/libgit2/git2go",
	"gocv.io/x/gocv", "github.com/DataDog/zstd", "github.com/valyala/gozstd", "github.com/goccy/go-graphviz",
	"github.com/wasmerio/wasmer-go", "github.com/bytecodealliance/wasmtime-go", "github.com/seccomp/libseccomp-golang",
	"github.com/coreos/go-systemd", "github.com/hajimehoshi/ebiten", "fyne.io/fyne", "github.com/tensorflow/tensorflow",
	"github.com/rjeczalik/notify", "github.com/ianlancetaylor/cgosymbolizer", "github.com/jackc/pgx-sqlite",
	// Wrappers of those, which a go.mod may list without them.
	"gorm.io/driver/sqlite", "github.com/jinzhu/gorm", "github.com/mattn/go-adodb", "github.com/xeodou/go-sqlcipher",
	"github.com/mutecomm/go-sqlcipher", "github.com/gen2brain/", "github.com/go-vgo/robotgo",
}

// CgoModule reports whether a module path is one of CgoModules.
func CgoModule(mod string) bool {
	for _, m := range CgoModules {
		if mod == m || strings.HasPrefix(mod, strings.TrimSuffix(m, "/")+"/") {
			return true
		}
	}
	return false
}

// GoToolchainEnv reports whether an environment variable is read only by
// the Go toolchain (and cgo's C compiler), not by the programs it builds:
// GOPATH, GOFLAGS, CGO_ENABLED, GO111MODULE, GOPROXY, ... A program built
// with Go reads GODEBUG, GOMAXPROCS, GOGC, GOMEMLIMIT, GOTRACEBACK and
// ZONEINFO at run time; those are not toolchain variables.
func GoToolchainEnv(key string) bool {
	switch key {
	case "GOPATH", "GOROOT", "GOBIN", "GO111MODULE", "GOOS", "GOARCH", "GOARM", "GOAMD64", "GO386",
		"GOMIPS", "GOPPC64", "GOFLAGS", "GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GONOSUMCHECK",
		"GOSUMDB", "GOINSECURE", "GOCACHE", "GOMODCACHE", "GOTOOLCHAIN", "GOEXPERIMENT", "GOWORK",
		"GOTMPDIR", "GOVCS", "GOENV", "GOTELEMETRY", "GOCOVERDIR", "GOLANG_VERSION", "GOTOOLDIR",
		"CC", "CXX", "AR", "PKG_CONFIG", "CGO_ENABLED":
		return true
	}
	return strings.HasPrefix(key, "CGO_")
}

// GoBuildPackages are distribution packages that a Go build uses and the
// program it builds does not: compilers, version control, certificates
// for fetching modules.
var GoBuildPackages = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"git": true, "ca-certificates": true, "gcc": true, "g++": true, "make": true, "build-essential": true,
		"build-base": true, "musl-dev": true, "libc6-dev": true, "libc-dev": true, "pkgconf": true,
		"pkg-config": true, "binutils": true, "upx": true, "upx-ucl": true, "openssh-client": true,
		"mercurial": true, "bzr": true, "subversion": true, "bash": true, "tzdata": true, "curl": true, "wget": true,
		"gnupg": true, "unzip": true, "xz-utils": true, "file": true,
	}
}}

// GoBuildFile reports whether a file of a Go project (a path relative to
// the directory copied) is build input or project metadata that a Go
// program does not read at run time: sources, modules, vendored code,
// tests, documentation, CI and editor settings.
func GoBuildFile(rel string) bool {
	base := path.Base(rel)
	first, _, _ := strings.Cut(rel, "/")
	switch first {
	case "vendor", "testdata", ".git", ".github", ".gitlab", ".circleci", ".vscode", ".idea", ".devcontainer", "hack":
		return true
	}
	if strings.Contains(rel, "/testdata/") {
		return true
	}
	switch path.Ext(base) {
	case ".go", ".s", ".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".m", ".syso", ".md", ".proto", ".mod", ".sum":
		return true
	}
	upper := strings.ToUpper(base)
	for _, p := range []string{"LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "CONTRIBUTORS", "README", "CHANGELOG", "CODEOWNERS", "SECURITY", "MAKEFILE", "DOCKERFILE", "CONTAINERFILE"} {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	switch base {
	case "go.work", "go.work.sum", ".dockerignore", ".gitignore", ".gitattributes", ".gitmodules", ".editorconfig",
		".golangci.yml", ".golangci.yaml", ".goreleaser.yml", ".goreleaser.yaml", ".travis.yml", ".mailmap",
		".pre-commit-config.yaml", "renovate.json", ".renovaterc", "codecov.yml", ".codecov.yml", "Taskfile.yml",
		"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml":
		return true
	}
	return strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile")
}

// GoSources is what the Go sources of a build say about the program.
type GoSources struct {
	// Cgo names the first source file that imports "C" ("" when none).
	Cgo string
	// Certs: the program may make TLS connections (net/http, crypto/tls,
	// crypto/x509, net/smtp, or a package from outside the standard
	// library, which may).
	Certs bool
	// Zoneinfo: the program may load time zones by name (time.LoadLocation,
	// or a package from outside the standard library) and does not embed
	// them (time/tzdata).
	Zoneinfo bool
	// Temp: the program may write temporary files (os.TempDir,
	// os.CreateTemp, os.MkdirTemp, ioutil.TempFile, mime/multipart, ...).
	Temp bool
	// Users: the program may look users up (os/user).
	Users bool
	// Exec names the first source file that runs other programs (imports
	// os/exec, calls syscall.Exec or os.StartProcess), "" when none.
	Exec string
	// Embeds are the //go:embed patterns, as image paths relative to the
	// directory of their file.
	Embeds []string
	// Unparsed names a file whose imports could not be read ("" when none).
	Unparsed string
}

var execUse = lazyre.New(`\b(syscall\.Exec|os\.StartProcess|syscall\.ForkExec|unix\.Exec)\b`)

var tempUse = lazyre.New(`\b(os\.TempDir|os\.CreateTemp|os\.MkdirTemp|ioutil\.TempFile|ioutil\.TempDir|ParseMultipartForm|FormFile)\b`)

// ReadGoSources reads the .go files among files (not the tests, and not
// vendored ones for anything but cgo) and tells what they use.
func ReadGoSources(ctx *analysis.Context, files []File) *GoSources {
	s := &GoSources{}
	tzdata := false
	fset := token.NewFileSet()
	for _, f := range files {
		if f.Dir || !strings.HasSuffix(f.Context, ".go") {
			continue
		}
		data, ok := ReadFile(ctx, f.Context)
		if !ok {
			continue
		}
		af, err := parser.ParseFile(fset, f.Context, data, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			if s.Unparsed == "" {
				s.Unparsed = f.Context
			}
			continue
		}
		test := strings.HasSuffix(f.Context, "_test.go")
		vendored := strings.HasPrefix(f.Context, "vendor/") || strings.Contains(f.Context, "/vendor/")
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "C" && !test && s.Cgo == "" {
				s.Cgo = f.Context
			}
			if test || vendored {
				continue
			}
			switch {
			case p == "net/http" || p == "crypto/tls" || p == "crypto/x509" || p == "net/smtp":
				s.Certs = true
			case p == "time/tzdata":
				tzdata = true
			case p == "os/user":
				s.Users = true
			case p == "mime/multipart":
				s.Temp = true
			case p == "os/exec":
				if s.Exec == "" {
					s.Exec = f.Context
				}
			case strings.Contains(strings.SplitN(p, "/", 2)[0], "."):
				s.Certs, s.Zoneinfo = true, true
			}
		}
		if test || vendored {
			continue
		}
		if bytes.Contains(data, []byte("LoadLocation")) {
			s.Zoneinfo = true
		}
		if tempUse.Match(data) {
			s.Temp = true
		}
		if execUse.Match(data) && s.Exec == "" {
			s.Exec = f.Context
		}
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:embed "); ok {
				dir := path.Dir(f.Image)
				for _, pat := range strings.Fields(rest) {
					pat = strings.TrimPrefix(strings.Trim(pat, "\"`"), "all:")
					s.Embeds = append(s.Embeds, path.Join(dir, pat))
				}
			}
		}
	}
	if tzdata {
		s.Zoneinfo = false
	}
	return s
}

// Embedded reports whether the image path p is embedded into the binary
// by one of the //go:embed patterns: matched by one, or below a directory
// one matches.
func (s *GoSources) Embedded(p string) bool {
	for _, pat := range s.Embeds {
		for q := p; q != "/" && q != "."; q = path.Dir(q) {
			if ok, _ := path.Match(pat, q); ok {
				return true
			}
		}
	}
	return false
}
