package toolchains

import (
	"strings"

	"github.com/dfopt/dfopt/shellparse"
)

// IsArchive reports a file name of an archive tar or unzip unpacks.
func IsArchive(p string) bool {
	return isArchiveName(p) || strings.HasSuffix(strings.ToLower(p), ".zip")
}

// UnpackedArchives returns the words of a tar -x or unzip command that
// name archives (as written), or nil when the command unpacks none.
func UnpackedArchives(c *shellparse.Command) []string {
	var out []string
	switch c.Name {
	case "tar", "bsdtar":
		extract := false
		for i, a := range c.Lits {
			if !c.Static[i] {
				continue
			}
			switch {
			case a == "--extract" || a == "--get":
				extract = true
			case strings.HasPrefix(a, "--"):
			case strings.HasPrefix(a, "-") || i == 0:
				// -xzvf, or the first word's bundled options (tar xzvf).
				extract = extract || strings.Contains(strings.TrimPrefix(a, "-"), "x") &&
					!strings.ContainsAny(strings.TrimPrefix(a, "-"), "/.")
			}
		}
		if !extract {
			return nil
		}
	case "unzip":
	default:
		return nil
	}
	for i, a := range c.Lits {
		a = strings.TrimPrefix(a, "--file=")
		if c.Static[i] && IsArchive(a) && !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}
