//go:build e2e

package e2e

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
)

// resolves reports whether a path exists in the tree once symbolic links
// are followed, and what it is.
func resolves(tr *oci.Tree, p string) (*oci.Entry, bool) {
	_, e := verify.ResolvePath(tr, p)
	return e, e != nil
}

// TestStandInBases builds every stand-in base (the first time: several
// minutes) and checks that each pair differs as the official images do:
// the full python and node images have compilers, headers and git, the
// slim ones do not; the JDK has javac, the JRE only java; distroless has
// no shell but certificates, time zones and a nonroot user. Then it runs
// java and javac in them, and builds a Maven project from Debian's
// repository on the Maven base into a JRE image, where it runs.
func TestStandInBases(t *testing.T) {
	e := requireEnv(t)
	ctx := testContext(t)
	type check struct {
		name    string
		get     func() (harness.LayoutRef, error)
		has     []string
		hasNot  []string
		inspect func(t *testing.T, img *oci.Image, tr *oci.Tree)
	}
	checks := []check{
		{name: "python slim", get: func() (harness.LayoutRef, error) { return e.PythonSlimBase(ctx) },
			has:    []string{"/usr/bin/python3", "/usr/bin/pip", "/etc/pip.conf"},
			hasNot: []string{"/usr/bin/gcc", "/usr/include/python3.11/Python.h", "/usr/bin/git", "/usr/bin/make"}},
		{name: "python full", get: func() (harness.LayoutRef, error) { return e.PythonBase(ctx) },
			has: []string{"/usr/bin/python3", "/usr/bin/pip", "/usr/bin/gcc", "/usr/bin/g++", "/usr/include/python3.11/Python.h",
				"/usr/include/stdio.h", "/usr/bin/git", "/usr/bin/make", "/usr/bin/curl"}},
		{name: "node slim", get: func() (harness.LayoutRef, error) { return e.NodeSlimBase(ctx) },
			has:    []string{"/usr/bin/node", "/usr/bin/npm"},
			hasNot: []string{"/usr/bin/gcc", "/usr/bin/git", "/usr/bin/make"}},
		{name: "node full", get: func() (harness.LayoutRef, error) { return e.NodeBase(ctx) },
			has: []string{"/usr/bin/node", "/usr/bin/npm", "/usr/bin/gcc", "/usr/bin/g++", "/usr/bin/make", "/usr/bin/git", "/usr/bin/python3"}},
		{name: "jdk", get: func() (harness.LayoutRef, error) { return e.JDKBase(ctx) },
			has: []string{"/opt/java/openjdk/bin/java", "/opt/java/openjdk/bin/javac", "/opt/java/openjdk/bin/jar"}},
		{name: "jre", get: func() (harness.LayoutRef, error) { return e.JREBase(ctx) },
			has:    []string{"/opt/java/openjdk/bin/java"},
			hasNot: []string{"/opt/java/openjdk/bin/javac", "/usr/bin/javac"}},
		{name: "maven", get: func() (harness.LayoutRef, error) { return e.MavenBase(ctx) },
			has: []string{"/usr/bin/mvn", "/opt/java/openjdk/bin/javac",
				"/usr/share/maven-repo/org/apache/maven/plugins/maven-compiler-plugin/" + harness.MavenPlugins["maven-compiler-plugin"]}},
		{name: "busybox", get: func() (harness.LayoutRef, error) { return e.BusyboxBase(ctx) },
			has: []string{"/bin/busybox", "/bin/sh", "/bin/ls"}},
		{name: "distroless", get: func() (harness.LayoutRef, error) { return e.DistrolessBase(ctx) },
			has:    []string{"/etc/passwd", "/etc/group", "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo/UTC", "/etc/services"},
			hasNot: []string{"/bin/sh", "/usr/bin", "/bin", "/var/lib/dpkg"},
			inspect: func(t *testing.T, img *oci.Image, tr *oci.Tree) {
				if tmp, ok := tr.Get("/tmp"); !ok || tmp.Mode != 0o777|fs.ModeSticky {
					t.Errorf("/tmp: %v", tmp)
				}
				if home, ok := tr.Get("/home/nonroot"); !ok || home.UID != 65532 || home.GID != 65532 {
					t.Errorf("/home/nonroot: %v", home)
				}
			}},
		{name: "distroless nonroot", get: func() (harness.LayoutRef, error) { return e.DistrolessNonrootBase(ctx) },
			has: []string{"/etc/passwd"}, hasNot: []string{"/bin/sh"},
			inspect: func(t *testing.T, img *oci.Image, tr *oci.Tree) {
				if c := img.Config.Config; c.User != "65532:65532" || c.WorkingDir != "/home/nonroot" {
					t.Errorf("user %q, working directory %q", c.User, c.WorkingDir)
				}
			}},
	}
	refs := map[string]harness.LayoutRef{}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			ref, err := c.get()
			if err != nil {
				t.Fatal(err)
			}
			refs[c.name] = ref
			img, err := oci.Open(ref.Dir)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := img.Tree()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.has {
				if _, ok := resolves(tr, p); !ok {
					t.Errorf("no %s", p)
				}
			}
			for _, p := range c.hasNot {
				if _, ok := resolves(tr, p); ok {
					t.Errorf("%s is there", p)
				}
			}
			if c.inspect != nil {
				c.inspect(t, img, tr)
			}
			size, _ := img.UncompressedSize()
			t.Logf("%s: %d layers, %s compressed, %s", c.name, len(img.Layers), verify.Bytes(img.CompressedSize()), verify.Bytes(size))
		})
	}
	if t.Failed() {
		t.FailNow()
	}

	// The JDK compiles, the JRE runs; their versions agree.
	run := func(name string, argv ...string) *verify.SmokeRun {
		t.Helper()
		r, err := verify.RunSmoke(ctx, e.Builder(), refs[name].String(), argv, verify.SmokeOptions{WorkDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if r.Error != "" || r.Status != 0 {
			t.Fatalf("%s in the %s base: %+v", strings.Join(argv, " "), name, r)
		}
		return r
	}
	if r := run("jre", "java", "-version"); !strings.Contains(r.Stderr, `openjdk version "17.`) {
		t.Errorf("java -version in the JRE: %q", r.Stderr)
	} else {
		t.Logf("java -version in the JRE: %q", r.Stderr)
	}
	if r := run("jdk", "javac", "-version"); !strings.HasPrefix(r.Stdout, "javac 17.") {
		t.Errorf("javac -version in the JDK: %q", r.Stdout)
	} else {
		t.Logf("javac -version in the JDK: %q", r.Stdout)
	}

	// A Maven project, built on the Maven base with Debian's repository as
	// the remote one, and run on the JRE.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pom.xml"), mavenPOM("dev.dfopt.Hello"))
	writeFile(t, filepath.Join(dir, "src/main/java/dev/dfopt/Hello.java"),
		"package dev.dfopt;\n\npublic class Hello {\n    public static void main(String[] args) {\n        System.out.println(\"hello from \" + System.getProperty(\"java.version\"));\n    }\n}\n")
	res := build(t, harness.BuildOptions{Env: e, ContextDir: dir, OutputLayoutDir: true,
		Contexts: map[string]harness.LayoutRef{harness.MavenBaseNames[0]: refs["maven"], harness.JREBaseNames[0]: refs["jre"]},
		Dockerfile: `FROM maven:3.8-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package && ls -l target/hello.jar ~/.m2/repository/org/apache/maven/plugins
FROM eclipse-temurin:17-jre
COPY --from=build /src/target/hello.jar /app/hello.jar
CMD ["java", "-jar", "/app/hello.jar"]
`})
	r, err := verify.RunSmoke(ctx, e.Builder(), res.Output, []string{"java", "-jar", "/app/hello.jar"}, verify.SmokeOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 0 || !strings.HasPrefix(r.Stdout, "hello from 17.") {
		t.Errorf("the Maven-built jar on the JRE: %+v", r)
	} else {
		t.Logf("the Maven-built jar on the JRE says %q", r.Stdout)
	}
	if tr := tree(t, res); tr != nil {
		if _, ok := resolves(tr, "/opt/java/openjdk/bin/javac"); ok {
			t.Error("the runtime image has javac")
		}
	}
}

// mavenPOM is a jar project whose plugins are the versions Debian's
// repository has, with a manifest naming the main class.
func mavenPOM(mainClass string) string {
	var plugins []string
	for name := range harness.MavenPlugins {
		plugins = append(plugins, name)
	}
	sort.Strings(plugins)
	var b strings.Builder
	b.WriteString(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.dfopt</groupId>
  <artifactId>hello</artifactId>
  <version>1.0</version>
  <packaging>jar</packaging>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <build>
    <finalName>hello</finalName>
    <plugins>
`)
	for _, name := range plugins {
		fmt.Fprintf(&b, "      <plugin>\n        <artifactId>%s</artifactId>\n        <version>%s</version>\n", name, harness.MavenPlugins[name])
		if name == "maven-jar-plugin" {
			fmt.Fprintf(&b, "        <configuration><archive><manifest><mainClass>%s</mainClass></manifest></archive></configuration>\n", mainClass)
		}
		b.WriteString("      </plugin>\n")
	}
	b.WriteString("    </plugins>\n  </build>\n</project>\n")
	return b.String()
}
