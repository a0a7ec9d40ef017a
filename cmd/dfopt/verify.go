package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

const verifyUsage = `usage: dfopt verify [flags] Dockerfile

Builds the Dockerfile and dfopt's rewrite of it with your BuildKit, without
cache, and compares the two images:
  - layers, and bytes added above the layers both images share;
  - the final file trees (type, mode, owner, size, content, link target),
    leaving out what the applied passes say they remove and what differs
    between two builds of the original or is a package index a live
    mirror decides (logs, bytecode, apt lists: "unstable");
  - the image configuration (Entrypoint, Cmd, Env, User, WorkingDir,
    ExposedPorts, Volumes, Labels, Healthcheck, StopSignal, Author);
  - what went away and what is new, summed up by directory, and whether
    the program's own files are still there (the file its command runs,
    the files the command names, the working directory the Dockerfile
    sets);
  - the output of smoke commands run in both images (--smoke), or of the
    image's own program with --version when it is one known to print its
    version and exit (python, node, java, ruby, curl, nginx, ...);
    otherwise it says that it ran nothing.
Differences that the rewrite makes on purpose (the aggressive passes
declare them: tini the Entrypoint, exec-form the Cmd, ...; --changes for a
rewrite given with --against) are listed as changed on purpose; any other
difference fails.
Then it builds both again with the cache warm after appending a line of
whitespace to a source file (in a copy of the context) and reports each
rebuild's time and cached steps. Images go to OCI archives in a temporary
directory; nothing is pushed or loaded. If dfopt changes nothing, nothing
is built.

Flags:
      --context=DIR            build context (default: the Dockerfile's directory)
      --target=STAGE           stage to build (default: the last one)
      --builder=KIND           auto, docker or buildctl (default auto: docker buildx
                               when "docker buildx version" and "docker info" work
                               and no --addr is given, buildctl otherwise)
      --addr=ADDR              buildkitd address for buildctl (default $BUILDKIT_HOST)
      --build-context=NAME=VALUE
                               named context for both builds, as with docker buildx:
                               a directory, oci-layout://DIR[:TAG][@DIGEST],
                               docker-image://REF, ... (repeatable)
      --build-arg=KEY=VALUE    build argument for both builds (repeatable)
      --enable=LIST, --disable=LIST, --level=LEVEL
                               the passes, as for dfopt
      --touch=FILE             file of the context changed for the rebuild measurement
                               (relative to the context or the current directory)
                               (default: the first file that a COPY or ADD of the
                               stage copies, leaving out dependency manifests such
                               as package.json or go.mod, build scripts, Dockerfiles
                               and hidden files)
      --no-rebuild             do not measure rebuilds
      --smoke=COMMAND          run COMMAND in both images and require the same exit
                               status, standard output and standard error (repeatable).
                               One command of literal words, quoted as in a shell
                               ('sh -c "..."' for more); it runs as "docker run
                               --entrypoint" runs it: the image's user, working
                               directory and environment, not its Entrypoint or Cmd.
                               Images without /bin/sh borrow a static busybox from
                               the image busybox:musl (map it with --build-context)
      --no-smoke               run no smoke command, not even the default one
      --smoke-timeout=DURATION limit for each smoke run (default 3m)
      --against=FILE           verify FILE, another Dockerfile built with the same
                               context (a rewrite by hand, say), instead of dfopt's
                               rewrite; no pass runs
      --changes=LIST           changes the rewrite makes on purpose: configuration
                               fields (Entrypoint, Cmd, Env, User, WorkingDir,
                               ExposedPorts, Volumes, Labels, Healthcheck,
                               StopSignal, Author), FIELD[KEY] for one variable,
                               label, port or volume, "base" (the final stage is
                               built on another base: files are then summed up, not
                               compared path by path, and configuration inherited
                               from the base may change), or path patterns
      --honor-syntax           build with the frontend image a "# syntax=" line names;
                               by default buildctl builds use the built-in Dockerfile
                               frontend for both images (docker buildx always honors it)
      --json                   print the report as JSON
  -v, --verbose                show the builders' output on standard error
  -h, --help                   print this help and exit

The programs run are docker and buildctl from PATH, or those named by
$DFOPT_DOCKER and $DFOPT_BUILDCTL.

Exit status: 0 equivalent (or nothing to change), 1 not equivalent (the
differing paths and fields, the program's missing files and the smoke
commands whose results differ are listed), 2 could not build (with the
end of the build log; when the original does not build, the rewrite is
not built), a smoke command that could not run in either image, or
another error.
`

