package noinstallrecommends

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// need is a recommended package that programs of the installed package
// need for what images usually do with them, and so that the pass
// installs explicitly: for what, whether another package that provides it
// (through its Depends) is installed, and whether the file does it (nil:
// always assumed).
type need struct {
	pkg, purpose string
	or           func(p string) bool // packages that also provide it
	when         func(src string) bool
}

// https: curl, wget and git fetch over https with the certificates of
// ca-certificates, which their libraries only recommend. Debian's
// python3.N recommends it too ("Recommends: ca-certificates" in bookworm's
// python3.11), and python3 depends on python3.N: without it the ssl
// module has no certificates to check a server's with, and urllib fails
// with CERTIFICATE_VERIFY_FAILED (pip vendors its own).
var https = need{pkg: "ca-certificates", purpose: "https"}

// libcDev: gcc, gcc-N, tcc and python3.N-dev recommend libc6-dev (gcc:
// "Recommends: libc6-dev | libc-dev", gcc-12: "libc6-dev (>= 2.23-1~)",
// in bookworm's package data), the C library's headers and start files
// without which nothing compiles or links ("stdio.h: No such file or
// directory"). g++, clang, gfortran and build-essential have it among
// their Depends (through libstdc++-N-dev for g++).
var libcDev = need{pkg: "libc6-dev", purpose: "the C headers a compiler needs", or: func(p string) bool {
	return p == "build-essential" || versioned(p, "g++") || versioned(p, "clang") || versioned(p, "gfortran") || p == "libc-dev"
}}

// reliedOn are the needs of each package; versioned names (gcc-12,
// python3.11-dev) are looked up through needsOf.
var reliedOn = lazy.Value[map[string][]need]{New: func() map[string][]need {
	return map[string][]need{
		"curl": {https}, "wget": {https}, "libcurl4": {https}, "libcurl3-gnutls": {https}, "openssl": {https},
		// git reaches ssh remotes with the ssh client it recommends.
		"git": {https, {pkg: "openssh-client", purpose: "ssh remotes", when: func(src string) bool {
			return strings.Contains(src, "git@") || strings.Contains(src, "ssh://") || strings.Contains(src, "type=ssh")
		}}},
		// gpg fetches keys through dirmngr, a part of the gnupg it recommends.
		"gpg": {{pkg: "gnupg", purpose: "fetching keys", or: func(p string) bool { return p == "gnupg2" || p == "dirmngr" }, when: func(src string) bool {
			return strings.Contains(src, "--recv-key") || strings.Contains(src, "--keyserver") || strings.Contains(src, "--fetch-key")
		}}},
		"gcc": {libcDev}, "tcc": {libcDev}, "python3.N-dev": {libcDev},
		"python3": {https}, "python3.N": {https},
		// Debian's nodejs recommends ca-certificates and checks https servers
		// against the system's store (SELF_SIGNED_CERT_IN_CHAIN without it);
		// php-curl, phpN.N-curl and python3-pycurl reach https through
		// libcurl4 or libcurl3-gnutls, which only recommend it.
		"nodejs": {https}, "php-curl": {https}, "python3-pycurl": {https},
		// xvfb-run, shipped in xvfb, stops with "xauth command not found"
		// without the xauth that xvfb recommends.
		"xvfb": {{pkg: "xauth", purpose: "xvfb-run"}},
		// perl recommends netbase: /etc/protocols and /etc/services, without
		// which getprotobyname("tcp") is undefined and perl's TCP sockets
		// (IO::Socket::INET, HTTP::Tiny, LWP) fail ("Bad protocol 'tcp'").
		"perl": {{pkg: "netbase", purpose: "network protocol names"}},
	}
}}

