package tini

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// Programs and images that already act as an init.
var initPrograms = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"tini": true, "tini-static": true, "dumb-init": true, "catatonit": true, "init": true,
		"s6-svscan": true, "supervisord": true, "runsvdir": true, "my_init": true, "docker-init": true,
		"runit": true, "systemd": true, "pid1": true, "s6-overlay-suexec": true,
	}
}}

type initTool struct {
	pkg, aptPath, apkPath string
	// aptFiles and apkFiles are the package's files (path patterns):
	// Debian's from the bookworm packages (tini 0.19.0-1+b3, dumb-init
	// 1.2.5-2), Alpine's from the APKBUILDs (tini's static binary is the
	// tini-static subpackage).
	aptFiles, apkFiles []string
}

var initTools = lazy.Value[map[string]initTool]{New: func() map[string]initTool {
	return map[string]initTool{
		"tini": {pkg: "tini", aptPath: "/usr/bin/tini", apkPath: "/sbin/tini",
			aptFiles: []string{"/usr/bin/tini", "/usr/bin/tini-static", "/usr/share/doc/tini"},
			apkFiles: []string{"/sbin/tini"}},
		"dumb-init": {pkg: "dumb-init", aptPath: "/usr/bin/dumb-init", apkPath: "/usr/bin/dumb-init",
			aptFiles: []string{"/usr/bin/dumb-init", "/usr/share/doc/dumb-init", "/usr/share/man/man1/dumb-init.1.gz"},
			apkFiles: []string{"/usr/bin/dumb-init"}},
	}
}}

