//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/verify"
)

// The single-stage Go program of the articles on image size, and the
// multi-stage version written by hand that builds a static binary and
// puts it on scratch (what a multi-stage rewrite would produce).
const (
	whatsmyipSingle = `FROM golang
COPY whatsmyip.go .
RUN go build whatsmyip.go
CMD ["./whatsmyip"]
`
	whatsmyipScratch = `FROM golang
COPY whatsmyip.go .
ENV CGO_ENABLED=0
RUN go build whatsmyip.go
FROM scratch
COPY --from=0 /go/whatsmyip .
CMD ["./whatsmyip"]
`
	// A rewrite that gets it wrong: it copies the source, not the binary.
	whatsmyipNoBinary = `FROM golang
COPY whatsmyip.go .
ENV CGO_ENABLED=0
RUN go build whatsmyip.go
FROM scratch
COPY --from=0 /go/whatsmyip.go .
CMD ["./whatsmyip"]
`
)

// whatsmyipGo answers each HTTP request with the caller's address; with
// -selftest it asks itself once over the loopback interface, prints the
// answer and exits.
const whatsmyipGo = `package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

func whatsmyip(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	fmt.Fprintln(w, host)
}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	selftest := flag.Bool("selftest", false, "ask this process once and exit")
	flag.Parse()
	http.HandleFunc("/", whatsmyip)
	if !*selftest {
		log.Fatal(http.ListenAndServe(*addr, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, nil)
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		log.Fatal(err)
	}
}
`

// goSmokeContexts maps the golang base and busybox (lent to scratch
// images for the smoke commands) besides debian.
func goSmokeContexts(t *testing.T) []buildkit.NamedContext {
	t.Helper()
	e := requireEnv(t)
	m := e.BaseContexts()
	for _, b := range []struct {
		names []string
		get   func() (harness.LayoutRef, error)
	}{
		{harness.GoBaseNames, func() (harness.LayoutRef, error) { return e.GoBase(testContext(t)) }},
		{harness.BusyboxBaseNames, func() (harness.LayoutRef, error) { return e.BusyboxBase(testContext(t)) }},
	} {
		ref, err := b.get()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range b.names {
			m[n] = ref
		}
	}
	return harness.NamedContexts(m)
}

