// Package stages answers questions about the state of a build stage at an
// instruction that several passes ask: the instructions that ran before it
// (in its stage and the stages it is built FROM), the working directory
// (workdir.go), the value of an environment variable, the user a RUN runs
// as with its home directory, the USER and ENTRYPOINT a stage ends with
// (config.go), what a FROM names once global ARGs are expanded and what a
// variable is in a build given no build arguments (args.go). A table of official images gives the configuration the file
// does not show (images.go). Questions asked at every instruction ("did
// anything before it mention X") are answered from facts computed once per
// stage (prefix.go), so that asking them over a whole file costs time
// linear in its length.
//
// Answers are three-valued where the file cannot tell: a base image that
// is not known may set any USER, HOME or environment, and such facts are
// reported as unknown rather than guessed.
package stages

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
)

// Before lists the instructions before ins in its stage and in the stages
// it derives from, oldest first, without the FROMs.
func Before(ins *dockerfile.Instruction) []*dockerfile.Instruction {
	var chain []*dockerfile.Stage
	for st := ins.Stage; st != nil; st = st.Parent {
		chain = append([]*dockerfile.Stage{st}, chain...)
	}
	var out []*dockerfile.Instruction
	for _, st := range chain {
		for _, other := range st.Instructions {
			if st == ins.Stage && other.Index >= ins.Index {
				break
			}
			if other.Cmd != "from" {
				out = append(out, other)
			}
		}
	}
	return out
}

// AnyBefore reports whether f holds for an instruction before ins in its
// stage, or in a stage it derives from.
func AnyBefore(ins *dockerfile.Instruction, f func(*dockerfile.Instruction) bool) bool {
	for st := ins.Stage; st != nil; st = st.Parent {
		for _, other := range st.Instructions {
			if st == ins.Stage && other.Index >= ins.Index {
				break
			}
			if f(other) {
				return true
			}
		}
	}
	return false
}

// RootImage is the image (as written) that the stage chain of st starts
// from: the base of the first stage that is not built FROM another stage.
func RootImage(st *dockerfile.Stage) string {
	for st.Parent != nil {
		st = st.Parent
	}
	return st.Base
}

// Descends reports whether stage s is anc or is built FROM it (directly or
// not).
func Descends(s, anc *dockerfile.Stage) bool {
	for ; s != nil; s = s.Parent {
		if s == anc {
			return true
		}
	}
	return false
}

// Value is what is known about an environment variable at an instruction.
type Value struct {
	// Set: the variable is set (by ENV or ARG in the file, or by a known
	// base image). When Set is false and Known is true, it is not set.
	Set bool
	// Known: the file (and the base image, when known) tells whether it is
	// set and, when Set, its value.
	Known bool
	// Value is the value when Set and Known.
	Value string
}

// plainValue reports whether a value means itself in a Dockerfile and in
// sh: ^[A-Za-z0-9._/@+,:=-]*$.
func plainValue(s string) bool { return dockerfile.Only(s, "._/@+,:=-") }

// EnvAt returns what is known about environment variable key when ins
// runs: the last ENV (or ARG, whose value a build argument may override)
// before it in the stage chain, else the root image's environment when the
// image is known.
func EnvAt(ins *dockerfile.Instruction, key string) Value {
	if ins.Stage == nil {
		return Value{}
	}
	if v, ok := stateAt(ins).env[key]; ok {
		return v
	}
	img, ok := Lookup(RootImage(ins.Stage))
	if !ok {
		return Value{}
	}
	if val, ok := img.Env[key]; ok {
		return Value{Set: true, Known: true, Value: val}
	}
	return Value{Known: true}
}

// state is what the instructions before one have set: computed once per
// instruction from the state before the previous one, so that asking at
// every instruction of a file costs time linear in its length.
type state struct {
	user    string // the user part of the last USER
	userSet bool
	env     map[string]Value  // ENV and ARG (shared between states until one changes)
	homes   map[string]string // users created by useradd/adduser: home ("" when not told)
	uids    map[string]string // users created by useradd/adduser with a numeric id given
	workdir string            // see WorkdirAt
}

// previous returns the instruction before ins in its stage chain (the
// last instruction of the stage it is built FROM, before its FROM), or nil.
func previous(ins *dockerfile.Instruction) *dockerfile.Instruction {
	st := ins.Stage
	i := ins.Index - st.Instructions[0].Index - 1
	for {
		for ; i >= 0; i-- {
			if other := st.Instructions[i]; other.Cmd != "from" {
				return other
			}
		}
		if st = st.Parent; st == nil {
			return nil
		}
		i = len(st.Instructions) - 1
	}
}