// needsOf returns the needs of package p: gcc-12 has the needs of gcc,
// python3.11 those of python3.N, python3.11-dev those of python3.N-dev
// and php8.2-curl those of php-curl. python3-dev's libc6-dev comes with
// it: it depends on zlib1g-dev, which depends on libc6-dev.
//
// A package that depends on one of the table's brings that one without its
// recommends too, so it has its needs: npm and yarnpkg depend on nodejs,
// and Debian's Python packages on the interpreter (python3-X on python3,
// python3.N-X on python3.N; not python3-minimal and python3.N-minimal, the
// interpreter without the ssl module's recommends, nor python3.N-doc), as
// bookworm's package data says.
func needsOf(p string) []need {
	if n, ok := reliedOn.Get()[p]; ok {
		return n
	}
	if versioned(p, "gcc") {
		return reliedOn.Get()["gcc"]
	}
	if p == "npm" || p == "yarnpkg" {
		return reliedOn.Get()["nodejs"]
	}
	if base, ok := strings.CutSuffix(p, "-dev"); ok && pythonN(base) {
		return append(slices.Clip(reliedOn.Get()["python3.N-dev"]), reliedOn.Get()["python3.N"]...)
	}
	if pythonN(p) {
		return reliedOn.Get()["python3.N"]
	}
	if base, rest, ok := strings.Cut(p, "-"); ok && rest != "minimal" && rest != "doc" && rest != "" {
		switch {
		case base == "python3":
			return reliedOn.Get()["python3"]
		case pythonN(base):
			return reliedOn.Get()["python3.N"]
		}
	}
	if v, ok := strings.CutPrefix(p, "php"); ok && strings.HasSuffix(v, "-curl") && strings.Trim(strings.TrimSuffix(v, "-curl"), "0123456789.") == "" {
		return reliedOn.Get()["php-curl"] // php8.2-curl
	}
	return nil
}

// versioned reports whether p is name or name-N (gcc-12, clang-16,
// g++-13).
func versioned(p, name string) bool {
	if p == name {
		return true
	}
	v, ok := strings.CutPrefix(p, name+"-")
	return ok && digits(v)
}

// pythonN reports whether p is python3.N.
func pythonN(p string) bool {
	v, ok := strings.CutPrefix(p, "python3.")
	return ok && digits(v)
}

func digits(v string) bool {
	return v != "" && strings.Trim(v, "0123456789") == ""
}

// declining are packages whose recommends are what the package is
// usually installed for, too many or too uncertain to add by name: an
// install of one declines unless the install or an earlier one of the
// stage names what the recommends bring, or the stage's base image has
// them (has nil: always declines).
// The recommends are from bookworm's package data.
type declining struct {
	what string
	has  func(installed func(string) bool) bool
	when func(src string) bool // whether the file uses them (nil: always assumed)
}

// baseTools are the packages of a base that HasCompiler reports: the
// full python, node and ruby images and golang's Debian images.
var baseTools = []string{"gcc", "g++", "make", "libc6-dev", "pkg-config"}

// compiler reports whether a C compiler is installed by name (gcc-12 and
// clang-16 count as gcc and clang).
func compiler(installed func(string) bool) bool {
	return installed("build-essential") || installed("gcc") || installed("g++") || installed("clang") || installed("tcc")
}

var buildsFromRecommends = lazy.Value[map[string]declining]{New: func() map[string]declining {
	return map[string]declining{
		"python3-pip": {what: "build-essential and python3-dev, which pip needs to build packages from source; check that every package pip installs has a wheel, then add the option by hand"},
		"python-pip":  {what: "build-essential and python-dev, which pip needs to build packages from source; check that every package pip installs has a wheel, then add the option by hand"},
		"cmake": {what: "gcc and make, with which it configures and builds projects; install a compiler and make by name, then add the option", has: func(in func(string) bool) bool {
			return compiler(in) && (in("make") || in("build-essential") || in("ninja-build"))
		}},
		"golang-N-go": {what: "gcc, g++, libc6-dev and pkg-config, which go build needs for cgo (on unless CGO_ENABLED=0); install a compiler by name, then add the option", has: compiler},
		"r-base-core": {what: "r-base-dev and r-recommended: the compilers install.packages builds packages with, and the recommended R packages; install them by name, then add the option", has: func(in func(string) bool) bool {
			return in("r-base-dev") && (in("r-recommended") || in("r-base"))
		}},
		// dpkg-buildpackage stops without the build-essential package
		// ("Unmet build dependencies: build-essential:native"); dpkg-dev's
		// other tools (dpkg-architecture, dpkg-source) do not need it.
		"dpkg-dev": {what: "build-essential, which dpkg-buildpackage needs; install it by name, then add the option", has: func(in func(string) bool) bool {
			return in("build-essential")
		}, when: func(src string) bool {
			return strings.Contains(src, "dpkg-buildpackage") || strings.Contains(src, "debuild")
		}},
		"composer": {what: "git and unzip, with which it downloads and unpacks packages; install them by name, then add the option", has: func(in func(string) bool) bool {
			return in("git") && in("unzip")
		}},
	}
}}

