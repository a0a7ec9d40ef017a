package verify

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// The program an image runs, and the files it needs.
//
// An image's command is its Entrypoint followed by its Cmd. The program
// is the first word of it, past an init that only starts it (tini,
// dumb-init and their options) and past a shell's "-c" when the script
// is one simple command of literal words ("exec" dropped): for
// ["/bin/sh", "-c", "exec python app.py"] the program is python and its
// arguments are app.py.

// DefaultPath is the PATH a container gets when its image sets none
// (BuildKit's and Docker's default on Linux).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// initPrograms start the program they are given and add nothing that a
// smoke test or a file check should look at; the value lists their
// options that take a value.
var initPrograms = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"tini": {"-e", "-p"}, "tini-static": {"-e", "-p"}, "dumb-init": {"-r", "--rewrite"},
		"catatonit": nil,
	}
}}

var shellPrograms = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true}
}}

// ImageCommand returns the program an image runs and its arguments (see
// above). viaShell tells that they were read from a shell's -c script.
// argv is nil when the image has no command; when the shell script is not
// one simple command of literal words, argv is the shell's own.
func ImageCommand(cfg oci.Config) (argv []string, viaShell bool) {
	argv = append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...)
	for len(argv) > 0 {
		name := path.Base(argv[0])
		if valued, ok := initPrograms.Get()[name]; ok {
			i := 1
			for i < len(argv) && strings.HasPrefix(argv[i], "-") {
				if argv[i] == "--" {
					i++
					break
				}
				if contains(valued, argv[i]) {
					i++
				}
				i++
			}
			argv = argv[min(i, len(argv)):]
			continue
		}
		if shellPrograms.Get()[name] && len(argv) >= 3 && argv[1] == "-c" {
			if words, ok := scriptWords(argv[2]); ok {
				return words, true
			}
		}
		break
	}
	if len(argv) == 0 {
		return nil, false
	}
	return argv, false
}

// scriptWords reads a shell script that is one simple command of literal
// words, with "exec" in front or not.
func scriptWords(script string) ([]string, bool) {
	prog, err := shellparse.Parse(script)
	if err != nil || len(prog.File.Stmts) != 1 {
		return nil, false
	}
	st := prog.File.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	var words []string
	for _, w := range call.Args {
		s, ok := shellparse.Lit(w)
		if !ok {
			return nil, false
		}
		words = append(words, s)
	}
	if words[0] == "exec" {
		words = words[1:]
	}
	return words, len(words) > 0
}

// ResolvePath follows symbolic links in every component of the absolute
// path p inside the tree, as the kernel does inside the image's root. It
// returns the path reached and its entry (nil when nothing is there; a
// directory entry for "/").
func ResolvePath(t *oci.Tree, p string) (string, *oci.Entry) { return resolve(t, p) }

