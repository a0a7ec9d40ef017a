package passes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
)

// RootUser reports a final stage whose container runs as root.
var RootUser = &analysis.Pass{
	Name:    "root-user",
	Summary: "report a final stage that runs as root",
	Tier:    analysis.Safe,
	Run:     runRootUser,
	Doc: `Without a USER instruction a container runs as root, the user of nearly every
base image. A process running as root inside the container is root on the
files it can reach, and a flaw in it or in the runtime turns into a much
worse escape. Create an unprivileged user and switch to it once the steps
that need root are done.

Before:
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask
    COPY . /app
    CMD ["python", "/app/main.py"]

Instead:
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask && useradd --system --uid 10001 app
    COPY . /app
    USER app
    CMD ["python", "/app/main.py"]

When the entrypoint itself needs root (to fix the ownership of a mounted
volume, say), let it do that first and then drop privileges with gosu or
su-exec, so that the long-running process is not root:

    #!/bin/sh
    set -e
    chown -R app:app /data
    exec gosu app "$@"

The pass looks at the stage the build produces (the last one, or the one
named by --target) and at the stages it is built on: one finding, at its
FROM when no USER is set, or at the USER when the last one is root (root, 0,
root:root, 0:0). Report only.

Not reported: Windows stages (a Windows image, a PowerShell or cmd SHELL,
or a backquote escape directive); stages built FROM scratch (there is no
user to switch to); stages that mention gosu, su-exec, setpriv or
s6-setuidgid (their entrypoint is taken to drop privileges); a USER given by
a variable; and, when no USER is set, images whose name says they run as
non-root (distroless :nonroot, *-nonroot, *unprivileged*, *rootless*) and
images whose name comes from a variable that cannot be resolved.`,
}

var dropsPrivilegesRE = regexp.MustCompile(`(?i)\b(gosu|su-exec|setpriv|s6-setuidgid)\b`)

func runRootUser(ctx *analysis.Context) []analysis.Finding {
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
			if len(ins.Shell) > 0 && !ins.POSIXShell() {
				return nil // PowerShell or cmd: a Windows image
			}
			switch ins.Cmd {
			case "run", "entrypoint", "cmd", "copy", "add":
				if dropsPrivilegesRE.MatchString(ins.Text) {
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