// declinerOf returns the entry of buildsFromRecommends for p, and the
// package through which p brings those recommends when p only depends on
// it (golang-go on golang-N-go, r-base on r-base-core).
func declinerOf(p string) (declining, string, bool) {
	key, via := p, ""
	switch {
	case p == "golang-go":
		key, via = "golang-N-go", "the golang-1.N-go it depends on"
	case p == "r-base":
		key, via = "r-base-core", "the r-base-core it depends on"
	case strings.HasPrefix(p, "golang-") && strings.HasSuffix(p, "-go") && len(p) > len("golang--go") &&
		strings.Trim(p[len("golang-"):len(p)-len("-go")], "0123456789.") == "":
		key = "golang-N-go"
	}
	if t, ok := crossTarget(p); ok {
		return crossCompiler(t), "", true
	}
	d, ok := buildsFromRecommends.Get()[key]
	return d, via, ok
}

// crossLibc are the C libraries that the gcc cross compilers of Debian
// and Ubuntu recommend, by target (gcc-aarch64-linux-gnu: "Recommends:
// libc6-dev-arm64-cross | libc-dev-arm64-cross", gcc-arm-none-eabi:
// "Recommends: libnewlib-arm-none-eabi", in bookworm's package data).
var crossLibc = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"aarch64-linux-gnu": "libc6-dev-arm64-cross", "arm-linux-gnueabihf": "libc6-dev-armhf-cross",
		"arm-linux-gnueabi": "libc6-dev-armel-cross", "i686-linux-gnu": "libc6-dev-i386-cross",
		"x86-64-linux-gnu": "libc6-dev-amd64-cross", "x86-64-linux-gnux32": "libc6-dev-x32-cross",
		"powerpc64le-linux-gnu": "libc6-dev-ppc64el-cross", "s390x-linux-gnu": "libc6-dev-s390x-cross",
		"riscv64-linux-gnu": "libc6-dev-riscv64-cross", "mips64el-linux-gnuabi64": "libc6-dev-mips64el-cross",
		"arm-none-eabi": "libnewlib-arm-none-eabi",
	}
}}

// crossTarget returns the target of a gcc cross compiler, gcc-TARGET or
// gcc-N-TARGET (gcc-aarch64-linux-gnu, gcc-12-arm-linux-gnueabihf,
// gcc-arm-none-eabi), whose target is a Linux or bare-metal triplet.
func crossTarget(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "gcc-")
	if !ok {
		return "", false
	}
	if n, after, ok := strings.Cut(rest, "-"); ok && digits(n) {
		rest = after
	}
	if strings.HasSuffix(rest, "-base") {
		return "", false
	}
	_, known := crossLibc.Get()[rest]
	return rest, known || strings.Contains(rest, "-linux-") || strings.HasSuffix(rest, "-none-eabi")
}

// crossCompiler declines a cross compiler: like gcc, it only recommends
// its target's C library (headers, crt1.o, libc.so), without which it
// compiles nothing ("stdio.h: No such file or directory"). The install
// or an earlier one naming that library, or the target's g++ (which
// depends on it through libstdc++-N-dev-ARCH-cross), is enough.
func crossCompiler(target string) declining {
	lib := crossLibc.Get()[target]
	what := "the C library of its target, without which it compiles nothing; install it by name, then add the option"
	if lib != "" {
		what = lib + ", the C library of its target, without which it compiles nothing; install it by name, then add the option"
	}
	return declining{what: what, has: func(in func(string) bool) bool {
		return (lib != "" && in(lib)) || (!strings.HasSuffix(target, "-none-eabi") && in("g++-"+target))
	}}
}

// Changes lists where fewer packages change the image's files: the system
// directories packages install into, and dpkg's and apt's state.
var Changes = []string{"/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/var", "/run"}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	// What the stages tell at their end, for the stages built on them:
	// whether apt's configuration sets Install-Recommends, and the
	// packages installed by name. Stages come after the ones they are
	// built on, so one pass over the file suffices.
	type facts struct {
		configured bool
		installed  map[string]bool
	}
	ends := map[*dockerfile.Stage]facts{}
	fileUses := map[string]bool{} // memo of need.when over the file
	for _, st := range doc.Stages {
		var f facts
		if st.Parent != nil {
			f = ends[st.Parent]
		}
		f.installed = maps.Clone(f.installed)
		if f.installed == nil {
			f.installed = map[string]bool{}
		}
		for _, ins := range st.Instructions {
			if (ins.Cmd == "run" || ins.Cmd == "copy" || ins.Cmd == "add" || ins.Cmd == "env") && strings.Contains(ins.Text, "Install-Recommends") {
				f.configured = true
			}
			if ins.Cmd != "run" {
				continue
			}
			r, _ := runs.Parse(ins)
			if r != nil && !f.configured && !st.Windows() {
				out = append(out, check(ctx, r, f.installed, fileUses)...)
			}
			recordInstalls(ins, r, f.installed)
		}
		ends[st] = f
	}
	return out
}

