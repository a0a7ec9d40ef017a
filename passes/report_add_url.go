package passes

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
)

// AddURL reports ADD of remote files that are not verified or pinned.
var AddURL = &analysis.Pass{
	Name:    "add-url",
	Summary: "report ADD of URLs without --checksum and of git repositories not pinned to a commit",
	Tier:    analysis.Safe,
	Run:     runAddURL,
	Doc: `ADD https://... downloads the file at build time and puts it in the image as
the server sends it: a changed or compromised file goes in unnoticed, and
the build is not reproducible. Give the expected digest with --checksum, and
the builder fails when the download does not match:

Before:
    ADD https://example.com/tool-1.2.tar.gz /tmp/

Instead:
    ADD --checksum=sha256:<sha256 of the file> https://example.com/tool-1.2.tar.gz /tmp/

or download, verify and unpack in one RUN, which also leaves the archive out
of the image:
    RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool-1.2.tar.gz && \
        echo "<sha256>  /tmp/tool.tgz" | sha256sum -c - && \
        tar -xzf /tmp/tool.tgz -C /usr/local && rm /tmp/tool.tgz

ADD of a git repository (git@host:org/repo.git, git://..., ssh://...,
https://.../repo.git, or any URL with --keep-git-dir) checks out a branch or
tag, and those move. Pin the commit instead:

Before:
    ADD https://github.com/org/repo.git#main /src

Instead:
    ADD https://github.com/org/repo.git#<full commit hash> /src

Not reported: ADD with --checksum, git sources whose ref (#ref, ?ref= or
?commit=) is a full commit hash, and sources that are not URLs or come from
a variable as a whole ($URL). ONBUILD ADD is checked too. Report only.`,
}

var commitRE = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

func runAddURL(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		if ins.Cmd != "add" && !(ins.Cmd == "onbuild" && ins.Onbuild == "add") {
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
