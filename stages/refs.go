package stages

import (
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/runs"
)

// Ref is an instruction that reads files of another stage: COPY --from and
// RUN --mount=...,from=.
type Ref struct {
	Ins *dockerfile.Instruction
	// Stage is the stage read, nil when the instruction names it with a
	// variable (it may then be any stage).
	Stage *dockerfile.Stage
	// Paths are the paths read in that stage, absolute and clean (globs
	// as written); for a source with a variable, the directory it lies
	// in (see SourceDir); "/" when all of it may be read (a mount without
	// a source).
	Paths []string
	// Sources are the sources as written, one for each of Paths ("" for
	// a mount without a source).
	Sources []string
}

// RefsTo returns the instructions of the file (ONBUILD triggers aside) that
// read files of stage st or of a stage built FROM it, and those that name
// a stage with a variable.
func RefsTo(doc *dockerfile.Document, st *dockerfile.Stage) []Ref {
	var out []Ref
	for _, ins := range doc.Instructions {
		for _, r := range refsOf(doc, ins) {
			if r.Stage == nil || Descends(r.Stage, st) {
				out = append(out, r)
			}
		}
	}
	return out
}

// stageNamed resolves a --from value to a stage of the file: a name, or an
// index. ok is false for an image reference; st is nil, with ok true, for
// a value with a variable.
func stageNamed(doc *dockerfile.Document, ins *dockerfile.Instruction, name string) (st *dockerfile.Stage, ok bool) {
	if strings.ContainsAny(name, "$") {
		return nil, true
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 0 && n < len(doc.Stages) && (ins.Stage == nil || n < ins.Stage.Index) {
			return doc.Stages[n], true
		}
		return nil, false
	}
	name = strings.ToLower(name)
	for _, s := range doc.Stages {
		if ins.Stage != nil && s.Index >= ins.Stage.Index {
			break
		}
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

func refsOf(doc *dockerfile.Document, ins *dockerfile.Instruction) []Ref {
	switch ins.Cmd {
	case "copy", "add":
		from := ""
		for _, f := range ins.Flags {
			if v, ok := strings.CutPrefix(f, "--from="); ok {
				from = v
			}
		}
		if from == "" || len(ins.Args) < 2 {
			return nil
		}
		st, ok := stageNamed(doc, ins, from)
		if !ok {
			return nil
		}
		r := Ref{Ins: ins, Stage: st}
		for _, src := range ins.Args[:len(ins.Args)-1] {
			r.Paths = append(r.Paths, SourceDir(doc, ins, src))
			r.Sources = append(r.Sources, src)
		}
		return []Ref{r}
	case "run":
		var out []Ref
		for _, m := range runs.Mounts(ins) {
			from, ok := m.Get("from")
			if !ok {
				continue
			}
			st, ok := stageNamed(doc, ins, from)
			if !ok {
				continue
			}
			src, _ := m.Get("source", "src")
			out = append(out, Ref{Ins: ins, Stage: st, Paths: []string{SourceDir(doc, ins, src)}, Sources: []string{src}})
		}
		return out
	}
	return nil
}

// pathDynamic are the characters from which the text of a path in an
// instruction is not what it names: variables, quotes and escapes (\, or
// ` under the escape directive).
const pathDynamic = "$\"'\\`"

// SourceDir is the path in the source stage that the --from source src of
// ins (COPY --from, RUN --mount=from=) names, absolute and clean: relative
// sources start at its root. For a source with a variable, a quote or an
// escape it is the directory that whatever the source names lies in: the
// static part up to the last / before the first of them ("/src" for
// /src/app-$TARGETARCH), or "/" when that is in the first component
// ($DIR/app, app-$ARCH), when the rest climbs with .. (/src/$X/../..,
// ${X:-..}), when a component is made of variables and dots alone
// (${D}${D}), or when an ARG or ENV of the file that names a variable of
// the source holds ".." (a default, a value), itself or through the
// variables its value names (ARG X=$A/root with ARG A=..). A build
// argument given on the command line is taken not to hold "..".
func SourceDir(doc *dockerfile.Document, ins *dockerfile.Instruction, src string) string {
	i := strings.IndexAny(src, pathDynamic)
	if i < 0 {
		return path.Clean("/" + src)
	}
	j := strings.LastIndexByte(src[:i], '/')
	if j < 0 || mayClimb(doc, ins, src[i:], 0) {
		return "/"
	}
	return path.Clean("/" + src[:j])
}

// anyRefRE finds a variable reference of any form in a Dockerfile word.
var anyRefRE = lazyre.New(`\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)

// mayClimb reports whether the word w of a path, as ins expands it, may
// hold "..": it does as written (${X:-..}), a component of it is made of
// variables and dots alone (${D}${D}, $D. with D=.), or an ARG or ENV
// before ins (in its stage chain, or a global ARG) that names one of its
// variables holds "..", or a value made from other variables that may
// (ARG X=$A/root with ARG A=..).
func mayClimb(doc *dockerfile.Document, ins *dockerfile.Instruction, w string, depth int) bool {
	if strings.Contains(w, "..") || depth > 4 {
		return true
	}
	for _, comp := range strings.Split(w, "/") {
		if rest := anyRefRE.ReplaceAllString(comp, ""); strings.Trim(rest, ".") == "" && len(anyRefRE.FindAllString(comp, -1))+len(rest) > 1 {
			return true
		}
	}
	for _, m := range argRefRE.FindAllStringSubmatch(w, -1) {
		name := m[1] + m[2]
		climbs := func(other *dockerfile.Instruction) bool {
			if other.Cmd != "arg" && other.Cmd != "env" || !strings.Contains(other.Text, name) {
				return false
			}
			if strings.Contains(other.Text, "..") {
				return true
			}
			v := definedValue(other, name)
			return strings.Contains(v, "$") && mayClimb(doc, other, v, depth+1)
		}
		for _, other := range doc.Instructions {
			if other.Cmd == "from" {
				break
			}
			if climbs(other) {
				return true
			}
		}
		for st := ins.Stage; st != nil; st = st.Parent {
			for _, other := range st.Instructions {
				if other.Index < ins.Index && climbs(other) {
					return true
				}
			}
		}
	}
	return false
}

// RefsOf returns what the instruction ins reads of other stages (COPY
// --from a stage, RUN --mount from one); Stage is nil when a variable names
// it.
func RefsOf(doc *dockerfile.Document, ins *dockerfile.Instruction) []Ref {
	return refsOf(doc, ins)
}

// Reads reports whether the instruction of r may read the image path p of
// the stage it reads (or what p holds): a path it takes is p, a directory
// above p or something below it (globs as COPY matches them). p is
// absolute, or "~/REL" for a path below a home directory that is not
// known: it is then read by a path that ends in a leading part of REL
// (/root/.npm for ~/.npm/_cacache) or by a directory that holds home
// directories (/, /root, /home, /home/NAME).
func (r Ref) Reads(p string) bool {
	p = path.Clean(strings.TrimSuffix(p, "/*"))
	rel, inHome := strings.CutPrefix(p, "~/")
	for _, q := range r.Paths {
		if !inHome {
			if q == "/" || PathsOverlap(q, p) {
				return true
			}
			continue
		}
		if q == "/" || q == "/root" || q == "/home" || strings.HasPrefix(q, "/home/") && strings.Count(q, "/") == 2 {
			return true
		}
		parts := strings.Split(rel, "/")
		for i := 1; i <= len(parts); i++ {
			lead := "/" + strings.Join(parts[:i], "/")
			if strings.HasSuffix(q, lead) || strings.Contains(q, lead+"/") {
				return true
			}
		}
	}
	return false
}

// definedValue returns the value that the ARG or ENV ins gives the
// variable name as written ("" when it gives none).
func definedValue(ins *dockerfile.Instruction, name string) string {
	if ins.Cmd == "arg" {
		for _, a := range ins.Args {
			if n, v, ok := strings.Cut(a, "="); ok && n == name {
				return v
			}
		}
		return ""
	}
	for i := 0; i+1 < len(ins.Args); i += 3 { // name, value, separator
		if ins.Args[i] == name {
			return ins.Args[i+1]
		}
	}
	return ""
}
