//go:build e2e

package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestNonRoot proves non-root on a Debian image whose program writes to
// its working directory: the rewrite creates a system user, gives it /app
// and what is copied there, and switches to it before CMD. dfopt verify
// builds both: the user, the user databases, the new home and the owner of
// /app changed on purpose and nothing else; the program runs as a uid
// other than 0 and prints the same, its write to /app included; and root's
// home is no longer writable.
func TestNonRoot(t *testing.T) {
	requireEnv(t)
	t.Run("debian", func(t *testing.T) {
		nonRoot(t, "debian:bookworm", "useradd --system --user-group --create-home app", []string{"/etc/passwd changed", "/home/app added"})
	})
}

func nonRoot(t *testing.T, base, create string, users []string) {
	dir := t.TempDir()
	original := `FROM ` + base + `
WORKDIR /app
COPY app.sh .
CMD ["sh", "app.sh"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	writeFile(t, filepath.Join(dir, "app.sh"), "echo written >/app/state && cat /app/state && echo hello >>app.sh.log && cat app.sh.log\n")
	opts := optimizer.Options{Enable: []string{"non-root"}, ContextDir: dir, Filename: filepath.Join(dir, "Dockerfile")}
	rewritten := rewrite(t, original, opts)
	want := `FROM ` + base + `
WORKDIR /app
RUN ` + create + ` && chown app:app /app
COPY --chown=app:app app.sh .
USER app
CMD ["sh", "app.sh"]
`
	if rewritten != want {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"non-root"}},
		Smoke: []string{"sh app.sh", "id -u", "id -un",
			`sh -c 'touch /root/x 2>/dev/null && echo root home writable || echo root home denied'`},
		NoRebuild: true,
	})
	if len(rep.Smoke) != 4 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	if s := rep.Smoke[0]; !s.Same || s.Before.Status != 0 || s.Before.Stdout != "written\nhello\n" {
		t.Errorf("the program: %+v / %+v", s.Before, s.After)
	}
	if s := rep.Smoke[1]; s.Before.Stdout != "0\n" || s.After.Status != 0 || s.After.Stdout == "0\n" || s.After.Stdout == "" {
		t.Errorf("id -u: %+v / %+v", s.Before, s.After)
	} else {
		t.Logf("uid: original %s, rewrite %s", strings.TrimSpace(s.Before.Stdout), strings.TrimSpace(s.After.Stdout))
	}
	if s := rep.Smoke[2]; s.Before.Stdout != "root\n" || s.After.Stdout != "app\n" {
		t.Errorf("id -un: %+v / %+v", s.Before, s.After)
	}
	if s := rep.Smoke[3]; s.Before.Stdout != "root home writable\n" || s.After.Stdout != "root home denied\n" {
		t.Errorf("root's home: %+v / %+v", s.Before, s.After)
	}
	if len(rep.Differences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v", rep.Differences)
	}
	if c := rep.ConfigDifferences; len(c) != 1 || c[0].Field != "User" || c[0].After != `"app"` || c[0].AllowedBy != "non-root" {
		t.Errorf("configuration: %+v", c)
	}
	var changed []string
	for _, d := range rep.ChangedPaths {
		changed = append(changed, d.Path+" "+d.Kind)
	}
	for _, p := range append(users, "/app changed", "/app/app.sh changed") {
		if !slices.Contains(changed, p) {
			t.Errorf("%s is not among the paths changed on purpose: %v", p, changed)
		}
	}
	t.Logf("changed on purpose: %v", changed)
	requireLines(t, text, "\nchanged on purpose:\n", "\n  User: (none) => \"app\" (declared by non-root)\n")
}

// TestNonRootDistroless proves non-root on distroless, which has no shell
// to create users with but a nonroot user (65532): the rewrite switches to
// it by id and gives it the program it copies. The program (busybox,
// static) runs as 65532 and finds the user's name in distroless's
// /etc/passwd.
func TestNonRootDistroless(t *testing.T) {
	e := requireEnv(t)
	distroless, err := e.DistrolessBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	busybox, err := e.BusyboxBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	original := `FROM busybox AS tools
FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=tools /bin/busybox ./busybox
ENTRYPOINT ["/app/busybox"]
CMD ["id", "-u"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	rewritten := rewrite(t, original, optimizer.Options{Enable: []string{"non-root"}})
	want := `FROM busybox AS tools
FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=tools --chown=65532:65532 /bin/busybox ./busybox
USER 65532:65532
ENTRYPOINT ["/app/busybox"]
CMD ["id", "-u"]
`
	if rewritten != want {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"non-root"}},
		Smoke:      []string{"/app/busybox id -u", "/app/busybox id -un", "/app/busybox echo hello"},
		NoRebuild:  true,
		Contexts: harness.NamedContexts(map[string]harness.LayoutRef{
			harness.DistrolessBaseNames[0]: distroless, "busybox": busybox, verify.SmokeShellImage: busybox}),
	})
	if len(rep.Smoke) != 3 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	if s := rep.Smoke[0]; s.Before.Stdout != "0\n" || s.After.Stdout != "65532\n" {
		t.Errorf("id -u: %+v / %+v", s.Before, s.After)
	}
	if s := rep.Smoke[1]; s.Before.Stdout != "root\n" || s.After.Stdout != "nonroot\n" {
		t.Errorf("id -un: %+v / %+v", s.Before, s.After)
	}
	if s := rep.Smoke[2]; !s.Same || s.Before.Stdout != "hello\n" {
		t.Errorf("the program: %+v / %+v", s.Before, s.After)
	}
	if len(rep.Differences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v", rep.Differences)
	}
	if c := rep.ConfigDifferences; len(c) != 1 || c[0].Field != "User" || c[0].After != `"65532:65532"` || c[0].AllowedBy != "non-root" {
		t.Errorf("configuration: %+v", c)
	}
	var changed []string
	for _, d := range rep.ChangedPaths {
		changed = append(changed, d.Path+" "+d.Kind)
	}
	if !slices.Equal(changed, []string{"/app/busybox changed"}) {
		t.Errorf("changed on purpose: %v", changed)
	}
}

