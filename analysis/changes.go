package analysis

import (
	"fmt"
	"slices"
	"strings"
)

// ChangeBase, in Fix.Changes, says that the final image is built on
// another base image, or out of a new final stage (a multi-stage rewrite):
// the image's files change as a whole, and so does the configuration it
// inherits from its base. A checker then compares the files by what went
// away and whether the program's own files are still there, not path by
// path.
const ChangeBase = "base"

// ChangeFields are the image configuration fields a fix may declare in
// Fix.Changes, as the OCI image configuration names them. Author is the
// top-level author field (set by MAINTAINER); the others are fields of
// its config object.
var ChangeFields = []string{
	"Entrypoint", "Cmd", "Env", "User", "WorkingDir", "ExposedPorts", "Volumes",
	"Labels", "Healthcheck", "StopSignal", "Author",
}

// keyedFields are the fields whose single keys may be declared
// ("Env[PATH]").
var keyedFields = []string{"Env", "Labels", "ExposedPorts", "Volumes"}

// ChangeField splits a declared change into an image configuration field
// and a key: "Env[PATH]" is ("Env", "PATH"), "Cmd" is ("Cmd", ""). ok is
// false for anything that is not a configuration field ("base", paths).
func ChangeField(c string) (field, key string, ok bool) {
	field = c
	if i := strings.IndexByte(c, '['); i > 0 && strings.HasSuffix(c, "]") {
		field, key = c[:i], c[i+1:len(c)-1]
		if key == "" || !slices.Contains(keyedFields, field) {
			return "", "", false
		}
	}
	if !slices.Contains(ChangeFields, field) {
		return "", "", false
	}
	return field, key, true
}

// IsChangePath reports whether a declared change is a path pattern.
func IsChangePath(c string) bool {
	return strings.HasPrefix(c, "/") || c == "~" || strings.HasPrefix(c, "~/")
}

// CheckChange reports whether c is a valid entry of Fix.Changes:
//
//   - a configuration field of ChangeFields ("Entrypoint", "Cmd", ...):
//     any change of it;
//   - FIELD[KEY] for Env, Labels, ExposedPorts and Volumes: one variable,
//     label, port ("8080/tcp") or volume;
//   - ChangeBase ("base");
//   - a path pattern, as in Fix.Removes ("/usr/bin/tini",
//     "/usr/share/doc/tini/", "~/.config/app"): files the fix adds,
//     changes or removes on purpose.
func CheckChange(c string) error {
	switch {
	case c == ChangeBase:
		return nil
	case IsChangePath(c):
		if strings.ContainsAny(c, "\n\x00") {
			return fmt.Errorf("declared change %q: bad path pattern", c)
		}
		return nil
	}
	if _, _, ok := ChangeField(c); ok {
		return nil
	}
	return fmt.Errorf("declared change %q: not a configuration field (%s, or FIELD[KEY] for %s), %q or a path",
		c, strings.Join(ChangeFields, ", "), strings.Join(keyedFields, ", "), ChangeBase)
}
