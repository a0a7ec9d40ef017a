package passes

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Tini puts an init process in front of the final stage's program.
var Tini = &analysis.Pass{
	Name:    "tini",
	Summary: "run an init process as PID 1 in the final stage",
	Tier:    analysis.Aggressive,
	Run:     runTini,
	Doc: `A container's first process is PID 1: the kernel gives it no default signal
handlers and it must reap orphaned children. Most programs do neither, so
"docker stop" waits and kills, and zombies pile up. This pass installs tini
(or dumb-init, with --init=dumb-init or the "init" setting) in the stage that
is built (the last one, or --target) and puts it in front of the program:

Before:
    FROM debian:bookworm
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    CMD ["curl", "--version"]
After:
    FROM debian:bookworm
    RUN apt-get update && apt-get install -y --no-install-recommends curl tini
    ENTRYPOINT ["/usr/bin/tini", "--"]
    CMD ["curl", "--version"]

The package goes into an existing apt-get install / apk add of the stage when
there is one, otherwise into a new RUN right after FROM (apt:
/usr/bin/tini, apk: /sbin/tini). An exec-form ENTRYPOINT gets tini in front
of it; a shell-form one runs as tini -- /bin/sh -c "..." (it still ignores
CMD and run arguments, as before). With no ENTRYPOINT, tini becomes the
ENTRYPOINT just before the stage's CMD, so "docker run IMAGE args" runs the
same program with the same arguments.

Left alone, with a finding saying why:
  - an init is already there (tini, dumb-init, s6-overlay's /init,
    catatonit, supervisord, runit, ...), or the ENTRYPOINT is a script
    (docker-entrypoint.sh and the like: it should exec the server; tini may
    go in front of it by hand);
  - the base has no known package manager (scratch, distroless, unknown
    images): use "docker run --init", or copy a static tini from a builder
    stage and verify its checksum;
  - the base image may set its own ENTRYPOINT, which a new one would replace
    (only images known to set none are changed: debian, ubuntu, alpine,
    python, golang, ...), or the CMD is inherited (a new ENTRYPOINT resets an
    inherited CMD);
  - the stage runs as a non-root USER where the package would be installed.

Tier: aggressive, because it adds a package and changes the image's
Entrypoint.`,
}

// Programs and images that already act as an init.
var initPrograms = map[string]bool{
	"tini": true, "tini-static": true, "dumb-init": true, "catatonit": true, "init": true,
	"s6-svscan": true, "supervisord": true, "runsvdir": true, "my_init": true, "docker-init": true,
	"runit": true, "systemd": true, "pid1": true, "s6-overlay-suexec": true,
}

type initTool struct {
	pkg, aptPath, apkPath string
}

var initTools = map[string]initTool{
	"tini":      {pkg: "tini", aptPath: "/usr/bin/tini", apkPath: "/sbin/tini"},
	"dumb-init": {pkg: "dumb-init", aptPath: "/usr/bin/dumb-init", apkPath: "/usr/bin/dumb-init"},
}

