package splitcopy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/manifests"
)

// Thresholds of the split decision; see the pass documentation.
const (
	historyWindow    = 200  // commits touching the directory that are read
	minCommits       = 10   // history needed to decide
	maxStable        = 3    // stable copies at most, so 4 copies in all
	stableChurn      = 0.10 // a stable entry changed in at most this share of the commits
	entryBytesShare  = 0.10 // a stable entry holds at least this share of the bytes
	stableBytesShare = 0.50 // the stable entries hold at least this share
	restCommitShare  = 0.75 // commits that change only the rest
	defaultMinBytes  = 1 << 20
	gitTimeout       = 20 * time.Second
	minBytesSetting  = "split-copy-min-bytes"
)

// gitCommand is the git program the pass runs.
var gitCommand = "git"

// copyEntry is an immediate entry of a copied directory.
type copyEntry struct {
	name  string
	dir   bool
	bytes int64
	files []string // context paths of the regular files the builder sends
	// plain: a regular file or a directory, not a symbolic link, with
	// no hard-linked file, and a name that needs no quoting.
	plain bool
}

// copyDirStats is what the builder sends of a directory.
type copyDirStats struct {
	bytes   int64
	entries []*copyEntry
}

// readDirStats reads the entries of a context directory and their sizes.
func readDirStats(cv *buildcontext.View, dir string) *copyDirStats {
	st := &copyDirStats{}
	entries, err := fs.ReadDir(cv.FS, dir)
	if err != nil {
		return st
	}
	exceptions := cv.Ignore.HasExceptions()
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if cv.Ignored(p) && !(e.IsDir() && exceptions) {
			continue
		}
		ce := &copyEntry{name: e.Name(), dir: e.IsDir(), plain: dockerfile.IsPlainPath(e.Name()) && !strings.Contains(e.Name(), "/")}
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			ce.plain = false
		case e.Type().IsRegular():
			if cv.Ignored(p) {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue
			}
			ce.bytes = fi.Size()
			ce.files = append(ce.files, p)
			if hardLinked(fi) {
				ce.plain = false
			}
		case e.IsDir():
			fs.WalkDir(cv.FS, p, func(q string, d fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				if cv.Ignored(q) {
					if d.IsDir() && !exceptions {
						return fs.SkipDir
					}
					return nil
				}
				if !d.Type().IsRegular() {
					return nil
				}
				fi, err := d.Info()
				if err != nil {
					return nil
				}
				ce.bytes += fi.Size()
				ce.files = append(ce.files, q)
				if hardLinked(fi) {
					ce.plain = false
				}
				return nil
			})
			if cv.Ignored(p) && len(ce.files) == 0 {
				continue
			}
		default:
			ce.plain = false
		}
		st.bytes += ce.bytes
		st.entries = append(st.entries, ce)
	}
	return st
}

// hardLinked reports whether a file has more than one link, when the
// file system tells.
func hardLinked(fi fs.FileInfo) bool {
	v := reflect.ValueOf(fi.Sys())
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f := v.Elem().FieldByName("Nlink")
	switch f.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return f.Uint() > 1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int() > 1
	}
	return false
}

// dirHistory is the git history of a context directory.
type dirHistory struct {
	// reason says why there is no usable history ("" when there is).
	reason string
	// commits lists, for each commit touching the directory (newest
	// first), the context paths it changed.
	commits [][]string
	// tracked holds the context paths git tracks below the directory.
	tracked map[string]bool
}

// gitRepo is what git says about the context directory.
type gitRepo struct {
	reason  string
	prefix  string // the context directory's path in the work tree, with a final slash
	shallow bool
}