// stateAt returns the state before ins. The states before it that are
// not known yet are worked out from the first of them on, so that asking
// first at the end of a long stage does not recurse once per instruction.
func stateAt(ins *dockerfile.Instruction) *state {
	if s, ok := ins.CachedValue("stages.state"); ok {
		return s.(*state)
	}
	var todo []*dockerfile.Instruction
	for p := previous(ins); p != nil; p = previous(p) {
		if _, ok := p.CachedValue("stages.state"); ok {
			break
		}
		todo = append(todo, p)
	}
	for i := len(todo) - 1; i >= 0; i-- {
		stateFrom(todo[i])
	}
	return stateFrom(ins)
}

// stateFrom is stateAt for an instruction whose previous one's state is
// known (or that has none).
func stateFrom(ins *dockerfile.Instruction) *state {
	return ins.Cached("stages.state", func() any {
		prev := previous(ins)
		if prev == nil {
			return &state{workdir: initialWorkdir(ins.Stage)}
		}
		return stateFrom(prev).after(prev)
	}).(*state)
}

// after returns the state after instruction ins ran in state s.
func (s *state) after(ins *dockerfile.Instruction) *state {
	switch ins.Cmd {
	case "workdir":
		if wd := afterWorkdir(s.workdir, ins); wd != s.workdir {
			n := *s
			n.workdir = wd
			return &n
		}
	case "user":
		if len(ins.Args) > 0 {
			n := *s
			n.user, _, _ = strings.Cut(ins.Args[0], ":")
			n.userSet = true
			return &n
		}
	case "env":
		n := *s
		n.env = maps.Clone(s.env)
		if n.env == nil {
			n.env = map[string]Value{}
		}
		for i := 0; i+1 < len(ins.Args); i += 3 {
			val := ins.Args[i+1]
			if plainValue(val) {
				n.env[ins.Args[i]] = Value{Set: true, Known: true, Value: val}
			} else {
				n.env[ins.Args[i]] = Value{Set: true}
			}
		}
		return &n
	case "arg":
		n := *s
		n.env = maps.Clone(s.env)
		if n.env == nil {
			n.env = map[string]Value{}
		}
		for _, a := range ins.Args {
			name, _, _ := strings.Cut(a, "=")
			n.env[name] = Value{Set: true}
		}
		return &n
	case "run":
		if !mentions(ins, "useradd") && !mentions(ins, "adduser") {
			return s
		}
		busybox := imageFamily(RootImage(ins.Stage)) == "alpine"
		var n *state
		for _, c := range commands(ins) {
			if home, user, ok := parseUserAdd(c, busybox); ok {
				if n == nil {
					c := *s
					c.homes = maps.Clone(s.homes)
					if c.homes == nil {
						c.homes = map[string]string{}
					}
					c.uids = maps.Clone(s.uids)
					if c.uids == nil {
						c.uids = map[string]string{}
					}
					n = &c
				}
				n.homes[user] = home
				if uid := parseUID(c, busybox); uid != "" {
					n.uids[user] = uid
				} else {
					delete(n.uids, user)
				}
			}
		}
		if n != nil {
			return n
		}
	}
	return s
}

// Runs is three-valued: whether a RUN runs as root.
type Runs int

const (
	// Unknown: the file does not tell (a base image that is not known, or
	// a USER given by a variable).
	Unknown Runs = iota
	// AsRoot: as root.
	AsRoot
	// AsOther: as another user.
	AsOther
)

// User is the user an instruction runs as.
type User struct {
	// Name is the user part of the USER in effect ("" when the file sets
	// none), or the base image's default user when that is known.
	Name string
	Runs Runs
	// Home is HOME when the instruction runs, as an absolute path, or ""
	// when it is not known: ENV HOME, else the user's home directory
	// (/root for root, from useradd/adduser in the file or from what a
	// known base image has).
	Home string
}

