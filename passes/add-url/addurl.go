package addurl

import (
	"net/url"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazyre"
)

var commitRE = lazyre.New(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		if ins.Cmd != "add" && !(ins.Cmd == "onbuild" && ins.Onbuild() == "add") {
			continue
		}
		if len(ins.Args) < 2 {
			continue
		}
		checksum, keepGit := false, false
		for _, f := range ins.Flags {
			switch {
			case strings.HasPrefix(f, "--checksum="):
				checksum = true
			case f == "--keep-git-dir" || strings.HasPrefix(f, "--keep-git-dir="):
				keepGit = !strings.EqualFold(strings.TrimPrefix(f, "--keep-git-dir="), "false")
			}
		}
		if checksum {
			continue
		}
		for _, src := range ins.Args[:len(ins.Args)-1] {
			switch {
			case dockerfile.IsGitSource(src, keepGit):
				if !pinnedGit(src) {
					out = append(out, analysis.WordFinding(ins, src,
						"ADD of a git repository not pinned to a commit: the build changes when the branch or tag moves; pin a commit hash"))
				}
			case dockerfile.IsHTTPURL(src):
				out = append(out, analysis.WordFinding(ins, src,
					"ADD of a URL without --checksum: the download is not verified; add --checksum=sha256:<digest>"))
			}
		}
	}
	return out
}

// pinnedGit reports whether a git source names a full commit hash.
func pinnedGit(s string) bool {
	rest, frag, _ := strings.Cut(s, "#")
	if frag != "" {
		ref, _, _ := strings.Cut(frag, ":")
		if commitRE.MatchString(strings.ToLower(ref)) {
			return true
		}
	}
	if _, query, ok := strings.Cut(rest, "?"); ok {
		q, err := url.ParseQuery(query)
		if err == nil {
			for _, k := range []string{"ref", "commit", "checksum"} {
				if commitRE.MatchString(strings.ToLower(q.Get(k))) {
					return true
				}
			}
		}
	}
	return false
}