// runGit runs git in dir and returns its standard output.
func runGit(dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, gitCommand, append([]string{"-C", dir, "--no-pager", "--literal-pathspecs",
		"-c", "log.showSignature=false", "-c", "core.quotePath=false"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("git %s timed out", args[0])
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("%w: %s", err, msg)
	}
	return stdout.Bytes(), nil
}

// contextRepo finds the git work tree of the context directory, once per run.
func contextRepo(ctx *analysis.Context) *gitRepo {
	return ctx.Memo("split-copy:repo", func() any {
		if ctx.ContextDir == "" {
			return &gitRepo{reason: "the build context is not a directory on disk, so its git history is unknown"}
		}
		if _, err := exec.LookPath(gitCommand); err != nil {
			return &gitRepo{reason: "git is not installed, so the history of the build context is unknown"}
		}
		out, err := runGit(ctx.ContextDir, "rev-parse", "--is-inside-work-tree", "--show-prefix", "--is-shallow-repository")
		if err != nil {
			if strings.Contains(err.Error(), "not a git repository") {
				return &gitRepo{reason: "the build context is not in a git work tree"}
			}
			return &gitRepo{reason: "git cannot read the work tree of the build context (" + err.Error() + ")"}
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n"), "\n")
		if len(lines) < 3 || lines[0] != "true" {
			return &gitRepo{reason: "the build context is not in a git work tree"}
		}
		return &gitRepo{prefix: lines[1], shallow: lines[2] == "true"}
	}).(*gitRepo)
}

// contextHistory reads the history of a context directory, once per run.
func contextHistory(ctx *analysis.Context, dir string) *dirHistory {
	return ctx.Memo("split-copy:history:"+dir, func() any {
		repo := contextRepo(ctx)
		if repo.reason != "" {
			return &dirHistory{reason: repo.reason}
		}
		out, err := runGit(ctx.ContextDir, "log", "-n", strconv.Itoa(historyWindow), "-z", "--name-only",
			"--no-renames", "--no-merges", "--no-color", "--format=%x01", "--", dir)
		if err != nil {
			if errors.Is(err, exec.ErrNotFound) {
				return &dirHistory{reason: "git is not installed, so the history of the build context is unknown"}
			}
			return &dirHistory{reason: "git log failed (" + err.Error() + ")"}
		}
		h := &dirHistory{}
		for _, c := range parseGitLog(out, repo.prefix) {
			if len(c) > 0 {
				h.commits = append(h.commits, c)
			}
		}
		if len(h.commits) < minCommits {
			h.reason = fmt.Sprintf("git history has %d commit%s touching %s, fewer than the %d needed to tell stable parts from changing ones",
				len(h.commits), plural(len(h.commits)), dir, minCommits)
			if repo.shallow {
				h.reason += " (the clone is shallow)"
			}
			return h
		}
		out, err = runGit(ctx.ContextDir, "ls-files", "-z", "--full-name", "--", dir)
		if err != nil {
			return &dirHistory{reason: "git ls-files failed (" + err.Error() + ")"}
		}
		h.tracked = map[string]bool{}
		for _, p := range strings.Split(string(out), "\x00") {
			if rel, ok := strings.CutPrefix(p, repo.prefix); ok && rel != "" {
				h.tracked[rel] = true
			}
		}
		return h
	}).(*dirHistory)
}

// parseGitLog reads the output of git log -z --name-only --format=%x01:
// each commit starts with a \x01 record, followed by the paths it changed
// (relative to the top of the work tree), each ended by NUL. Paths are
// made relative to the context directory (prefix); others are dropped.
func parseGitLog(out []byte, prefix string) [][]string {
	var commits [][]string
	for _, rec := range strings.Split(string(out), "\x00") {
		rec = strings.TrimLeft(rec, "\n")
		switch {
		case rec == "\x01":
			commits = append(commits, []string{})
		case rec == "" || len(commits) == 0:
		default:
			if rel, ok := strings.CutPrefix(rec, prefix); ok && rel != "" {
				commits[len(commits)-1] = append(commits[len(commits)-1], rel)
			}
		}
	}
	return commits
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// entryStats is an entry of the directory with its history.
type entryStats struct {
	*copyEntry
	commits int  // commits that changed something below it
	tracked bool // git tracks every file below it that the builder sends
}

// splitPlan is the decision for one COPY.
type splitPlan struct {
	dir     string
	bytes   int64
	total   int           // commits touching the directory
	stable  []*entryStats // the entries copied first, least changed first
	touched int           // commits that changed a stable entry
	restly  int           // commits that changed only the rest
}

// decideSplit chooses the stable entries of a directory from its history;
// nil when no split pays off.
func decideSplit(dir string, st *copyDirStats, h *dirHistory, minBytes int64) *splitPlan {
	if len(h.commits) < minCommits || st.bytes <= 0 {
		return nil
	}
	// The entries each commit changed.
	prefix := dir + "/"
	changed := make([]map[string]bool, len(h.commits))
	counts := map[string]int{}
	for i, c := range h.commits {
		changed[i] = map[string]bool{}
		for _, f := range c {
			rel, ok := strings.CutPrefix(f, prefix)
			if !ok || rel == "" {
				continue
			}
			name, _, _ := strings.Cut(rel, "/")
			if !changed[i][name] {
				changed[i][name] = true
				counts[name]++
			}
		}
	}
	var cands []*entryStats
	for _, e := range st.entries {
		es := &entryStats{copyEntry: e, tracked: len(e.files) > 0, commits: counts[e.name]}
		for _, f := range e.files {
			if !h.tracked[f] {
				es.tracked = false
				break
			}
		}
		if !e.plain || !es.tracked || float64(e.bytes) < entryBytesShare*float64(st.bytes) ||
			float64(es.commits) > stableChurn*float64(len(h.commits)) {
			continue
		}
		cands = append(cands, es)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].bytes != cands[j].bytes {
			return cands[i].bytes > cands[j].bytes
		}
		return cands[i].name < cands[j].name
	})
	if len(cands) > maxStable {
		cands = cands[:maxStable]
	}
	if len(cands) == 0 {
		return nil
	}
	plan := &splitPlan{dir: dir, bytes: st.bytes, total: len(h.commits)}
	var stableBytes int64
	for _, c := range cands {
		stableBytes += c.bytes
	}
	if float64(stableBytes) < stableBytesShare*float64(st.bytes) || stableBytes < minBytes {
		return nil
	}
	for _, names := range changed {
		stable, rest := false, false
		for name := range names {
			in := false
			for _, c := range cands {
				in = in || c.name == name
			}
			if in {
				stable = true
			} else {
				rest = true
			}
		}
		if stable {
			plan.touched++
		} else if rest {
			plan.restly++
		}
	}
	if float64(plan.restly) < restCommitShare*float64(plan.total) {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].commits != cands[j].commits {
			return cands[i].commits < cands[j].commits
		}
		if cands[i].bytes != cands[j].bytes {
			return cands[i].bytes > cands[j].bytes
		}
		return cands[i].name < cands[j].name
	})
	plan.stable = cands
	return plan
}

