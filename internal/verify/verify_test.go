package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/oci/ocitest"
	"github.com/dfopt/dfopt/optimizer"
)

// fakeBuilder "builds" by writing the image that image returns for the
// Dockerfile it is given.
type fakeBuilder struct {
	checkErr error
	reqs     []buildkit.Request
	// contents of the Dockerfile and of the touched file at each build
	dockerfiles, touched []string
	touch                string
	image                func(df string, n int) (ocitest.Image, error)
	rebuildLog           func(df string) string
}

func (f *fakeBuilder) Name() string                    { return "fake" }
func (f *fakeBuilder) Describe() string                { return "fake builder" }
func (f *fakeBuilder) Check(ctx context.Context) error { return f.checkErr }

func (f *fakeBuilder) Build(ctx context.Context, req *buildkit.Request) (*buildkit.Result, error) {
	n := len(f.reqs)
	f.reqs = append(f.reqs, *req)
	data, err := os.ReadFile(filepath.Join(req.DockerfileDir, req.DockerfileName))
	if err != nil {
		return nil, err
	}
	df := string(data)
	f.dockerfiles = append(f.dockerfiles, df)
	if f.touch != "" {
		t, _ := os.ReadFile(filepath.Join(req.ContextDir, f.touch))
		f.touched = append(f.touched, string(t))
	}
	res := &buildkit.Result{Command: "fake", Duration: time.Duration(n+1) * time.Second}
	img, err := f.image(df, n)
	if err != nil {
		res.Log = "#7 [3/3] RUN false\n#7 ERROR: " + err.Error() + "\n"
		return res, &buildkit.BuildError{Builder: "fake", Err: errors.New("exit status 1"), Log: res.Log}
	}
	if !req.NoCache && f.rebuildLog != nil {
		res.Log = f.rebuildLog(df)
	}
	if req.Output != "" {
		if _, err := ocitest.Write(req.Output, img); err != nil {
			return nil, err
		}
	}
	return res, nil
}

const naive = `FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y jq
COPY app.sh /usr/local/bin/
CMD ["app.sh"]
`

var (
	baseLayer = ocitest.Layer{
		ocitest.Dir("usr"), ocitest.Dir("usr/bin"), ocitest.Reg("usr/bin/sh", "dash"), ocitest.Dir("usr/local"),
		ocitest.Dir("usr/local/bin"), ocitest.Dir("var"), ocitest.Dir("var/lib"), ocitest.Dir("var/lib/apt"),
		ocitest.Dir("var/lib/apt/lists"), ocitest.Dir("var/log"),
	}
	listsLayer = ocitest.Layer{ocitest.Reg("var/lib/apt/lists/deb_Packages", strings.Repeat("package list\n", 1000))}
	appLayer   = ocitest.Layer{ocitest.Reg("usr/local/bin/app.sh", "#!/bin/sh\necho hi\n")}
	config     = oci.Config{Cmd: []string{"app.sh"}, Env: []string{"PATH=/usr/bin"}}
)

func jqLayer(n int) ocitest.Layer {
	return ocitest.Layer{ocitest.Reg("usr/bin/jq", "jq binary"), ocitest.Reg("var/log/dpkg.log", fmt.Sprintf("installed jq at %d\n", n))}
}

// images builds the original in four layers (base, lists, jq, app) and
// the rewrite in three (base, jq, app).
func images(df string, n int) (ocitest.Image, error) {
	if strings.Contains(df, "rm -rf /var/lib/apt/lists") {
		return ocitest.Image{Config: config, Layers: []ocitest.Layer{baseLayer, jqLayer(n), appLayer}}, nil
	}
	return ocitest.Image{Config: config, Layers: []ocitest.Layer{baseLayer, listsLayer, jqLayer(n), appLayer}}, nil
}

func rebuildLog(df string) string {
	if strings.Contains(df, "rm -rf") {
		return "#1 [1/2] RUN apt-get update && ...\n#1 CACHED\n\n#2 [2/2] COPY app.sh /usr/local/bin/\n#2 DONE 0.1s\n"
	}
	return "#1 [1/3] RUN apt-get update\n#1 CACHED\n\n#2 [2/3] RUN apt-get install -y jq\n#2 CACHED\n\n" +
		"#3 [3/3] COPY app.sh /usr/local/bin/\n#3 DONE 0.1s\n"
}

