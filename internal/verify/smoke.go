package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Smoke tests: a command run inside both images.
//
// A smoke command runs the way `docker run --entrypoint` runs it: as the
// image's user, in its working directory, with its environment, and
// without the image's Entrypoint or Cmd. BuildKit runs it, in a build
// FROM the image that was just built:
//
//	FROM dfopt-smoke-image AS run
//	WORKDIR /.dfopt-smoke            # created for the image's user
//	WORKDIR <the image's working directory>
//	RUN ["/bin/sh", "-c", "\"$@\" >/.dfopt-smoke/stdout 2>/.dfopt-smoke/stderr; echo $? >/.dfopt-smoke/status", "dfopt-smoke", ARGV...]
//	FROM scratch
//	COPY --from=run /.dfopt-smoke/ /
//
// and exports the last stage's files (--output type=local): the exit
// status, standard output and standard error, byte for byte. An image
// without /bin/sh (scratch, distroless) gets a static busybox bind-mounted
// from SmokeShellImage for the redirections (RUN --mount=from=...); the
// program itself is found in the image's PATH by LookPath and started
// with "exec -a NAME PATH" so that it sees the same argv[0] as under
// /bin/sh. A program that is not in the image is reported without a build,
// the same way in both images: exit status 127 and "NAME: not found".

// SmokeShellImage is the image whose /bin/busybox (a static build) runs
// the smoke command's redirections in images that have no /bin/sh. Map
// it to a local image with a named build context of this name.
const SmokeShellImage = "busybox:musl"

// DefaultSmokeTimeout bounds each smoke build, the import of the image
// included.
const DefaultSmokeTimeout = 3 * time.Minute

// MaxSmokeOutput is how much of each output stream is kept; longer
// output is compared by this prefix and its length.
const MaxSmokeOutput = 1 << 20

// smokeImageName is the named context of the image under test.
const smokeImageName = "dfopt-smoke-image"

// SmokeResult is one smoke command run in both images.
type SmokeResult struct {
	// Command is the command as given; for the default check it is
	// empty and Default is set.
	Command string    `json:"command,omitempty"`
	Default bool      `json:"default,omitempty"`
	Before  *SmokeRun `json:"before"`
	After   *SmokeRun `json:"after"`
	// Same: both ran, with the same exit status, standard output and
	// standard error.
	Same bool `json:"same"`
}

