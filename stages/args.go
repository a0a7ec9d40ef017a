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