type verifyConfig struct {
	context, target, builder, addr, touch, level string
	enable, disable, changes                     listFlag
	contexts, buildArgs, smoke                   multiFlag
	json, noRebuild, honorSyntax, verbose, help  bool
	noSmoke                                      bool
	smokeTimeout                                 time.Duration
	against                                      string
	paths                                        []string
}

// multiFlag is a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func newVerifyFlagSet(c *verifyConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("dfopt verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&c.context, "context", "", "build context")
	fs.StringVar(&c.target, "target", "", "stage to build")
	fs.StringVar(&c.builder, "builder", buildkit.KindAuto, "auto, docker or buildctl")
	fs.StringVar(&c.addr, "addr", "", "buildkitd address")
	fs.Var(&c.contexts, "build-context", "named context NAME=VALUE")
	fs.Var(&c.buildArgs, "build-arg", "build argument KEY=VALUE")
	fs.Var(&c.enable, "enable", "run only these passes")
	fs.Var(&c.disable, "disable", "do not run these passes")
	fs.StringVar(&c.level, "level", "", "format, safe or aggressive")
	fs.StringVar(&c.touch, "touch", "", "file changed for the rebuild measurement")
	fs.BoolVar(&c.noRebuild, "no-rebuild", false, "do not measure rebuilds")
	fs.Var(&c.smoke, "smoke", "command run in both images")
	fs.BoolVar(&c.noSmoke, "no-smoke", false, "run no smoke command")
	fs.DurationVar(&c.smokeTimeout, "smoke-timeout", verify.DefaultSmokeTimeout, "limit for each smoke run")
	fs.StringVar(&c.against, "against", "", "verify this Dockerfile instead of dfopt's rewrite")
	fs.Var(&c.changes, "changes", "changes made on purpose")
	fs.BoolVar(&c.honorSyntax, "honor-syntax", false, "use the frontend of the syntax line")
	fs.BoolVar(&c.json, "json", false, "print JSON")
	fs.BoolVar(&c.verbose, "v", false, "show the builders' output")
	fs.BoolVar(&c.verbose, "verbose", false, "show the builders' output")
	fs.BoolVar(&c.help, "h", false, "print help")
	fs.BoolVar(&c.help, "help", false, "print help")
	return fs
}

// parseVerifyArgs parses flags and operands in any order ("--" ends the
// flags).
func parseVerifyArgs(args []string) (*verifyConfig, error) {
	c := &verifyConfig{}
	fs := newVerifyFlagSet(c)
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return c, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			c.paths = append(c.paths, rest...)
			return c, nil
		}
		c.paths = append(c.paths, rest[0])
		args = rest[1:]
	}
}

