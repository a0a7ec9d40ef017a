package cachecleanup

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

func (cl *cleaner) apt() {
	f, r := cl.f, cl.r
	aptReported := false
	var lastUpdate *shellparse.Command
	for _, c := range f.cmds {
		if pkgmgr.AptUpdates(c) {
			lastUpdate = c
		}
	}
	aptCleaned := lastUpdate != nil && cl.hasAfter(lastUpdate, func(o *shellparse.Command) bool { return pkgmgr.Removes(o, pkgmgr.AptLists) })
	for _, c := range f.cmds {
		if c.Name != "apt-get" && c.Name != "apt" {
			continue
		}
		s, _ := c.Subcommand(pkgmgr.AptValueOptions...)
		switch s {
		case "install":
			if !c.HasArg(pkgmgr.AssumesYes) && !stageMentions(r.Ins, "Assume-Yes") &&
				!strings.HasPrefix(strings.TrimSpace(r.Prog.Src), "yes ") {
				cl.report(c, c.Name+" install without -y: the build stops at the confirmation prompt")
			}
		case "upgrade", "dist-upgrade", "full-upgrade":
			cl.report(c, c.Name+" "+s+" makes the image depend on the day it is built; prefer a newer base image")
		case "update":
			if aptReported || aptCleaned || runs.Covers(f.cacheMounts, "/var/lib/apt/lists") {
				continue
			}
			aptReported = true
			again, lines, bad, why := cl.updateAgain(r.Ins)
			if why != "" {
				cl.report(c, cl.keptMessage(bad, why))
				continue
			}
			msg := c.Name + " update leaves its package lists (about 20 MB) in the layer"
			if why := cl.systemUser(c); why != "" {
				cl.decline(c, msg, why)
				continue
			}
			n := len(cl.out)
			cl.remove(c, []string{pkgmgr.AptLists + "/*"}, []string{pkgmgr.AptLists + "/"}, msg)
			cl.addUpdates(n, again, lines)
		}
	}
}

func (cl *cleaner) apk() {
	f := cl.f
	if runs.Covers(f.cacheMounts, "/var/cache/apk", "/etc/apk/cache") {
		return
	}
	for _, c := range f.cmds {
		if c.Name != "apk" || cl.hasAfter(c, func(o *shellparse.Command) bool { return pkgmgr.Removes(o, pkgmgr.ApkCache) }) {
			continue
		}
		s, i := c.Subcommand(pkgmgr.ApkValueOptions...)
		switch s {
		case "add", "upgrade":
			if c.HasArg(shellparse.ArgIs("--no-cache", "--cache-dir")) {
				continue
			}
			msg := "apk " + s + " without --no-cache keeps the package index in /var/cache/apk"
			if name, tag, ok := stages.ImageTag(stages.RootImage(cl.r.Ins.Stage)); ok && pkgmgr.OldApk(name, tag) {
				cl.decline(c, msg, fmt.Sprintf("the apk of %s:%s is older than 2.6, which rejects --no-cache", name, tag))
				continue
			}
			cl.option(c, i, "--no-cache", msg, "add --no-cache", "/var/cache/apk/")
		case "update":
			msg := "apk update leaves the package index in /var/cache/apk"
			line := cl.later.after(cl.r.Ins, "apk index", func(other *dockerfile.Instruction, of *runFacts) int {
				if of != nil {
					return of.apkUse
				}
				return textUsesBeforeUpdate(other, apkUseRE, apkUpdateRE)
			})
			if line > 0 {
				cl.decline(c, msg, fmt.Sprintf("line %d reads the index before its own apk update", line))
				continue
			}
			if why := cl.systemUser(c); why != "" {
				cl.decline(c, msg, why)
				continue
			}
			cl.remove(c, []string{pkgmgr.ApkCache + "/*"}, []string{pkgmgr.ApkCache + "/"}, msg)
		}
	}
}

func (cl *cleaner) rpm() {
	f := cl.f
	for _, c := range f.cmds {
		switch c.Name {
		case "dnf", "yum", "microdnf", "tdnf":
		default:
			continue
		}
		caches := pkgmgr.RPMCaches(c.Name)
		if runs.Covers(f.cacheMounts, append(caches, "/var/cache/dnf", "/var/cache/yum", "/var/cache/tdnf")...) {
			continue
		}
		s, _ := c.Subcommand("--setopt", "--releasever", "--installroot", "-c", "--config", "--enablerepo", "--disablerepo", "-x", "--exclude")
		switch s {
		case "install", "update", "upgrade", "groupinstall", "reinstall", "makecache", "distro-sync", "module", "group", "localinstall":
		default:
			continue
		}
		name := c.Name
		cleaned := cl.hasAfter(c, func(o *shellparse.Command) bool {
			if o.Name == "dnf" || o.Name == "yum" || o.Name == "microdnf" || o.Name == "tdnf" {
				s, _ := o.Subcommand()
				return s == "clean"
			}
			for _, d := range []string{"/var/cache/dnf", "/var/cache/yum", "/var/cache/tdnf", "/var/cache/libdnf5"} {
				if pkgmgr.Removes(o, d) {
					return true
				}
			}
			return false
		})
		if cleaned {
			continue
		}
		msg := name + " " + s + " leaves package metadata and downloads in the layer"
		if line := cl.laterArg([]string{"dnf", "yum", "microdnf", "tdnf"}, nil, "-C", "--cacheonly"); line > 0 {
			cl.decline(c, msg, fmt.Sprintf("line %d installs from the cache only", line))
			continue
		}
		if why := cl.systemUser(c); why != "" {
			cl.decline(c, msg, why)
			continue
		}
		var paths, removes []string
		for _, d := range caches {
			paths = append(paths, d+"/*")
			removes = append(removes, d+"/")
		}
		cl.remove(c, paths, removes, msg)
	}
}
