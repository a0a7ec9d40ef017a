package verify

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
)

// downloadRE matches the lines in which a build tool says it downloads a
// dependency: the go command ("go: downloading github.com/google/uuid
// v1.6.0"), cargo ("Downloaded serde v1.0.197"), Maven in batch mode
// ("Downloaded from central: https://.../guava-33.0.0.jar (3.1 MB at ...)")
// and pip ("Downloading flask-3.0.0-py3-none-any.whl (99 kB)").
var downloadRE = lazyre.New(`^\s*(?:go: downloading (\S+ \S+)|Downloaded (\S+ v\S+)|Downloaded from [^:]+: (\S+)|Downloading (\S+\.(?:whl|tar\.gz|tgz|zip|tar\.bz2)) )`)

// Downloads returns the dependencies that the lines of a step's output
// say are downloaded, in order. npm and yarn print no such line: their
// downloads are not counted.
func Downloads(lines []string) []string {
	var out []string
	for _, l := range lines {
		m := downloadRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		for _, g := range m[1:] {
			if g != "" {
				out = append(out, strings.TrimSpace(g))
				break
			}
		}
	}
	return out
}
