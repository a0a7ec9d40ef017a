package nonroot

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// newUser is the name of the user the fix creates.
const newUser = "app"

// distrolessUser is the nonroot user of the distroless images, by id.
const distrolessUser = "65532:65532"

// dropsPrivilegesRE finds programs that switch users: an entrypoint that
// runs them starts as root on purpose.
var dropsPrivilegesRE = lazyre.New(`(?:^|[^\w-])(gosu|su-exec|setpriv|s6-setuidgid|chpst|runuser|chroot --userspec)(?:[^\w-]|$)`)

// needsRootRE finds commands in an entrypoint script that need root.
var needsRootRE = lazyre.New(`(?m)(?:^|[\s;&|(])(chown|chgrp|mount|sysctl|setcap|iptables|ip6tables|modprobe|mknod|useradd|adduser|groupadd|addgroup|apt-get|apk|update-ca-certificates)(?:[\s;&|)]|$)`)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	st := ctx.TargetStage()
	if st == nil || st.Windows() {
		return nil
	}
	if esc, _ := doc.Directive("escape"); esc == "`" {
		return nil
	}
	globals := stages.GlobalArgs(doc)
	var chain []*dockerfile.Stage
	var image stages.Base
	seen := map[*dockerfile.Stage]bool{}
	for s := st; s != nil && !seen[s]; {
		seen[s] = true
		chain = append(chain, s)
		rb := stages.ResolveBase(doc, s, globals)
		if rb.Parent == nil {
			image = rb
			break
		}
		s = rb.Parent
	}
	base := strings.ToLower(image.Name)
	if base == "" || nonRootImage(base) {
		return nil
	}
	for _, s := range chain {
		for _, ins := range s.Instructions {
			if len(ins.Shell()) > 0 && !ins.POSIXShell() {
				return nil
			}
		}
	}
	if img, known := stages.Lookup(base); known && img.User != "" {
		return nil // the image runs as another user already
	}
	finding := analysis.Finding{Pos: st.From.Span.Start, End: st.From.ContentEnd(), Message: "the program runs as root", About: st.From}
	decline := func(at *dockerfile.Instruction, why string) []analysis.Finding {
		if at != nil {
			finding.Pos, finding.End = at.Span.Start, at.ContentEnd()
		}
		finding.Message += " (not fixed: " + why + ")"
		return []analysis.Finding{finding}
	}

	if u := stages.Last(st, "user"); u != nil && len(u.Args) > 0 {
		name, _, _ := strings.Cut(dockerfile.Unquote(u.Args[0]), ":")
		if name != "root" && name != "0" {
			return nil
		}
		return decline(u, "the file switches to root with USER "+u.Args[0]+"; move that USER after the steps that need root, or drop privileges in the entrypoint")
	}
	for _, s := range chain {
		for _, ins := range s.Instructions {
			switch ins.Cmd {
			case "onbuild":
				return decline(ins, "ONBUILD instructions run in the images built on this one, which would then start as the new user")
			case "run", "entrypoint", "cmd", "copy", "add":
				if m := dropsPrivilegesRE.FindStringSubmatch(ins.Text); m != nil {
					return decline(ins, "the program is started as root and drops privileges with "+m[1])
				}
				if (ins.Cmd == "copy" || ins.Cmd == "add") && len(ins.Args) >= 2 {
					dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
					if d := dockerfile.Unquote(ins.Args[len(ins.Args)-1]); stages.Under(dest, "/root") || strings.HasPrefix(d, "~") || strings.HasPrefix(d, "$HOME") || strings.HasPrefix(d, "${HOME}") {
						return decline(ins, "the file puts files in root's home directory, which the new user cannot read")
					}
				}
				if ins.Cmd == "run" {
					if why := writesRootHome(ins); why != "" {
						return decline(ins, why+": the new user has another home, and cannot read /root; install it elsewhere, or switch to the user first")
					}
				}
			case "env":
				for i := 0; i+1 < len(ins.Args); i += 3 { // name, value, separator
					if why := envPortNeedsRoot(ins, ins.Args[i], dockerfile.Unquote(ins.Args[i+1]), globals); why != "" {
						return decline(ins, why)
					}
				}
			case "volume":
				return decline(ins, "VOLUME "+strings.Join(ins.Args, " ")+" starts out owned by root, where a non-root program could not write; create and chown it first, or give the volume its owner at run time")
			case "expose":
				for _, a := range ins.Args {
					v, resolved := a, ""
					if strings.Contains(a, "$") {
						x, ok := stages.ExpandDefaults(ins, dockerfile.Unquote(a), globals)
						if !ok {
							return decline(ins, "EXPOSE "+a+" names a port dfopt cannot read; a non-root user binds ports below 1024 only where the runtime allows it")
						}
						v, resolved = x, " ("+a+" in a build given no build arguments)"
					}
					p, ok := port(v)
					if !ok {
						return decline(ins, "EXPOSE "+a+" names a port dfopt cannot read; a non-root user binds ports below 1024 only where the runtime allows it")
					}
					if p < 1024 {
						return decline(ins, fmt.Sprintf("the program listens on port %d%s: %s", p, resolved, lowPortAdvice))
					}
				}
			}
		}
	}

	if at, why := configNeedsRoot(ctx, chain); why != "" {
		return decline(at, why)
	}

	// The program and what it needs of root.
	ep := stages.Last(st, "entrypoint")
	start := ep
	if start == nil {
		start = stages.Last(st, "cmd")
		if why, known := baseimage.EntrypointNeedsRoot(base); !known && !strings.EqualFold(base, "scratch") && !strings.Contains(base, "distroless") {
			return decline(nil, "base "+image.Name+" may set an ENTRYPOINT of its own, which dfopt does not know to run as any user")
		} else if why != "" {
			return decline(nil, "the ENTRYPOINT of base "+image.Name+" starts as root: "+why)
		}
	}
	for _, ins := range []*dockerfile.Instruction{ep, stages.Last(st, "cmd")} {
		if ins != nil {
			if m := needsRootRE.FindStringSubmatch(strings.Join(ins.Args, " ")); m != nil {
				return decline(ins, "the program is started with "+m[1]+", which needs root")
			}
		}
	}
	if start == nil {
		return decline(nil, "the stage sets no CMD or ENTRYPOINT of its own: an image built to be a base or a toolbox, whose users would start as the new user")
	}
	for _, ins := range []*dockerfile.Instruction{ep, stages.Last(st, "cmd")} {
		if ins == nil {
			continue
		}
		if p, ok := lowPort(commandPorts(strings.Join(ins.Args, " "))); ok {
			return decline(ins, fmt.Sprintf("the program is told port %d: %s", p, lowPortAdvice))
		}
	}
	lines, ok := commandLines(ep, stages.Last(st, "cmd"))
	if !ok {
		return decline(start, "dfopt cannot tell which program the container runs")
	}
	for _, argv := range lines {
		prog := path.Base(argv[0])
		if why := daemonNeedsRoot(argv); why != "" {
			return decline(start, why)
		}
		alive := argv
		if prog == "busybox" {
			alive = argv[1:]
		}
		if shellparse.KeepsAlive(alive) {
			return decline(start, "the program is "+strings.Join(alive, " ")+", which only keeps the container running for commands run in it later (docker exec): a toolbox or a development container, whose users would start as the new user")
		}
		if shells.Get()[prog] || (len(argv) == 1 && repls.Get()[prog]) {
			return decline(start, "the program is "+prog+", a shell: the image is a base or a toolbox, whose users would start as the new user")
		}
		if isScript(argv[0]) {
			wd, _ := stages.KnownWorkdir(start)
			if why := scriptNeedsRoot(ctx, argv[0], wd); why != "" {
				return decline(start, why)
			}
		} else if why := placedNeedsRoot(ctx, chain, argv[0]); why != "" {
			return decline(start, why)
		} else if why := copiedNeedsRoot(ctx, chain, start, argv[0]); why != "" {
			return decline(start, why)
		}
	}

	// Who runs it.
	var create, user, owner string
	info := baseimage.Resolve(base)
	created := stages.CreatedUsers(st)
	img, _ := stages.Lookup(base)
	switch {
	case strings.EqualFold(base, "scratch"):
		return decline(nil, "scratch has no users; a numeric USER (65532:65532) works when the program needs no home directory and writes nothing")
	case strings.Contains(base, "distroless"):
		user, owner = distrolessUser, distrolessUser
	case len(created) == 0 && createsUser(chain):
		return decline(nil, "the file creates a user with a command line dfopt cannot read; switch to that user with USER")
	case len(created) > 1:
		return decline(nil, "the file creates the users "+strings.Join(created, ", ")+"; switch to the one that should run the program")
	case len(created) == 1:
		// Its group is not known: --chown and chown name the user only.
		user, owner = created[0], created[0]
	case len(img.UIDs) == 1:
		for u := range img.UIDs {
			user, owner = u, u+":"+u
		}
	case info.Family == baseimage.Debian:
		user, owner = newUser, newUser+":"+newUser
		create = "useradd --system --user-group --create-home " + newUser
	case info.Family == baseimage.None && info.Distro == "busybox":
		return decline(nil, "busybox builds differ in whether they have adduser and addgroup (Debian's has neither); add a user by hand, or a numeric USER")
	case info.Family == baseimage.Alpine:
		user, owner = newUser, newUser+":"+newUser
		create = "addgroup -S " + newUser + " && adduser -S -D -G " + newUser + " " + newUser
	case info.Family == baseimage.RHEL:
		return decline(nil, "base "+image.Name+" may lack useradd (shadow-utils is not in every RHEL-family image)")
	default:
		return decline(nil, "dfopt does not know how base "+image.Name+" creates users")
	}

	// Where: the USER goes after the stage's last step that changes files,
	// before CMD and ENTRYPOINT; the new user is created before the first
	// COPY of the application directory it gets to own.
	var lastStep *dockerfile.Instruction
	for _, ins := range st.Instructions {
		switch ins.Cmd {
		case "run", "copy", "add", "workdir":
			lastStep = ins
		}
	}
	userAt := st.From.Span.End
	if lastStep != nil {
		userAt = lastStep.Span.End
	}
	// The application directory: the last WORKDIR of the stage or of a
	// stage it is built FROM (whose files stay root's: the user is made
	// in this stage).
	var chainIns []*dockerfile.Instruction // oldest first
	for i := len(chain) - 1; i >= 0; i-- {
		chainIns = append(chainIns, chain[i].Instructions...)
	}
	var workdir *dockerfile.Instruction
	for _, ins := range chainIns {
		if ins.Cmd == "workdir" {
			workdir = ins
		}
	}
	appDir := ""
	if w := workdir; w != nil {
		if len(w.Args) == 1 && !strings.ContainsAny(w.Args[0], "$\"'\\`") {
			appDir = stages.JoinDir(stages.WorkdirAt(w), w.Args[0])
		}
		if appDir == "" || strings.HasPrefix(appDir, stages.UnknownWorkdir) {
			// Quotes, a variable or a base image's directory: the
			// application directory would stay root's.
			return decline(w, "dfopt cannot resolve the working directory "+strings.Join(w.Args, " ")+", which the new user should own")
		}
	}
	if appDir == "/" || !strings.HasPrefix(appDir, "/") || strings.HasPrefix(appDir, stages.UnknownWorkdir) {
		appDir = ""
	}
	if systemDir(appDir) {
		return decline(workdir, "the working directory "+appDir+" is a system directory, which the new user should not own")
	}
	if at, why := appDirGone(chainIns, workdir, appDir); why != "" {
		return decline(at, why)
	}
	if at, why := inheritedDirCopy(ctx, st, chainIns, appDir); why != "" {
		return decline(at, why)
	}
	if at, why := chownedToOther(ctx, chainIns, appDir, user); why != "" {
		return decline(at, why)
	}
	if at, why := dataDirOutside(ctx, chainIns, appDir); why != "" {
		return decline(at, why)
	}
	made, at, why := madeInApp(chainIns, appDir)
	if why != "" {
		return decline(at, why)
	}
	if len(made) > 0 && owner == distrolessUser {
		return decline(nil, "a RUN makes "+made[0]+" in the application directory, which the nonroot user of a distroless image could not write; create it with COPY --chown")
	}
	var edits []analysis.Edit
	runAt := userAt
	var chowned []*dockerfile.Instruction
	if appDir != "" {
		for _, ins := range st.Instructions {
			if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 || hasChown(ins) || len(ins.Heredocs()) > 0 {
				continue
			}
			if linked(ins) && owner != distrolessUser {
				continue // --link resolves no user names
			}
			dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
			if !stages.Under(dest, appDir) {
				continue
			}
			if create == "" && owner != distrolessUser && !slices.Contains(stages.CreatedUsersAt(ins), user) && len(img.UIDs) == 0 {
				continue // the user does not exist yet there
			}
			if len(chowned) == 0 && create != "" {
				runAt = ins.Span.Start
			}
			chowned = append(chowned, ins)
			edits = append(edits, analysis.Insert(ins.SrcOffset(ins.ArgsOffset), "--chown="+owner+" "))
		}
	}
	// The application directory itself, when a WORKDIR made it before the
	// new RUN: the program may create files in it.
	var steps []string
	if create != "" {
		steps = append(steps, create)
	}
	chownDir := false
	if w := workdir; appDir != "" && owner != distrolessUser && (w.Stage != st || w.Span.End <= runAt) {
		steps = append(steps, "chown "+owner+" "+appDir)
		chownDir = true
	}
	nl := doc.LineEnding(st.From.Span.Start)
	userLine := doc.KeywordCase("USER") + " " + user + nl
	if len(made) > 0 {
		// What RUN steps made in the application directory is the
		// program's too: it is owned as the directory, after them.
		quoted := make([]string, len(made))
		for i, d := range made {
			quoted[i] = shellparse.Quote(d)
		}
		chownMade := "chown -R " + owner + " " + strings.Join(quoted, " ")
		if runAt == userAt {
			steps = append(steps, chownMade)
		} else {
			userLine = doc.KeywordCase("RUN") + " " + chownMade + nl + userLine
		}
	}
	runLine := ""
	if len(steps) > 0 {
		runLine = doc.KeywordCase("RUN") + " " + strings.Join(steps, " && ") + nl
	}
	atEOF := func(at int, text string) string {
		if at == len(doc.Src) && (len(doc.Src) == 0 || doc.Src[at-1] != '\n') {
			return nl + strings.TrimSuffix(text, nl)
		}
		return text
	}
	if runAt == userAt {
		edits = append(edits, analysis.Insert(userAt, atEOF(userAt, runLine+userLine)))
	} else {
		edits = append(edits, analysis.Insert(runAt, runLine), analysis.Insert(userAt, atEOF(userAt, userLine)))
	}

	changes := []string{"User"}
	var does []string
	if create != "" {
		does = append(does, "create the system user "+user)
		changes = append(changes, "/etc/passwd*", "/etc/group*", "/etc/shadow*", "/etc/gshadow*", "/var/log/lastlog", "/var/log/faillog", "/home/"+user)
	}
	does = append(does, "run the program as "+user)
	// What it owns, as far as the fix makes it so: the files copied there
	// only when a COPY or ADD of the stage gets --chown.
	var owns []string
	if chownDir {
		owns = append(owns, appDir)
	}
	switch {
	case len(chowned) > 0 && chownDir:
		owns = append(owns, "the files copied there")
	case len(chowned) > 0:
		owns = append(owns, "the files copied to "+appDir)
	}
	switch {
	case len(made) > 0 && len(owns) > 0:
		owns = append(owns, "the directories RUN steps made in it")
	case len(made) > 0:
		owns = append(owns, "the directories RUN steps made in "+appDir)
	}
	if len(owns) > 0 {
		does = append(does, "let it own "+joinWords(owns))
		changes = append(changes, appDir)
	}
	finding.Fix = &analysis.Fix{Message: joinWords(does), Edits: edits, Changes: changes}
	return []analysis.Finding{finding}
}

