// Command dfopt rewrites Dockerfiles to build smaller, faster images.
//
// Usage:
//
//	dfopt [flags] [path ...]
//
// With no path, or with the path "-", dfopt reads a Dockerfile on standard
// input and writes the result on standard output. A directory is walked for
// files named Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile,
// Containerfile and Containerfile.* (skipping .git, node_modules and vendor
// directories, and not following symbolic links); a file named explicitly is
// processed whatever its name.
//
// The flags are:
//
//	-w, --write         write the result back to the file instead of printing it;
//	                    the file is replaced atomically and keeps its mode
//	-d, --diff          print a unified diff of the changes
//	-l, --list          print the names of the files that would change
//	    --check         print findings as FILE:LINE: PASS: message; do not rewrite
//	    --enable=LIST   run only these passes (comma-separated; "all" or "none")
//	    --disable=LIST  do not run these passes
//	    --level=LEVEL   run the passes up to this tier: format, safe (default)
//	                    or aggressive
//	    --context=DIR   build context for context-aware passes (default: the
//	                    Dockerfile's directory; none for standard input)
//	    --filename=NAME name standard input in messages and diffs
//	    --target=STAGE  the stage that is built (default: the last one)
//	    --init=NAME     init for the tini pass: tini (default), dumb-init or none
//	    --json          print findings and changes as one JSON document
//	    --format=FORMAT text, json (as --json) or sarif (SARIF 2.1.0)
//	    --config=FILE   the configuration file (default: .dfopt.yaml found from
//	                    the file's directory upward)
//	    --no-config     read no configuration file
//	    --list-passes   list the passes
//	    --explain=NAME  describe a pass
//	    --version       print the version
//	-h, --help          print this help (exit status 0)
//
// The exit status is 0 when all went well (files written, or nothing to
// change), 1 when changes are needed (with -d, -l or --check: some file would
// change, or a fix applies), and 2 on any error (bad flags, unreadable or
// unparsable files). Errors in one file do not stop the others from being
// processed; the exit status is the highest of all files.
//
// Both one-dash and two-dash spellings are accepted for every flag.
//
// "dfopt verify [flags] Dockerfile" builds the Dockerfile and dfopt's
// rewrite with BuildKit (docker buildx or buildctl) and compares the two
// images; see verify.go and dfopt verify --help. "dfopt lsp" is a language
// server on standard input and output; see lsp.go.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/udiff"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

func main() {
	tuneGC() // gc.go
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitChanged = 1
	exitError   = 2
)

const stdinName = "<standard input>"

const usage = `usage: dfopt [flags] [path ...]

With no path, or with the path "-", dfopt reads standard input and writes
standard output. Directories are walked for Dockerfile, Dockerfile.*,
*.Dockerfile, *.dockerfile, Containerfile and Containerfile.* files.

Flags:
  -w, --write          write the result back to the file (atomically, keeping its mode)
  -d, --diff           print a unified diff of the changes; exit 1 if any
  -l, --list           print the names of files that would change; exit 1 if any
      --check          print findings as FILE:LINE: PASS: message; exit 1 if a fix applies
      --enable=LIST    run only these passes (comma-separated; "all" or "none")
      --disable=LIST   do not run these passes
      --level=LEVEL    run passes up to this tier: format, safe or aggressive (default safe)
      --context=DIR    build context (default: the Dockerfile's directory; for stdin,
                       the directory of --filename if it exists, else none)
      --filename=NAME  name standard input in messages (default "<standard input>")
      --target=STAGE   the stage that is built (default: the last one)
      --init=NAME      init for the tini pass: tini (default), dumb-init or none
      --json           print findings and changes as one JSON document
      --format=FORMAT  text (default), json (= --json) or sarif (SARIF 2.1.0 with fixes)
      --config=FILE    configuration file (default: .dfopt.yaml in the file's
                       directory or the nearest above; flags override it)
      --no-config      read no configuration file
      --list-passes    list the passes and exit
      --explain=NAME   describe a pass and exit
      --version        print the version and exit
  -h, --help           print this help and exit

Exit status: 0 ok, 1 changes needed (-d, -l, --check), 2 error.

dfopt verify [flags] Dockerfile builds the Dockerfile and its rewrite with
BuildKit and compares the images (see dfopt verify --help).
dfopt lsp [flags] serves the Language Server Protocol on stdin and stdout.

Comments switch passes off: # dfopt:ignore[=PASS,...] above an instruction,
# dfopt:ignore-file[=PASS,...] for the file; hadolint's ignore pragma and
BuildKit's # check=skip= are honoured where a rule maps to a pass.
`