func runTini(ctx *analysis.Context) []analysis.Finding {
	choice := "tini"
	if v := ctx.Settings["init"]; v != "" {
		choice = v
	}
	if choice == "none" {
		return nil
	}
	tool, ok := initTools[choice]
	if !ok {
		return nil
	}
	doc := ctx.Doc
	st := ctx.TargetStage()
	if st == nil || st.Windows() || (len(st.Instructions) > 0 && !st.Instructions[len(st.Instructions)-1].POSIXShell()) {
		return nil
	}
	report := func(ins *dockerfile.Instruction, msg string) []analysis.Finding {
		return []analysis.Finding{{Pos: ins.Span.Start, End: ins.ContentEnd(), Message: msg}}
	}
	if hasInit(st) {
		return nil
	}
	known, ep := entrypointKnown(st)
	if ep != nil {
		if prog := entrypointProgram(ep); prog != "" && isScript(prog) {
			return report(ep, fmt.Sprintf("ENTRYPOINT %s runs as PID 1: it must exec the program and cannot reap zombies; put %s in front of it if it does not do that", prog, choice))
		}
	}
	family := baseFamily(st)
	var binary string
	switch family {
	case FamilyDebian:
		binary = tool.aptPath
	case FamilyAlpine:
		binary = tool.apkPath
	case FamilyRHEL:
		return report(st.From, fmt.Sprintf("no init process as PID 1, and %s is not in the base repositories of RHEL-family images (EPEL has it): use docker run --init, or copy a static %s from a builder stage and verify its checksum", choice, choice))
	default:
		return report(st.From, fmt.Sprintf("no init process as PID 1 and no known package manager to install %s: use docker run --init, or copy a static %s from a builder stage and verify its checksum", choice, choice))
	}
	if !known {
		return report(st.From, fmt.Sprintf("no init process as PID 1; not adding %s because base image %q may set its own ENTRYPOINT", choice, st.Base))
	}

	// Where the program is started.
	var entryEdit analysis.Edit
	switch {
	case ep != nil && ep.Stage != st:
		return report(ep, fmt.Sprintf("no init process as PID 1; not adding %s: the ENTRYPOINT comes from stage %q", choice, ep.Stage.Name))
	case ep != nil && ep.JSON:
		open := ep.SrcOffset(ep.ArgsOffset)
		if doc.Src[open] != '[' {
			return nil
		}
		prefix := fmt.Sprintf("%q, \"--\"", binary)
		at := open + 1
		if len(ep.Args) > 0 {
			prefix += ", "
			for at < len(doc.Src) && (doc.Src[at] == ' ' || doc.Src[at] == '\t') {
				at++ // before the first element, after the blanks that precede it
			}
		}
		entryEdit = analysis.Insert(at, prefix)
	case ep != nil:
		if hasCommentLines(doc, ep) {
			return report(ep, fmt.Sprintf("no init process as PID 1; not adding %s: comments inside the ENTRYPOINT", choice))
		}
		text, off := ep.ShellArgs()
		text = strings.TrimRight(text, " \t")
		shell := ep.Shell
		if len(shell) == 0 {
			shell = []string{"/bin/sh", "-c"}
		}
		words := append(append([]string{binary, "--"}, shell...), text)
		entryEdit = analysis.Replace(ep.SrcOffset(off), ep.SrcOffset(off+len(text)-1)+1, jsonArray(words))
	default:
		cmd := lastInStage(st, "cmd")
		if cmd == nil || cmd.Stage != st {
			return report(st.From, fmt.Sprintf("no init process as PID 1; not adding %s: the CMD is inherited, and a new ENTRYPOINT would reset it", choice))
		}
		line := doc.KeywordCase("ENTRYPOINT") + " " + jsonArray([]string{binary, "--"}) + doc.LineEnding(cmd.Span.Start)
		entryEdit = analysis.Insert(cmd.Span.Start, line)
	}

	install, ok := installEdit(doc, st, family, tool.pkg)
	if !ok {
		return report(st.From, fmt.Sprintf("no init process as PID 1; not adding %s: the stage runs as a non-root USER where it would be installed", choice))
	}
	edits := []analysis.Edit{install, entryEdit}
	if install.Pos == install.End && entryEdit.Pos == entryEdit.End && install.Pos == entryEdit.Pos {
		// A stage of FROM and CMD only: the new RUN and ENTRYPOINT go in
		// the same place, in that order.
		edits = []analysis.Edit{analysis.Insert(install.Pos, install.NewText+entryEdit.NewText)}
	}
	return []analysis.Finding{{
		Pos: st.From.Span.Start, End: st.From.ContentEnd(),
		Message: "no init process as PID 1: signals are not forwarded and zombies are not reaped",
		Fix: &analysis.Fix{Message: fmt.Sprintf("install %s and run the program under it", choice),
			Edits: edits},
	}}
}