// madeInApp returns the directories that mkdir in a RUN of chain (the
// instructions of the stage and of the stages it is built FROM, oldest
// first) makes in the application directory appDir (the topmost new one
// below it, in order), or why they cannot be told: a mkdir whose operands
// or working directory cannot be read, or a RUN that cannot be parsed and
// names mkdir.
func madeInApp(chain []*dockerfile.Instruction, appDir string) (dirs []string, at *dockerfile.Instruction, why string) {
	if appDir == "" {
		return nil, nil, ""
	}
	for n, ins := range chain {
		if ins.Cmd != "run" || !strings.Contains(ins.Text, "mkdir") {
			continue
		}
		r, err := runs.Parse(ins)
		if err != nil || r == nil {
			return nil, ins, "a RUN that dfopt cannot read runs mkdir, which may make directories in " + appDir + " that the new user could not write"
		}
		cds := false
		for _, c := range r.Commands() {
			if c.Name == "cd" || c.Name == "pushd" || c.Name == "popd" {
				cds = true
			}
			if c.Name != "mkdir" {
				continue
			}
			for i := 0; i < len(c.Args); i++ {
				a, static := c.Lits[i], c.Static[i]
				if static && (a == "-m" || a == "--mode") {
					i++
					continue
				}
				if static && strings.HasPrefix(a, "-") {
					continue
				}
				d := a
				if static && !path.IsAbs(a) {
					if cds || c.InSubshell {
						return nil, ins, "a RUN makes " + a + " with mkdir after changing directory, and dfopt cannot tell whether it is in " + appDir + " where the new user could not write"
					}
					wd, known := stages.KnownWorkdir(ins)
					if !known {
						static = false
					}
					d = path.Join(wd, a)
				}
				if !static {
					return nil, ins, "a RUN makes a directory dfopt cannot name with mkdir, which may be in " + appDir + " where the new user could not write"
				}
				d = path.Clean(d)
				if d == appDir || !stages.Under(d, appDir) {
					continue
				}
				rel := strings.TrimPrefix(d, strings.TrimSuffix(appDir, "/")+"/")
				first, _, _ := strings.Cut(rel, "/")
				top := path.Join(appDir, first)
				// chown -R of a directory that is not there fails the
				// build: only one made for sure and never removed after.
				if !stages.MustSucceed(r, c) {
					return nil, ins, "a RUN may not make " + d + ": its mkdir runs in a condition, a subshell or where its failure is ignored, and a chown of it could fail the build"
				}
				for _, o := range chain[n:] {
					if stages.Removes(o, top) {
						return nil, o, "a RUN may remove or move " + top + ", which a RUN makes with mkdir, and a chown of it could fail the build"
					}
				}
				if !slices.Contains(dirs, top) {
					dirs = append(dirs, top)
				}
			}
		}
	}
	return dirs, nil, ""
}

