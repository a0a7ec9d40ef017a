package runs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// Mount is one --mount flag of a RUN: its key=value options in order, keys
// in lower case and values as written.
type Mount []MountOption

// MountOption is a key=value option of a --mount flag.
type MountOption struct{ Key, Value string }

// Get returns the value of the last option named by one of keys (BuildKit
// takes the last one), and whether there is one.
func (m Mount) Get(keys ...string) (string, bool) {
	val, found := "", false
	for _, o := range m {
		if slices.Contains(keys, o.Key) {
			val, found = o.Value, true
		}
	}
	return val, found
}

// targetKeys name a mount's target.
var targetKeys = []string{"target", "dst", "destination"}

// Target returns the mount's target as written, "" when it has none.
func (m Mount) Target() string {
	t, _ := m.Get(targetKeys...)
	return t
}

// Mounts returns the RUN's --mount flags.
func Mounts(ins *dockerfile.Instruction) []Mount {
	var out []Mount
	for _, f := range ins.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		var m Mount
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			m = append(m, MountOption{Key: strings.ToLower(k), Value: val})
		}
		out = append(out, m)
	}
	return out
}

// CacheMounts returns the targets of the RUN's --mount=type=cache flags,
// without a final slash.
func CacheMounts(ins *dockerfile.Instruction) []string {
	var out []string
	for _, m := range Mounts(ins) {
		if typ, _ := m.Get("type"); typ == "cache" && m.Target() != "" {
			out = append(out, strings.TrimRight(m.Target(), "/"))
		}
	}
	return out
}

// MountTargets returns the targets of all the RUN's --mount flags (each
// target option given), without a final slash: what lies there is not in
// the image.
func MountTargets(ins *dockerfile.Instruction) []string {
	var out []string
	for _, m := range Mounts(ins) {
		for _, o := range m {
			if slices.Contains(targetKeys, o.Key) {
				out = append(out, strings.TrimRight(o.Value, "/"))
			}
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

// FreshMounts returns the targets of the RUN's mounts that each RUN gets
// afresh and may write to: tmpfs mounts, and bind mounts (the default type)
// made writable with rw or readwrite, whose writes BuildKit throws away
// after the RUN. A second RUN that shared such a mount with the first would
// see what the first wrote there. An option whose value is not literal
// counts as making the mount fresh and writable.
func FreshMounts(ins *dockerfile.Instruction) []string {
	var out []string
	for _, m := range Mounts(ins) {
		typ, _ := m.Get("type")
		writable := false // a bind mount is read-only unless told
		for _, o := range m {
			switch o.Key {
			case "rw", "readwrite", "ro", "readonly":
				on := true
				if o.Value != "" {
					b, err := strconv.ParseBool(o.Value)
					if err != nil {
						writable = true
						continue
					}
					on = b
				}
				writable = on != (o.Key == "ro" || o.Key == "readonly")
			}
		}
		if strings.EqualFold(typ, "tmpfs") || strings.Contains(typ, "$") ||
			(typ == "" || strings.EqualFold(typ, "bind")) && writable {
			out = append(out, m.Target())
		}
	}
	return out
}
