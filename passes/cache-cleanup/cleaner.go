package cachecleanup

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// cleaner works out the cleanups of one RUN.
type cleaner struct {
	ctx      *analysis.Context
	doc      *dockerfile.Document
	f        *runFacts
	r        *runs.Run
	facts    *factsTable
	later    *uses
	lists    *lazySupply
	appended map[string]bool
	out      []analysis.Finding
}

func (cl *cleaner) finding(c *shellparse.Command, msg string) analysis.Finding {
	start, end := shellparse.Span(c.Call)
	return analysis.Finding{Pos: cl.r.Src(start), End: cl.r.After(end), Message: msg}
}

// report reports a finding without a fix.
func (cl *cleaner) report(c *shellparse.Command, msg string) {
	cl.out = append(cl.out, cl.finding(c, msg))
}

// decline reports what a command leaves in the layer and why it is not
// cleaned up.
func (cl *cleaner) decline(c *shellparse.Command, msg, why string) {
	cl.report(c, msg+" (not fixed: "+why+")")
}

// option adds an option (one of pkgmgr.Options) after the i-th argument
// of c: the package manager then runs where it ran before.
func (cl *cleaner) option(c *shellparse.Command, i int, text, msg, fix string, removes ...string) {
	f := cl.finding(c, msg)
	if !slices.Contains(pkgmgr.Options, text) {
		f.Message += " (not fixed: " + text + " is not an option cache-cleanup may add)"
		cl.out = append(cl.out, f)
		return
	}
	f.Fix = &analysis.Fix{Message: fix, Edits: []analysis.Edit{analysis.Insert(cl.r.WordEnd(c.Args[i]), " "+text)}, Removes: removes}
	cl.out = append(cl.out, f)
}

// remove appends `rm -rf paths` to the RUN, after everything else and
// joined with &&: the RUN's exit status is unchanged, and the removal does
// the same whatever state the RUN leaves behind (working directory, PATH,
// variables, the versions of its tools). Through sudo when c ran through
// sudo.
func (cl *cleaner) remove(c *shellparse.Command, paths, removes []string, msg string) {
	f := cl.f
	if mounted(f.mounts, paths) {
		return // mounted there: not in the image, and rm may fail on it
	}
	if !f.rmFound {
		cl.decline(c, msg, "the RUN may leave rm off its PATH")
		return
	}
	if !f.globs && slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, "*") }) {
		cl.decline(c, msg, "the RUN's shell may not expand a glob that matches nothing as sh does")
		return
	}
	cmd := pkgmgr.Remove(paths...)
	if c.HasWrapper("sudo") {
		cmd = "sudo " + cmd
		if c.Conditional {
			// The install may not have run; sudo may not work then.
			cmd = "{ " + cmd + " || true; }"
		}
	}
	if !pkgmgr.StateIndependent(cmd) {
		// A path from the file (ENV, useradd) that is not plain.
		cl.decline(c, msg, "the cleanup would not be a plain rm -rf of fixed paths: "+cmd)
		return
	}
	if cl.appended[cmd] {
		return
	}
	cl.appended[cmd] = true
	fd := cl.finding(c, msg)
	if pos, text, ok := cl.r.AppendEdit(cl.doc, cmd); ok {
		fd.Fix = &analysis.Fix{Message: "remove " + strings.Join(paths, " ") + " in the same RUN",
			Edits: []analysis.Edit{analysis.Insert(pos, text)}, Removes: removes, Stack: true}
	} else {
		fd.Message += " (not fixed: the RUN ends in the background, in exit/exec or in a here-document)"
	}
	cl.out = append(cl.out, fd)
}

// systemUser reports why a cleanup of a system directory (apt, apk, dnf)
// cannot be added for c, or "": the RUN runs as a user other than root and
// c does not go through sudo.
func (cl *cleaner) systemUser(c *shellparse.Command) string {
	if u := cl.f.user; u.Runs == stages.AsOther && !c.HasWrapper("sudo") {
		return "the RUN runs as USER " + u.Name
	}
	return ""
}