// concentrated returns the at most maxStable largest plain entries
// when they hold enough of the directory's bytes for a split to pay off
// should they prove stable.
func concentrated(st *copyDirStats, minBytes int64) []*copyEntry {
	var big []*copyEntry
	for _, e := range st.entries {
		if e.plain && float64(e.bytes) >= entryBytesShare*float64(st.bytes) {
			big = append(big, e)
		}
	}
	sort.SliceStable(big, func(i, j int) bool { return big[i].bytes > big[j].bytes })
	if len(big) > maxStable {
		big = big[:maxStable]
	}
	var sum int64
	for _, e := range big {
		sum += e.bytes
	}
	if len(big) == 0 || float64(sum) < stableBytesShare*float64(st.bytes) || sum < minBytes {
		return nil
	}
	return big
}

// excludeUnsupported says why the frontend the file selects may not accept
// COPY --exclude ("" when it does).
func excludeUnsupported(doc *dockerfile.Document) string {
	f := doc.Frontend()
	v := f.Value
	switch {
	case !f.Line:
		return "the file has no # syntax= line, so the builder's own frontend builds it, and an older one (before Dockerfile 1.19) rejects COPY --exclude; with # syntax=docker/dockerfile:1 the split is made"
	case !f.Dockerfile:
		return fmt.Sprintf("the # syntax= line selects the frontend %s, which may not accept COPY --exclude", v)
	case f.Digest:
		return fmt.Sprintf("the # syntax= line pins %s by digest, so it cannot be told whether it accepts COPY --exclude (Dockerfile 1.19 and later do)", v)
	case f.AtLeast(1, 19):
		return ""
	case !f.Versioned:
		return fmt.Sprintf("the # syntax= line selects %s, which may not accept COPY --exclude (Dockerfile 1.19 and later do)", v)
	case f.Major == 1 && f.Minor >= 7 && f.Suffix == "labs":
		return fmt.Sprintf("the # syntax= line selects %s, whose COPY --exclude fails on broken symbolic links (fixed in Dockerfile 1.19)", v)
	}
	return fmt.Sprintf("the # syntax= line selects %s, which does not accept COPY --exclude (Dockerfile 1.19 and later do)", v)
}

func minBytesOf(ctx *analysis.Context) int64 {
	if v, ok := ctx.Settings[minBytesSetting]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return defaultMinBytes
}

