package sudo

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
)

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		if !runs.MayHold(ins, "sudo") {
			continue // no command named sudo: its shell need not be read
		}
		p := runs.Read(ctx.Doc, ins)
		if p == nil {
			continue
		}
		for _, c := range shellparse.Commands(p.Prog) {
			if c.Name != "sudo" && !c.HasWrapper("sudo") {
				continue
			}
			i := sudoWord(c)
			if i < 0 || !sudoAsRoot(c, i) {
				continue
			}
			w := c.Call.Args[i]
			start, end := shellparse.Span(w)
			out = append(out, p.Finding(start, end,
				"sudo in RUN: RUN already runs as the USER in effect; use USER root for the steps that need it"))
		}
	}
	return out
}

// sudoWord is the index in c.Call.Args of the first sudo word, or -1.
func sudoWord(c *shellparse.Command) int {
	last := c.NameIdx
	if last < 0 {
		return -1
	}
	for i := 0; i <= last && i < len(c.Call.Args); i++ {
		if v, ok := shellparse.Lit(c.Call.Args[i]); ok && path.Base(v) == "sudo" {
			return i
		}
	}
	return -1
}

// sudoAsRoot reports whether the sudo at word i runs its command as root:
// no -u/--user option, or one naming root.
func sudoAsRoot(c *shellparse.Command, i int) bool {
	args := c.Call.Args
	user := ""
	for j := i + 1; j < len(args); j++ {
		v, ok := shellparse.Lit(args[j])
		if !ok || v == "--" || !strings.HasPrefix(v, "-") {
			break
		}
		next := func() string {
			if j+1 < len(args) {
				j++
				s, _ := shellparse.Lit(args[j])
				if s == "" {
					return "?"
				}
				return s
			}
			return ""
		}
		switch {
		case v == "--user":
			user = next()
		case strings.HasPrefix(v, "--user="):
			user = strings.TrimPrefix(v, "--user=")
		case strings.HasPrefix(v, "--"):
			switch strings.TrimPrefix(v, "--") {
			case "group", "host", "prompt", "role", "type", "chdir", "chroot", "close-from",
				"command-timeout", "login-class", "other-user", "auth-type":
				next()
			}
		default:
			for k := 1; k < len(v); k++ {
				if strings.IndexByte("aCcDghpRrTtUu", v[k]) < 0 {
					continue
				}
				val := v[k+1:]
				if val == "" {
					val = next()
				}
				if v[k] == 'u' {
					user = val
				}
				break
			}
		}
	}
	switch user {
	case "", "root", "0", "#0":
		return true
	}
	return false
}