// recordInstalls adds to installed the packages that the RUN installs by
// name with apt (for a RUN whose shell cannot be read, the packages the
// pass installs by name that its text mentions).
func recordInstalls(ins *dockerfile.Instruction, r *runs.Run, installed map[string]bool) {
	if r == nil {
		for _, needs := range reliedOn.Get() {
			for _, n := range needs {
				if strings.Contains(ins.Text, n.pkg) {
					installed[n.pkg] = true
				}
			}
		}
		return
	}
	for _, c := range r.Commands() {
		if c.Name != "apt-get" && c.Name != "apt" {
			continue
		}
		if s, i := c.Subcommand(pkgmgr.AptValueOptions...); s == "install" {
			for _, p := range packages(c, i) {
				if p != "" {
					installed[p] = true
				}
			}
		}
	}
}

func check(ctx *analysis.Context, r *runs.Run, installed, fileUses map[string]bool) []analysis.Finding {
	var out []analysis.Finding
	for _, c := range r.Commands() {
		if c.Name != "apt-get" && c.Name != "apt" {
			continue
		}
		s, i := c.Subcommand(pkgmgr.AptValueOptions...)
		if s != "install" || c.HasArg(shellparse.ArgIs("--no-install-recommends", "--install-recommends")) {
			continue
		}
		start, end := shellparse.Span(c.Call)
		f := analysis.Finding{Pos: r.Src(start), End: r.After(end),
			Message: c.Name + " install without --no-install-recommends installs the packages' recommends too"}
		pkgs := packages(c, i)
		decline := func(why string) {
			f.Message += " (not fixed: " + why + ")"
			out = append(out, f)
		}
		if slices.Contains(pkgs, "") {
			decline("a package name dfopt cannot read")
			continue
		}
		if why := relies(pkgs, installed, stages.RootImage(r.Ins.Stage), ctx.Doc.Src); why != "" {
			decline(why)
			continue
		}
		if c.HasArg(func(v string) bool { return strings.HasSuffix(v, ".deb") }) {
			decline("it installs a .deb file, whose recommends dfopt does not know")
			continue
		}
		text := " --no-install-recommends"
		var extra, purposes []string
		for _, p := range pkgs {
			for _, n := range needsOf(p) {
				if has(pkgs, installed, n) || slices.Contains(extra, n.pkg) || !uses(ctx, n, fileUses) {
					continue
				}
				extra = append(extra, n.pkg)
				if !slices.Contains(purposes, n.purpose) {
					purposes = append(purposes, n.purpose)
				}
			}
		}
		if len(extra) > 0 {
			if by := removesAfter(r.Commands(), c); by != "" {
				decline(fmt.Sprintf("the fix would install %s by name (for %s), and the RUN removes packages after the install (%s), which may remove %s again; add the option and install %s by hand",
					strings.Join(extra, " "), strings.Join(purposes, " and "), by, them(len(extra)), strings.Join(extra, " ")))
				continue
			}
			if root := stages.RootImage(r.Ins.Stage); !hasAll(baseimage.Resolve(root), extra) {
				info := baseimage.Resolve(root)
				detail := info.String()
				if !info.Known {
					detail = info.Why
				}
				decline(fmt.Sprintf("the fix would install %s by name (for %s), and dfopt does not know that the repositories of base %s (%s) have %s; add the option and install %s by hand",
					strings.Join(extra, " "), strings.Join(purposes, " and "), root, detail, them(len(extra)), strings.Join(extra, " ")))
				continue
			}
		}
		edits := []analysis.Edit{analysis.Insert(r.WordEnd(c.Args[i]), text)}
		msg := "add --no-install-recommends"
		if len(extra) > 0 {
			edits = append(edits, analysis.Insert(r.WordEnd(c.Args[len(c.Args)-1]), " "+strings.Join(extra, " ")))
			msg += fmt.Sprintf(" and install %s, which %s recommended for %s", strings.Join(extra, " "), plural(len(extra)), strings.Join(purposes, " and "))
		}
		f.Fix = &analysis.Fix{Message: msg, Edits: edits, Changes: Changes}
		out = append(out, f)
	}
	return out
}