func resolve(t *oci.Tree, p string) (string, *oci.Entry) {
	parts := splitPath(p)
	cur := "/"
	for hops := 0; len(parts) > 0; {
		next := path.Join(cur, parts[0])
		e, ok := t.Get(next)
		if !ok {
			return next, nil
		}
		if e.Type == oci.Symlink {
			if hops++; hops > 40 {
				return next, nil
			}
			target := e.Linkname
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
			parts = append(splitPath(target), parts[1:]...)
			cur = "/"
			continue
		}
		cur, parts = next, parts[1:]
	}
	if cur == "/" {
		return "/", &oci.Entry{Path: "/", Type: oci.Dir, Mode: 0o755}
	}
	e, _ := t.Get(cur)
	return cur, e
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(path.Clean("/"+p), "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// inDir makes a path given relative to a working directory absolute.
func inDir(workdir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if workdir == "" {
		workdir = "/"
	}
	return path.Join(workdir, p)
}

// executable reports whether p (absolute) is a regular file with an
// execute bit, once symbolic links are followed.
func executable(t *oci.Tree, p string) bool {
	_, e := resolve(t, p)
	return e != nil && e.Type == oci.Regular && e.Mode&0o111 != 0
}

// envValue returns the value of a variable in an image's Env.
func envValue(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// LookPath finds a program the way the container runtime does when it
// starts a command: a name with a slash is taken relative to the working
// directory, another is looked up in the image's PATH (DefaultPath when
// it sets none). It returns the path to execute, as the runtime would
// spell it (dir/name for a PATH entry), and whether an executable file is
// there.
func LookPath(t *oci.Tree, cfg oci.Config, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if strings.Contains(name, "/") {
		return name, executable(t, inDir(cfg.WorkingDir, name))
	}
	pathEnv, ok := envValue(cfg.Env, "PATH")
	if !ok {
		pathEnv = DefaultPath
	}
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		if executable(t, inDir(cfg.WorkingDir, p)) {
			if !path.IsAbs(p) && !strings.Contains(p, "/") {
				p = "./" + p
			}
			return p, true
		}
	}
	return "", false
}

// ProgramFile is one of the program's own files and whether the rewrite
// still has it.
type ProgramFile struct {
	// What: "program" (the file the command runs), "argument" (a file
	// or directory the command names) or "application directory" (the
	// working directory that the Dockerfile sets in the stage built).
	What string `json:"what"`
	// Name is how the command or the Dockerfile names it.
	Name string `json:"name"`
	// Before and After are the paths in the two images ("" when it is not
	// there).
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Missing: the original has it, the rewrite does not. It fails
	// verification.
	Missing bool `json:"missing,omitempty"`
}

func (p ProgramFile) String() string {
	show := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	s := p.What + " " + p.Name + ": " + show(p.Before) + " => " + show(p.After)
	if p.Missing {
		s += "  MISSING in the rewrite"
	}
	return s
}

// ProgramFiles checks that the rewrite still has the program's own files:
//
//   - the program its command runs (found through PATH as the runtime
//     finds it), when the original's is there;
//   - each file or directory that an argument of the original's command
//     names (relative to its working directory) and that the rewrite's
//     command names too (relative to the rewrite's working directory);
//   - the application directory: the working directory that the
//     Dockerfile itself sets (WORKDIR) in the stage built, when it is not
//     "/" and holds something in the original; in the rewrite, its own
//     working directory when it differs (a rewrite that moves the
//     application says so by declaring WorkingDir, or the configuration
//     comparison fails).
//
// setsWorkdir tells whether the original Dockerfile sets the working
// directory itself (see StageSets); a working directory inherited from
// the base image is the base's, not the application's.
func ProgramFiles(before, after *oci.Tree, cb, ca oci.Config, setsWorkdir bool) []ProgramFile {
	var out []ProgramFile
	argvB, _ := ImageCommand(cb)
	argvA, _ := ImageCommand(ca)
	if len(argvB) > 0 && len(argvA) > 0 {
		pf := ProgramFile{What: "program", Name: argvA[0]}
		if p, ok := LookPath(before, cb, argvB[0]); ok {
			pf.Before = inDir(cb.WorkingDir, p)
		}
		if p, ok := LookPath(after, ca, argvA[0]); ok {
			pf.After = inDir(ca.WorkingDir, p)
		}
		pf.Missing = pf.Before != "" && pf.After == ""
		if pf.Before != "" || pf.After != "" {
			out = append(out, pf)
		}
		for _, arg := range argvB[1:] {
			if !looksLikeFile(arg) || !contains(argvA[1:], arg) {
				continue
			}
			pb := inDir(cb.WorkingDir, arg)
			if _, e := resolve(before, pb); e == nil || pb == "/" {
				continue
			}
			pf := ProgramFile{What: "argument", Name: arg, Before: pb}
			pa := inDir(ca.WorkingDir, arg)
			if _, e := resolve(after, pa); e != nil {
				pf.After = pa
			} else {
				pf.Missing = true
			}
			out = append(out, pf)
		}
	}
	if wd := path.Clean("/" + cb.WorkingDir); setsWorkdir && wd != "/" && nonEmptyDir(before, wd) {
		pf := ProgramFile{What: "application directory", Name: wd, Before: wd}
		wa := wd
		if ca.WorkingDir != "" && path.Clean(ca.WorkingDir) != wd {
			wa = path.Clean(ca.WorkingDir)
		}
		if nonEmptyDir(after, wa) {
			pf.After = wa
		} else {
			pf.Missing = true
		}
		out = append(out, pf)
	}
	return out
}

// looksLikeFile leaves out options and numbers ("-m", "8000").
func looksLikeFile(arg string) bool {
	return arg != "" && !strings.HasPrefix(arg, "-") && !numberRE.MatchString(arg) && !strings.ContainsAny(arg, "\n=")
}

var numberRE = lazyre.New(`^[0-9.:]+$`)

func nonEmptyDir(t *oci.Tree, p string) bool {
	rp, e := resolve(t, p)
	return e != nil && e.Type == oci.Dir && len(t.PathsUnder(rp)) > 0
}

// StageSets reports which configuration fields (and which keys of Env and
// Labels) the Dockerfile sets itself in the stage it builds (target, or
// the last stage) and in the stages of the file that stage derives from;
// everything else the image inherits from its base. It answers
// set(field, key) with the field names of ConfigFields and FieldAuthor.
func StageSets(doc *dockerfile.Document, target string) func(field, key string) bool {
	fields := map[string]bool{}
	keys := map[string]map[string]bool{FieldEnv: {}, FieldLabels: {}}
	var st *dockerfile.Stage
	for _, s := range doc.Stages {
		if target == "" || s.Name == strings.ToLower(target) {
			st = s
			if target != "" {
				break
			}
		}
	}
	for ; st != nil; st = st.Parent {
		for _, ins := range st.Instructions {
			switch ins.Cmd {
			case "env", "label":
				field := FieldEnv
				if ins.Cmd == "label" {
					field = FieldLabels
				}
				for i := 0; i+1 < len(ins.Args); i += 3 {
					keys[field][unquoteKey(ins.Args[i])] = true
				}
			case "entrypoint":
				fields[FieldEntrypoint] = true
				fields[FieldCmd] = true // ENTRYPOINT resets an inherited CMD
			case "cmd":
				fields[FieldCmd] = true
			case "user":
				fields[FieldUser] = true
			case "workdir":
				fields[FieldWorkingDir] = true
			case "expose":
				fields[FieldExposedPorts] = true
			case "volume":
				fields[FieldVolumes] = true
			case "healthcheck":
				fields[FieldHealthcheck] = true
			case "stopsignal":
				fields[FieldStopSignal] = true
			case "maintainer":
				fields[FieldAuthor] = true
			}
		}
	}
	return func(field, key string) bool {
		if m, ok := keys[field]; ok && key != "" {
			return m[key]
		}
		return fields[field]
	}
}

// unquoteKey removes the quotes of an ENV or LABEL key written "key".
func unquoteKey(k string) string {
	if len(k) >= 2 && (k[0] == '"' && k[len(k)-1] == '"' || k[0] == '\'' && k[len(k)-1] == '\'') {
		return k[1 : len(k)-1]
	}
	return k
}

// finalBase is what the stage built is FROM, through the stages of the
// file it derives from ("golang:1.22", "scratch").
func finalBase(doc *dockerfile.Document, target string) string {
	var st *dockerfile.Stage
	for _, s := range doc.Stages {
		if target == "" || s.Name == strings.ToLower(target) {
			st = s
		}
	}
	for st != nil && st.Parent != nil {
		st = st.Parent
	}
	if st == nil {
		return ""
	}
	return st.Base
}