// project writes a Dockerfile and its context.
func project(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644)
	os.WriteFile(filepath.Join(dir, "app.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	return dir
}

var safePasses = optimizer.Options{Enable: []string{"coalesce-runs", "cache-cleanup"}}

func TestRunEquivalent(t *testing.T) {
	dir := project(t, naive)
	fb := &fakeBuilder{image: images, rebuildLog: rebuildLog, touch: "app.sh"}
	contexts := []buildkit.NamedContext{{Name: "debian:bookworm", Value: "oci-layout:///l@sha256:aa"}}
	args := []buildkit.BuildArg{{Key: "V", Value: "1"}}
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Contexts:   contexts,
		BuildArgs:  args,
		Builder:    fb,
		Optimize:   safePasses,
		Progress:   &progress,
		WorkDir:    t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != VerdictEquivalent || rep.ExitCode() != 0 {
		t.Fatalf("verdict %s (exit %d), differences %v %v", rep.Verdict, rep.ExitCode(), rep.Differences, rep.ConfigDifferences)
	}
	if rep.Before.Layers != 4 || rep.After.Layers != 3 || rep.SharedLayers != 1 {
		t.Errorf("layers %d -> %d, shared %d", rep.Before.Layers, rep.After.Layers, rep.SharedLayers)
	}
	if !(rep.After.AddedBytes > 0 && rep.After.AddedBytes < rep.Before.AddedBytes) ||
		!(rep.After.AddedCompressedBytes > 0 && rep.After.AddedCompressedBytes < rep.Before.AddedCompressedBytes) {
		t.Errorf("added bytes %+v -> %+v", rep.Before, rep.After)
	}
	if rep.Before.BuildMs != 1000 || rep.After.BuildMs != 2000 {
		t.Errorf("build times %d, %d", rep.Before.BuildMs, rep.After.BuildMs)
	}
	if !reflect.DeepEqual(rep.Unstable, []string{"/var/log/dpkg.log"}) {
		t.Errorf("unstable %q", rep.Unstable)
	}
	if !reflect.DeepEqual(rep.Removes, []string{"/var/lib/apt/lists/"}) || rep.RemovedPaths != 1 || rep.RemovedBytes != int64(len(listsLayer[0].Content)) {
		t.Errorf("removes %q, %d paths, %d bytes", rep.Removes, rep.RemovedPaths, rep.RemovedBytes)
	}
	if !reflect.DeepEqual(rep.Passes, []string{"coalesce-runs", "cache-cleanup"}) || rep.Fixes != 2 || !strings.Contains(rep.Diff, "+RUN apt-get update") {
		t.Errorf("passes %q, %d fixes, diff:\n%s", rep.Passes, rep.Fixes, rep.Diff)
	}
	if rep.Touched != "app.sh" || rep.Before.RebuildSteps != 3 || rep.Before.RebuildCachedSteps != 2 ||
		rep.After.RebuildSteps != 2 || rep.After.RebuildCachedSteps != 1 || rep.Before.RebuildMs != 6000 || rep.After.RebuildMs != 7000 {
		t.Errorf("rebuild: touched %q, before %+v, after %+v", rep.Touched, rep.Before, rep.After)
	}

	// The builds: the original, the rewrite and the original again without
	// cache into OCI archives, then each warmed and rebuilt after the
	// touch in a copy of the context.
	type call struct {
		rewrite, noCache, output, userContext bool
		touched                               string
	}
	var calls []call
	for i, r := range fb.reqs {
		calls = append(calls, call{strings.Contains(fb.dockerfiles[i], "rm -rf"), r.NoCache, r.Output != "", r.ContextDir == dir, fb.touched[i]})
		if !reflect.DeepEqual(r.Contexts, contexts) || !reflect.DeepEqual(r.BuildArgs, args) || r.IgnoreSyntax || r.DockerfileName != "Dockerfile" {
			t.Errorf("build %d: %+v", i, r)
		}
	}
	const src = "#!/bin/sh\necho hi\n"
	// The rebuilds see the file with a line of whitespace appended, a
	// different one each.
	touchedBefore, touchedAfter := fb.touched[5], fb.touched[6]
	for _, s := range []string{touchedBefore, touchedAfter} {
		if !strings.HasPrefix(s, src) || len(s) != len(src)+65 || strings.Trim(s[len(src):], " \n") != "" || !strings.HasSuffix(s, "\n") {
			t.Errorf("touched file %q", s)
		}
	}
	if touchedBefore == touchedAfter {
		t.Error("both rebuilds saw the same change")
	}
	want := []call{
		{false, true, true, true, src},
		{true, true, true, true, src},
		{false, true, true, true, src},
		{false, false, false, false, src},
		{true, false, false, false, src},
		{false, false, true, false, touchedBefore},
		{true, false, true, false, touchedAfter},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("builds:\n%+v\nwant\n%+v", calls, want)
	}
	if fb.reqs[3].ContextDir == fb.reqs[4].ContextDir || fb.reqs[3].ContextDir != fb.reqs[5].ContextDir {
		t.Errorf("context copies: %s %s %s", fb.reqs[3].ContextDir, fb.reqs[4].ContextDir, fb.reqs[5].ContextDir)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "app.sh")); string(data) != src {
		t.Errorf("the user's file was touched: %q", data)
	}
	if !strings.Contains(progress.String(), "dfopt verify: building the rewrite (no cache)...\n") {
		t.Errorf("progress:\n%s", progress.String())
	}

	var text bytes.Buffer
	rep.WriteText(&text)
	for _, want := range []string{
		"rewrite: 2 fixes by coalesce-runs, cache-cleanup\n",
		"layers                    4          3            -1\n",
		"cached steps on rebuild   2/3        1/2\n",
		"files differing                      0\n",
		"rebuild: with the cache warm, after appending a line of whitespace to app.sh\n",
		"not compared, removed by the passes: 1 path, 12.7 KiB (/var/lib/apt/lists/)\n",
		"  /var/log/dpkg.log\n",
		"verdict: equivalent",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.TrimRight(line, " ") != line {
			t.Errorf("trailing spaces: %q", line)
		}
	}

	// JSON field names are part of the interface.
	data, _ := json.Marshal(rep)
	var m map[string]any
	json.Unmarshal(data, &m)
	for _, k := range []string{"dockerfile", "context", "builder", "verdict", "passes", "fixes", "diff", "before", "after",
		"sharedLayers", "touched", "differences", "configDifferences", "removes", "removedPaths", "removedBytes", "unstable"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, data)
		}
	}
	before := m["before"].(map[string]any)
	for _, k := range []string{"digest", "layers", "addedBytes", "addedCompressedBytes", "buildMs", "rebuildMs", "rebuildSteps", "rebuildCachedSteps"} {
		if _, ok := before[k]; !ok {
			t.Errorf("JSON before lacks %q: %s", k, data)
		}
	}
}