// dataDirOutside says why a directory that mkdir in a RUN of chain (the
// instructions of the stage and of the stages it is built FROM) makes
// outside the application directory appDir (and /tmp) is where the
// program writes: an ENV, CMD or ENTRYPOINT of them names it
// (APP_DATA_DIR=/srv-data). It would stay root's.
func dataDirOutside(ctx *analysis.Context, chain []*dockerfile.Instruction, appDir string) (*dockerfile.Instruction, string) {
	for _, ins := range chain {
		if ins.Cmd != "run" || !strings.Contains(ins.Text, "mkdir") {
			continue
		}
		r, err := runs.Parse(ins)
		if err != nil || r == nil {
			continue
		}
		for _, c := range r.Commands() {
			if c.Name != "mkdir" {
				continue
			}
			for i, a := range c.Lits {
				if !c.Static[i] || !path.IsAbs(a) {
					continue
				}
				d := path.Clean(a)
				if d == "/" || stages.Under(d, "/tmp") || (appDir != "" && stages.Under(d, appDir)) {
					continue
				}
				for _, o := range chain {
					if o.Cmd != "env" && o.Cmd != "cmd" && o.Cmd != "entrypoint" {
						continue
					}
					for _, w := range o.Args {
						w = dockerfile.Unquote(w)
						if _, v, ok := strings.Cut(w, "="); ok && o.Cmd != "env" {
							w = v
						}
						if w == d || w == d+"/" {
							return ins, "a RUN makes " + d + ", which line " + strconv.Itoa(ctx.Line(o.Span.Start)) + " points the program at: it would stay root's, and the new user could not write there"
						}
					}
				}
			}
		}
	}
	return nil, ""
}