// homes returns the home directories whose caches c fills: that of the
// user the RUN runs as (absolute when the file tells it, else
// pkgmgr.HomeVar) and, when c runs through sudo, root's. root says
// whether c runs as root. why is set when it cannot be told.
func (cl *cleaner) homes(c *shellparse.Command) (homes []string, root bool, why string) {
	f := cl.f
	if f.assigned["HOME"] {
		return nil, false, "the RUN sets HOME"
	}
	home := f.user.Home
	if home == "" {
		home = pkgmgr.HomeVar
	}
	if c.HasWrapper("sudo") {
		// sudo runs c as root, with root's HOME or the caller's depending
		// on its configuration: both are cleaned.
		if home == "/root" {
			return []string{"/root"}, true, ""
		}
		return []string{"/root", home}, true, ""
	}
	return []string{home}, f.user.Runs == stages.AsRoot, ""
}

// homePaths returns rel below the home directories whose caches c fills
// (see homes), or below any home ("~/rel") when they cannot be told.
func (cl *cleaner) homePaths(c *shellparse.Command, rel string) []string {
	homes, _, why := cl.homes(c)
	if why != "" {
		return []string{"~/" + rel}
	}
	paths, _ := inHomes(homes, rel)
	return paths
}

// inHomes returns rel below each home directory, as paths and as
// Fix.Removes patterns.
func inHomes(homes []string, rel string) (paths, removes []string) {
	for _, h := range homes {
		paths = append(paths, pkgmgr.InHome(h, rel))
		removes = append(removes, pkgmgr.RemovesPattern(h, rel))
	}
	return paths, removes
}

// stageSets reports whether the stage (or the RUN) sets variable key.
func (cl *cleaner) stageSets(key string) bool {
	return cl.f.assigned[key] || stages.EnvAt(cl.r.Ins, key).Set
}

// laterArg returns the line of a later command (in a RUN of the stage, a
// stage built FROM it, or an ONBUILD) that runs one of managers with one
// of the arguments args (all of them when args is empty), or 0.
func (cl *cleaner) laterArg(managers []string, verbs []string, args ...string) int {
	key := strings.Join(managers, ",") + "|" + strings.Join(verbs, ",") + "|" + strings.Join(args, ",")
	return cl.later.afterAmong(cl.r.Ins, key, args, func(other *dockerfile.Instruction, of *runFacts) int {
		if of == nil {
			for _, m := range managers {
				if !strings.Contains(other.Text, m) {
					continue
				}
				if len(verbs) > 0 && !verbRE(m, verbs).MatchString(other.Text) {
					continue
				}
				if len(args) == 0 {
					return other.Span.Start
				}
				for _, a := range args {
					if strings.Contains(other.Text, a) {
						return other.Span.Start
					}
				}
			}
			return -1
		}
		for _, c := range of.cmds {
			if !slices.Contains(managers, c.Name) {
				continue
			}
			if len(verbs) > 0 {
				if s, _ := c.Subcommand(); !slices.Contains(verbs, s) {
					continue
				}
			}
			if len(args) == 0 || c.HasArg(shellparse.ArgIs(args...)) {
				return of.r.Src(shellparse.Offset(c.Call.Pos()))
			}
		}
		return -1
	})
}

// userCache cleans up after c, a package manager that keeps its cache for
// the user it runs as. where names the cache's paths for the home
// directories c uses (see homes), or says why they cannot be told; later
// returns the line of a later step that reads the cache (0 when none) and
// what it does there. Nothing is reported when a mount covers the cache:
// it is not in the image.
func (cl *cleaner) userCache(c *shellparse.Command, msg string,
	where func(homes []string, root bool) (paths, removes []string, why string), later func() (int, string)) {
	homes, root, why := cl.homes(c)
	var paths, removes []string
	if why == "" {
		paths, removes, why = where(homes, root)
	}
	if why == "" && mounted(cl.f.mounts, paths) {
		return
	}
	if why == "" && cl.f.bindWork != "" {
		why = "the install runs in the bind mount " + cl.f.bindWork + ": its cache is what the RUN leaves in the image"
	}
	if why == "" {
		if line, what := later(); line > 0 {
			why = fmt.Sprintf("line %d %s", line, what)
		}
	}
	if why == "" {
		if line := cl.takenFromStage(paths); line > 0 {
			why = fmt.Sprintf("line %d takes it from this stage", line)
		}
	}
	if why != "" {
		cl.decline(c, msg, why)
		return
	}
	cl.remove(c, paths, removes, msg)
}