// UserAt returns the user that ins runs as.
func UserAt(ins *dockerfile.Instruction) User {
	var u User
	if ins.Stage == nil {
		return u
	}
	st := stateAt(ins)
	u.Name = st.user
	img, known := Lookup(RootImage(ins.Stage))
	switch {
	case st.userSet && strings.ContainsAny(u.Name, "$\"'\\`"):
		u.Runs = Unknown
	case st.userSet && (u.Name == "root" || u.Name == "0"):
		u.Runs = AsRoot
	case st.userSet && u.Name != "":
		u.Runs = AsOther
	case known && img.User == "":
		u.Runs = AsRoot
	case known:
		u.Name = img.User
		u.Runs = AsOther
	}
	if home := EnvAt(ins, "HOME"); home.Set {
		if home.Known && strings.HasPrefix(home.Value, "/") {
			u.Home = home.Value
		}
		return u
	}
	switch u.Runs {
	case AsRoot:
		u.Home = "/root"
	case AsOther:
		if h, ok := st.homes[u.Name]; ok {
			u.Home = h
		} else if known {
			u.Home = img.Homes[u.Name]
		}
	}
	return u
}

// commands returns the commands of a RUN whose shell can be read (shell
// form or heredoc script), or nil.
func commands(ins *dockerfile.Instruction) []*shellparse.Command {
	if r := runs.Shell(ins); r != nil {
		return r.Commands()
	}
	return nil
}

// mentions reports whether the text of an instruction or of its heredocs
// contains s.
func mentions(ins *dockerfile.Instruction, s string) bool {
	if strings.Contains(ins.Text, s) {
		return true
	}
	for _, h := range ins.Heredocs() {
		if strings.Contains(h.Content, s) {
			return true
		}
	}
	return false
}

// parseUserAdd reads useradd and adduser command lines: the user created
// and its home directory ("" when it cannot be told). ok is false for
// other commands and for command lines it cannot read.
func parseUserAdd(c *shellparse.Command, busybox bool) (home, user string, ok bool) {
	// shortValued are the one-letter options that take a value (getopt:
	// attached, "-dDIR" or "-mdDIR", or in the next word).
	var valued, homeOpts, baseOpts []string
	var shortValued string
	switch c.Name {
	case "useradd":
		valued = []string{"--base-dir", "--comment", "--home-dir", "--expiredate",
			"--inactive", "--gid", "--groups", "--skel", "--key", "--password",
			"--shell", "--uid", "--root", "--prefix", "--selinux-user", "--selinux-range"}
		shortValued = useraddValued
		homeOpts = []string{"-d", "--home-dir"}
		baseOpts = []string{"-b", "--base-dir"}
	case "adduser":
		if busybox {
			// BusyBox's options, and Debian's long ones, which files
			// written for Debian pass to it too.
			shortValued = "hgsGuk"
			valued = []string{"--home", "--shell", "--uid", "--gid", "--ingroup", "--gecos", "--comment",
				"--firstuid", "--lastuid", "--firstgid", "--lastgid", "--conf", "--extrausers"}
			homeOpts = []string{"-h", "--home"}
		} else {
			valued = []string{"--home", "--shell", "--uid", "--gid", "--ingroup", "--gecos", "--comment",
				"--firstuid", "--lastuid", "--firstgid", "--lastgid", "--conf", "--extrausers"}
			homeOpts = []string{"--home"}
		}
	default:
		return "", "", false
	}
	system, chroot := false, false
	base := ""
	var operands []string
	set := func(opt, val string) {
		switch {
		case isOpt(homeOpts, opt):
			home = val
		case isOpt(baseOpts, opt):
			base = val
		case opt == "-R" || opt == "--root" || opt == "-P" || opt == "--prefix":
			chroot = true
		}
	}
	for i := 0; i < len(c.Args); i++ {
		if !c.Static[i] {
			return "", "", false
		}
		v := c.Lits[i]
		next := func() string {
			i++
			if i < len(c.Lits) {
				return c.Lits[i]
			}
			return ""
		}
		switch {
		case v == "--system" || v == "-r" || (busybox && v == "-S"):
			system = true
		case strings.HasPrefix(v, "--") && len(v) > 2:
			// getopt_long and Perl's Getopt::Long take an unambiguous
			// prefix of a long option ("--home" for --home-dir).
			opt, val, hasVal := strings.Cut(v, "=")
			full := ""
			for _, o := range valued {
				if strings.HasPrefix(o, opt) && (full == "" || o == opt) {
					full = o
				}
			}
			if full == "" {
				continue
			}
			if !hasVal {
				val = next()
			}
			set(full, val)
		case strings.HasPrefix(v, "-") && len(v) > 1:
			// A cluster of one-letter options; the first that takes a
			// value takes the rest of the word, or the next one.
			for j := 1; j < len(v); j++ {
				if !strings.ContainsRune(shortValued, rune(v[j])) {
					continue
				}
				val := v[j+1:]
				if val == "" {
					val = next()
				}
				set("-"+v[j:j+1], val)
				break
			}
		default:
			operands = append(operands, v)
		}
	}
	// useradd takes one operand, adduser one or two: more means an option
	// whose value was not known to be one, and the login cannot be told.
	if len(operands) == 0 || (c.Name == "useradd" && len(operands) > 1) || len(operands) > 2 {
		return "", "", false
	}
	// useradd takes the login last; adduser takes it first (a group may
	// follow).
	user = operands[len(operands)-1]
	if c.Name == "adduser" {
		user = operands[0]
	}
	switch {
	case chroot:
		// The home is made under another root directory.
		return "", user, true
	case home != "":
	case base != "":
		home = path.Join(base, user)
	case c.Name == "adduser" && system && !busybox:
		// Debian's adduser gives system users /nonexistent in recent
		// releases and /home/NAME in older ones.
		return "", user, true
	default:
		home = "/home/" + user
	}
	if !strings.HasPrefix(home, "/") || !plainValue(home) {
		return "", user, true
	}
	return home, user, true
}