// userAddRE finds a command that creates a user.
var userAddRE = lazyre.New(`(?:^|[^\w-])(useradd|adduser)(?:[^\w-]|$)`)

// createsUser reports whether a RUN of the stages mentions useradd or
// adduser.
func createsUser(chain []*dockerfile.Stage) bool {
	for _, s := range chain {
		for _, ins := range s.Instructions {
			if ins.Cmd == "run" && userAddRE.MatchString(ins.Text) {
				return true
			}
		}
	}
	return false
}

// homeInstallRE finds installers that put what they install in the
// home directory of the user who runs them.
var homeInstallRE = lazyre.New(`playwright install|puppeteer|pip[0-9.]* install[^;&|\n]*--user|cargo install|pipx |rustup|sh\.rustup\.rs|install\.python-poetry\.org|astral\.sh/uv|nvm install|pyenv install|npm config set prefix|git config --global|ssh-keygen|bun\.sh/install|deno\.land/install|get\.sdkman|\.local/bin`)

// homePathRE finds paths in root's home directory.
var homePathRE = lazyre.New(`(?:/root|~|\$HOME|\$\{HOME\})(/[^\s;&|"')]*)?`)

// segmentRE splits a command line roughly into its simple commands.
var segmentRE = lazyre.New(`&&|\|\||;|\n|\|`)

// homeCaches are the caches in root's home that hold nothing the program
// needs.
var homeCaches = []string{"/.cache/pip", "/.npm", "/.cache/go-build", "/.cache/yarn", "/.cache/uv", "/.cache/pypoetry", "/.m2", "/.gradle", "/.composer/cache", "/.cache/composer"}

// writesRootHome says what a RUN (run as root) installs in root's home
// directory ("" when nothing is seen).
func writesRootHome(ins *dockerfile.Instruction) string {
	text := ins.Text
	for _, h := range ins.Heredocs() {
		text += "\n" + h.Content
	}
	if m := homeInstallRE.FindString(text); m != "" {
		return "a RUN installs into root's home directory (" + strings.TrimSpace(m) + ")"
	}
	for _, seg := range segmentRE.Split(text, -1) {
		f := strings.Fields(seg)
		if len(f) > 0 && (f[0] == "rm" || (strings.EqualFold(f[0], "RUN") && len(f) > 1 && f[1] == "rm")) {
			continue
		}
		for _, m := range homePathRE.FindAllStringSubmatchIndex(seg, -1) {
			if m[0] > 0 && !strings.ContainsRune(" \t=:\"'", rune(seg[m[0]-1])) {
				continue // part of another path (/usr/root, a~b)
			}
			word := seg[m[0]:m[1]]
			if strings.HasPrefix(word, "~") && len(word) > 1 && word[1] != '/' {
				continue // ~user
			}
			rest := ""
			if m[2] >= 0 {
				rest = seg[m[2]:m[3]]
			}
			if rest == "" && m[1] < len(seg) && !strings.ContainsRune(" \t\"')", rune(seg[m[1]])) {
				continue // /rootfs, ~p in an Erlang format and the like
			}
			cache := false
			for _, c := range homeCaches {
				if rest == c || strings.HasPrefix(rest, c+"/") {
					cache = true
				}
			}
			if !cache {
				return "a RUN writes " + word + " in root's home directory"
			}
		}
	}
	return ""
}

// systemDir reports whether a directory belongs to the system, and no
// program's user should own it.
func systemDir(d string) bool {
	if d == "" {
		return false
	}
	if stages.Under(d, "/root") || stages.Under(d, "/proc") || stages.Under(d, "/sys") || stages.Under(d, "/dev") || stages.Under(d, "/etc") || stages.Under(d, "/bin") || stages.Under(d, "/sbin") || stages.Under(d, "/boot") {
		return true
	}
	switch d {
	case "/usr", "/usr/local", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/share", "/usr/src", "/usr/include",
		"/usr/local/bin", "/usr/local/lib", "/usr/local/share", "/usr/local/src", "/var", "/var/lib", "/var/log", "/var/cache",
		"/var/run", "/run", "/lib", "/lib64", "/opt", "/home", "/tmp":
		return true
	}
	return false
}