func run(ctx *analysis.Context) []analysis.Finding {
	choice := "tini"
	if v := ctx.Settings["init"]; v != "" {
		choice = v
	}
	if choice == "none" {
		return nil
	}
	tool, ok := initTools.Get()[choice]
	if !ok {
		return nil
	}
	doc := ctx.Doc
	st := ctx.TargetStage()
	if st == nil || st.Windows() || (len(st.Instructions) > 0 && !st.Instructions[len(st.Instructions)-1].POSIXShell()) {
		return nil
	}
	report := func(ins *dockerfile.Instruction, msg string) []analysis.Finding {
		return []analysis.Finding{{Pos: ins.Span.Start, End: ins.ContentEnd(), Message: msg, About: st.From}}
	}
	decline := func(ins *dockerfile.Instruction, reason string) []analysis.Finding {
		return report(ins, fmt.Sprintf("no init process as PID 1; not adding %s: %s; use docker run --init (compose: init: true) or ADD a static %s with --checksum instead", choice, reason, choice))
	}
	if hasInit(st) {
		return nil
	}
	known, ep := stages.Entrypoint(st)
	if ep != nil {
		if prog := entrypointProgram(ep); prog != "" && (isScript(prog) || copiedScript(ctx, ep, prog)) {
			return report(ep, fmt.Sprintf("ENTRYPOINT %s runs as PID 1: it must exec the program and cannot reap zombies; put %s in front of it if it does not do that", prog, choice))
		}
	}

	// What the base is, and whether its repositories have the package.
	root := st
	for root.Parent != nil {
		root = root.Parent
	}
	info := baseimage.Resolve(root.Base)
	ran := familiesRun(st)
	family := info.Family
	switch {
	case info.Family == baseimage.None:
		return decline(st.From, fmt.Sprintf("base %s has no package manager", root.Base))
	case info.Family == baseimage.Windows:
		return nil
	case !known:
		return decline(st.From, fmt.Sprintf("base image %q may set its own ENTRYPOINT, which a new one would replace", st.Base))
	case family != baseimage.Unknown && len(ran) > 0 && (len(ran) > 1 || !ran[family]):
		return decline(st.From, fmt.Sprintf("the stage runs %s, but base %s is %s", pmNames(ran), root.Base, info))
	case family == baseimage.Unknown && len(ran) == 1:
		for f := range ran {
			family = f
		}
	}
	switch {
	case family == baseimage.RHEL:
		what := root.Base
		if info.Known {
			what += " (" + info.String() + ")"
		}
		return decline(st.From, fmt.Sprintf("base %s installs with dnf/yum, and %s is not known to be in its repositories", what, choice))
	case family == baseimage.Unknown && len(ran) > 1:
		return decline(st.From, fmt.Sprintf("base %s is not known (%s) and the stage runs %s", root.Base, info.Why, pmNames(ran)))
	case family == baseimage.Unknown:
		return decline(st.From, fmt.Sprintf("base %s is not known (%s) and the stage runs no package manager", root.Base, info.Why))
	case !info.Known:
		return decline(st.From, fmt.Sprintf("the release of base %s is not known (%s), so neither is whether it has a %s package", root.Base, info.Why, choice))
	case !baseimage.HasPackage(info, tool.pkg):
		return decline(st.From, fmt.Sprintf("base %s is %s, which has no %s package", root.Base, info, choice))
	}
	binary, files := tool.aptPath, tool.aptFiles
	if family == baseimage.Alpine {
		binary, files = tool.apkPath, tool.apkFiles
	}
	// The shell of a shell-form (or sh -c) program must replace itself
	// with the program, or tini signals the shell, not the program: dash
	// (Debian's and Ubuntu's sh) runs even a single command as its child.
	// busybox ash (Alpine's sh) replaces itself with the last command.
	execsLast := func(shell []string) bool {
		return family == baseimage.Alpine && (len(shell) == 0 || shell[0] == "/bin/sh" || shell[0] == "sh" || path.Base(shell[0]) == "ash")
	}
	changes := []string{"Entrypoint"}
	var execEdits []analysis.Edit
	addsExec := false
	prog := ep
	if prog == nil {
		prog = stages.Last(st, "cmd")
	}
	if prog != nil && prog.Stage == st {
		kw := strings.ToUpper(prog.Cmd)
		if prog.JSON {
			if len(prog.Args) >= 3 && isShell(prog.Args[0]) && prog.Args[1] == "-c" && !execsLast(prog.Args[:1]) {
				if sp, err := shellparse.Parse(prog.Args[2]); err != nil || !execDone(sp) {
					return decline(prog, fmt.Sprintf("the %s runs %s -c, whose last command runs as a child of the shell: %s would signal the shell, not the program; put exec in front of the program's command", kw, prog.Args[0], choice))
				}
			}
		} else if !execsLast(prog.Shell()) {
			text, off := prog.ShellArgs()
			text = strings.TrimRight(text, " \t\r\n")
			sp, err := shellparse.Parse(text)
			if err != nil || doc.HasCommentLines(prog) {
				return decline(prog, fmt.Sprintf("the shell-form %s cannot be read", kw))
			}
			at, done, ok, why := shellparse.ExecPoint(sp)
			switch {
			case !ok:
				sh := "/bin/sh (dash does not replace itself with the last command)"
				if len(prog.Shell()) > 0 && prog.Shell()[0] != "/bin/sh" {
					sh = prog.Shell()[0]
				}
				return decline(prog, fmt.Sprintf("the shell-form %s runs its program as a child of %s, so %s would signal the shell, not the program, and exec cannot be added: %s", kw, sh, choice, why))
			case !done:
				execEdits = append(execEdits, analysis.Insert(prog.SrcOffset(off+at), "exec "))
				addsExec = true
				if prog.Cmd == "cmd" {
					changes = append(changes, "Cmd")
				}
			}
		}
	}

	// Where the program is started.
	var entryEdit analysis.Edit
	switch {
	case ep != nil && ep.Stage != st:
		return decline(ep, fmt.Sprintf("the ENTRYPOINT comes from stage %q", ep.Stage.Name))
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
		if doc.HasCommentLines(ep) {
			return decline(ep, "comments inside the ENTRYPOINT")
		}
		text, off := ep.ShellArgs()
		text = strings.TrimRight(text, " \t")
		shell := ep.Shell()
		if len(shell) == 0 {
			shell = []string{"/bin/sh", "-c"}
		}
		script := text
		if len(execEdits) > 0 {
			// The exec goes into the script that becomes a JSON string.
			at := ep.TextIndex(execEdits[0].Pos) - off
			script = text[:at] + "exec " + text[at:]
			execEdits = nil
		}
		words := append(append([]string{binary, "--"}, shell...), script)
		entryEdit = analysis.Replace(ep.SrcOffset(off), ep.SrcOffset(off+len(text)-1)+1, dockerfile.JSONArray(words))
	default:
		cmd := stages.Last(st, "cmd")
		if cmd == nil || cmd.Stage != st {
			return decline(st.From, "the CMD is inherited, and a new ENTRYPOINT would reset it")
		}
		line := doc.KeywordCase("ENTRYPOINT") + " " + dockerfile.JSONArray([]string{binary, "--"}) + doc.LineEnding(cmd.Span.Start)
		// Above the comments that are above the CMD: they stay with it
		// (an ignore comment governs the instruction right below it).
		at := cmd.Span.Start
		if cs := doc.CommentsAbove(cmd); len(cs) > 0 {
			at = doc.LineStart(cs[0].Line)
		}
		entryEdit = analysis.Insert(at, line)
	}

	install, does, reason := placeInstall(ctx, st, family, info, tool.pkg)
	if reason != "" {
		return decline(st.From, reason)
	}
	edits := []analysis.Edit{install, entryEdit}
	if install.Pos == install.End && entryEdit.Pos == entryEdit.End && install.Pos == entryEdit.Pos {
		// A stage of FROM and CMD only: the new RUN and ENTRYPOINT go in
		// the same place, in that order.
		edits = []analysis.Edit{analysis.Insert(install.Pos, install.NewText+entryEdit.NewText)}
	}
	edits = append(edits, execEdits...)
	message := does + " and run the program under it"
	if addsExec {
		message += ", exec'd by its shell"
	}
	// What else the install writes: the package's files and the package
	// manager's records; a new apt RUN removes the lists an earlier RUN
	// may have left.
	changes = append(append(changes, files...), pkgmgr.InstallRecords(family)...)
	var removes []string
	if newRunFor(does) && family == baseimage.Debian {
		removes = []string{pkgmgr.AptLists + "/"}
	}
	return []analysis.Finding{{
		Pos: st.From.Span.Start, End: st.From.ContentEnd(),
		Message: "no init process as PID 1: signals are not forwarded and zombies are not reaped",
		Fix: &analysis.Fix{Message: message,
			Edits: edits, Changes: changes, Removes: removes},
	}}
}

