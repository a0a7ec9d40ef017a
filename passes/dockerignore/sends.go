package dockerignore

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/stages"
)

// Relations between a source and a context path.
const (
	notSent          = iota // the source does not send the path
	sentIncidentally        // it sends the path as part of a directory or a bare *
	sentByName              // it names the path (or something below it)
)

// send is a source of the build context that an instruction uses.
type send struct {
	ins    *dockerfile.Instruction
	comps  []string // the cleaned source, split; nil for the whole context
	glob   bool
	opaque bool   // variable, quotes or ONBUILD: comps is the literal prefix
	dest   string // where the source's contents go ("" unknown)
	bind   bool   // RUN --mount=type=bind
}

func (s *send) relation(pc []string) int {
	if s.opaque {
		n := min(len(s.comps), len(pc))
		for i := 0; i < n; i++ {
			if s.comps[i] != pc[i] {
				return notSent
			}
		}
		return sentByName
	}
	n := min(len(s.comps), len(pc))
	for i := 0; i < n; i++ {
		if ok, _ := path.Match(s.comps[i], pc[i]); !ok {
			return notSent
		}
	}
	if len(s.comps) < len(pc) {
		return sentIncidentally
	}
	if c := s.comps[len(pc)-1]; s.glob && (c == "*" || c == "**") {
		return sentIncidentally
	}
	return sentByName
}

// landing is where the context path pc ends up in the image ("" unknown).
func (s *send) landing(pc []string) string {
	if s.opaque || s.glob || s.dest == "" || len(pc) < len(s.comps) {
		return ""
	}
	return path.Join(append([]string{s.dest}, pc[len(s.comps):]...)...)
}

func newSend(ins *dockerfile.Instruction, src, dest string) *send {
	s := &send{ins: ins, dest: dest}
	clean := buildcontext.Clean(src)
	var comps []string
	if clean != "" {
		comps = strings.Split(clean, "/")
	}
	if strings.ContainsAny(src, "$\"'`\\") {
		s.opaque = true
		for _, c := range comps {
			if strings.ContainsAny(c, "$\"'`\\*?[") {
				break
			}
			s.comps = append(s.comps, c)
		}
		return s
	}
	s.comps = comps
	for _, c := range comps {
		if strings.ContainsAny(c, "*?[") {
			s.glob = true
		}
	}
	return s
}

// destOf resolves a destination or mount target ("" when unknown).
func destOf(ins *dockerfile.Instruction, d string) string {
	if d == "" || strings.ContainsAny(d, "$\"'`\\") {
		return ""
	}
	return stages.JoinDir(stages.WorkdirAt(ins), d)
}

func flagValue(flags []string, name string) (string, bool) {
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v, true
		}
		if f == "--"+name {
			return "", true
		}
	}
	return "", false
}

// build is what the pass knows about one Dockerfile.
type build struct {
	doc   *dockerfile.Document
	sends []*send
	users map[*dockerfile.Stage][]*dockerfile.Stage // stages that take files from a stage
	text  string                                    // every instruction's text, for mentions
}

func analyze(doc *dockerfile.Document) *build {
	a := &build{doc: doc, users: map[*dockerfile.Stage][]*dockerfile.Stage{}}
	var text strings.Builder
	for _, ins := range doc.Instructions {
		text.WriteString(ins.Text)
		text.WriteByte('\n')
		for _, h := range ins.Heredocs() {
			text.WriteString(h.Content)
			text.WriteByte('\n')
		}
		cmd, onbuild := ins.Cmd, false
		if cmd == "onbuild" {
			cmd, onbuild = ins.Onbuild(), true
		}
		switch cmd {
		case "copy", "add":
			if len(ins.Args) < 2 {
				continue
			}
			if _, ok := flagValue(ins.Flags, "from"); ok {
				continue
			}
			dest := ""
			if _, parents := flagValue(ins.Flags, "parents"); !parents && !onbuild && ins.Stage != nil {
				dest = destOf(ins, ins.Args[len(ins.Args)-1])
			}
			for _, src := range ins.Args[:len(ins.Args)-1] {
				if len(ins.Heredocs()) > 0 && strings.HasPrefix(src, "<<") {
					continue
				}
				if cmd == "add" && (dockerfile.IsHTTPURL(src) || dockerfile.IsGitSource(src, false)) {
					continue
				}
				s := newSend(ins, src, dest)
				if onbuild {
					s.opaque = true
				}
				a.sends = append(a.sends, s)
			}
		case "run":
			if onbuild || ins.Stage == nil {
				continue
			}
			for _, m := range runs.Mounts(ins) {
				typ, src, target, from := "bind", ".", "", ""
				for _, o := range m {
					switch strings.TrimSpace(o.Key) {
					case "type":
						typ = o.Value
					case "source", "src":
						src = o.Value
					case "target", "dst", "destination":
						target = o.Value
					case "from":
						from = o.Value
					}
				}
				if typ != "bind" || from != "" {
					continue
				}
				s := newSend(ins, src, destOf(ins, target))
				s.bind = true
				a.sends = append(a.sends, s)
			}
		}
	}
	a.text = text.String()
	a.findUsers()
	return a
}

// findUsers records which stages take files from which: a stage built on
// another, COPY --from and RUN --mount from=. A reference that cannot be
// resolved counts as using every earlier stage.
func (a *build) findUsers() {
	stages := a.doc.Stages
	byRef := func(t *dockerfile.Stage, ref string) []*dockerfile.Stage {
		if strings.Contains(ref, "$") {
			return stages[:t.Index]
		}
		for _, s := range stages[:t.Index] {
			if s.Name != "" && s.Name == strings.ToLower(ref) || fmt.Sprint(s.Index) == ref {
				return []*dockerfile.Stage{s}
			}
		}
		return nil
	}
	add := func(from []*dockerfile.Stage, t *dockerfile.Stage) {
		for _, s := range from {
			a.users[s] = append(a.users[s], t)
		}
	}
	for _, t := range stages {
		if t.Parent != nil {
			add([]*dockerfile.Stage{t.Parent}, t)
		} else if strings.Contains(t.Base, "$") {
			add(stages[:t.Index], t)
		}
		for _, ins := range t.Instructions {
			if ins.Cmd == "copy" || ins.Cmd == "add" {
				if ref, ok := flagValue(ins.Flags, "from"); ok {
					add(byRef(t, ref), t)
				}
			}
			if ins.Cmd == "run" {
				for _, f := range ins.Flags {
					if v, ok := strings.CutPrefix(f, "--mount="); ok {
						for _, kv := range strings.Split(v, ",") {
							if ref, ok := strings.CutPrefix(kv, "from="); ok {
								add(byRef(t, ref), t)
							}
						}
					}
				}
			}
		}
	}
}

// later returns the instructions that can see what a send brought: the rest
// of its stage (the RUN itself for a bind mount) and every stage that takes
// files from it, directly or not.
func (a *build) later(s *send) []*dockerfile.Instruction {
	st := s.ins.Stage
	if st == nil {
		return nil
	}
	var out []*dockerfile.Instruction
	for _, o := range st.Instructions {
		if o.Index > s.ins.Index || (s.bind && o == s.ins) {
			out = append(out, o)
		}
	}
	seen := map[*dockerfile.Stage]bool{st: true}
	queue := []*dockerfile.Stage{st}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, t := range a.users[cur] {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
				out = append(out, t.Instructions...)
			}
		}
	}
	return out
}