// TestVerifySmoke proves a rewrite that changes the base on purpose: the
// Go program built on golang, and by hand as a static binary on scratch.
// dfopt verify --against, with the base declared changed, finds what the
// golang image gives the original (working directory, environment)
// changed with the base, sums up the toolchain that went away, finds the
// binary in both, and runs two smoke commands in both images (on scratch
// with a borrowed busybox): the same output and exit status. Then a
// rewrite that forgot the binary fails, through the dfopt binary: the
// program is missing and the smoke command's results differ.
func TestVerifySmoke(t *testing.T) {
	e := requireEnv(t)
	contexts := goSmokeContexts(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "whatsmyip.go"), whatsmyipGo)
	writeFile(t, filepath.Join(dir, "Dockerfile"), whatsmyipSingle)
	writeFile(t, filepath.Join(dir, "scratch.Dockerfile"), whatsmyipScratch)
	writeFile(t, filepath.Join(dir, "nobinary.Dockerfile"), whatsmyipNoBinary)

	smoke := []string{"./whatsmyip -selftest", "./whatsmyip -nosuchflag"}
	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Against:    filepath.Join(dir, "scratch.Dockerfile"),
		Changes:    []string{"base"},
		Smoke:      smoke,
		NoRebuild:  true,
		Contexts:   contexts,
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if len(rep.Smoke) != 2 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	self, bad := rep.Smoke[0], rep.Smoke[1]
	if !self.Same || self.Before.Status != 0 || self.Before.Stdout != "127.0.0.1\n" {
		t.Errorf("selftest: %+v / %+v", self.Before, self.After)
	}
	// A flag it does not know: exit status 2 and the usage, which names
	// the program as it was called.
	if !bad.Same || bad.Before.Status != 2 || bad.Before.Stdout != "" ||
		!strings.HasPrefix(bad.Before.Stderr, "flag provided but not defined: -nosuchflag\nUsage of ./whatsmyip:\n") {
		t.Errorf("-nosuchflag: %+v / %+v", bad.Before, bad.After)
	}
	// golang has a shell, scratch borrows busybox's.
	if self.Before.Shell != "/bin/sh" || self.After.Shell != verify.SmokeShellImage {
		t.Errorf("shells %q, %q", self.Before.Shell, self.After.Shell)
	}
	changed := map[string]bool{}
	for _, d := range rep.ConfigDifferences {
		if !d.Inherited {
			t.Errorf("a configuration difference that the base does not explain: %s", d)
		}
		changed[d.Field+"["+d.Key+"]"] = true
	}
	for _, f := range []string{"WorkingDir[]", "Env[GOPATH]", "Env[PATH]"} {
		if !changed[f] {
			t.Errorf("%s is not listed as changed with the base: %v", f, changed)
		}
	}
	if rep.BaseBefore != "golang" || rep.BaseAfter != "scratch" || rep.BaseChangedPaths == 0 || len(rep.Differences) != 0 {
		t.Errorf("base %q => %q, %d paths changed with it, %d differences", rep.BaseBefore, rep.BaseAfter, rep.BaseChangedPaths, len(rep.Differences))
	}
	goToolchain := int64(-1)
	if rep.Gone != nil {
		for _, d := range rep.Gone.Dirs {
			if strings.HasPrefix(d.Dir, "/usr/lib/go") {
				goToolchain = d.Bytes
			}
		}
	}
	if goToolchain < 100<<20 {
		t.Errorf("the Go toolchain that went away: %d bytes (%+v)", goToolchain, rep.Gone)
	}
	if rep.New == nil || rep.New.Files != 1 || rep.New.Dirs[0].Dir != "/" {
		t.Errorf("new files: %+v", rep.New)
	}
	if len(rep.ProgramFiles) != 1 || rep.ProgramFiles[0].Before != "/go/whatsmyip" || rep.ProgramFiles[0].After != "/whatsmyip" {
		t.Errorf("program files: %+v", rep.ProgramFiles)
	}
	requireLines(t, text,
		"\nchanged on purpose:\n",
		"\n  base: golang => scratch (declared by --changes)\n",
		"\n  program ./whatsmyip: /go/whatsmyip => /whatsmyip\n",
		"\n  ./whatsmyip -selftest: same: exit 0, 1 line on stdout, nothing on stderr\n",
	)
	if !strings.Contains(text, "\nwent away (only in the original's image): ") {
		t.Error("no summary of what went away")
	}
	t.Logf("compressed: %s before, %s after (the scratch image is all the rewrite's: %d shared layers)",
		verify.Bytes(rep.Before.AddedCompressedBytes), verify.Bytes(rep.After.AddedCompressedBytes), rep.SharedLayers)
	if rep.SharedLayers != 0 || rep.After.AddedCompressedBytes >= 10<<20 {
		t.Errorf("the scratch image is %s compressed (%d shared layers), want under 10 MiB",
			verify.Bytes(rep.After.AddedCompressedBytes), rep.SharedLayers)
	}

	// The same binary on distroless as its nonroot user: the smoke command
	// runs as that user, in its home, with busybox lent for the
	// redirections.
	nonroot, err := e.DistrolessNonrootBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	golang, err := e.GoBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	busybox, err := e.BusyboxBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	distroless := build(t, harness.BuildOptions{Env: e, ContextDir: dir, OutputLayoutDir: true,
		Contexts: map[string]harness.LayoutRef{"golang": golang, harness.DistrolessNonrootBaseNames[0]: nonroot},
		Dockerfile: `FROM golang
COPY whatsmyip.go .
ENV CGO_ENABLED=0
RUN go build whatsmyip.go
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=0 /go/whatsmyip .
CMD ["./whatsmyip"]
`})
	r, err := verify.RunSmoke(testContext(t), e.Builder(), distroless.Output, []string{"./whatsmyip", "-selftest"},
		verify.SmokeOptions{Contexts: harness.NamedContexts(map[string]harness.LayoutRef{verify.SmokeShellImage: busybox}), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := distroless.Image.Config.Config; cfg.User != "65532:65532" || cfg.WorkingDir != "/home/nonroot" {
		t.Errorf("distroless nonroot: user %q, working directory %q", cfg.User, cfg.WorkingDir)
	}
	if r.Error != "" || r.Status != 0 || r.Stdout != "127.0.0.1\n" || r.Shell != verify.SmokeShellImage {
		t.Errorf("on distroless as nonroot: %+v", r)
	}

	// The rewrite without the binary, through the command line.
	bin := filepath.Join(t.TempDir(), "dfopt")
	if out, err := exec.CommandContext(testContext(t), "go", "build", "-o", bin, "github.com/dfopt/dfopt/cmd/dfopt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"verify", "--builder", "buildctl", "--addr", e.Addr, "--against", filepath.Join(dir, "nobinary.Dockerfile"),
		"--changes", "base", "--smoke", smoke[0], "--no-rebuild"}
	for _, c := range contexts {
		args = append(args, "--build-context", c.String())
	}
	cmd := exec.CommandContext(testContext(t), bin, append(args, filepath.Join(dir, "Dockerfile"))...)
	cmd.Env = append(os.Environ(), "DFOPT_BUILDCTL="+e.Buildctl, "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("dfopt verify (no binary):\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("dfopt verify of a rewrite without the binary: %v, want exit status 1", err)
	}
	requireLines(t, stdout.String(),
		"\n  program ./whatsmyip: /go/whatsmyip => (none)  MISSING in the rewrite\n",
		"\n  ./whatsmyip -selftest: DIFFERENT\n",
		"\n      stdout | 127.0.0.1\n",
		"\n      stderr | ./whatsmyip: not found\n",
		"\nverdict: NOT equivalent: 0 paths and 0 configuration fields differ; 1 of the program's own files is missing; 1 smoke command gives different results\n",
	)
}