// SmokeRun is a command run in one image.
type SmokeRun struct {
	Argv []string `json:"argv"`
	// Shell is what ran the redirections: "/bin/sh" (the image's own) or
	// SmokeShellImage; empty when nothing ran (the program is not there).
	Shell  string `json:"shell,omitempty"`
	Status int    `json:"status"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	// StdoutBytes and StderrBytes are the full lengths of the streams
	// (Stdout and Stderr keep at most MaxSmokeOutput bytes).
	StdoutBytes int64 `json:"stdoutBytes"`
	StderrBytes int64 `json:"stderrBytes"`
	// Error says why the command could not be run (the smoke build
	// failed, or did not finish in time); Status and the output mean
	// nothing then. LogTail is the end of the build log.
	Error   string `json:"error,omitempty"`
	LogTail string `json:"logTail,omitempty"`
	Ms      int64  `json:"ms"`
}

func (r *SmokeRun) same(o *SmokeRun) bool {
	return r.Error == "" && o.Error == "" && r.Status == o.Status && r.Stdout == o.Stdout && r.Stderr == o.Stderr &&
		r.StdoutBytes == o.StdoutBytes && r.StderrBytes == o.StderrBytes
}

// ParseSmokeCommand splits a smoke command into words with the shell's
// quoting rules. It must be one simple command of literal words: no
// variables, globs, redirections, pipes or lists (to use a shell, run
// one: sh -c '...').
func ParseSmokeCommand(s string) ([]string, error) {
	prog, err := shellparse.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("smoke command %q: %v", s, err)
	}
	bad := fmt.Errorf("smoke command %q: not one simple command of literal words (to use a shell, run one: sh -c '...')", s)
	if len(prog.File.Stmts) != 1 {
		return nil, bad
	}
	st := prog.File.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, bad
	}
	var words []string
	for _, w := range call.Args {
		lit, ok := shellparse.Lit(w)
		if !ok || expands(w) {
			return nil, bad
		}
		words = append(words, lit)
	}
	return words, nil
}

// expands reports whether a shell would expand a word: an unquoted glob
// character, or a ~ at its start.
func expands(w *syntax.Word) bool {
	for i, part := range w.Parts {
		if lit, ok := part.(*syntax.Lit); ok {
			if strings.ContainsAny(unescaped(lit.Value), "*?[") || i == 0 && strings.HasPrefix(lit.Value, "~") {
				return true
			}
		}
	}
	return false
}

// unescaped drops the characters a backslash quotes from unquoted text.
func unescaped(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// versionArgs are the programs that print their version and exit when
// given these arguments, reading nothing of the application and writing
// nothing: DefaultSmoke runs only these.
var versionArgs = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"python": {"--version"}, "python3": {"--version"}, "pypy3": {"--version"},
		"node": {"--version"}, "nodejs": {"--version"}, "deno": {"--version"}, "bun": {"--version"},
		"npm": {"--version"}, "yarn": {"--version"}, "pnpm": {"--version"},
		"java": {"-version"}, "ruby": {"--version"}, "perl": {"--version"}, "php": {"--version"},
		"go": {"version"}, "curl": {"--version"},
		"nginx": {"-v"}, "httpd": {"-v"}, "redis-server": {"--version"}, "postgres": {"--version"},
		"gunicorn": {"--version"}, "uvicorn": {"--version"}, "pip": {"--version"}, "pip3": {"--version"},
	}
}}

var pythonVersionRE = lazyre.New(`^python3\.[0-9]+$`)

// DefaultSmoke is the command run when none is given: the image's own
// program (see ImageCommand) with the argument that makes it print its
// version, when the program is one that is known to print it and exit
// without reading or writing anything else (python, node, java, ruby,
// curl, nginx, ... : versionArgs). Any other program may start a server,
// change data or wait for input when run, so then nothing is run and why
// says so.
func DefaultSmoke(cfg oci.Config) (argv []string, why string) {
	cmd, _ := ImageCommand(cfg)
	if len(cmd) == 0 {
		return nil, "the image has no Entrypoint or Cmd"
	}
	name := path.Base(cmd[0])
	args, ok := versionArgs.Get()[name]
	if !ok && pythonVersionRE.MatchString(name) {
		args, ok = []string{"--version"}, true
	}
	if !ok {
		return nil, fmt.Sprintf("its program (%s) is not one that dfopt knows to print its version and exit without side effects", cmd[0])
	}
	return append([]string{cmd[0]}, args...), ""
}

// smokeImage is an image to run smoke commands in.
type smokeImage struct {
	layout, digest string // an OCI layout directory and the manifest digest
	cfg            oci.Config
	tree           *oci.Tree
}

// smokeRunner runs smoke commands with a builder.
type smokeRunner struct {
	builder  buildkit.Builder
	contexts []buildkit.NamedContext
	work     string // a directory for the builds' files
	timeout  time.Duration
	log      io.Writer
	n        int
}

// run runs argv in the image.
func (s *smokeRunner) run(ctx context.Context, img smokeImage, argv []string) (*SmokeRun, error) {
	r := &SmokeRun{Argv: argv}
	if len(argv) == 0 {
		return nil, errors.New("empty smoke command")
	}
	prog, found := LookPath(img.tree, img.cfg, argv[0])
	if !found {
		r.Status = 127
		r.Stderr = argv[0] + ": not found\n"
		r.StderrBytes = int64(len(r.Stderr))
		return r, nil
	}
	df, shell, err := smokeDockerfile(img, argv, prog)
	if err != nil {
		return nil, err
	}
	r.Shell = shell
	s.n++
	dir := filepath.Join(s.work, fmt.Sprintf("smoke-%d", s.n))
	ctxDir, out := filepath.Join(dir, "context"), filepath.Join(dir, "out")
	for _, d := range []string{ctxDir, out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return nil, err
	}
	contexts := append(append([]buildkit.NamedContext(nil), s.contexts...),
		buildkit.NamedContext{Name: smokeImageName, Value: "oci-layout://" + img.layout + "@" + img.digest})
	timeout := s.timeout
	if timeout <= 0 {
		timeout = DefaultSmokeTimeout
	}
	bctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := s.builder.Build(bctx, &buildkit.Request{
		ContextDir:    ctxDir,
		DockerfileDir: dir,
		Contexts:      contexts,
		NoCache:       true,
		IgnoreSyntax:  true,
		LocalOutput:   out,
		Log:           s.log,
	})
	if res != nil {
		r.Ms = res.Duration.Milliseconds()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var be *buildkit.BuildError
		switch {
		case bctx.Err() != nil:
			r.Error = fmt.Sprintf("did not finish within %s", timeout)
		case errors.As(err, &be):
			r.Error = "the smoke build failed: " + err.Error()
		default:
			return nil, err
		}
		if res != nil {
			r.LogTail = buildkit.Tail(res.Log, 20)
		}
		return r, nil
	}
	status, err := os.ReadFile(filepath.Join(out, "status"))
	if err != nil {
		r.Error = "the smoke build wrote no exit status"
		r.LogTail = buildkit.Tail(res.Log, 20)
		return r, nil
	}
	if r.Status, err = strconv.Atoi(strings.TrimSpace(string(status))); err != nil {
		r.Error = fmt.Sprintf("the smoke build wrote a bad exit status %q", status)
		return r, nil
	}
	for _, f := range []struct {
		name string
		text *string
		n    *int64
	}{{"stdout", &r.Stdout, &r.StdoutBytes}, {"stderr", &r.Stderr, &r.StderrBytes}} {
		data, size, err := readPrefix(filepath.Join(out, f.name), MaxSmokeOutput)
		if err != nil {
			return nil, err
		}
		*f.text, *f.n = string(data), size
	}
	return r, nil
}

// readPrefix reads at most max bytes of a file and its size.
func readPrefix(p string, max int64) ([]byte, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max))
	return data, fi.Size(), err
}

// smokeDockerfile writes the build that runs argv in the image (see
// above). prog is argv[0] as LookPath found it. It returns the Dockerfile
// and what runs the redirections.
func smokeDockerfile(img smokeImage, argv []string, prog string) (string, string, error) {
	wd := img.cfg.WorkingDir
	if wd == "" {
		wd = "/"
	}
	if strings.ContainsAny(wd, "\n\r") {
		return "", "", fmt.Errorf("working directory %q: cannot be written in a Dockerfile", wd)
	}
	const out = "/.dfopt-smoke"
	redirect := ` >` + out + `/stdout 2>` + out + `/stderr; echo $? >` + out + `/status`
	var run []string
	var mount, shell string
	if executable(img.tree, "/bin/sh") {
		shell = "/bin/sh"
		run = append([]string{"/bin/sh", "-c", `"$@"` + redirect, "dfopt-smoke"}, argv...)
	} else {
		shell = SmokeShellImage
		// Named busybox: it runs the applet its file name names.
		const bb = "/.dfopt-smoke-bin/busybox"
		mount = "--mount=type=bind,from=" + SmokeShellImage + ",source=/bin/busybox,target=" + bb + " "
		run = append([]string{bb, "sh", "-c", `n=$1 p=$2; shift 2; (exec -a "$n" "$p" "$@")` + redirect, "dfopt-smoke", argv[0], prog}, argv[1:]...)
	}
	var words bytes.Buffer
	enc := json.NewEncoder(&words)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(run); err != nil {
		return "", "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "FROM %s AS run\n", smokeImageName)
	fmt.Fprintf(&b, "WORKDIR %s\n", out)
	fmt.Fprintf(&b, "WORKDIR %s\n", dockerfileWord(wd))
	fmt.Fprintf(&b, "RUN %s%s", mount, words.String())
	fmt.Fprintf(&b, "FROM scratch\nCOPY --from=run %s/ /\n", out)
	return b.String(), shell, nil
}

// dockerfileWord escapes what a Dockerfile would expand or join in an
// instruction's argument: the escape character and $.
func dockerfileWord(s string) string {
	var b bytes.Buffer
	for _, c := range []byte(s) {
		if c == '\\' || c == '$' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// SmokeOptions configures RunSmoke.
type SmokeOptions struct {
	// Contexts are named contexts for the build (SmokeShellImage mapped
	// to a local image, say).
	Contexts []buildkit.NamedContext
	// WorkDir holds the build's files (default: a temporary directory,
	// removed afterwards).
	WorkDir string
	// Timeout bounds the run (default DefaultSmokeTimeout).
	Timeout time.Duration
	// Log receives the builder's output.
	Log io.Writer
}

// RunSmoke runs a command in the image of an OCI layout directory (its
// only image, or the one with the manifest digest given after an "@":
// DIR@sha256:...) the way Options.Smoke commands run, and returns its exit
// status and output. A build that fails is a SmokeRun with Error set;
// the error is for what keeps it from starting.
func RunSmoke(ctx context.Context, b buildkit.Builder, layout string, argv []string, o SmokeOptions) (*SmokeRun, error) {
	dir, digest, _ := strings.Cut(layout, "@")
	img, err := oci.Open(dir)
	if err != nil {
		return nil, err
	}
	if digest == "" {
		digest = img.ManifestDescriptor.Digest
	} else if digest != img.ManifestDescriptor.Digest {
		return nil, fmt.Errorf("%s: the image has digest %s, not %s", dir, img.ManifestDescriptor.Digest, digest)
	}
	tree, err := img.Tree()
	if err != nil {
		return nil, err
	}
	work := o.WorkDir
	if work == "" {
		if work, err = os.MkdirTemp("", "dfopt-smoke-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	sr := &smokeRunner{builder: b, contexts: o.Contexts, work: work, timeout: o.Timeout, log: o.Log}
	return sr.run(ctx, smokeImage{layout: abs, digest: digest, cfg: img.Config.Config, tree: tree}, argv)
}