// runVerify is `dfopt verify`. all is the set of passes to choose from
// (nil: every pass).
func runVerify(args []string, stdout, stderr io.Writer, all []*analysis.Pass) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "dfopt verify: "+format+"\n", a...)
		return verify.ExitCouldNotBuild
	}
	c, err := parseVerifyArgs(args)
	if err != nil {
		return fail("%v\nrun 'dfopt verify --help' for usage", err)
	}
	if c.help {
		io.WriteString(stdout, verifyUsage)
		return exitOK
	}
	switch len(c.paths) {
	case 0:
		return fail("no Dockerfile given\nrun 'dfopt verify --help' for usage")
	case 1:
	default:
		return fail("one Dockerfile at a time (got %d: %s)", len(c.paths), strings.Join(c.paths, " "))
	}
	path := c.paths[0]
	if path == "-" {
		return fail("the Dockerfile must be a file (standard input cannot be built)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fail("%v", err)
	}
	if fi.IsDir() {
		return fail("%s is a directory; name the Dockerfile", path)
	}
	if c.context != "" {
		if fi, err := os.Stat(c.context); err != nil {
			return fail("--context: %v", err)
		} else if !fi.IsDir() {
			return fail("--context: %s is not a directory", c.context)
		}
	}
	switch c.builder {
	case buildkit.KindAuto, buildkit.KindDocker, buildkit.KindBuildctl:
	default:
		return fail("--builder: unknown builder %q (want auto, docker or buildctl)", c.builder)
	}
	if c.addr != "" && c.builder == buildkit.KindDocker {
		return fail("--addr is the address of a buildkitd for buildctl; it cannot be used with --builder docker")
	}
	var contexts []buildkit.NamedContext
	for _, s := range c.contexts {
		nc, err := buildkit.ParseNamedContext(s)
		if err != nil {
			return fail("--build-context: %v", err)
		}
		contexts = append(contexts, nc)
	}
	var buildArgs []buildkit.BuildArg
	for _, s := range c.buildArgs {
		ba, err := buildkit.ParseBuildArg(s)
		if err != nil {
			return fail("--build-arg: %v", err)
		}
		buildArgs = append(buildArgs, ba)
	}
	if c.noSmoke && len(c.smoke) > 0 {
		return fail("--no-smoke and --smoke cannot be used together")
	}
	for _, s := range c.smoke {
		if _, err := verify.ParseSmokeCommand(s); err != nil {
			return fail("--smoke: %v", err)
		}
	}
	if c.smokeTimeout <= 0 {
		return fail("--smoke-timeout: want a positive duration")
	}
	if err := verify.CheckChanges(c.changes.names); err != nil {
		return fail("--changes: %v", err)
	}
	if c.against != "" {
		if c.enable.set || c.disable.set || c.level != "" {
			return fail("--against verifies another Dockerfile, not dfopt's rewrite: --enable, --disable and --level do not apply")
		}
		if fi, err := os.Stat(c.against); err != nil {
			return fail("--against: %v", err)
		} else if fi.IsDir() {
			return fail("--against: %s is a directory; name the Dockerfile", c.against)
		}
	}
	opts, err := verifyPassOptions(c, all, path)
	if err != nil {
		return fail("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	vo := verify.Options{
		Dockerfile: path,
		ContextDir: c.context,
		Target:     c.target,
		Contexts:   contexts,
		BuildArgs:  buildArgs,
		SelectBuilder: func(ctx context.Context) (buildkit.Builder, error) {
			return buildkit.Select(ctx, buildkit.SelectOptions{Kind: c.builder, Addr: c.addr,
				Docker: os.Getenv("DFOPT_DOCKER"), Buildctl: os.Getenv("DFOPT_BUILDCTL")})
		},
		Optimize:     opts,
		HonorSyntax:  c.honorSyntax,
		Touch:        c.touch,
		NoRebuild:    c.noRebuild,
		Against:      c.against,
		Changes:      c.changes.names,
		Smoke:        c.smoke,
		NoSmoke:      c.noSmoke,
		SmokeTimeout: c.smokeTimeout,
		Progress:     stderr,
	}
	if c.verbose {
		vo.Log = stderr
	}
	rep, err := verify.Run(ctx, vo)
	if err != nil {
		// Unreadable or unparsable Dockerfile, bad options, or a builder
		// that cannot be reached (*buildkit.UnreachableError says why and
		// what to do).
		return fail("%v", err)
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail("%v", err)
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return fail("writing standard output: %v", err)
	}
	return rep.ExitCode()
}

// verifyPassOptions turns --enable, --disable and --level, over the
// project's .dfopt.yaml found from the Dockerfile's directory, into optimizer
// options, with the checks of the main command.
func verifyPassOptions(c *verifyConfig, all []*analysis.Pass, path string) (optimizer.Options, error) {
	cfg := &config{enable: c.enable, disable: c.disable, level: c.level, paths: []string{"x"}}
	if err := cfg.resolve(all); err != nil {
		return optimizer.Options{}, err
	}
	return cfg.fileOptions(path)
}