func TestRunNotEquivalent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		image   func(df string, n int) (ocitest.Image, error)
		allow   []ConfigChange
		verdict string
		want    []string
	}{
		{
			name: "a file is missing",
			image: func(df string, n int) (ocitest.Image, error) {
				img, _ := images(df, n)
				if strings.Contains(df, "rm -rf") {
					img.Layers[1] = img.Layers[1][1:]
				}
				return img, nil
			},
			verdict: VerdictNotEquivalent,
			want:    []string{"  - /usr/bin/jq  file 0644 0:0 9 ", "verdict: NOT equivalent: 1 path and 0 configuration fields differ"},
		},
		{
			name: "the configuration changes",
			image: func(df string, n int) (ocitest.Image, error) {
				img, _ := images(df, n)
				if strings.Contains(df, "rm -rf") {
					img.Config.Cmd = []string{"/bin/sh", "-c", "app.sh"}
				}
				return img, nil
			},
			verdict: VerdictNotEquivalent,
			want:    []string{`  Cmd: ["app.sh"] => ["/bin/sh","-c","app.sh"]` + "\n", "0 paths and 1 configuration field differ"},
		},
		{
			name: "a configuration change a pass declares",
			image: func(df string, n int) (ocitest.Image, error) {
				img, _ := images(df, n)
				if strings.Contains(df, "rm -rf") {
					img.Config.Cmd = []string{"/bin/sh", "-c", "app.sh"}
				}
				return img, nil
			},
			allow:   []ConfigChange{{Field: FieldCmd, Pass: "exec-form"}},
			verdict: VerdictEquivalent,
			want:    []string{`(declared by exec-form)`, "verdict: equivalent"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, naive)
			fb := &fakeBuilder{image: tc.image}
			rep, err := Run(context.Background(), Options{
				Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses,
				NoRebuild: true, AllowConfig: tc.allow,
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", rep.Verdict, tc.verdict)
			}
			if len(fb.reqs) != 3 {
				t.Errorf("%d builds, want 3 (no rebuild measurement)", len(fb.reqs))
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			for _, w := range tc.want {
				if !strings.Contains(text.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, text.String())
				}
			}
			if !strings.Contains(text.String(), "rebuild: not measured: not asked for") {
				t.Errorf("report:\n%s", text.String())
			}
		})
	}
}

