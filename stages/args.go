package stages

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/dockerfile"
)

// GlobalArgs returns the default values of the ARGs declared before the
// first FROM, unquoted; an ARG without a default is absent.
func GlobalArgs(doc *dockerfile.Document) map[string]string {
	out := map[string]string{}
	for _, ins := range doc.Instructions {
		if ins.Cmd == "from" {
			break
		}
		if ins.Cmd != "arg" {
			continue
		}
		for _, a := range ins.Args {
			name, val, ok := strings.Cut(a, "=")
			if !ok {
				delete(out, name)
				continue
			}
			out[name] = dockerfile.Unquote(val)
		}
	}
	return out
}

var argRefRE = lazyre.New(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expandGlobal replaces $NAME and ${NAME} in s by the defaults of global
// ARGs. It returns false when s uses anything else (${NAME:-x}, an ARG
// without a default, a default that itself holds a variable) or an escape.
func expandGlobal(s string, args map[string]string) (string, []string, bool) {
	if !strings.Contains(s, "$") {
		return s, nil, !strings.ContainsAny(s, "\\`")
	}
	ok := true
	var used []string
	out := argRefRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := argRefRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		v, found := args[name]
		if !found || strings.ContainsAny(v, "$\\`") {
			ok = false
			return ""
		}
		if !slices.Contains(used, name) {
			used = append(used, name)
		}
		return v
	})
	if !ok || strings.ContainsAny(out, "$\\`") {
		return "", nil, false
	}
	return out, used, true
}

// Base is what a stage is built FROM, with global ARGs expanded.
type Base struct {
	// Name is the image or stage, "" when it cannot be worked out.
	Name string
	// Args are the global ARGs that were expanded in it.
	Args []string
	// Parent is the earlier stage it names, if any.
	Parent *dockerfile.Stage
}

// ResolveBase works out what stage st is built from; globals are the
// file's GlobalArgs.
func ResolveBase(doc *dockerfile.Document, st *dockerfile.Stage, globals map[string]string) Base {
	if st.Parent != nil {
		return Base{Name: st.Base, Parent: st.Parent}
	}
	name, used, ok := expandGlobal(st.Base, globals)
	if !ok || name == "" {
		return Base{}
	}
	b := Base{Name: name, Args: used}
	if len(used) > 0 {
		for _, other := range doc.Stages {
			if other.Index >= st.Index {
				break
			}
			if other.Name != "" && other.Name == strings.ToLower(name) {
				b.Parent = other
			}
		}
	}
	return b
}

// varRefRE finds a variable in a Dockerfile word: $NAME, ${NAME},
// ${NAME:-WORD}, ${NAME-WORD} (name in 1 or 4, the operator in 2 and the
// word in 3).
var varRefRE = lazyre.New(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}$]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// DefaultAt returns the value that variable name has when ins runs in a
// build given no build arguments, when the file tells it: the last ENV
// before ins in its stage chain that sets it, or the default of an ARG of
// ins's stage that declares it after that ENV (an ARG without a default
// takes the global ARG's, globals being the file's GlobalArgs), else the
// root image's environment when the table of images lists it. ok is false
// when the value is not known: an ARG with neither a default nor a global
// one, a value holding a variable DefaultAt cannot expand, a variable
// that the file does not set (the base image may).
func DefaultAt(ins *dockerfile.Instruction, name string, globals map[string]string) (string, bool) {
	return defaultAt(ins, name, globals, 0)
}

func defaultAt(ins *dockerfile.Instruction, name string, globals map[string]string, depth int) (string, bool) {
	if ins.Stage == nil || depth > 8 {
		return "", false
	}
	before := Before(ins)
	for i := len(before) - 1; i >= 0; i-- {
		other := before[i]
		switch other.Cmd {
		case "env":
			for j := 0; j+1 < len(other.Args); j += 3 {
				if other.Args[j] == name {
					return expandDefaults(other, dockerfile.Unquote(other.Args[j+1]), globals, depth+1)
				}
			}
		case "arg":
			if other.Stage != ins.Stage {
				continue // an ARG is seen in its own stage only
			}
			for j := len(other.Args) - 1; j >= 0; j-- {
				n, v, hasDefault := strings.Cut(other.Args[j], "=")
				if n != name {
					continue
				}
				if !hasDefault {
					v, hasDefault = globals[name]
				}
				if !hasDefault {
					return "", false
				}
				return expandDefaults(other, dockerfile.Unquote(v), globals, depth+1)
			}
		}
	}
	// The table of images holds only some of their variables: one it
	// does not list may be set.
	img, _ := Lookup(RootImage(ins.Stage))
	v, ok := img.Env[name]
	return v, ok
}

// ExpandDefaults expands the variables in the word s of instruction ins
// ($NAME, ${NAME}, ${NAME:-WORD}, ${NAME-WORD}) to their values in a build
// given no build arguments (see DefaultAt). ok is false when one is not
// known, or s holds another expansion or an escape.
func ExpandDefaults(ins *dockerfile.Instruction, s string, globals map[string]string) (string, bool) {
	return expandDefaults(ins, s, globals, 0)
}

func expandDefaults(ins *dockerfile.Instruction, s string, globals map[string]string, depth int) (string, bool) {
	if strings.ContainsAny(s, "\\`") {
		return "", false
	}
	if !strings.Contains(s, "$") {
		return s, true
	}
	ok := true
	out := varRefRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := varRefRE.FindStringSubmatch(m)
		name := sub[1] + sub[4]
		v, known := defaultAt(ins, name, globals, depth)
		if !known {
			ok = false
			return ""
		}
		// Set to a value (":-") or set at all ("-"): empty is unset here,
		// as DefaultAt does not tell them apart.
		if sub[2] != "" && v == "" {
			return sub[3]
		}
		return v
	})
	if !ok || strings.Contains(out, "$") {
		return "", false
	}
	return out, true
}
