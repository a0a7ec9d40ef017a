package secretinenv

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
)

var (
	secretWords   = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "AUTH", "APIKEY", "CREDENTIALS", "CREDENTIAL"}
	secretPairs   = [][2]string{{"API", "KEY"}, {"PRIVATE", "KEY"}, {"ACCESS", "KEY"}}
	secretSuffix  = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "AUTH", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "CREDENTIALS"}
	secretTrailer = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"KEY": true, "BASE": true, "VALUE": true}
	}}
	urlPasswordRE = lazyre.New(`(?i)^[a-z][a-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@`)
)

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	seen := map[string]bool{}
	for _, ins := range ctx.Doc.Instructions {
		cmd := ins.Cmd
		if cmd == "onbuild" {
			cmd = ins.Onbuild()
		}
		for _, kv := range settings(cmd, ins) {
			name, value, hasValue := kv.name, dockerfile.Unquote(kv.value), kv.hasValue
			key := cmd + " " + name
			if seen[key] {
				continue
			}
			var msg string
			switch {
			// Looking for "://" and "@" first spares most values, and
			// most runs, the expression (compiled on first use).
			case strings.Contains(value, "://") && strings.Contains(value, "@") && urlPasswordRE.MatchString(value):
				msg = fmt.Sprintf("%s %s holds a URL with a password", strings.ToUpper(cmd), name)
			case secretName(name) && !harmlessValue(cmd, value, hasValue):
				msg = fmt.Sprintf("%s %s looks like a secret", strings.ToUpper(cmd), name)
			default:
				continue
			}
			seen[key] = true
			if cmd == "env" {
				msg += ": ENV values stay in the image config; use RUN --mount=type=secret"
			} else {
				msg += ": build args show in docker history; use RUN --mount=type=secret"
			}
			out = append(out, analysis.InstructionFinding(ins, msg))
		}
	}
	return out
}

type setting struct {
	name, value string
	hasValue    bool
}

// settings returns the names an ARG or ENV instruction sets.
func settings(cmd string, ins *dockerfile.Instruction) []setting {
	var out []setting
	switch cmd {
	case "env":
		for i := 0; i+1 < len(ins.Args); i += 3 {
			out = append(out, setting{ins.Args[i], ins.Args[i+1], true})
		}
	case "arg":
		for _, a := range ins.Args {
			name, value, ok := strings.Cut(a, "=")
			out = append(out, setting{name, value, ok})
		}
	}
	return out
}

// harmlessValue reports a value that cannot be a secret.
func harmlessValue(cmd, value string, hasValue bool) bool {
	if !hasValue {
		return false // an ARG given with --build-arg
	}
	switch strings.ToLower(value) {
	case "":
		return cmd == "env"
	case "true", "false", "yes", "no", "on", "off", "y", "n", "0", "1":
		return true
	}
	return strings.HasPrefix(value, "/") && !strings.ContainsAny(value, " \t")
}

// secretName reports whether a variable name looks like it holds a secret.
func secretName(name string) bool {
	words := nameWords(name)
	for i := range words {
		n := 0
		switch {
		case contains(secretWords, words[i]):
			n = 1
		case i+1 < len(words) && containsPair(words[i], words[i+1]):
			n = 2
		case i == len(words)-1 && hasSuffixIn(words[i]):
			n = 1
		default:
			continue
		}
		rest := words[i+n:]
		trailing := true
		for _, w := range rest {
			if !secretTrailer.Get()[w] {
				trailing = false
			}
		}
		if trailing {
			return true
		}
	}
	return false
}

// nameWords splits a name into upper-case words (shellparse.NameWords:
// apiKey is API KEY).
func nameWords(name string) []string {
	words := shellparse.NameWords(name)
	for i, w := range words {
		words[i] = strings.ToUpper(w)
	}
	return words
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPair(a, b string) bool {
	for _, p := range secretPairs {
		if p[0] == a && p[1] == b {
			return true
		}
	}
	return false
}

func hasSuffixIn(w string) bool {
	for _, s := range secretSuffix {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}
