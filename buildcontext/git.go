package buildcontext

import (
	"bytes"
	"context"
	"io/fs"
	"os/exec"
	"strings"
	"time"

	"github.com/dfopt/dfopt/analysis"
)

// GitCommand is the git program Tracked runs.
var GitCommand = "git"

// gitTimeout bounds one git command.
const gitTimeout = 10 * time.Second

// Tracked reports whether git tracks files at or below the context path p
// (slash-separated, relative to the context root): a directory the
// repository commits, such as a node_modules put there on purpose. known
// is false when git cannot tell: no context directory on disk, no git, a
// context that is not in a work tree, or a git command that fails. The
// answer is computed once per path and run, or once for every Dockerfile
// that reads the same shared context (analysis.SharedFS).
func Tracked(ctx *analysis.Context, p string) (tracked, known bool) {
	dir := ctx.ContextDir
	if dir == "" {
		return false, false
	}
	type answer struct{ tracked, known bool }
	a := ctx.ContextFact("buildcontext.tracked:"+dir+"\x00"+p, func(fs.FS) any {
		if !inWorkTree(ctx, dir) {
			return answer{}
		}
		// ls-files prints the tracked paths below p (relative to the
		// directory it runs in): one is enough.
		out, err := runGit(dir, "ls-files", "-z", "--cached", "--", Clean(p))
		if err != nil {
			return answer{}
		}
		return answer{tracked: len(out) > 0, known: true}
	}).(answer)
	return a.tracked, a.known
}

// inWorkTree reports whether the context directory dir is in a git work
// tree that git can read, once per run or shared context.
func inWorkTree(ctx *analysis.Context, dir string) bool {
	return ctx.ContextFact("buildcontext.worktree:"+dir, func(fs.FS) any {
		if _, err := exec.LookPath(GitCommand); err != nil {
			return false
		}
		out, err := runGit(dir, "rev-parse", "--is-inside-work-tree")
		return err == nil && strings.TrimSpace(string(out)) == "true"
	}).(bool)
}

// runGit runs git in dir, reading nothing it does not need to (no
// optional locks, no pager, no prompt) and taking paths literally.
func runGit(dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, GitCommand, append([]string{"-C", dir, "--no-pager", "--literal-pathspecs",
		"-c", "core.quotePath=false"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	return stdout.Bytes(), nil
}
