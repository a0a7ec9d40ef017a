package passes

import (
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
)

// Family is a base image's package-manager family.
type Family string

const (
	FamilyUnknown Family = ""
	FamilyDebian  Family = "debian" // apt
	FamilyAlpine  Family = "alpine" // apk
	FamilyRHEL    Family = "rhel"   // dnf, yum, microdnf
	FamilyNone    Family = "none"   // scratch, distroless: no package manager
)

// imageName splits an image reference into its repository's last path
// element and its tag ("docker.io/library/python:3.12-slim" gives "python",
// "3.12-slim"). A digest counts as no tag.
func imageName(ref string) (name, tag string) {
	ref = strings.ToLower(ref)
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		name = ref[i+1:]
	} else {
		name = ref
	}
	return name, tag
}

// Images known to set no ENTRYPOINT of their own, by repository name. An
// image not listed may have one, which a new ENTRYPOINT would replace.
var noEntrypoint = map[string]bool{
	"debian": true, "ubuntu": true, "alpine": true, "busybox": true,
	"python": true, "golang": true, "rust": true, "ruby": true, "openjdk": true,
	"fedora": true, "centos": true, "rockylinux": true, "almalinux": true,
	"amazonlinux": true, "archlinux": true, "opensuse": true, "buildpack-deps": true,
}

// baseFamily tells the package-manager family of a stage from its base
// image name, the stages it derives from and the package managers its RUNs
// (and its ancestors') use.
func baseFamily(st *dockerfile.Stage) Family {
	for s := st; s != nil; s = s.Parent {
		if f := familyOfImage(s.Base); f != FamilyUnknown && s.Parent == nil {
			return f
		}
	}
	for s := st; s != nil; s = s.Parent {
		for _, ins := range s.Instructions {
			sr, _ := parseRun(ins)
			if sr == nil {
				continue
			}
			for _, c := range shellparse.Commands(sr.prog) {
				switch c.Name {
				case "apt-get", "apt":
					return FamilyDebian
				case "apk":
					return FamilyAlpine
				case "dnf", "yum", "microdnf":
					return FamilyRHEL
				}
			}
		}
	}
	return FamilyUnknown
}

func familyOfImage(ref string) Family {
	lower := strings.ToLower(ref)
	if lower == "scratch" || strings.Contains(lower, "distroless") || strings.Contains(lower, "chainguard/static") {
		return FamilyNone
	}
	if strings.Contains(lower, "$") {
		return FamilyUnknown
	}
	name, tag := imageName(ref)
	switch name {
	case "alpine":
		return FamilyAlpine
	case "debian", "ubuntu", "buildpack-deps":
		return FamilyDebian
	case "fedora", "centos", "rockylinux", "almalinux", "amazonlinux", "ubi", "ubi8", "ubi9", "ubi-minimal", "ubi8-minimal", "ubi9-minimal":
		return FamilyRHEL
	case "python", "node", "golang", "ruby", "rust", "php", "perl", "openjdk", "maven", "gradle", "elixir", "erlang", "haskell":
		switch {
		case strings.Contains(tag, "alpine"):
			return FamilyAlpine
		case strings.Contains(tag, "windows") || strings.Contains(tag, "nanoserver"):
			return FamilyUnknown
		}
		return FamilyDebian
	}
	return FamilyUnknown
}

// entrypointKnown reports whether the stage's ENTRYPOINT is known from the
// file: an ENTRYPOINT instruction in it or in a stage it derives from, or
// a root base image known to set none. It returns the instruction that sets
// it (nil when the image has none).
func entrypointKnown(st *dockerfile.Stage) (known bool, ins *dockerfile.Instruction) {
	for s := st; s != nil; s = s.Parent {
		for i := len(s.Instructions) - 1; i >= 0; i-- {
			if s.Instructions[i].Cmd == "entrypoint" {
				return true, s.Instructions[i]
			}
		}
		if s.Parent == nil {
			if strings.EqualFold(s.Base, "scratch") {
				return true, nil
			}
			name, _ := imageName(s.Base)
			return noEntrypoint[name] && !strings.Contains(s.Base, "$"), nil
		}
	}
	return false, nil
}

// lastInStage returns the stage's last instruction named cmd, looking
// through the stages it derives from, or nil.
func lastInStage(st *dockerfile.Stage, cmd string) *dockerfile.Instruction {
	for s := st; s != nil; s = s.Parent {
		for i := len(s.Instructions) - 1; i >= 0; i-- {
			if s.Instructions[i].Cmd == cmd {
				return s.Instructions[i]
			}
		}
	}
	return nil
}

// effectiveUser is the USER in effect at the end of the stage ("" = root,
// as far as the file tells).
func effectiveUser(st *dockerfile.Stage) string {
	if u := lastInStage(st, "user"); u != nil && len(u.Args) > 0 {
		return u.Args[0]
	}
	return ""
}

// isRoot reports whether a USER value means root.
func isRoot(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	return name == "" || name == "root" || name == "0"
}

// hasCommentLines reports whether an instruction has comment lines inside
// its continuation (which an edit of the whole instruction would lose).
func hasCommentLines(doc *dockerfile.Document, ins *dockerfile.Instruction) bool {
	return hasCommentLine(doc, ins.Span.Start, ins.ContentEnd())
}
