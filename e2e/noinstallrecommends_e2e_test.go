//go:build e2e

package e2e

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestNoInstallRecommends proves no-install-recommends on a Debian image
// that installs git and curl: the rewrite installs them without their
// recommends (openssh-client, less, patch, ...) and with ca-certificates,
// which their libraries only recommend and https needs. dfopt verify
// builds both: the system directories changed on purpose, the image is
// smaller, and git and curl work the same, curl over https included.
func TestNoInstallRecommends(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	original := `FROM debian:bookworm
RUN apt-get update && apt-get install -y git curl && rm -rf /var/lib/apt/lists/*
CMD ["git", "--version"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	rewritten := rewrite(t, original, optimizer.Options{Enable: []string{"no-install-recommends"}})
	if !strings.Contains(rewritten, "apt-get install --no-install-recommends -y git curl ca-certificates &&") {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"no-install-recommends"}},
		Smoke: []string{"git --version", "curl --version",
			`sh -c 'curl -sS -o /dev/null -w "%{http_code}\n" https://registry.npmjs.org/is-number'`,
			"sh -c 'command -v ssh || echo no ssh'"},
		NoRebuild: true,
	})
	// The last smoke command shows what went (ssh, recommended by git):
	// its output differs, so the verdict is not-equivalent on that
	// command alone.
	if len(rep.Smoke) != 4 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	for _, s := range rep.Smoke[:3] {
		if !s.Same || s.Before.Status != 0 {
			t.Errorf("%s: %+v / %+v", s.Command, s.Before, s.After)
		}
	}
	if got := rep.Smoke[2].Before.Stdout; got != "200\n" {
		t.Errorf("curl over https: %q", got)
	}
	if ssh := rep.Smoke[3]; ssh.Same || ssh.Before.Stdout != "/usr/bin/ssh\n" || ssh.After.Stdout != "no ssh\n" {
		t.Errorf("ssh: %+v / %+v", ssh.Before, ssh.After)
	}
	if len(rep.Differences) != 0 || len(rep.ConfigDifferences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v %+v", rep.Differences, rep.ConfigDifferences)
	}
	if len(rep.ChangedPaths) == 0 || rep.Gone == nil {
		t.Errorf("nothing changed on purpose: %+v", rep.Gone)
	}
	b, a := rep.Before.AddedBytes, rep.After.AddedBytes
	t.Logf("bytes above debian:bookworm: with recommends %s, without %s; went away: %d files", mib(b), mib(a), rep.Gone.Files)
	if a >= b {
		t.Errorf("not smaller: %d >= %d", a, b)
	}
}

// TestNoInstallRecommendsCompiler proves the libc6-dev rule: gcc only
// recommends the C library's headers and start files, so the option alone
// would make the later gcc step fail ("stdio.h: No such file or
// directory"). The rewrite installs libc6-dev by name; both images build,
// and the program they compiled prints the same; the option alone does not
// build.
func TestNoInstallRecommendsCompiler(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	original := `FROM debian:bookworm
RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
RUN printf '#include <stdio.h>\nint main(void) { puts("compiled"); return 0; }\n' > /hello.c && gcc -o /usr/local/bin/hello /hello.c
CMD ["hello"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	opts := optimizer.Options{Enable: []string{"no-install-recommends"}}
	rewritten := rewrite(t, original, opts)
	if !strings.Contains(rewritten, "apt-get install --no-install-recommends -y gcc libc6-dev &&") {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   opts,
		Smoke:      []string{"hello"},
		NoRebuild:  true,
	})
	if len(rep.Smoke) != 1 || !rep.Smoke[0].Same || rep.Smoke[0].After.Status != 0 || rep.Smoke[0].After.Stdout != "compiled\n" {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	if len(rep.Differences) != 0 || len(rep.ConfigDifferences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v %+v", rep.Differences, rep.ConfigDifferences)
	}
	b, a := rep.Before.AddedBytes, rep.After.AddedBytes
	t.Logf("bytes above debian:bookworm: with recommends %s, without %s", mib(b), mib(a))
	if a >= b {
		t.Errorf("not smaller: %d >= %d", a, b)
	}
	// The option alone, without libc6-dev, does not build.
	optionOnly := strings.Replace(rewritten, " libc6-dev", "", 1)
	if optionOnly == rewritten {
		t.Fatalf("no libc6-dev to take out:\n%s", rewritten)
	}
	res, err := harness.Build(testContext(t), harness.BuildOptions{Env: requireEnv(t), Dockerfile: optionOnly, OutDir: t.TempDir()})
	if err == nil {
		res.Cleanup()
		t.Fatalf("built without libc6-dev:\n%s", optionOnly)
	}
	if !strings.Contains(err.Error(), "stdio.h") {
		t.Errorf("build without libc6-dev failed for another reason: %v", err)
	}
}

// TestNoInstallRecommendsRuntime proves the run-time recommends the fix
// installs by name: python3's ca-certificates (urllib over https checks the
// server with the system's certificates) and perl's netbase
// (getprotobyname, which perl's TCP sockets use, reads /etc/protocols).
// Both programs work the same after the rewrite.
func TestNoInstallRecommendsRuntime(t *testing.T) {
	proveRecommendsKept(t, `FROM debian:bookworm
RUN apt-get update && apt-get install -y python3 perl && rm -rf /var/lib/apt/lists/*
CMD ["python3", "--version"]
`, "apt-get install --no-install-recommends -y python3 perl ca-certificates netbase &&", map[string]string{
		`python3 -c "import urllib.request; print(urllib.request.urlopen('https://deb.debian.org/debian/').status)"`: "200\n",
		`perl -e 'print scalar(getprotobyname("tcp")), "\n"'`:                                                        "6\n",
	})
}

// TestNoInstallRecommendsDepends proves the recommends of a package that an
// installed one depends on: python3-venv depends on python3, whose
// python3.N recommends ca-certificates, so without recommends urllib has no
// certificates to check an https server with. The fix installs it by name,
// and the program works the same after the rewrite.
func TestNoInstallRecommendsDepends(t *testing.T) {
	proveRecommendsKept(t, `FROM debian:bookworm
RUN apt-get update && apt-get install -y python3-venv && rm -rf /var/lib/apt/lists/*
CMD ["python3", "--version"]
`, "apt-get install --no-install-recommends -y python3-venv ca-certificates &&", map[string]string{
		`python3 -c "import urllib.request; print(urllib.request.urlopen('https://deb.debian.org/debian/').status)"`: "200\n",
		`python3 -c "import ensurepip, ssl; print(len(ssl.create_default_context().get_ca_certs()) > 0)"`:            "True\n",
	})
}

// proveRecommendsKept rewrites original with no-install-recommends, checks
// that the rewrite holds want, and builds both images: each smoke command
// prints what the map says in both, nothing differs outside what the fix
// declares, and the rewrite's image is no larger.
func proveRecommendsKept(t *testing.T, original, want string, smoke map[string]string) {
	t.Helper()
	requireEnv(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	opts := optimizer.Options{Enable: []string{"no-install-recommends"}}
	rewritten := rewrite(t, original, opts)
	if !strings.Contains(rewritten, want) {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	commands := slices.Sorted(maps.Keys(smoke))
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   opts,
		Smoke:      commands,
		NoRebuild:  true,
	})
	if len(rep.Smoke) != len(commands) {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	for _, s := range rep.Smoke {
		if want, ok := smoke[s.Command]; !ok || !s.Same || s.After.Status != 0 || s.After.Stdout != want {
			t.Errorf("%s: %+v / %+v", s.Command, s.Before, s.After)
		}
	}
	if len(rep.Differences) != 0 || len(rep.ConfigDifferences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v %+v", rep.Differences, rep.ConfigDifferences)
	}
	b, a := rep.Before.AddedBytes, rep.After.AddedBytes
	t.Logf("bytes above debian:bookworm: with recommends %s, without %s", mib(b), mib(a))
	if a > b {
		t.Errorf("larger: %d > %d", a, b)
	}
}