// config holds the parsed command line.
type config struct {
	write, diff, list, check, json bool
	listPasses, version, help      bool

	enable, disable listFlag
	level           string
	context         string
	filename        string
	explain         string
	target          string
	init            string

	paths []string
	opts  optimizer.Options
	editorFlags
}

// listFlag is a comma-separated list flag. set records whether it was given.
type listFlag struct {
	names []string
	set   bool
}

func (l *listFlag) String() string { return strings.Join(l.names, ",") }

func (l *listFlag) Set(s string) error {
	l.set = true
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			l.names = append(l.names, n)
		}
	}
	return nil
}

// runner carries the state of one run.
type runner struct {
	cfg    *config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	status int
	// stdinUsed is set once standard input has been read.
	stdinUsed bool
	// files collects the per-file reports for --json.
	files []jsonFile
	// sarif collects the findings for --format=sarif (sarif.go).
	sarif *sarifLog
	// ctxs are the build contexts read once for the run (ctxfs.go).
	ctxs *contexts
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(args, stdin, stdout, stderr, nil)
}

// runWith is run with the set of passes to choose from (nil: every pass).
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer, all []*analysis.Pass) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "dfopt: internal error: %v\n", r)
			status = exitError
		}
	}()

	if len(args) > 0 && args[0] == "lsp" {
		// dfopt lsp: the language server (lsp.go).
		return runLSP(args[1:], stdin, stdout, stderr, all)
	}
	if len(args) > 0 && args[0] == "verify" {
		// dfopt verify: build the original and the rewrite (verify.go).
		// A file named verify is still processed as ./verify.
		return runVerify(args[1:], stdout, stderr, all)
	}
	cfg, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "dfopt: %v\nrun 'dfopt --help' for usage\n", err)
		return exitError
	}
	switch {
	case cfg.help:
		io.WriteString(stdout, usage)
		return exitOK
	case cfg.version:
		fmt.Fprintf(stdout, "dfopt %s\n", version())
		return exitOK
	case cfg.listPasses:
		listPasses(stdout)
		return exitOK
	case cfg.explain != "":
		if err := explain(stdout, cfg.explain); err != nil {
			fmt.Fprintf(stderr, "dfopt: %v\n", err)
			return exitError
		}
		return exitOK
	}
	if err := cfg.resolve(all); err != nil {
		fmt.Fprintf(stderr, "dfopt: %v\n", err)
		return exitError
	}

	out := &errWriter{w: stdout}
	r := &runner{cfg: cfg, stdin: stdin, stdout: out, stderr: stderr}
	if cfg.sarif {
		r.sarif = newSARIF(all)
	}
	r.doPaths(cfg.paths) // walk.go
	if cfg.json {
		files := r.files
		if files == nil {
			files = []jsonFile{}
		}
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonReport{Files: files}); err != nil {
			fmt.Fprintf(stderr, "dfopt: %v\n", err)
			return exitError
		}
	}
	if r.sarif != nil {
		if err := r.sarif.write(out); err != nil {
			fmt.Fprintf(stderr, "dfopt: %v\n", err)
			return exitError
		}
	}
	if out.err != nil {
		fmt.Fprintf(stderr, "dfopt: writing standard output: %v\n", out.err)
		return exitError
	}
	return r.status
}

// errWriter remembers the first error of the writes to w and drops the
// writes that follow it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// parseArgs parses the command line. It does not check the values.
func parseArgs(args []string) (*config, error) {
	cfg := &config{}
	fs := newFlagSet(cfg)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.paths = fs.Args()
	return cfg, nil
}