func joinWords(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// hasChown reports whether a COPY or ADD sets the owner already.
func hasChown(ins *dockerfile.Instruction) bool {
	for _, f := range ins.Flags {
		if strings.HasPrefix(strings.ToLower(f), "--chown") {
			return true
		}
	}
	return false
}

// linked reports whether a COPY or ADD says --link.
func linked(ins *dockerfile.Instruction) bool {
	for _, f := range ins.Flags {
		if f = strings.ToLower(f); f == "--link" || f == "--link=true" {
			return true
		}
	}
	return false
}

// port reads an EXPOSE argument ("80", "80/tcp", "8000-8010/udp").
func port(a string) (int, bool) {
	a, _, _ = strings.Cut(a, "/")
	a, _, _ = strings.Cut(a, "-")
	p, err := strconv.Atoi(a)
	return p, err == nil
}

// rootDaemons are programs whose job needs root, and why.
var rootDaemons = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"cron": "runs each crontab's jobs as the crontab's owner", "crond": "runs each crontab's jobs as the crontab's owner",
		"supervisord": "starts its programs as their configured users and writes under /var/run and /var/log",
		"runsvdir":    "supervises services that may drop privileges", "s6-svscan": "supervises services that may drop privileges",
		"sshd": "needs root to log users in", "mysqld": "runs as user mysql in directories owned by it", "mysqld_safe": "runs as user mysql in directories owned by it",
		"mariadbd": "runs as user mysql in directories owned by it", "postgres": "needs its data directory owned by user postgres", "pg_ctl": "needs its data directory owned by user postgres",
		"nginx": "binds port 80 and switches its workers to another user", "httpd": "binds port 80 and switches its workers to another user",
		"apache2": "binds port 80 and switches its workers to another user", "apache2ctl": "binds port 80 and switches its workers to another user",
		"apachectl": "binds port 80 and switches its workers to another user", "php-fpm": "switches its workers to the pool's user",
		"systemd": "is an init, which needs root", "init": "is an init, which needs root", "rsyslogd": "binds privileged sockets and writes /var/log",
		"dockerd": "needs root", "containerd": "needs root", "buildkitd": "needs root",
		"dnsmasq": "binds port 53 and manages network settings", "named": "binds port 53 and switches to its own user",
		"openvpn": "configures network devices, which needs root", "wg-quick": "configures network devices, which needs root",
		"tailscaled": "configures network devices, which needs root", "iptables-restore": "changes the firewall, which needs root",
		"chronyd": "sets the clock, which needs root", "keepalived": "manages addresses and routes, which needs root",
		"postfix": "binds port 25 and runs its daemons as their own users", "exim": "binds port 25 and switches users to deliver mail",
		"exim4": "binds port 25 and switches users to deliver mail", "dovecot": "logs users in and switches to them",
		"slapd": "binds port 389 and switches to its own user", "smbd": "switches to the users it serves",
		"vsftpd": "binds port 21 and switches to the users it serves", "xinetd": "binds the ports of the services it starts",
		"cupsd": "binds port 631 and runs filters as other users", "squid": "switches to its own user and writes under /var",
		"syslog-ng": "binds privileged sockets and writes /var/log", "openrc": "is an init, which needs root",
		"sudo": "needs root, or a sudoers entry for the user it runs as", "doas": "needs root, or a doas.conf rule for the user it runs as",
		// Packaged daemons that start as root to read what their package made
		// theirs (Debian's /etc/redis, /var/log/clamav, ...) and drop to it.
		"redis-server": ownUser, "redis-sentinel": ownUser, "freshclam": ownUser, "clamd": ownUser,
		"mosquitto": ownUser, "freeradius": ownUser, "radiusd": ownUser, "tor": ownUser, "unbound": ownUser,
		"varnishd": ownUser, "privoxy": ownUser, "tinyproxy": ownUser, "stunnel": ownUser, "stunnel4": ownUser,
		"lighttpd": "binds port 80 and " + ownUser, "proftpd": "binds port 21 and switches to the users it serves",
		"pure-ftpd": "binds port 21 and switches to the users it serves", "dropbear": "binds port 22 and logs users in",
		"dbus-daemon":  "runs the system bus as its own user, which needs root to start",
		"avahi-daemon": "is intended to be run as root", "rpcbind": "binds port 111, which needs root",
		"rpc.nfsd": "serves NFS from the kernel, which needs root", "rpc.mountd": "serves NFS mounts, which needs root",
		"dhcpd": "binds port 67 and manages leases as root", "snmpd": "binds port 161 and reads system state as root",
		"ntpd": "sets the clock, which needs root", "ipsec": "configures the kernel's IPsec, which needs root",
		"charon": "configures the kernel's IPsec, which needs root",
		// Servers that listen on a port below 1024 unless told otherwise.
		"caddy": "binds ports 80 and 443 for the sites of its configuration unless they name other ports", "openresty": "binds port 80 and switches its workers to another user",
		"nginx-debug": "binds port 80 and switches its workers to another user", "haproxy": "binds the ports of its configuration, usually 80 and 443",
		"traefik": "binds port 80 for its default entry point", "coredns": "binds port 53", "knotd": "binds port 53", "nsd": "binds port 53 and switches to its own user",
		"pdns_server": "binds port 53", "pdns_recursor": "binds port 53", "thttpd": "binds port 80 and switches to another user", "mini_httpd": "binds port 80 and switches to another user",
		"in.tftpd": "binds port 69", "tftpd": "binds port 69", "kea-dhcp4": "binds port 67", "kea-dhcp6": "binds port 547",
		"nmbd": "binds ports 137 and 138", "hitch": "binds port 443", "smtpd": "binds port 25 and runs its processes as their own users",
	}
}}

// ownUser says why a packaged daemon of rootDaemons needs root to start.
const ownUser = "runs as its own system user, whose configuration, state and log directories its package makes that user's"

// phpFPMRE matches the names distributions give PHP's FastCGI process
// manager: php-fpm, php-fpm83 (Alpine), php-fpm8.2 (Debian, Ubuntu),
// php83-fpm.
var phpFPMRE = lazyre.New(`^php[0-9.]*-fpm[0-9.]*$`)

// serviceStarters run a service's init script: service NAME start,
// invoke-rc.d NAME start, rc-service NAME start.
var serviceStarters = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"service": true, "invoke-rc.d": true, "rc-service": true}
}}

// daemonNeedsRoot says why the command line starts a program whose job
// needs root ("" when it does not seem to): a daemon of rootDaemons, by
// any of the names distributions give it, a service started through its
// init script, or either of these run as a busybox applet.
func daemonNeedsRoot(argv []string) string {
	prog := path.Base(argv[0])
	if prog == "busybox" && len(argv) > 1 {
		return daemonNeedsRoot(argv[1:])
	}
	if why, ok := rootDaemons.Get()[prog]; ok {
		return "the program is started with " + prog + ", which " + why
	}
	if phpFPMRE.MatchString(prog) {
		return "the program is started with " + prog + ", which " + rootDaemons.Get()["php-fpm"]
	}
	if prog == "rsync" && slices.Contains(argv[1:], "--daemon") && !slices.ContainsFunc(argv[1:], func(a string) bool { return strings.HasPrefix(a, "--port") || strings.HasPrefix(a, "--config") }) {
		return "the program is started with rsync --daemon, which binds port 873"
	}
	system := !strings.Contains(argv[0], "/") || slices.Contains([]string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"}, path.Dir(argv[0]))
	if (serviceStarters.Get()[prog] && system) || strings.HasPrefix(argv[0], "/etc/init.d/") || strings.HasPrefix(argv[0], "/etc/rc.d/") {
		return "the program starts a service with " + prog + ": init scripts write pid files and logs as root, and their daemons switch users"
	}
	return ""
}

// shells run commands given at run time: an image whose program is one is a
// base or a toolbox.
var shells = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true}
}}

// repls are interpreters that, without arguments, wait for input.
var repls = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"python": true, "python3": true, "irb": true, "node": true, "jshell": true, "ipython": true}
}}

// inits run the command after their options.
var inits = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"tini": {"-e", "-p"}, "tini-static": {"-e", "-p"}, "dumb-init": {"-r", "--rewrite"}, "catatonit": nil,
	}
}}

// commandLines returns the command lines the container runs, looking
// through exec, init wrappers (tini, dumb-init) and shells (sh -c STRING,
// sh SCRIPT) to the programs. ok is false when one cannot be read.
func commandLines(ep, cmd *dockerfile.Instruction) ([][]string, bool) {
	words := func(ins *dockerfile.Instruction) []string {
		if ins.JSON {
			out := make([]string, len(ins.Args))
			copy(out, ins.Args)
			return out
		}
		return []string{"/bin/sh", "-c", strings.Join(ins.Args, " ")}
	}
	var argv []string
	if ep != nil {
		argv = words(ep)
		if ep.JSON && cmd != nil {
			argv = append(argv, words(cmd)...)
		}
	} else if cmd != nil {
		argv = words(cmd)
	}
	var out [][]string
	return out, unwrap(argv, &out, 0)
}