// hasInit reports whether the stage already starts an init: in its
// ENTRYPOINT or CMD, or from a base image built around one.
func hasInit(st *dockerfile.Stage) bool {
	for _, cmd := range []string{"entrypoint", "cmd"} {
		if ins := lastInStage(st, cmd); ins != nil && initPrograms[path.Base(entrypointProgram(ins))] {
			return true
		}
	}
	for s := st; s != nil; s = s.Parent {
		b := strings.ToLower(s.Base)
		if strings.Contains(b, "s6-overlay") || strings.Contains(b, "phusion/baseimage") || strings.Contains(b, "tini") {
			return true
		}
	}
	return false
}

// entrypointProgram is the first word of an ENTRYPOINT or CMD ("" when not
// literal).
func entrypointProgram(ins *dockerfile.Instruction) string {
	if ins.JSON {
		if len(ins.Args) == 0 {
			return ""
		}
		return ins.Args[0]
	}
	text, _ := ins.ShellArgs()
	prog, err := shellparse.Parse(strings.TrimSpace(text))
	if err != nil || len(prog.File.Stmts) == 0 {
		return ""
	}
	if call, ok := prog.File.Stmts[0].Cmd.(*syntax.CallExpr); ok {
		if c := shellparse.Resolve(call); c != nil {
			if v, ok := shellparse.Lit(c.NameWord()); ok {
				return v
			}
		}
	}
	return ""
}

// isScript reports whether a program name looks like an entrypoint script
// of the image's own rather than a program from a package.
func isScript(prog string) bool {
	base := path.Base(prog)
	relative := strings.Contains(prog, "/") && !strings.HasPrefix(prog, "/")
	return strings.HasSuffix(base, ".sh") || strings.Contains(base, "entrypoint") || relative
}

// installEdit adds the package to the stage's last top-level apt-get
// install / apk add that runs as root, or a new RUN right after FROM.
func installEdit(doc *dockerfile.Document, st *dockerfile.Stage, family Family, pkg string) (analysis.Edit, bool) {
	user := ""
	if st.Parent != nil {
		user = effectiveUser(st.Parent)
	}
	var fold *analysis.Edit
	for _, ins := range st.Instructions {
		if ins.Cmd == "user" && len(ins.Args) > 0 {
			user = ins.Args[0]
		}
		if !isRoot(user) {
			continue
		}
		sr, _ := parseRun(ins)
		if sr == nil {
			continue
		}
		for _, it := range shellparse.Chain(sr.prog.File.Stmts) {
			call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
			if !ok || it.Negated {
				continue
			}
			c := shellparse.Resolve(call)
			if c == nil || len(c.Args) == 0 {
				continue
			}
			s, _ := sub(c, aptValueOpts...)
			switch {
			case family == FamilyDebian && (c.Name == "apt-get" || c.Name == "apt") && s == "install" && hasArg(c, assumesYes):
			case family == FamilyAlpine && c.Name == "apk" && s == "add":
			default:
				continue
			}
			e := analysis.Insert(sr.wordEnd(c.Args[len(c.Args)-1]), " "+pkg)
			fold = &e
		}
	}
	if fold != nil {
		return *fold, true
	}
	parentUser := ""
	if st.Parent != nil {
		parentUser = effectiveUser(st.Parent)
	}
	if !isRoot(parentUser) {
		return analysis.Edit{}, false
	}
	var cmd string
	switch family {
	case FamilyDebian:
		cmd = "apt-get update && apt-get install -y --no-install-recommends " + pkg + " && rm -rf /var/lib/apt/lists/*"
	case FamilyAlpine:
		cmd = "apk add --no-cache " + pkg
	}
	nl := doc.LineEnding(st.From.Span.Start)
	at := st.From.Span.End
	text := doc.KeywordCase("RUN") + " " + cmd + nl
	if at == len(doc.Src) && (len(doc.Src) == 0 || doc.Src[at-1] != '\n') {
		text = nl + doc.KeywordCase("RUN") + " " + cmd
	}
	return analysis.Insert(at, text), true
}
