package shellparse

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Subcommand returns the first argument that is not an option ("install"
// in `apt-get -y install x`) and its index in Args, skipping the values of
// the options in valueOpts, which take the next word. It returns "" and -1
// when there is none, or when an argument before it is not static.
func (c *Command) Subcommand(valueOpts ...string) (string, int) {
	for i := 0; i < len(c.Args); i++ {
		v := c.Lits[i]
		if !c.Static[i] {
			return "", -1
		}
		if strings.HasPrefix(v, "-") {
			if slices.Contains(valueOpts, v) {
				i++
			}
			continue
		}
		return v, i
	}
	return "", -1
}

// HasArg reports whether a static argument satisfies pred.
func (c *Command) HasArg(pred func(string) bool) bool {
	for i, v := range c.Lits {
		if c.Static[i] && pred(v) {
			return true
		}
	}
	return false
}

// HasArgSeq reports whether consecutive arguments are the static words
// given, in order.
func (c *Command) HasArgSeq(words ...string) bool {
	for i := 0; i+len(words) <= len(c.Lits); i++ {
		if slices.Equal(c.Lits[i:i+len(words)], words) {
			return true
		}
	}
	return false
}

// ArgIs returns a predicate for HasArg: the argument is one of names, or
// NAME=VALUE for one of them.
func ArgIs(names ...string) func(string) bool {
	return func(v string) bool {
		for _, n := range names {
			if v == n || strings.HasPrefix(v, n+"=") {
				return true
			}
		}
		return false
	}
}

// LiteralWords returns the values of words that are plain literals: no
// expansions, globs, tildes or brace expansions (single and double quotes
// and backslash escapes are fine). ok is false when one word is not.
func LiteralWords(words []*syntax.Word) (values []string, ok bool) {
	var out []string
	for _, w := range words {
		for _, part := range w.Parts {
			switch p := part.(type) {
			case *syntax.Lit:
				if strings.ContainsAny(p.Value, "*?[]{}~") {
					return nil, false
				}
			case *syntax.SglQuoted:
				if p.Dollar {
					return nil, false
				}
			case *syntax.DblQuoted:
				for _, in := range p.Parts {
					if _, ok := in.(*syntax.Lit); !ok {
						return nil, false
					}
				}
			default:
				return nil, false
			}
		}
		v, ok := Lit(w)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// Operands returns the indexes in c.Lits of the command's arguments that
// are not options: words that do not start with "-" (a lone "-" is an
// operand), words that are not static, and every word after "--".
func Operands(c *Command) []int {
	var out []int
	dash := false
	for i, v := range c.Lits {
		switch {
		case dash || !c.Static[i]:
			out = append(out, i)
		case v == "--":
			dash = true
		case strings.HasPrefix(v, "-") && v != "-":
		default:
			out = append(out, i)
		}
	}
	return out
}