func unwrap(argv []string, out *[][]string, depth int) bool {
	if depth > 4 {
		return false
	}
	for len(argv) > 0 {
		name := path.Base(argv[0])
		valued, isInit := inits.Get()[name]
		switch {
		case name == "exec" || name == "--":
			argv = argv[1:]
			continue
		case (name == "." || name == "source") && len(argv) > 1:
			// . FILE and source FILE run the script in the shell.
			*out = append(*out, argv[1:])
			return true
		case isInit:
			argv = argv[1:]
			for len(argv) > 0 && strings.HasPrefix(argv[0], "-") {
				if argv[0] == "--" {
					argv = argv[1:]
					break
				}
				if slices.Contains(valued, argv[0]) {
					argv = argv[1:]
				}
				if len(argv) > 0 {
					argv = argv[1:]
				}
			}
			continue
		}
		break
	}
	if len(argv) == 0 {
		return true // an ENTRYPOINT of only an init, with no CMD: nothing runs
	}
	if rest, wrapped, ok := throughWrappers(argv); wrapped {
		if !ok {
			return false
		}
		if len(rest) == 1 && (rest[0] == "sudo" || rest[0] == "doas") {
			*out = append(*out, rest)
			return true
		}
		return unwrap(rest, out, depth+1)
	}
	if !shells.Get()[path.Base(argv[0])] {
		*out = append(*out, argv)
		return true
	}
	for i := 1; i < len(argv); i++ {
		w := argv[i]
		switch {
		case w == "--":
			continue
		case strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.Contains(w, "c"):
			if i+1 >= len(argv) {
				return false
			}
			return unwrapScript(argv[i+1], out, depth)
		case strings.HasPrefix(w, "-") || strings.HasPrefix(w, "+"):
			if w == "-o" || w == "+o" {
				i++
			}
			continue
		}
		*out = append(*out, argv[i:]) // sh SCRIPT: the script
		return true
	}
	*out = append(*out, argv) // a bare shell
	return true
}

// throughWrappers looks through the programs that run the rest of their
// command line (env NAME=VALUE, nice, nohup, timeout, stdbuf, setsid,
// sudo, ...), as shellparse resolves them in a RUN: it returns the command
// line of the program they run, or ["sudo"] (["doas"]) when one of them
// is sudo (doas), which does not run a program for a user other than root
// without a sudoers entry. wrapped is false when argv[0] is no wrapper; ok
// is false when what it runs cannot be read.
func throughWrappers(argv []string) (rest []string, wrapped, ok bool) {
	quoted := make([]string, len(argv))
	for i, w := range argv {
		quoted[i] = shellparse.Quote(w)
	}
	p, err := shellparse.Parse(strings.Join(quoted, " "))
	if err != nil {
		return nil, false, false
	}
	cmds := shellparse.Commands(p)
	if len(cmds) != 1 || len(cmds[0].Wrappers) == 0 {
		return nil, false, false
	}
	c := cmds[0]
	for _, w := range c.Wrappers {
		if w == "sudo" || w == "doas" {
			return []string{w}, true, true
		}
	}
	if c.NameIdx < 0 || c.NameIdx >= len(argv) {
		return nil, true, false
	}
	return argv[c.NameIdx:], true, true
}

// unwrapScript reads the string given to sh -c.
func unwrapScript(src string, out *[][]string, depth int) bool {
	p, err := shellparse.Parse(src)
	if err != nil {
		return false
	}
	cmds := shellparse.Commands(p)
	if len(cmds) == 0 {
		return false
	}
	for _, c := range cmds {
		if c.NameIdx < 0 {
			continue
		}
		if slices.Contains(c.Wrappers, "sudo") || slices.Contains(c.Wrappers, "doas") {
			*out = append(*out, []string{"sudo"})
			continue
		}
		ws, ok := shellparse.LiteralWords(c.Call.Args[c.NameIdx:])
		if !ok || len(ws) == 0 {
			// A variable's value may name the program; the name alone
			// must be readable.
			name, ok := shellparse.Lit(c.Call.Args[c.NameIdx])
			if !ok {
				return false
			}
			ws = []string{name}
		}
		if !unwrap(ws, out, depth+1) {
			return false
		}
	}
	return true
}

func isScript(prog string) bool {
	b := path.Base(prog)
	return strings.HasSuffix(b, ".sh") || strings.HasSuffix(b, ".bash") || strings.Contains(b, "entrypoint")
}

// scriptNeedsRoot reads an entrypoint script from the build context and
// says why it must start as root ("" when nothing in it needs root).
func scriptNeedsRoot(ctx *analysis.Context, prog, appDir string) string {
	view := buildcontext.Of(ctx)
	if view == nil {
		return "the entrypoint " + prog + " is a script that dfopt cannot read without the build context; it may need root"
	}
	name := path.Base(prog)
	var found string
	_ = fs.WalkDir(view.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != "" {
			return fs.SkipDir
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return fs.SkipDir
		}
		if !d.IsDir() && d.Name() == name && !view.Ignored(p) {
			found = p
			return fs.SkipAll
		}
		return nil
	})
	if found == "" {
		return "the entrypoint " + prog + " is not in the build context, so dfopt cannot tell whether it needs root"
	}
	data, ok := view.ReadFile(found)
	if !ok {
		return "the entrypoint " + prog + " cannot be read"
	}
	return contentNeedsRoot(found, string(data), appDir)
}

// contentNeedsRoot says why the entrypoint script name, of content data,
// must start as root ("" when nothing in it needs root, or it is a
// compiled program): it drops privileges, runs a command that needs root,
// or writes outside appDir (the application directory, "" when not
// known), /tmp and /dev, or to a path in a variable.
func contentNeedsRoot(name, data, appDir string) string {
	if strings.HasPrefix(data, "\x7fELF") {
		return "" // a program, not a script
	}
	if m := dropsPrivilegesRE.FindStringSubmatch(data); m != nil {
		return "the entrypoint " + name + " starts as root and drops privileges with " + m[1]
	}
	if m := needsRootRE.FindStringSubmatch(data); m != nil {
		return "the entrypoint " + name + " runs " + m[1] + ", which needs root"
	}
	if m := writesSystemRE.FindStringSubmatch(data); m != nil {
		return "the entrypoint " + name + " writes " + m[1] + ", which only root may"
	}
	for _, m := range writesRE.FindAllStringSubmatch(data, -1) {
		words := strings.Fields(m[2])
		if m[1] != "" {
			words = []string{m[1]}
		}
		for _, w := range words {
			w = strings.Trim(w, `"'`)
			switch {
			case strings.HasPrefix(w, "$"):
				return "the entrypoint " + name + " writes to a path in a variable, " + w + ", which dfopt cannot tell the new user may write"
			case !strings.HasPrefix(w, "/"):
			case appDir != "" && stages.Under(path.Clean(w), appDir):
			case stages.Under(path.Clean(w), "/tmp") || stages.Under(path.Clean(w), "/dev") || stages.Under(path.Clean(w), "/proc/self"):
			default:
				return "the entrypoint " + name + " names " + w + " in a command that writes files, outside the application directory, /tmp and /dev, where the new user may not write"
			}
		}
	}
	return ""
}