// TestNonRootMkdir proves that a directory a RUN makes in the application
// directory is given to the new user: the program writes its data there
// as before, now as app, and nothing outside what the fix declares
// changes.
func TestNonRootMkdir(t *testing.T) {
	requireEnv(t)
	original := `FROM debian:bookworm
WORKDIR /app
COPY app.sh .
RUN mkdir -p data/db
CMD ["sh", "app.sh"]
`
	script := "echo written >/app/data/state && mkdir -p /app/data/db/x && cat /app/data/state && id -un\n"
	want := `FROM debian:bookworm
WORKDIR /app
RUN useradd --system --user-group --create-home app && chown app:app /app
COPY --chown=app:app app.sh .
RUN mkdir -p data/db
RUN chown -R app:app /app/data
USER app
CMD ["sh", "app.sh"]
`
	nonRootApp(t, original, script, want, "written\n")
}

// TestNonRootInheritedWorkdir proves that the working directory a stage
// sets is given to the new user in the stage built FROM it, with the
// directories its RUN made there: the program writes to /app and to
// /app/data as before, now as app.
func TestNonRootInheritedWorkdir(t *testing.T) {
	requireEnv(t)
	original := `FROM debian:bookworm AS build
WORKDIR /app
RUN mkdir -p data/db

FROM build
COPY app.sh .
CMD ["sh", "app.sh"]
`
	script := "echo written >/app/state && echo more >/app/data/state && mkdir -p /app/data/db/x && cat /app/state /app/data/state && id -un\n"
	want := `FROM debian:bookworm AS build
WORKDIR /app
RUN mkdir -p data/db

FROM build
RUN useradd --system --user-group --create-home app && chown app:app /app
COPY --chown=app:app app.sh .
RUN chown -R app:app /app/data
USER app
CMD ["sh", "app.sh"]
`
	nonRootApp(t, original, script, want, "written\nmore\n")
}

// nonRootApp rewrites original, whose CMD runs app.sh (script) in /app,
// with non-root, requires the rewrite want, and builds both with dfopt
// verify: the program prints out and then its user's name, root before
// and app after, and nothing outside what the fix declares changes.
func nonRootApp(t *testing.T, original, script, want, out string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	writeFile(t, filepath.Join(dir, "app.sh"), script)
	opts := optimizer.Options{Enable: []string{"non-root"}, ContextDir: dir, Filename: filepath.Join(dir, "Dockerfile")}
	if rewritten := rewrite(t, original, opts); rewritten != want {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"non-root"}},
		Smoke:      []string{"sh app.sh"},
		NoRebuild:  true,
	})
	if len(rep.Smoke) != 1 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	if s := rep.Smoke[0]; s.Before.Status != 0 || s.After.Status != 0 || s.Before.Stdout != out+"root\n" || s.After.Stdout != out+"app\n" {
		t.Errorf("the program: %+v / %+v", s.Before, s.After)
	}
	if len(rep.Differences) != 0 {
		t.Errorf("differences outside what the fix declares: %+v", rep.Differences)
	}
}
