package rootuser

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/stages"
)

var dropsPrivilegesRE = lazyre.New(`(?i)\b(gosu|su-exec|setpriv|s6-setuidgid)\b`)

// dropsPrivilegesWords are the programs dropsPrivilegesRE looks for.
var dropsPrivilegesWords = []string{"gosu", "su-exec", "setpriv", "s6-setuidgid"}

// mayDropPrivileges is a quick test before dropsPrivilegesRE: false when
// an ASCII text holds none of the words in any case, so that the regexp
// runs on the few instructions that might match. A text with other bytes
// goes to the regexp, whose case folding knows more than ASCII.
func mayDropPrivileges(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, w := range dropsPrivilegesWords {
		if containsFoldASCII(s, w) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether s holds w, a lower-case ASCII word, in
// any case.
func containsFoldASCII(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && s[i+j]|0x20 == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	target := ctx.TargetStage()
	if target == nil || target.Windows() {
		return nil
	}
	globals := stages.GlobalArgs(doc)
	// The stages the target is built on, the target first, and the image at
	// the root of that chain.
	var chain []*dockerfile.Stage
	var image stages.Base
	seen := map[*dockerfile.Stage]bool{}
	for st := target; st != nil && !seen[st]; {
		seen[st] = true
		chain = append(chain, st)
		rb := stages.ResolveBase(doc, st, globals)
		if rb.Parent == nil {
			image = rb
			break
		}
		st = rb.Parent
	}
	if esc, _ := doc.Directive("escape"); esc == "`" {
		return nil // the escape character of Windows Dockerfiles
	}
	var user *dockerfile.Instruction
	for _, st := range chain {
		for _, ins := range st.Instructions {
			if len(ins.Shell()) > 0 && !ins.POSIXShell() {
				return nil // PowerShell or cmd: a Windows image
			}
			switch ins.Cmd {
			case "run", "entrypoint", "cmd", "copy", "add":
				if mayDropPrivileges(ins.Text) && dropsPrivilegesRE.MatchString(ins.Text) {
					return nil
				}
			}
		}
	}
	for _, st := range chain {
		for _, ins := range st.Instructions {
			if ins.Cmd == "user" && len(ins.Args) > 0 {
				user = ins
			}
		}
		if user != nil {
			break
		}
	}
	base := strings.ToLower(image.Name)
	if base == "scratch" {
		return nil // no shell, no users: nothing to switch to
	}
	what := "the final stage"
	if ctx.Target != "" {
		what = fmt.Sprintf("target stage %q", target.Name)
	}
	if user != nil {
		u, _, _ := strings.Cut(dockerfile.Unquote(user.Args[0]), ":")
		if u != "root" && u != "0" {
			return nil
		}
		return []analysis.Finding{analysis.InstructionFinding(user,
			fmt.Sprintf("%s runs as root (USER %s): switch to a non-root USER after the steps that need root", what, user.Args[0]))}
	}
	if base == "" || windowsImage(base) || nonRootImage(base) {
		return nil
	}
	return []analysis.Finding{analysis.InstructionFinding(target.From,
		fmt.Sprintf("%s runs as root (no USER): add a non-root USER, or drop privileges in the entrypoint", what))}
}

// nonRootImage reports whether an image's name says that it runs as a user
// other than root.
func nonRootImage(name string) bool {
	for _, s := range []string{"nonroot", "non-root", "unprivileged", "rootless"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

func windowsImage(name string) bool {
	for _, w := range []string{"windows", "nanoserver", "servercore", "dotnet/framework"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