// has reports whether the install (pkgs) or an earlier one of the stage
// (installed) names n's package or one that provides it.
func has(pkgs []string, installed map[string]bool, n need) bool {
	if slices.Contains(pkgs, n.pkg) || installed[n.pkg] {
		return true
	}
	if n.or == nil {
		return false
	}
	return slices.ContainsFunc(pkgs, n.or) || slices.ContainsFunc(slices.Collect(maps.Keys(installed)), n.or)
}

// hasAll reports whether the base's repositories are known to have every
// package of pkgs.
func hasAll(info baseimage.Info, pkgs []string) bool {
	for _, p := range pkgs {
		if !baseimage.HasPackage(info, p) {
			return false
		}
	}
	return true
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func plural(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// packages returns the package names the install names after the
// subcommand at index i ("" for a word dfopt cannot read), without
// version or release suffixes.
func packages(c *shellparse.Command, i int) []string {
	var out []string
	for j := i + 1; j < len(c.Lits); j++ {
		v := c.Lits[j]
		if !c.Static[j] {
			out = append(out, "")
			continue
		}
		if strings.HasPrefix(v, "-") {
			if slices.Contains(pkgmgr.AptValueOptions, v) {
				j++
			}
			continue
		}
		name, _, _ := strings.Cut(v, "=")
		name, _, _ = strings.Cut(name, "/")
		name, _, _ = strings.Cut(name, ":")
		out = append(out, name)
	}
	return out
}

// relies says why the file may rely on what a package of the install
// recommends, when the install, the earlier ones of the stage and the base
// image (base, when HasCompiler knows it has a compiler and make) do not
// have what the recommends bring.
func relies(pkgs []string, installed map[string]bool, base string, src []byte) string {
	tools := baseimage.HasCompiler(base)
	// in reports whether p or a versioned p (gcc-12 for gcc) is there.
	in := func(p string) bool {
		if installed[p] || slices.Contains(pkgs, p) || (tools && slices.Contains(baseTools, p)) {
			return true
		}
		is := func(q string) bool { return versioned(q, p) }
		return slices.ContainsFunc(pkgs, is) || slices.ContainsFunc(slices.Collect(maps.Keys(installed)), is)
	}
	for _, p := range pkgs {
		d, via, ok := declinerOf(p)
		if !ok || (d.has != nil && d.has(in)) || (d.when != nil && !d.when(string(src))) {
			continue
		}
		if via != "" {
			return p + " (through " + via + ") recommends " + d.what
		}
		return p + " recommends " + d.what
	}
	return ""
}

// uses reports whether the file does what n is needed for, once per need.
func uses(ctx *analysis.Context, n need, memo map[string]bool) bool {
	if n.when == nil {
		return true
	}
	key := n.pkg + "\x00" + n.purpose
	v, ok := memo[key]
	if !ok {
		v = n.when(string(ctx.Doc.Src))
		memo[key] = v
	}
	return v
}

// removesAfter names the command after c in cmds that removes packages or
// changes which are kept (apt-get purge, remove, autoremove or
// --auto-remove, apt-mark, aptitude, dpkg -r/-P), or "".
func removesAfter(cmds []*shellparse.Command, c *shellparse.Command) string {
	after := false
	for _, o := range cmds {
		if o == c {
			after = true
			continue
		}
		if !after {
			continue
		}
		switch o.Name {
		case "apt-mark", "aptitude":
			return o.Name
		case "apt-get", "apt":
			if slices.ContainsFunc(o.Lits, func(v string) bool {
				return v == "purge" || v == "remove" || v == "autoremove" || v == "autopurge" || v == "--auto-remove"
			}) {
				return o.Name + " removing packages"
			}
		case "dpkg":
			if slices.ContainsFunc(o.Lits, func(v string) bool { return v == "-r" || v == "-P" || v == "--remove" || v == "--purge" }) {
				return "dpkg removing packages"
			}
		}
	}
	return ""
}