func isOpt(opts []string, v string) bool {
	for _, o := range opts {
		if v == o {
			return true
		}
	}
	return false
}

// parseUID returns the numeric user id a useradd or adduser command line
// gives the user it creates, or "" when it gives none (the system then
// picks one) or it cannot be read.
func parseUID(c *shellparse.Command, busybox bool) string {
	opts := []string{"-u", "--uid"}
	if c.Name == "adduser" && !busybox {
		opts = []string{"--uid"}
	}
	uid := ""
	for i := 0; i < len(c.Args); i++ {
		if !c.Static[i] {
			return ""
		}
		v := c.Lits[i]
		opt, val, hasVal := strings.Cut(v, "=")
		switch {
		case isOpt(opts, opt) && hasVal:
			uid = val
		case isOpt(opts, v):
			if i+1 < len(c.Lits) && c.Static[i+1] {
				uid = c.Lits[i+1]
			}
			i++
		case len(v) > 2 && strings.HasPrefix(v, "-u") && isOpt(opts, "-u"):
			uid = v[2:]
		}
	}
	if !isNumeric(uid) {
		return ""
	}
	return uid
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// UID returns the numeric id of the user ins runs as when the file (or a
// known base image) tells it: "0" for root, a numeric USER, the id that
// useradd or adduser gave a user the file creates (-u, --uid), or the id a
// known image gives its user (node's node is 1000).
func UID(ins *dockerfile.Instruction) (string, bool) {
	u := UserAt(ins)
	switch u.Runs {
	case AsRoot:
		return "0", true
	case AsOther:
		if isNumeric(u.Name) {
			return u.Name, true
		}
		if uid, ok := stateAt(ins).uids[u.Name]; ok {
			return uid, true
		}
		if img, known := Lookup(RootImage(ins.Stage)); known {
			if uid, ok := img.UIDs[u.Name]; ok {
				return uid, true
			}
		}
	}
	return "", false
}

// Named returns the stage of doc that a --from= flag (or a FROM) names:
// by its name (in any case) or by its index; nil when it names an image.
func Named(doc *dockerfile.Document, name string) *dockerfile.Stage {
	lower := strings.ToLower(name)
	for _, st := range doc.Stages {
		if st.Name != "" && st.Name == lower {
			return st
		}
	}
	if isNumeric(name) {
		for _, st := range doc.Stages {
			if fmt.Sprint(st.Index) == name {
				return st
			}
		}
	}
	return nil
}

// CreatedUsers returns the users that useradd or adduser create in the
// RUNs of the stage and of the stages it derives from, sorted.
func CreatedUsers(st *dockerfile.Stage) []string {
	if st == nil || len(st.Instructions) == 0 {
		return nil
	}
	last := st.Instructions[len(st.Instructions)-1]
	return slices.Sorted(maps.Keys(stateAt(last).after(last).homes))
}

// CreatedUsersAt returns the users that useradd or adduser created in
// the RUNs before ins (through the stages its stage derives from), sorted.
func CreatedUsersAt(ins *dockerfile.Instruction) []string {
	if ins.Stage == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(stateAt(ins).homes))
}