// newRunFor reports whether placeInstall's description says that the
// package goes in a new RUN.
func newRunFor(does string) bool { return strings.Contains(does, "in a new RUN") }

// isShell reports whether a program is a POSIX shell run by name or path.
func isShell(prog string) bool {
	switch path.Base(prog) {
	case "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh":
		return true
	}
	return false
}

// execDone reports whether a shell program ends in an exec of its
// program, as ExecPoint reads it.
func execDone(p *shellparse.Program) bool {
	_, done, ok, _ := shellparse.ExecPoint(p)
	return ok && done
}

// Package managers by family, as the file runs them.
var familyPrograms = lazy.Value[map[string]baseimage.Family]{New: func() map[string]baseimage.Family {
	return map[string]baseimage.Family{
		"apt-get": baseimage.Debian, "apt": baseimage.Debian, "dpkg": baseimage.Debian, "apt-mark": baseimage.Debian,
		"aptitude": baseimage.Debian, "add-apt-repository": baseimage.Debian,
		"apk": baseimage.Alpine,
		"dnf": baseimage.RHEL, "yum": baseimage.RHEL, "microdnf": baseimage.RHEL, "rpm": baseimage.RHEL,
	}
}}

// pmWordRE finds package managers in RUNs whose shell cannot be read
// (heredocs, exec form).
var pmWordRE = lazyre.New(`(?:^|[\s;&|("'/])(apt-get|apt|dpkg|apt-mark|aptitude|apk|dnf|yum|microdnf|rpm)(?:[\s"';&|)]|$)`)

// familiesRun returns the package-manager families the RUNs of the stage
// and of the stages it derives from run.
func familiesRun(st *dockerfile.Stage) map[baseimage.Family]bool {
	out := map[baseimage.Family]bool{}
	for s := st; s != nil; s = s.Parent {
		for _, ins := range s.Instructions {
			for f := range runFamilies(ins) {
				out[f] = true
			}
		}
	}
	return out
}

// runFamilies returns the package-manager families one RUN runs.
func runFamilies(ins *dockerfile.Instruction) map[baseimage.Family]bool {
	if ins.Cmd != "run" {
		return nil
	}
	out := map[baseimage.Family]bool{}
	if sr, _ := runs.Parse(ins); sr != nil {
		for _, c := range shellparse.Commands(sr.Prog) {
			if f, ok := familyPrograms.Get()[c.Name]; ok {
				out[f] = true
			}
		}
		return out
	}
	text := ins.Text[ins.ArgsOffset:]
	for _, h := range ins.Heredocs() {
		text += "\n" + h.Content
	}
	for _, m := range pmWordRE.FindAllStringSubmatch(text, -1) {
		out[familyPrograms.Get()[m[1]]] = true
	}
	return out
}

