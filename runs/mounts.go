package runs

import (
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// CacheMounts returns the targets of the RUN's --mount=type=cache flags.
func CacheMounts(ins *dockerfile.Instruction) []string {
	var out []string
	for _, f := range ins.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		isCache := false
		target := ""
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "type":
				isCache = val == "cache"
			case "target", "dst", "destination":
				target = val
			}
		}
		if isCache && target != "" {
			out = append(out, strings.TrimRight(target, "/"))
		}
	}
	return out
}

// Covers reports whether a cache mount target covers dir (is dir, a parent
// of it, or inside it).
func Covers(mounts []string, dirs ...string) bool {
	for _, m := range mounts {
		for _, d := range dirs {
			if m == d || strings.HasPrefix(d, m+"/") || strings.HasPrefix(m, d+"/") || m == "" {
				return true
			}
		}
	}
	return false
}

// MountTargets returns the targets of all the RUN's --mount flags.
func MountTargets(ins *dockerfile.Instruction) []string {
	var out []string
	for _, fl := range ins.Flags {
		v, ok := strings.CutPrefix(fl, "--mount=")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "target", "dst", "destination":
				out = append(out, strings.TrimRight(val, "/"))
			}
		}
	}
	return out
}
