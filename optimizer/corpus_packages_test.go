package optimizer_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/shellparse"
)

// pkgInstall is one package named by an install command of a RUN.
type pkgInstall struct {
	pkg    string
	family baseimage.Family // of the package manager that installs it
	ins    *dockerfile.Instruction
	cmd    *shellparse.Command
	index  int // of cmd among the RUN's commands
	cmds   []*shellparse.Command
}

// installs lists the packages the stage's RUNs install with apt-get/apt
// install and apk add, read independently of the passes: the words after
// the subcommand that are not options (and not option values).
func installs(st *dockerfile.Stage) []pkgInstall {
	var out []pkgInstall
	for _, ins := range st.Instructions {
		if ins.Cmd != "run" || ins.JSON || len(ins.Heredocs()) > 0 || !ins.POSIXShell() {
			continue
		}
		text, _ := ins.ShellArgs()
		prog, err := shellparse.Parse(strings.TrimSpace(text))
		if err != nil {
			continue
		}
		cmds := shellparse.Commands(prog)
		for i, c := range cmds {
			var family baseimage.Family
			var sub string
			var valueOpts []string
			switch c.Name {
			case "apt-get", "apt":
				family, sub, valueOpts = baseimage.Debian, "install", []string{"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release"}
			case "apk":
				family, sub, valueOpts = baseimage.Alpine, "add", []string{"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch", "--cache-dir"}
			default:
				continue
			}
			seen := false
			for j := 0; j < len(c.Lits); j++ {
				v := c.Lits[j]
				switch {
				case !c.Static[j]:
				case strings.HasPrefix(v, "-"):
					if slices.Contains(valueOpts, v) {
						j++
					}
				case !seen:
					if v != sub {
						j = len(c.Lits)
					}
					seen = true
				default:
					out = append(out, pkgInstall{pkg: v, family: family, ins: ins, cmd: c, index: i, cmds: cmds})
				}
			}
		}
	}
	return out
}

func countPkgs(list []pkgInstall) map[string]int {
	m := map[string]int{}
	for _, p := range list {
		m[p.pkg]++
	}
	return m
}

// removes reports a command that can remove installed packages.
func removes(c *shellparse.Command) bool {
	switch c.Name {
	case "apt-mark", "aptitude":
		return true
	case "apt-get", "apt":
		return slices.ContainsFunc(c.Lits, func(v string) bool {
			return v == "purge" || v == "remove" || v == "autoremove" || v == "autopurge" || v == "--auto-remove"
		})
	case "dpkg":
		return slices.ContainsFunc(c.Lits, func(v string) bool {
			return v == "-r" || v == "-P" || v == "--remove" || v == "--purge"
		})
	case "apk":
		return slices.Contains(c.Lits, "del")
	}
	return false
}

// Every package the aggressive tier adds to a real Dockerfile comes from a
// base whose family and release the base-image facts resolve and whose
// repositories have it, is installed by an install that runs, outside an
// apk --virtual group, and nothing after it in the stage removes packages.
func TestCorpusAggressiveInstalls(t *testing.T) {
	files := corpus(t)
	added, declined := 0, 0
	for _, f := range files {
		// multi-stage adds a final stage, whose installs
		// TestCorpusMultiStage checks; the stages here are compared one
		// to one.
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name, Level: optimizer.TierAggressive,
			Disable: []string{"multi-stage"}})
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		for _, fd := range res.Findings {
			if fd.Pass == "tini" && !fd.Fixed && strings.Contains(fd.Message, "not adding") {
				declined++
			}
		}
		in, err := dockerfile.Parse(f.name, f.src)
		if err != nil {
			continue
		}
		out, err := dockerfile.Parse(f.name, res.Output)
		if err != nil {
			t.Errorf("%s: output does not parse: %v", f.name, err)
			continue
		}
		if len(in.Stages) != len(out.Stages) {
			t.Errorf("%s: %d stages became %d", f.name, len(in.Stages), len(out.Stages))
			continue
		}
		for si, st := range out.Stages {
			before := countPkgs(installs(in.Stages[si]))
			after := installs(st)
			for _, p := range after {
				if before[p.pkg] > 0 {
					before[p.pkg]--
					continue
				}
				added++
				where := fmt.Sprintf("%s:%d: %s", f.name, p.ins.StartLine, p.pkg)
				root := st
				for root.Parent != nil {
					root = root.Parent
				}
				info := baseimage.Resolve(root.Base)
				switch {
				case !info.Known || info.Family != p.family:
					t.Errorf("%s installed on base %s, which is %s (%s)", where, root.Base, info, info.Why)
				case !baseimage.HasPackage(info, p.pkg):
					t.Errorf("%s installed on %s, whose repositories are not known to have it", where, info)
				}
				if p.cmd.Conditional || p.cmd.InSubshell {
					t.Errorf("%s: its install may not run", where)
				}
				if p.cmd.Name == "apk" && slices.ContainsFunc(p.cmd.Lits, func(v string) bool {
					return v == "-t" || v == "--virtual" || strings.HasPrefix(v, "--virtual=")
				}) {
					t.Errorf("%s: installed into an apk --virtual group", where)
				}
				for _, c := range p.cmds[p.index+1:] {
					if removes(c) {
						t.Errorf("%s: the same RUN removes packages after installing it", where)
					}
				}
				for _, later := range st.Instructions {
					if later.Cmd != "run" || later.Index <= p.ins.Index {
						continue
					}
					text, _ := later.ShellArgs()
					if prog, err := shellparse.Parse(strings.TrimSpace(text)); err == nil {
						for _, c := range shellparse.Commands(prog) {
							if removes(c) {
								t.Errorf("%s: the RUN on line %d removes packages after it", where, later.StartLine)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("aggressive tier: %d packages added, %d tini findings declined, over %d files", added, declined, len(files))
	if added < 30 {
		t.Errorf("only %d packages added over the corpus: the tini pass no longer installs on current releases", added)
	}
}