func pmNames(fams map[baseimage.Family]bool) string {
	var names []string
	for f := range fams {
		switch f {
		case baseimage.Debian:
			names = append(names, "apt-get")
		case baseimage.Alpine:
			names = append(names, "apk")
		case baseimage.RHEL:
			names = append(names, "dnf/yum")
		}
	}
	slices.Sort(names)
	return strings.Join(names, " and ")
}

// hasInit reports whether the stage already starts an init: in its
// ENTRYPOINT or CMD, or from a base image built around one.
func hasInit(st *dockerfile.Stage) bool {
	for _, cmd := range []string{"entrypoint", "cmd"} {
		if ins := stages.Last(st, cmd); ins != nil && initPrograms.Get()[path.Base(entrypointProgram(ins))] {
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

// copiedScript reports whether the program an ENTRYPOINT runs is a script
// (it starts with #!) that a COPY or ADD of the file put in the image, from
// the build context or a COPY heredoc: start-container, /run-app. A file
// whose content cannot be read is taken for a program.
func copiedScript(ctx *analysis.Context, ep *dockerfile.Instruction, prog string) bool {
	o, ok := stages.CopiedProgram(ctx.Doc, ep, prog)
	if !ok {
		return false
	}
	if o.Shown {
		return strings.HasPrefix(o.Content, "#!")
	}
	view := buildcontext.Of(ctx)
	if view == nil {
		return false
	}
	for _, p := range o.Context {
		if head, ok := view.ReadHead(p, 2); ok {
			return string(head) == "#!"
		}
	}
	return false
}

// apk options that take a separate value.
// installCommand reports whether c installs packages of the family into
// the image from its repositories: apt-get/apt install with -y, or
// apk add; not a download or simulation, not into another root.
func installCommand(c *shellparse.Command, family baseimage.Family) bool {
	switch {
	case family == baseimage.Debian && (c.Name == "apt-get" || c.Name == "apt"):
		s, _ := c.Subcommand(pkgmgr.AptValueOptions...)
		return s == "install" && c.HasArg(pkgmgr.AssumesYes) &&
			!c.HasArg(shellparse.ArgIs("-d", "--download-only", "-s", "--simulate", "--dry-run", "--no-act", "--just-print", "--recon", "--print-uris")) &&
			!c.HasArg(func(v string) bool { return strings.HasPrefix(v, "Dir") || strings.HasPrefix(v, "RootDir") })
	case family == baseimage.Alpine && c.Name == "apk":
		s, _ := c.Subcommand(pkgmgr.ApkValueOptions...)
		return s == "add" && !c.HasArg(shellparse.ArgIs("--root", "-p", "--initdb", "--simulate", "-s", "--arch"))
	}
	return false
}

// virtualGroup reports an apk add that makes a named group (--virtual,
// -t), which a later apk del of the group removes with everything in it.
func virtualGroup(c *shellparse.Command) bool {
	return c.Name == "apk" && c.HasArg(func(v string) bool {
		return v == "-t" || v == "--virtual" || strings.HasPrefix(v, "--virtual=") || strings.HasPrefix(v, "-t") && len(v) > 2 && !strings.HasPrefix(v, "--")
	})
}

// removesPackages reports a command that may remove packages installed
// earlier: apt-mark (auto), apt-get/apt purge, remove or autoremove,
// dpkg -r/-P, aptitude, apk del.
func removesPackages(c *shellparse.Command) bool {
	switch c.Name {
	case "apt-mark", "aptitude":
		return true
	case "apt-get", "apt":
		s, _ := c.Subcommand(pkgmgr.AptValueOptions...)
		return s == "purge" || s == "remove" || s == "autoremove" || s == "autopurge" || c.HasArg(shellparse.ArgIs("--auto-remove", "--autoremove"))
	case "dpkg":
		return c.HasArg(func(v string) bool {
			return v == "--remove" || v == "--purge" || strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.ContainsAny(v, "rP")
		})
	case "apk":
		s, _ := c.Subcommand(pkgmgr.ApkValueOptions...)
		return s == "del"
	}
	return false
}

// placeInstall decides where the package goes in the stage: the edit and
// what it does (for the fix message), or why it cannot be installed.
func placeInstall(ctx *analysis.Context, st *dockerfile.Stage, family baseimage.Family, info baseimage.Info, pkg string) (edit analysis.Edit, does, reason string) {
	doc := ctx.Doc
	// The stage's last RUN that runs the package manager, and the user it
	// runs as.
	user := ""
	if st.Parent != nil {
		user = stages.FinalUserArg(st.Parent)
	}
	startUser := user
	var last *dockerfile.Instruction
	lastUser := ""
	for _, ins := range st.Instructions {
		if ins.Cmd == "user" && len(ins.Args) > 0 {
			user = ins.Args[0]
		}
		if runFamilies(ins)[family] {
			last, lastUser = ins, user
		}
	}
	notCurrent := fmt.Sprintf("a new RUN would download a package index, but %s is not a current release (its mirrors may no longer serve it)", info)
	// newRun installs the package in a new RUN at the given offset.
	newRun := func(at int, where string) (analysis.Edit, string) {
		var cmd string
		switch family {
		case baseimage.Debian:
			cmd = "apt-get update && apt-get install -y --no-install-recommends " + pkg + " && rm -rf /var/lib/apt/lists/*"
		case baseimage.Alpine:
			cmd = "apk add --no-cache " + pkg
		}
		nl := doc.LineEnding(st.From.Span.Start)
		text := doc.KeywordCase("RUN") + " " + cmd + nl
		if at == len(doc.Src) && (len(doc.Src) == 0 || doc.Src[at-1] != '\n') {
			text = nl + doc.KeywordCase("RUN") + " " + cmd
		}
		return analysis.Insert(at, text), fmt.Sprintf("install %s in a new RUN %s (downloads %s's package index at build time", pkg, where, info)
	}
	if last == nil {
		switch {
		case !stages.IsRoot(startUser):
			return edit, "", "the stage runs as a non-root USER where it would be installed"
		case !info.Current:
			return edit, "", "the stage runs no package manager, and " + notCurrent
		}
		edit, does = newRun(st.From.Span.End, "after FROM")
		return edit, does + ")", ""
	}
	if !stages.IsRoot(lastUser) {
		return edit, "", "the stage runs as a non-root USER where it would be installed"
	}
	why := "is a heredoc or exec form, which dfopt does not read"
	if sr, _ := runs.Parse(last); sr != nil {
		var target *shellparse.Command
		removes := false
		for _, c := range shellparse.Commands(sr.Prog) {
			if installCommand(c, family) {
				target = c
			}
			removes = removes || removesPackages(c)
		}
		switch {
		case target == nil || len(target.Args) == 0:
			why = "runs no install it could join"
		case removes:
			why = "removes packages again, which could take it along"
		case virtualGroup(target):
			why = "installs into an apk --virtual group"
		case target.Conditional || target.InSubshell:
			why = "installs conditionally or in a subshell"
		default:
			verb := target.Name + " install"
			if family == baseimage.Alpine {
				verb = "apk add"
			}
			line := ctx.Line(sr.Src(shellparse.Offset(target.Call.Pos())))
			return analysis.Insert(sr.WordEnd(target.Args[len(target.Args)-1]), " "+pkg),
				fmt.Sprintf("add %s to the %s on line %d", pkg, verb, line), ""
		}
	}
	// A new RUN right after that one: it runs as the same user, after
	// whatever that RUN removes, and nothing later in the stage runs the
	// package manager.
	for _, f := range last.Flags {
		lf := strings.ToLower(f)
		if strings.HasPrefix(lf, "--network") || strings.Contains(lf, "type=secret") || strings.Contains(lf, "type=ssh") {
			return edit, "", fmt.Sprintf("the RUN on line %d %s, and installs with %s, which a new RUN after it would not have", ctx.Line(last.Span.Start), why, f)
		}
	}
	if !info.Current {
		return edit, "", fmt.Sprintf("the RUN on line %d %s, and %s", ctx.Line(last.Span.Start), why, notCurrent)
	}
	edit, does = newRun(last.Span.End, fmt.Sprintf("after line %d", ctx.Line(last.Span.End-1)))
	return edit, fmt.Sprintf("%s; the RUN on line %d %s)", does, ctx.Line(last.Span.Start), why), ""
}