// resolve checks the flags and turns them into optimizer options.
func (c *config) resolve(all []*analysis.Pass) error {
	if err := c.resolveEditor(); err != nil {
		return err
	}
	if c.write && c.check {
		return errors.New("--check reports findings and never writes; it cannot be combined with -w")
	}
	if c.write {
		if len(c.paths) == 0 {
			return errors.New("cannot use -w with standard input")
		}
		for _, p := range c.paths {
			if p == "-" {
				return errors.New("cannot use -w with standard input")
			}
		}
	}
	if c.filename == "" {
		c.filename = stdinName
	}
	if c.context != "" {
		fi, err := os.Stat(c.context)
		if err != nil {
			return fmt.Errorf("--context: %v", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("--context: %s is not a directory", c.context)
		}
	}
	opts := optimizer.Options{Passes: all, Target: c.target}
	switch c.init {
	case "":
	case "tini", "dumb-init", "none":
		opts.Settings = map[string]string{"init": c.init}
	default:
		return fmt.Errorf("unknown init %q (want tini, dumb-init or none)", c.init)
	}
	if c.level != "" {
		t, err := analysis.ParseTier(c.level)
		if err != nil {
			return err
		}
		opts.Level = t
	}
	if c.enable.set {
		if len(c.enable.names) == 0 {
			return errors.New(`--enable needs pass names, "all" or "none"`)
		}
		opts.Enable = c.enable.names
	}
	opts.Disable = append(opts.Disable, c.disable.names...)
	if _, err := optimizer.Select(opts); err != nil {
		return err
	}
	c.opts = opts
	return nil
}

// fail reports a file error: the message as is on standard error, and in
// the JSON report.
func (r *runner) fail(name string, err error) {
	fmt.Fprintln(r.stderr, err)
	r.setStatus(exitError)
	if r.cfg.json {
		r.files = append(r.files, jsonFile{Name: name, Findings: []jsonFinding{}, Error: err.Error()})
	}
	if r.sarif != nil {
		r.sarif.addError(name, err)
	}
}

func (r *runner) setStatus(s int) {
	if s > r.status {
		r.status = s
	}
}

func (r *runner) doStdin() {
	name := r.cfg.filename
	if r.stdinUsed {
		r.fail(name, fmt.Errorf("%s: standard input named more than once", name))
		return
	}
	r.stdinUsed = true
	src, err := io.ReadAll(r.stdin)
	if err != nil {
		r.fail(name, fmt.Errorf("%s: %v", name, err))
		return
	}
	r.process(name, src, r.cfg.stdinContext(), nil)
}

// skipDirs are directories a walk does not enter.
var skipDirs = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{".git": true, "node_modules": true, "vendor": true}
}}

// isDockerfileName reports whether a walk picks up a file of this name.
func isDockerfileName(name string) bool {
	if strings.HasSuffix(name, ".dockerignore") {
		// Dockerfile.dockerignore, app.Dockerfile.dockerignore: the ignore
		// file that goes with a Dockerfile, not a Dockerfile.
		return false
	}
	switch {
	case name == "Dockerfile", name == "Containerfile":
		return true
	case strings.HasPrefix(name, "Dockerfile."), strings.HasPrefix(name, "Containerfile."):
		return true
	case strings.HasSuffix(name, ".Dockerfile"), strings.HasSuffix(name, ".dockerfile"):
		return true
	}
	return false
}

func (r *runner) doFile(path string) {
	var info fs.FileInfo
	if r.cfg.write {
		// Refuse before reading: reading a FIFO could block, and writing
		// through a symbolic link would replace the link by a file.
		fi, err := os.Lstat(path)
		if err != nil {
			r.fail(path, err)
			return
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			r.fail(path, fmt.Errorf("%s: is a symbolic link; refusing to rewrite it", path))
			return
		case !fi.Mode().IsRegular():
			r.fail(path, fmt.Errorf("%s: not a regular file; refusing to rewrite it", path))
			return
		}
		info = fi
	}
	src, err := os.ReadFile(path)
	if err != nil {
		r.fail(path, err)
		return
	}
	ctx := r.cfg.context
	if ctx == "" {
		ctx = filepath.Dir(path)
	}
	r.process(path, src, ctx, info)
}