func run(ctx *analysis.Context) []analysis.Finding {
	cv := buildcontext.Of(ctx)
	if cv == nil {
		return nil
	}
	minBytes := minBytesOf(ctx)
	var out []analysis.Finding
	for _, st := range ctx.Doc.Stages {
		if st.Windows() {
			continue
		}
		for i, ins := range st.Instructions {
			sc := manifests.SourceCopyOf(ins, cv)
			if sc == nil || sc.Src == "." {
				continue
			}
			if fi, err := fs.Lstat(cv.FS, sc.Src); err != nil || !fi.IsDir() {
				continue // a symbolic link to a directory
			}
			if f, ok := manifests.PlanCopy(ctx, cv, sc, st.Instructions[i+1:]); ok && f.Fix != nil {
				continue // manifest-first rewrites it first
			}
			if f, ok := planSplitCopy(ctx, cv, sc, minBytes); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// dirStatsOf returns the entries of a directory, once per run and
// ignore file.
func dirStatsOf(ctx *analysis.Context, cv *buildcontext.View, dir string) *copyDirStats {
	key := "split-copy:stats:" + dir
	if cv.Ignore.Exists {
		key += ":" + cv.Ignore.Key()
	}
	return ctx.Memo(key, func() any { return readDirStats(cv, dir) }).(*copyDirStats)
}

func planSplitCopy(ctx *analysis.Context, cv *buildcontext.View, sc *manifests.SourceCopy, minBytes int64) (analysis.Finding, bool) {
	ins := sc.Ins
	st := dirStatsOf(ctx, cv, sc.Src)
	if st.bytes < minBytes || st.bytes == 0 {
		return analysis.Finding{}, false
	}
	big := concentrated(st, minBytes)
	if big == nil {
		return analysis.Finding{}, false
	}
	what := "COPY " + strings.Join(ins.Args, " ")
	h := contextHistory(ctx, sc.Src)
	if h.reason != "" {
		var names []string
		var sum int64
		for _, e := range big {
			names = append(names, path.Join(sc.Src, e.name))
			sum += e.bytes
		}
		return analysis.InstructionFinding(ins, fmt.Sprintf("%s copies %s, %d%% of it in %s; not split into stable and changing parts: %s",
			what, humanBytes(st.bytes), percent(sum, st.bytes), joinAnd(names), h.reason)), true
	}
	plan := decideSplit(sc.Src, st, h, minBytes)
	if plan == nil {
		return analysis.Finding{}, false
	}
	var names []string
	var sum int64
	for _, e := range plan.stable {
		names = append(names, path.Join(sc.Src, e.name))
		sum += e.bytes
	}
	msg := fmt.Sprintf("%s: %s, %d%% of the %s it copies, changed in %d of the last %d commits touching %s; the %d that changed only the rest copy it all again",
		what, joinAnd(names), percent(sum, st.bytes), humanBytes(st.bytes), plan.touched, plan.total, sc.Src, plan.restly)
	if why := excludeUnsupported(ctx.Doc); why != "" {
		return analysis.InstructionFinding(ins, msg+"; not split: "+why), true
	}
	edits, ok := splitEdits(ctx.Doc, sc, plan)
	if !ok {
		return analysis.InstructionFinding(ins, msg+"; not split: the instruction could not be rewritten"), true
	}
	f := analysis.InstructionFinding(ins, msg)
	f.Fix = &analysis.Fix{Message: "copy " + joinAnd(names) + " first, the rest after them", Edits: edits}
	return f, true
}

// splitEdits writes the stable copies before the COPY and excludes them
// from it.
func splitEdits(doc *dockerfile.Document, sc *manifests.SourceCopy, plan *splitPlan) ([]analysis.Edit, bool) {
	ins := sc.Ins
	lead := len(ins.Text) - len(strings.TrimLeft(ins.Text, " \t"))
	kw := ins.Keyword()
	if kw == "" || !strings.HasPrefix(ins.Text[lead:], kw) {
		return nil, false
	}
	start := ins.SrcOffset(lead)
	kwEnd := ins.SrcOffset(lead+len(kw)-1) + 1
	if kwEnd-start != len(kw) || string(doc.Src[start:kwEnd]) != kw {
		return nil, false
	}
	indent := string(doc.Src[ins.Span.Start:start])
	if strings.ContainsAny(indent, "\r\n") {
		return nil, false
	}
	nl := doc.LineEnding(ins.Span.Start)
	src, dest := ins.Args[0], ins.Args[1]
	flags := ""
	if sc.Flags != "" {
		flags = " " + sc.Flags
	}
	var lines strings.Builder
	var excludes strings.Builder
	for _, e := range plan.stable {
		fmt.Fprintf(&lines, "%s%s --exclude=* --exclude=!%s%s %s %s%s", indent, kw, e.name, flags, src, dest, nl)
		fmt.Fprintf(&excludes, " --exclude=%s", e.name)
	}
	return []analysis.Edit{
		analysis.Insert(ins.Span.Start, lines.String()),
		analysis.Insert(kwEnd, excludes.String()),
	}, true
}

func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func percent(part, whole int64) int {
	if whole <= 0 {
		return 0
	}
	return int(part * 100 / whole)
}

// humanBytes writes a size in B, KiB or MiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
