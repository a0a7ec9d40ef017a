package passes

import (
	"strings"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
)

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
			return baseimage.Resolve(s.Base).NoEntrypoint, nil
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