// process optimizes one file and reports it as the flags say. info is the
// file to rewrite with -w (nil for standard input).
func (r *runner) process(name string, src []byte, contextDir string, info fs.FileInfo) {
	res, err := r.optimize(name, src, contextDir)
	if err != nil {
		r.fail(name, err)
		return
	}
	cfg := r.cfg
	changed := res.Changed()
	// Other files of the build context that the fixes change (such as
	// .dockerignore), by their path on disk.
	var sides []sideFile
	for _, fc := range res.Files {
		sides = append(sides, sideFile{filepath.Join(contextDir, filepath.FromSlash(fc.Path)), fc})
	}

	if cfg.write {
		if err := r.writeAll(name, res, info, sides); err != nil { // write.go
			r.fail(name, err)
			return
		}
	}

	status := exitOK
	if (cfg.list || cfg.diff) && (changed || len(sides) > 0) {
		status = exitChanged
	}
	if cfg.check && res.FixedCount() > 0 {
		status = exitChanged
	}
	r.setStatus(status)

	if r.sarif != nil {
		r.sarif.add(name, contextDir, res, cfg.opts.Passes)
		return
	}
	if cfg.json {
		jf := jsonFile{Name: name, Changed: changed, Findings: []jsonFinding{}}
		for _, f := range res.Findings {
			jf.Findings = append(jf.Findings, jsonFinding{
				Pass: f.Pass, Line: f.Line, Col: f.Col, EndLine: f.EndLine, EndCol: f.EndCol,
				Message: f.Message, Fixed: f.Fixed, Fix: f.FixMessage, Changes: f.Changes,
			})
		}
		if changed {
			jf.Diff = string(res.Diff())
		}
		for _, sf := range sides {
			jf.Files = append(jf.Files, jsonSideFile{Name: sf.disk, New: !sf.Existed, Diff: string(sf.diff())})
		}
		r.files = append(r.files, jf)
		return
	}

	if cfg.check {
		for _, f := range res.Findings {
			fmt.Fprintf(r.stdout, "%s:%d: %s: %s\n", name, f.Line, f.Pass, f.Message)
		}
	}
	if cfg.list && changed {
		fmt.Fprintln(r.stdout, name)
	}
	if cfg.diff && changed {
		r.stdout.Write(res.Diff())
	}
	for _, sf := range sides {
		if cfg.list {
			fmt.Fprintln(r.stdout, sf.disk)
		}
		if cfg.diff {
			r.stdout.Write(sf.diff())
		}
	}
	if len(sides) > 0 && !cfg.write && !cfg.list && !cfg.diff && !cfg.check {
		for _, sf := range sides {
			fmt.Fprintf(r.stderr, "%s: not written: use -w to write it, -d to see it\n", sf.disk)
		}
	}
	if !cfg.write && !cfg.list && !cfg.diff && !cfg.check {
		r.stdout.Write(res.Output)
	}
}

// sideFile is a file of the build context that the fixes change.
type sideFile struct {
	disk string // its path on disk
	optimizer.FileChange
}

func (sf sideFile) diff() []byte {
	old := sf.disk + ".orig"
	if !sf.Existed {
		old = "/dev/null"
	}
	return udiff.Unified(old, sf.disk, sf.Input, sf.Output, 3)
}

// optimize runs the optimizer on one file. A panic is reported as an error
// of this file so that the other files are still processed.
func (r *runner) optimize(name string, src []byte, contextDir string) (res *optimizer.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%s: internal error: %v", name, p)
		}
	}()
	opts, err := r.cfg.fileOptions(name)
	if err != nil {
		return nil, err
	}
	opts.Filename = name
	opts.ContextDir = contextDir
	opts.Context = r.contextFS(contextDir) // ctxfs.go
	return optimizer.Optimize(src, opts)
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	return versionFrom(bi)
}

// versionFrom formats the build information: the main module's version
// ("(devel)" for a build from a work tree) and, when the build recorded
// them, the version control revision and whether the tree had changes:
// "v1.2.0", "v0.0.0-20261204131500-63748f2e1c3a (rev 63748f2e1c3a, modified)".
func versionFrom(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v += " (rev " + rev
	if modified == "true" {
		v += ", modified"
	}
	return v + ")"
}

func listPasses(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range passes.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Tier, p.Summary())
	}
	tw.Flush()
}

// wrap breaks text into lines of at most width columns between words.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func explain(w io.Writer, name string) error {
	if p := passes.Lookup(name); p != nil {
		fmt.Fprintf(w, "%s (%s): %s\n\n%s\n\n%s\n", p.Name, p.Tier, p.Summary(), wrap(upperFirst(p.Tier.Promise())+".", 76), strings.TrimRight(p.Doc(), "\n"))
		return nil
	}
	return fmt.Errorf("unknown pass %q (see dfopt --list-passes)", name)
}

// JSON report (--json). Field names are part of the interface.
type jsonReport struct {
	Files []jsonFile `json:"files"`
}

type jsonFile struct {
	Name     string        `json:"name"`
	Changed  bool          `json:"changed"`
	Findings []jsonFinding `json:"findings"`
	Diff     string        `json:"diff,omitempty"`
	// Files are other files of the build context that the fixes change.
	Files []jsonSideFile `json:"files,omitempty"`
	Error string         `json:"error,omitempty"`
}

type jsonSideFile struct {
	Name string `json:"name"`
	New  bool   `json:"new"`
	Diff string `json:"diff"`
}

type jsonFinding struct {
	Pass    string `json:"pass"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	EndLine int    `json:"endLine"`
	EndCol  int    `json:"endCol"`
	Message string `json:"message"`
	Fixed   bool   `json:"fixed"`
	Fix     string `json:"fix,omitempty"`
	// Changes is what the applied fix changes in the image on purpose
	// (analysis.Fix.Changes).
	Changes []string `json:"changes,omitempty"`
}
