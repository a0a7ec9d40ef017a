package cachecleanup

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/baseimage"
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
			if aptReported || aptCleaned || runs.Covers(f.cacheMounts, "/var/lib/apt/lists") || mounted(f.mounts, []string{pkgmgr.AptLists + "/*"}) {
				continue // cleaned, or not in the image
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
			if c.HasArg(shellparse.ArgIs("--no-network")) {
				// apk fetches no index and no package and writes nothing;
				// with --no-cache it would fetch the index from the
				// network it was told not to use.
				continue
			}
			msg := "apk " + s + " without --no-cache keeps the package index in /var/cache/apk"
			root := stages.RootImage(cl.r.Ins.Stage)
			if name, tag, ok := stages.ImageTag(root); ok && pkgmgr.OldApk(name, tag) {
				cl.decline(c, msg, fmt.Sprintf("the apk of %s:%s is older than 2.6, which rejects --no-cache", name, tag))
				continue
			}
			if info := baseimage.Resolve(root); pkgmgr.ApkReadsCachedIndex(info) && !cl.apkUpdatedBefore(c) {
				cl.report(c, fmt.Sprintf("apk %s reads the package index an earlier step left in /var/cache/apk (not fixed: "+
					"base %s is %s, whose apk-tools does not refresh it by itself; with --no-cache it would read the live index instead)", s, root, info))
				continue
			}
			if cl.declineTaken(c, msg, []string{pkgmgr.ApkCache}) {
				continue
			}
			cl.option(c, i, "--no-cache", msg, "add --no-cache", "/var/cache/apk/")
		case "update":
			if mounted(f.mounts, []string{pkgmgr.ApkCache + "/*"}) {
				continue // not in the image
			}
			msg := "apk update leaves the package index in /var/cache/apk"
			line, what := cl.later.afterWhat(cl.r.Ins, "apk index", func(other *dockerfile.Instruction, of *runFacts) (int, string) {
				return cl.indexUse(other, of, "apk", apkUseRE.Get(), apkUpdateRE.Get())
			})
			if line > 0 && what != "" {
				cl.decline(c, msg, fmt.Sprintf("line %d %s", line, what))
				continue
			}
			if line > 0 {
				cl.decline(c, msg, fmt.Sprintf("line %d reads the index before its own apk update", line))
				continue
			}
			if why := cl.systemUser(c); why != "" {
				cl.decline(c, msg, why)
				continue
			}
			if cl.declineTaken(c, msg, []string{pkgmgr.ApkCache}) {
				continue
			}
			cl.remove(c, []string{pkgmgr.ApkCache + "/*"}, []string{pkgmgr.ApkCache + "/"}, msg)
		}
	}
}

// indexUse returns where RUN (or ONBUILD RUN) other reads the package
// index of manager ("apt" or "apk") before its own update, or -1: in its
// own text, or in a script it runs that the Dockerfile put in the image
// (then with what it runs).
func (cl *cleaner) indexUse(other *dockerfile.Instruction, of *runFacts, manager string, useRE, updateRE *regexp.Regexp) (int, string) {
	use, update := pkgmgr.AptReadsLists, pkgmgr.AptUpdates
	own := -1
	if manager == "apk" {
		use, update = pkgmgr.ApkReadsIndex, pkgmgr.ApkUpdates
	}
	switch {
	case of != nil && manager == "apt":
		own = of.aptUse
	case of != nil:
		own = of.apkUse
	default:
		own = textUsesBeforeUpdate(other, useRE, updateRE)
	}
	if own >= 0 {
		return own, ""
	}
	if of == nil {
		if other.Cmd == "onbuild" {
			return onbuildRuns(cl.doc, other)
		}
		return -1, ""
	}
	if su := scriptReads(cl.ctx, of.r, of.cmds, manager, use, update); su != nil {
		return su.pos, su.what
	}
	return -1, ""
}

// keepcacheRE finds keepcache=1 (yum.conf, dnf.conf, --setopt), the
// setting that tells yum and dnf to keep the packages they download.
var keepcacheRE = lazyre.New(`(?i)\bkeepcache\s*=\s*(1|true|yes|on)\b`)

// keepsCache reports whether the text of an earlier instruction sets
// keepcache=1 for the RUNs after it: in a configuration file, not as the
// --setopt of one command (unless yum-config-manager or dnf config-manager
// saves it).
func keepsCache(text string) bool {
	for _, m := range keepcacheRE.FindAllStringIndex(text, -1) {
		before := strings.TrimRight(text[:m[0]], " =")
		if !strings.HasSuffix(before, "--setopt") || strings.Contains(text, "config-manager") {
			return true
		}
	}
	return false
}

// apkUpdatedBefore reports whether apk command c fetches the index
// itself (-U, --update-cache) or runs after an apk update of the same RUN
// for sure.
func (cl *cleaner) apkUpdatedBefore(c *shellparse.Command) bool {
	if c.HasArg(shellparse.ArgIs("-U", "--update-cache", "--update")) {
		return true
	}
	return usesBeforeUpdate(cl.r.Prog, func(o *shellparse.Command) bool { return o.Call == c.Call }, pkgmgr.ApkUpdates) < 0
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
		if keepcacheRE.MatchString(cl.r.Ins.Text) || stages.Marked(cl.r.Ins, "keepcache", func(other *dockerfile.Instruction) bool {
			return (other.Cmd == "run" || other.Cmd == "env") && keepsCache(other.Text)
		}) {
			cl.decline(c, msg, "keepcache is set: the downloaded packages are kept on purpose")
			continue
		}
		if line := cl.laterArg([]string{"dnf", "yum", "microdnf", "tdnf"}, nil, "-C", "--cacheonly"); line > 0 {
			cl.decline(c, msg, fmt.Sprintf("line %d installs from the cache only", line))
			continue
		}
		if why := cl.systemUser(c); why != "" {
			cl.decline(c, msg, why)
			continue
		}
		if cl.declineTaken(c, msg, caches) {
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