// takenFromStage returns the line of a COPY --from or RUN --mount from
// this stage (or one built FROM it, or one named with a variable) that
// reads one of paths, a part of them or a directory above them (see
// stages.Ref.Reads), or 0. A path below "$HOME" stands for that path below
// any home directory.
func (cl *cleaner) takenFromStage(paths []string) int {
	ins := cl.r.Ins
	if ins.Stage == nil {
		return 0
	}
	for _, ref := range cl.lists.refsTo(ins.Stage) {
		for _, q := range paths {
			if rel, ok := strings.CutPrefix(q, pkgmgr.HomeVar+"/"); ok {
				q = "~/" + rel
			}
			if ref.Reads(q) {
				return cl.ctx.Line(ref.Ins.Span.Start)
			}
		}
	}
	return 0
}

// declineTaken declines the cleanup of paths (what c leaves, msg) when a
// later stage takes them from this one (see takenFromStage): without them
// that COPY fails or copies nothing. It reports whether it did.
func (cl *cleaner) declineTaken(c *shellparse.Command, msg string, paths []string) bool {
	if line := cl.takenFromStage(paths); line > 0 {
		cl.decline(c, msg, fmt.Sprintf("line %d takes it from this stage", line))
		return true
	}
	return false
}

// hasAfter reports whether a command after c (or any, when c is nil)
// satisfies pred.
func (cl *cleaner) hasAfter(c *shellparse.Command, pred func(*shellparse.Command) bool) bool {
	return slices.ContainsFunc(cl.f.cmds, func(o *shellparse.Command) bool { return runsAfter(o, c) && pred(o) })
}

// underHomes reports whether the absolute path p lies below one of homes.
func underHomes(p string, homes []string) bool {
	for _, h := range homes {
		if strings.HasPrefix(h, "/") && strings.HasPrefix(p, strings.TrimRight(h, "/")+"/") {
			return true
		}
	}
	return false
}

// mounted reports whether a mount target is one of paths, lies below one
// or above one. A path below "$HOME" is compared with targets that end in
// the same directories (/root/.npm for "$HOME"/.npm/_cacache).
func mounted(mounts, paths []string) bool {
	for _, p := range paths {
		rel, home := strings.CutPrefix(p, pkgmgr.HomeVar+"/")
		if !home {
			if runs.Covers(mounts, strings.TrimSuffix(strings.TrimSuffix(p, "*"), "/")) {
				return true
			}
			continue
		}
		rel = strings.TrimSuffix(strings.TrimSuffix(rel, "*"), "/")
		parts := strings.Split(rel, "/")
		for _, m := range mounts {
			for i := 1; i <= len(parts); i++ {
				if strings.HasSuffix(m, "/"+strings.Join(parts[:i], "/")) {
					return true
				}
			}
			if strings.Contains(m+"/", "/"+rel+"/") {
				return true
			}
		}
	}
	return false
}

// stageMentions reports whether any RUN or ENV of the stage (or its
// ancestors) before ins contains s.
func stageMentions(ins *dockerfile.Instruction, s string) bool {
	return stages.Mentions(ins, s)
}

// verbREs holds the regexps of verbRE, compiled once per manager and verbs.
var verbREs sync.Map // string -> *regexp.Regexp

// verbRE matches manager m followed, in the same command, by one of verbs.
func verbRE(m string, verbs []string) *regexp.Regexp {
	expr := `\b` + regexp.QuoteMeta(m) + `\b[^&|;\n]*\s(` + strings.Join(verbs, "|") + `)\b`
	if re, ok := verbREs.Load(expr); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := verbREs.LoadOrStore(expr, regexp.MustCompile(expr))
	return re.(*regexp.Regexp)
}