func TestRunBuildFailures(t *testing.T) {
	failing := func(which string) func(df string, n int) (ocitest.Image, error) {
		return func(df string, n int) (ocitest.Image, error) {
			rewrite := strings.Contains(df, "rm -rf")
			switch {
			case which == "original" && !rewrite, which == "rewrite" && rewrite, which == "again" && n == 2,
				which == "rebuild" && n == 6:
				return ocitest.Image{}, errors.New(`process "/bin/sh -c false" did not complete successfully`)
			}
			return images(df, n)
		}
	}
	for _, tc := range []struct {
		which   string
		builds  int
		verdict string
		msg     string
	}{
		{"original", 1, VerdictOriginalFailed, "the original Dockerfile does not build"},
		{"rewrite", 2, VerdictRewriteFailed, "the original builds but dfopt's rewrite does not"},
		{"again", 3, VerdictOriginalFailed, "the second build of the original failed"},
		{"rebuild", 7, VerdictRebuildFailed, "rebuilding after a change to app.sh failed"},
	} {
		t.Run(tc.which, func(t *testing.T) {
			dir := project(t, naive)
			fb := &fakeBuilder{image: failing(tc.which)}
			rep, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tc.verdict || rep.ExitCode() != 2 || len(fb.reqs) != tc.builds {
				t.Errorf("verdict %s, exit %d, %d builds", rep.Verdict, rep.ExitCode(), len(fb.reqs))
			}
			if !strings.Contains(rep.Error, tc.msg) || !strings.Contains(rep.LogTail, "did not complete successfully") {
				t.Errorf("error %q, log %q", rep.Error, rep.LogTail)
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			if !strings.Contains(text.String(), "--- last lines of the build log ---\n#7 [3/3] RUN false\n") {
				t.Errorf("report:\n%s", text.String())
			}
		})
	}
}

func TestRunUnchangedAndErrors(t *testing.T) {
	dir := project(t, "FROM debian:bookworm\nCOPY app.sh /\n")
	selected := false
	rep, err := Run(context.Background(), Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		SelectBuilder: func(context.Context) (buildkit.Builder, error) {
			selected = true
			return nil, errors.New("no builder here")
		},
	})
	if err != nil || rep.Verdict != VerdictUnchanged || rep.ExitCode() != 0 || selected {
		t.Fatalf("unchanged: %+v, %v, builder selected: %v", rep, err, selected)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "dfopt changes nothing in") {
		t.Errorf("report:\n%s", text.String())
	}

	dir = project(t, naive)
	df := filepath.Join(dir, "Dockerfile")
	unreachable := &buildkit.UnreachableError{Builder: "buildctl", Addr: "unix:///x", Err: errors.New("buildkitd does not answer")}
	fb := &fakeBuilder{image: images, checkErr: unreachable}
	if _, err := Run(context.Background(), Options{Dockerfile: df, Builder: fb}); !errors.Is(err, unreachable) || len(fb.reqs) != 0 {
		t.Errorf("unreachable builder: %v, %d builds", err, len(fb.reqs))
	}
	if _, err := Run(context.Background(), Options{Dockerfile: df, SelectBuilder: func(context.Context) (buildkit.Builder, error) {
		return nil, errors.New("unknown builder")
	}}); err == nil || err.Error() != "unknown builder" {
		t.Errorf("select error: %v", err)
	}
	for name, o := range map[string]Options{
		"missing Dockerfile": {Dockerfile: filepath.Join(dir, "nope")},
		"bad context":        {Dockerfile: df, ContextDir: filepath.Join(dir, "nope")},
		"bad touch":          {Dockerfile: df, Touch: "../etc/passwd"},
		"unknown pass":       {Dockerfile: df, Optimize: optimizer.Options{Enable: []string{"nope"}}},
	} {
		o.Builder = &fakeBuilder{image: images}
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	os.WriteFile(df, []byte("RUN x\n"), 0o644)
	if _, err := Run(context.Background(), Options{Dockerfile: df, Builder: &fakeBuilder{image: images}}); err == nil {
		t.Error("unparsable Dockerfile: no error")
	}
}

func TestRunSyntaxLine(t *testing.T) {
	for _, honor := range []bool{false, true} {
		dir := project(t, "# syntax=docker/dockerfile:1\n"+naive)
		fb := &fakeBuilder{image: images}
		_, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb,
			Optimize: safePasses, HonorSyntax: honor, NoRebuild: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range fb.reqs {
			if r.IgnoreSyntax == honor {
				t.Errorf("honor %v: IgnoreSyntax %v", honor, r.IgnoreSyntax)
			}
		}
	}
}

func TestRunNothingToTouch(t *testing.T) {
	dir := project(t, "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y jq\n")
	fb := &fakeBuilder{image: images}
	rep, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.reqs) != 3 || !strings.Contains(rep.RebuildSkipped, "--touch") || rep.Verdict != VerdictEquivalent {
		t.Errorf("%d builds, skipped %q, verdict %s", len(fb.reqs), rep.RebuildSkipped, rep.Verdict)
	}
	// --touch names one.
	fb = &fakeBuilder{image: images, touch: "app.sh"}
	rep, err = Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses,
		Touch: "app.sh"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.reqs) != 7 || rep.Touched != "app.sh" || len(fb.touched[6]) != len("#!/bin/sh\necho hi\n")+65 {
		t.Errorf("%d builds, touched %q (%q)", len(fb.reqs), rep.Touched, fb.touched)
	}
}

