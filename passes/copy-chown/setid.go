package copychown

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazyre"
)

// setidNote says why set-user-ID and set-group-ID bits matter to a
// chown (or chmod).
func setidNote(chown bool) string {
	if chown {
		return "chown clears set-user-ID bits, --chown keeps them"
	}
	return "chmod -R keeps set-group-ID bits of directories, --chmod clears them"
}

// sourcesClean checks that what the COPY copies has no set-user-ID or
// set-group-ID bits, on which the RUN and the flags disagree. It returns
// why not, or "".
func sourcesClean(ctx *analysis.Context, c *copyInstr, chown bool) string {
	note := setidNote(chown)
	switch {
	case c.from != "" && c.fromStage == nil:
		return "the " + keyword(c) + " is from image " + c.from + ", which may hold set-user-ID files (" + note + ")"
	case c.fromStage != nil:
		return setuidStage(ctx, c, note)
	case c.add:
		return "" // downloads: mode 0600
	}
	return contextClean(ctx, c.sources, note)
}

// contextClean looks for set-user-ID and set-group-ID files among the
// given sources in the build context.
func contextClean(ctx *analysis.Context, sources []string, note string) string {
	if len(sources) == 0 {
		return ""
	}
	if ctx.BuildContext == nil {
		return "no build context to check the sources for set-user-ID files (" + note + ")"
	}
	for _, src := range sources {
		name := strings.TrimPrefix(path.Clean("/"+src), "/")
		if strings.ContainsAny(src, "*?[$\\") || name == "" {
			name = "."
		}
		found := ctx.Memo("copy-chown.setid:"+name, func() any { return findSetid(ctx.BuildContext, name) }).(string)
		if found != "" {
			return found + " (" + note + ")"
		}
	}
	return ""
}

// findSetid walks name in fsys and describes the first set-user-ID or
// set-group-ID file found, or why it cannot tell; "" when there is none.
func findSetid(fsys fs.FS, name string) string {
	found := ""
	err := fs.WalkDir(fsys, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if p == name && fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = fs.Stat(fsys, p); err != nil {
				return err
			}
		}
		if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			found = p + " in the build context has a set-user-ID or set-group-ID bit"
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "cannot read " + name + " in the build context"
	}
	return found
}

// setuidStage checks the stage a COPY --from takes files from.
func setuidStage(ctx *analysis.Context, c *copyInstr, note string) string {
	for _, src := range c.sources {
		if !strings.HasPrefix(src, "/") || systemDir(path.Clean(src)) && !strings.HasPrefix(path.Clean(src), "/tmp/") {
			return "the COPY takes " + src + " from stage " + c.from + ", which may hold set-user-ID files (" + note + ")"
		}
	}
	for st := c.fromStage; st != nil; st = st.Parent {
		for _, ins := range st.Instructions {
			switch ins.Cmd {
			case "copy", "add":
				if ins.Cmd == "copy" && !slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from=") }) {
					other := readCopy(ctx, ins)
					if reason := contextClean(ctx, other.sources, note); reason != "" {
						return fmt.Sprintf("stage %s copies files: %s", c.from, reason)
					}
					continue
				}
				return fmt.Sprintf("stage %s takes files from another stage, an image or an archive, maybe set-user-ID ones (%s)", c.from, note)
			case "run":
				text := ins.Text
				for _, h := range ins.Heredocs() {
					text += "\n" + h.Content
				}
				if setuidRE.MatchString(text) {
					return fmt.Sprintf("stage %s sets set-user-ID or set-group-ID bits (%s)", c.from, note)
				}
			}
		}
	}
	return ""
}

var setuidRE = lazyre.New(`(?:chmod|install)\b[^;&|\n]*(?:[ugoa]*[+=][rwxXt]*s|\s0?[2-7][0-7]{3}\b|-m\s*0?[2-7][0-7]{3}\b)`)