// writesRE finds a script's writes: the target of a redirection (1), or
// the words after mkdir, touch, tee, cp, mv, ln, install, rm, chmod or
// sed -i (2).
var writesRE = lazyre.New(`(?m)>>?[ \t]*(["']?[^\s;&|<>()"']+)|(?:^|[\s;&|(])(?:mkdir|touch|tee|cp|mv|ln|install|rm|chmod|sed[ \t]+-i)[ \t]([^\n;&|]*)`)

// writesSystemRE finds a script's writes to system directories, which
// belong to root: a redirection to a file there, or mkdir, touch, tee, cp,
// mv, ln, install or sed -i naming one.
var writesSystemRE = lazyre.New(`(?m)(?:>>?[ \t]*|(?:^|[\s;&|(])(?:mkdir|touch|tee|cp|mv|ln|install|sed[ \t]+-i)[ \t][^\n;&|]*?)["']?(/(?:etc|usr|opt|root|srv|run|var/(?:lib|log|run|cache|spool|www))(?:/[^\s;&|"')]*)?)`)

// copiedNeedsRoot says why a program the container runs, whose name does
// not say it is a script, may be one that must start as root: a file that
// a COPY or ADD brought and that is not a compiled program (it is read
// from the build context or the COPY's heredoc; one that cannot be read
// may be a script), or a file that a RUN of the stage makes executable
// with chmod (unpacked from an archive, made by the build).
func copiedNeedsRoot(ctx *analysis.Context, chain []*dockerfile.Stage, at *dockerfile.Instruction, prog string) string {
	appDir, _ := stages.KnownWorkdir(at)
	if o, ok := stages.CopiedProgram(ctx.Doc, at, prog); ok {
		if o.Shown {
			return contentNeedsRoot(prog, o.Content, appDir)
		}
		if len(o.Context) == 0 {
			if o.Ins.Cmd == "add" {
				return "the entrypoint " + prog + " comes from ADD of a URL or an archive, which dfopt cannot read; it may be a script that needs root"
			}
			return "" // from an image: a program built there
		}
		// A file that the COPY does not name but brings in a directory is
		// read when the context has it; else a RUN made it (a build).
		byName := copiesByName(o.Ins, prog)
		view := buildcontext.Of(ctx)
		if view == nil {
			if !byName && runNames(ctx.Doc, prog) {
				return "" // a RUN that names it builds it, most likely
			}
			if !byName {
				return fmt.Sprintf("the entrypoint %s may come from the build context, in the directory the %s on line %d brings, which dfopt cannot read without it (no RUN names it, so it is not one the build makes); it may be a script that needs root",
					prog, strings.ToUpper(o.Ins.Cmd), ctx.Line(o.Ins.Span.Start))
			}
			return "the entrypoint " + prog + " comes from the build context, which dfopt cannot read without it; it may be a script that needs root"
		}
		for _, p := range o.Context {
			if data, ok := view.ReadFile(p); ok {
				return contentNeedsRoot(p, string(data), appDir)
			}
		}
		if byName {
			return "the entrypoint " + prog + " is not in the build context, so dfopt cannot tell whether it is a script that needs root"
		}
		return "" // made in a directory the COPY brought: built by a RUN
	}
	if c := stages.MayHaveCopiedProgram(ctx.Doc, at, prog); c != nil {
		return fmt.Sprintf("the entrypoint %s may come from the %s on line %d, whose destination the file does not tell; dfopt cannot read it, and it may be a script that needs root",
			prog, strings.ToUpper(c.Cmd), ctx.Line(c.Span.Start))
	}
	if !strings.Contains(prog, "/") || slices.Contains(stages.PathDirs, path.Dir(prog)) {
		return ""
	}
	for _, s := range chain {
		for _, ins := range s.Instructions {
			if ins.Cmd == "run" && chmodRE.MatchString(ins.Text) && (strings.Contains(ins.Text, prog) || strings.Contains(ins.Text, path.Base(prog))) {
				return "the entrypoint " + prog + " is a file a RUN makes executable, which dfopt cannot read; it may be a script that needs root"
			}
		}
	}
	return ""
}

// placedNeedsRoot says why a program the container runs, whose name does
// not say it is a script, may be a script that must start as root, when
// it reaches its place other than by a COPY that names it: a RUN that
// copies, moves, installs or links a file there (cp, mv, install, ln),
// which dfopt does not follow; or, for a bare name looked up on the PATH,
// a COPY or ADD of a directory or an archive into a PATH directory, whose
// file of that name is read from the build context when it can be.
func placedNeedsRoot(ctx *analysis.Context, chain []*dockerfile.Stage, prog string) string {
	base := path.Base(prog)
	bare := !strings.Contains(prog, "/")
	for _, s := range chain {
		for _, ins := range s.Instructions {
			switch ins.Cmd {
			case "run":
				if !strings.Contains(ins.Text, base) && !(bare && strings.Contains(ins.Text, "/bin")) {
					continue
				}
				r, err := runs.Parse(ins)
				if err != nil || r == nil {
					continue
				}
				wd, _ := stages.KnownWorkdir(ins)
				for _, c := range r.Commands() {
					if c.Name != "cp" && c.Name != "mv" && c.Name != "install" && c.Name != "ln" {
						continue
					}
					ops := shellparse.Operands(c)
					if len(ops) < 2 || c.HasArg(func(v string) bool { return v == "-d" || v == "--directory" }) {
						continue
					}
					i := ops[len(ops)-1]
					if !c.Static[i] {
						continue
					}
					dest := stages.JoinDir(wd, c.Lits[i])
					if dest == "" {
						dest = c.Lits[i]
					}
					// Into a directory, a source keeps its name.
					intoDir := slices.ContainsFunc(ops[:len(ops)-1], func(j int) bool { return !c.Static[j] || path.Base(c.Lits[j]) == base })
					if dest == prog || (bare && slices.Contains(stages.PathDirs, path.Dir(dest)) && path.Base(dest) == base) ||
						(intoDir && ((!bare && dest == path.Dir(prog)) || (bare && slices.Contains(stages.PathDirs, dest)))) {
						return "the entrypoint " + prog + " is put in place by " + c.Name + " in a RUN, which dfopt does not follow; it may be a script that needs root"
					}
				}
			case "copy", "add":
				if !bare || len(ins.Args) < 2 || copiesByName(ins, prog) || slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from") }) {
					continue
				}
				dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
				if !slices.Contains(stages.PathDirs, dest) {
					continue
				}
				// A source of another name with a suffix is a file (app.py),
				// not a directory that may hold prog.
				mayHold := false
				for _, a := range ins.Args[:len(ins.Args)-1] {
					b := path.Base(dockerfile.Unquote(a))
					archive := ins.Cmd == "add" && !strings.Contains(a, "://") && strings.Contains(b, ".t")
					if m, _ := path.Match(b, base); m || archive || path.Ext(b) == "" || strings.HasSuffix(a, "/") || strings.ContainsAny(b, "*?[") {
						mayHold = true
					}
				}
				if !mayHold {
					continue
				}
				view := buildcontext.Of(ctx)
				if view == nil || ins.Cmd == "add" {
					return "the entrypoint " + prog + " may come from " + strings.ToUpper(ins.Cmd) + " of a directory or an archive into " + dest + ", which dfopt cannot read; it may be a script that needs root"
				}
				for _, a := range ins.Args[:len(ins.Args)-1] {
					if data, ok := view.ReadFile(path.Join(dockerfile.Unquote(a), base)); ok {
						if why := contentNeedsRoot(base, string(data), ""); why != "" {
							return why
						}
					}
				}
			}
		}
	}
	return ""
}