func TestRunNoRebuildWhenNotEquivalent(t *testing.T) {
	dir := project(t, naive)
	fb := &fakeBuilder{image: func(df string, n int) (ocitest.Image, error) {
		img, _ := images(df, n)
		if strings.Contains(df, "rm -rf") {
			img.Config.User = "nobody"
		}
		return img, nil
	}}
	rep, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != VerdictNotEquivalent || len(fb.reqs) != 3 || rep.RebuildSkipped != "the images are not equivalent" {
		t.Errorf("verdict %s, %d builds, skipped %q", rep.Verdict, len(fb.reqs), rep.RebuildSkipped)
	}
}

func TestRunInterrupted(t *testing.T) {
	dir := project(t, naive)
	ctx, cancel := context.WithCancel(context.Background())
	fb := &fakeBuilder{image: func(df string, n int) (ocitest.Image, error) {
		cancel()
		return ocitest.Image{}, errors.New("signal: killed")
	}}
	rep, err := Run(ctx, Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb, Optimize: safePasses})
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Errorf("interrupted: %v, %+v", err, rep)
	}
}

// TestRunInspect: Inspect sees the three images built without cache, in
// build order (original, rewrite, original again), with their logs; its
// error ends Run.
func TestRunInspect(t *testing.T) {
	dir := project(t, naive)
	fb := &fakeBuilder{image: images}
	var got *Builds
	rep, err := Run(context.Background(), Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Builder:    fb,
		Optimize:   safePasses,
		NoRebuild:  true,
		WorkDir:    t.TempDir(),
		Inspect: func(b *Builds) error {
			got = b
			// The images are still there to read.
			for _, x := range []*BuiltImage{b.Before, b.After, b.Again} {
				if _, err := x.Image.Tree(); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != VerdictEquivalent || got == nil {
		t.Fatalf("verdict %s, inspected %v", rep.Verdict, got)
	}
	if len(got.Before.Image.Layers) != 4 || len(got.After.Image.Layers) != 3 || len(got.Again.Image.Layers) != 4 {
		t.Errorf("layers %d, %d, %d", len(got.Before.Image.Layers), len(got.After.Image.Layers), len(got.Again.Image.Layers))
	}
	if got.Before.Duration != time.Second || got.After.Duration != 2*time.Second || got.Again.Duration != 3*time.Second {
		t.Errorf("build order: %v %v %v", got.Before.Duration, got.After.Duration, got.Again.Duration)
	}
	if len(fb.dockerfiles) != 3 || fb.dockerfiles[0] != naive || fb.dockerfiles[1] == naive || fb.dockerfiles[2] != naive {
		t.Errorf("built %q", fb.dockerfiles)
	}

	boom := errors.New("boom")
	_, err = Run(context.Background(), Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: &fakeBuilder{image: images}, Optimize: safePasses,
		NoRebuild: true, WorkDir: t.TempDir(), Inspect: func(*Builds) error { return boom },
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
}
