package stages

import (
	"strings"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
)

// What a stage's image is configured with as far as the file tells: its
// last USER, ENTRYPOINT and CMD, through the stages it derives from.

// Last returns the stage's last instruction named cmd ("user",
// "entrypoint", ...), looking through the stages it derives from, or nil.
func Last(st *dockerfile.Stage, cmd string) *dockerfile.Instruction {
	for s := st; s != nil; s = s.Parent {
		for i := len(s.Instructions) - 1; i >= 0; i-- {
			if s.Instructions[i].Cmd == cmd {
				return s.Instructions[i]
			}
		}
	}
	return nil
}

// Entrypoint reports whether the stage's ENTRYPOINT is known from the
// file: an ENTRYPOINT instruction in it or in a stage it derives from, or
// a root base image known to set none. It returns the instruction that sets
// it (nil when the image has none).
func Entrypoint(st *dockerfile.Stage) (known bool, ins *dockerfile.Instruction) {
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

// FinalUserArg is the argument of the USER in effect at the end of the
// stage, as written ("" when the file sets none).
func FinalUserArg(st *dockerfile.Stage) string {
	if u := Last(st, "user"); u != nil && len(u.Args) > 0 {
		return u.Args[0]
	}
	return ""
}

// UserArg is the argument of the USER in effect at an instruction, as
// written ("" when the file sets none). UserAt tells who that is.
func UserArg(ins *dockerfile.Instruction) string {
	user := ""
	if ins.Stage == nil {
		return user
	}
	if ins.Stage.Parent != nil {
		user = FinalUserArg(ins.Stage.Parent)
	}
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd == "user" && len(other.Args) > 0 {
			user = other.Args[0]
		}
	}
	return user
}

// IsRoot reports whether a USER argument means root as far as the file
// tells: root, 0, or none at all ("", the base image's user, which is
// root for most images; UserAt knows which).
func IsRoot(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	return name == "" || name == "root" || name == "0"
}