// copiesByName reports whether COPY or ADD ins names the file prog: a
// source of the same base name, or prog as the destination.
func copiesByName(ins *dockerfile.Instruction, prog string) bool {
	var srcs []string
	for _, a := range ins.Args[:len(ins.Args)-1] {
		srcs = append(srcs, dockerfile.Unquote(a))
	}
	dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
	if !strings.Contains(prog, "/") || !path.IsAbs(prog) {
		prog = path.Base(prog)
	}
	for _, s := range srcs {
		if path.Base(s) == path.Base(prog) {
			return true
		}
	}
	return dest == prog
}

// runNames reports whether a RUN of the file names the program prog (its
// base name, anywhere in the RUN's arguments: a program named run is not
// named by a lowercase keyword; in any stage, since the program may come
// from another stage through COPY --from): the RUN may build it
// (go build -o serv, make install), so a program that a COPY of a whole
// directory may have brought is taken for what the build made when the
// build context cannot be read. A program no RUN names can only be a file
// of the context, which may be a script.
func runNames(doc *dockerfile.Document, prog string) bool {
	base := path.Base(prog)
	for _, ins := range doc.Instructions {
		if (ins.Cmd == "run" || ins.Cmd == "onbuild" && ins.Onbuild() == "run") && strings.Contains(ins.Text[ins.ArgsOffset:], base) {
			return true
		}
	}
	return false
}

// chmodRE finds chmod in a RUN.
var chmodRE = lazyre.New(`(?:^|[^\w-])chmod(?:[^\w-]|$)`)

// nonRootImage reports whether an image's name says that it runs as a user
// other than root.
func nonRootImage(name string) bool {
	for _, s := range []string{"nonroot", "non-root", "unprivileged", "rootless"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// appDirGone says why the application directory appDir, made by the
// WORKDIR workdir, may not be there when the new RUN chowns it: a RUN of
// chain (oldest first) after that WORKDIR may remove or move it or a
// directory above it (RUN rm -rf /app), and chown of a missing directory
// fails the build.
func appDirGone(chain []*dockerfile.Instruction, workdir *dockerfile.Instruction, appDir string) (*dockerfile.Instruction, string) {
	if appDir == "" || workdir == nil {
		return nil, ""
	}
	after := false
	for _, ins := range chain {
		if ins == workdir {
			after = true
			continue
		}
		if after && stages.Removes(ins, appDir) {
			return ins, "a RUN may remove or move the working directory " + appDir + ", and a chown of it could fail the build"
		}
	}
	return nil, ""
}

// inheritedDirCopy says why files that a stage the stage st is built FROM
// copies to the application directory appDir keep the program from
// running as the new user: a directory copied there (COPY . ., COPY
// tmp/ tmp/, a directory of the build context) stays root's, as the user
// is made in st, and a program that writes in its own directories (a
// pid file in tmp/pids, uploads in storage/) fails as that user. A COPY
// of st itself gets --chown instead. Files are read only, and stay root's.
func inheritedDirCopy(ctx *analysis.Context, st *dockerfile.Stage, chain []*dockerfile.Instruction, appDir string) (*dockerfile.Instruction, string) {
	if appDir == "" {
		return nil, ""
	}
	view := buildcontext.Of(ctx)
	for _, ins := range chain {
		if ins.Stage == st || (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 || hasChown(ins) {
			continue
		}
		dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
		if !stages.Under(dest, appDir) {
			continue
		}
		if src, ok := copiesDir(view, ins); ok {
			return ins, "a stage it is built FROM copies " + src + " to " + appDir + ", whose directories stay root's: a program that writes in them could not as the new user; copy it in the final stage, or with --chown"
		}
	}
	return nil, ""
}

// copiesDir returns a source of the COPY or ADD ins that is or may be a
// directory: ., a path ending in / or /., a variable, a glob whose last
// component has no suffix (dist/*; not package*.json), or a directory of
// the build context (view, when there is one).
func copiesDir(view *buildcontext.View, ins *dockerfile.Instruction) (string, bool) {
	fromStage := slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from=") })
	for _, a := range ins.Args[:len(ins.Args)-1] {
		src := dockerfile.Unquote(a)
		if src == "." || src == "./" || strings.HasSuffix(src, "/") || strings.HasSuffix(src, "/.") || strings.Contains(src, "$") {
			return src, true
		}
		if strings.ContainsAny(src, "*?[") {
			// package*.json, *.txt: files; dist/*, conf?: maybe not.
			if b := path.Base(src); !strings.Contains(strings.TrimLeft(b, "*?"), ".") {
				return src, true
			}
			continue
		}
		if !fromStage && view != nil && !strings.Contains(src, "://") {
			if fi, ok := view.Stat(src); ok && fi.IsDir() {
				return src, true
			}
		}
	}
	return "", false
}

// chownedToOther says why a COPY or ADD of chain (the stage and the
// stages it is built FROM) that gives a directory it puts in the
// application directory appDir to another user than user (COPY
// --chown=1000:1000 . .) keeps the fix away: the program would run as
// user, who could not write there; the file means that other user to run
// it. Files so given (a config.ini) are only read.
func chownedToOther(ctx *analysis.Context, chain []*dockerfile.Instruction, appDir, user string) (*dockerfile.Instruction, string) {
	if appDir == "" {
		return nil, ""
	}
	view := buildcontext.Of(ctx)
	for _, ins := range chain {
		if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 {
			continue
		}
		if _, ok := copiesDir(view, ins); !ok {
			continue // files: read, whoever owns them
		}
		for _, f := range ins.Flags {
			if !strings.HasPrefix(strings.ToLower(f), "--chown=") {
				continue
			}
			owner, _, _ := strings.Cut(dockerfile.Unquote(f[len("--chown="):]), ":")
			dest := stages.JoinDir(stages.WorkdirAt(ins), dockerfile.Unquote(ins.Args[len(ins.Args)-1]))
			if owner != user && stages.Under(dest, appDir) {
				return ins, "a COPY gives what it puts in " + appDir + " to " + owner + ", not to the user the fix would run the program as (" + user + "); switch to " + owner + " with USER"
			}
		}
	}
	return nil, ""
}
