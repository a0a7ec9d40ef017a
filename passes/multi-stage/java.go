package multistage

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/toolchains"
)

var javaEcosystem = &ecosystem{
	what:    "a JDK and its build tools",
	matches: toolchains.JavaImage,
	builds: func(c *shellparse.Command) bool {
		_, ok := toolchains.JavaBuildOf(c, "")
		return ok
	},
	plan: planJava,
}

// javaShellOK are commands a Java build stage may run that leave nothing
// the program needs.
var javaShellOK = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cd": true, "mkdir": true, "ls": true, "echo": true, "printf": true, "true": true, "rm": true,
		"chmod": true, "set": true, "export": true, "test": true, "[": true, "pwd": true, "cat": true,
		"touch": true, "which": true, "du": true, "javac": true, "update-ca-certificates": true, "git": true,
	}
}}

// javaBuild is the state of a Java build stage as its instructions run.
type javaBuild struct {
	s *split
	// builds are the Maven and Gradle builds that package archives.
	builds []toolchains.JavaBuild
	// copies maps what cp and mv made of build outputs to their sources.
	copies map[string]string
}

func planJava(s *split) (*plan, string) {
	rt := toolchains.JavaRuntimeOf(s.image, s.tag)
	if rt.Unknown != "" {
		return nil, fmt.Sprintf("no JRE image is known for %s: %s", s.st.Base, rt.Unknown)
	}
	j := &javaBuild{s: s, copies: map[string]string{}}
	for _, ins := range s.st.Instructions[1:] {
		if why := j.instruction(ins); why != "" {
			return nil, why
		}
	}
	if len(j.builds) == 0 {
		return nil, "no Maven or Gradle build packages the program"
	}
	if path.Base(s.argv[0]) != "java" {
		return nil, fmt.Sprintf("the image runs %s, not java", s.argv[0])
	}
	jc := toolchains.JavaCommandOf(s.argv[1:])
	if jc.Unknown != "" {
		return nil, "cannot tell which files the java command needs: " + jc.Unknown
	}

	copied := toolchains.CopiedBy(s.ctx, s.st)
	if copied.Unknown != "" {
		return nil, "cannot tell which files the COPYs bring and whether the program reads them at run time: " + copied.Unknown
	}
	var runtime []string
	for _, f := range copied.Files {
		if !f.Dir && !toolchains.JavaBuildFile(f.Context) {
			runtime = append(runtime, f.Context)
		}
	}
	if len(runtime) > 0 {
		if len(runtime) > 3 {
			runtime = append(runtime[:3], "...")
		}
		return nil, "the program may read files of the source tree at run time (" + strings.Join(runtime, ", ") + "); copy them into a final stage by hand"
	}

	// The files the command names, each a build output.
	p := &plan{
		runtime:  rt.Image,
		dropEnv:  func(key, _ string) bool { return toolchains.JavaToolchainEnv(key) },
		keepVars: []string{"PATH", "JAVA_HOME", "JAVA_VERSION", "LANG", "LANGUAGE", "LC_ALL"},
		changes:  []string{"~/.m2/", "~/.gradle/"},
	}
	named := append(append([]string{}, jc.ClassPath...), jc.Agents...)
	if jc.Jar != "" {
		named = append([]string{jc.Jar}, named...)
	}
	var jars []string
	for _, n := range named {
		if n == "" || n == "." {
			return nil, "the class path names the working directory, which holds the sources"
		}
		abs := toolchains.Resolve(s.wdEnd, n)
		if abs == "" {
			return nil, fmt.Sprintf("the command names %s, which is not a known path", n)
		}
		wildcard := strings.HasSuffix(abs, "/*") && slices.Contains(jc.ClassPath, n)
		if wildcard {
			abs = strings.TrimSuffix(abs, "/*")
		}
		src, why := j.output(abs)
		if why != "" {
			return nil, fmt.Sprintf("the command names %s, %s", n, why)
		}
		if src != "" && n == jc.Jar {
			jars = append(jars, src)
		}
		dest := abs
		if strings.ContainsAny(path.Base(abs), "*?[") {
			dest = path.Dir(abs) + "/"
		}
		p.copies = append(p.copies, [2]string{abs, dest})
	}
	for _, a := range jc.Args {
		if q := toolchains.Resolve(s.wdEnd, a); q != "" {
			for _, f := range copied.Files {
				if f.Image == q || strings.HasPrefix(f.Image, q+"/") {
					return nil, fmt.Sprintf("the command names %s, which comes from the source tree", a)
				}
			}
		}
	}
	// What the build files say of the jar.
	for _, b := range j.builds {
		if why := j.checkProject(b, copied, jars); why != "" {
			return nil, why
		}
	}
	what := "the jar"
	if jc.Jar == "" {
		what = "the class path"
	}
	p.fix = fmt.Sprintf("build in a stage of its own and copy %s onto %s", what, rt.Image)
	return p, ""
}

// output says where a path the command names comes from: the build
// output it is (or the pattern of one, "" for a directory or a path
// below one), or why it is not one.
func (j *javaBuild) output(abs string) (string, string) {
	if src, ok := j.copies[abs]; ok {
		return src, ""
	}
	for _, b := range j.builds {
		out := path.Join(b.Dir, "target")
		if b.Tool == "gradle" {
			out = path.Join(b.Dir, "build")
		}
		if abs == out || strings.HasPrefix(abs, out+"/") {
			return abs, ""
		}
	}
	return "", "which the build does not make"
}

// checkProject reads the build file of a project built, and says why its
// archive is not what the command runs, or needs files beside it.
func (j *javaBuild) checkProject(b toolchains.JavaBuild, copied *toolchains.Copied, jars []string) string {
	var file *toolchains.File
	names := []string{"pom.xml"}
	if b.Tool == "gradle" {
		names = []string{"build.gradle", "build.gradle.kts"}
	}
	for i, f := range copied.Files {
		if slices.Contains(names, path.Base(f.Image)) && path.Dir(f.Image) == b.Dir {
			file = &copied.Files[i]
		}
	}
	if file == nil {
		return fmt.Sprintf("no %s is copied into %s, where the %s build runs", names[0], b.Dir, b.Tool)
	}
	data, ok := toolchains.ReadFile(j.s.ctx, file.Context)
	if !ok {
		return "cannot read " + file.Context
	}
	if b.Tool == "gradle" {
		if strings.Contains(string(data), "Class-Path") {
			return file.Context + " gives the jar a Class-Path, which needs files beside it"
		}
		for _, jar := range jars {
			if stagesUnder(jar, path.Join(b.Dir, "build")) && !stagesUnder(jar, path.Join(b.Dir, "build/libs")) {
				return fmt.Sprintf("the command runs %s, which is not in build/libs", jar)
			}
		}
		return ""
	}
	pom := toolchains.ParsePOM(data)
	switch {
	case pom == nil:
		return file.Context + " does not parse"
	case len(pom.Modules) > 0:
		return file.Context + " is a multi-module project"
	case pom.Packaging != "jar":
		return fmt.Sprintf("%s packages a %s, not a jar", file.Context, pom.Packaging)
	case pom.ClassPath:
		return file.Context + " gives the jar a Class-Path (addClasspath), which needs files beside it"
	}
	name := pom.Jar()
	if name == "" {
		return "cannot tell the name of the jar " + file.Context + " builds"
	}
	want := path.Join(b.Dir, "target", name)
	for _, jar := range jars {
		if !stagesUnder(jar, path.Join(b.Dir, "target")) {
			continue
		}
		if ok, _ := path.Match(jar, want); ok || jar == want {
			continue
		}
		base := strings.TrimSuffix(want, ".jar")
		if strings.HasPrefix(jar, base+"-") && strings.HasSuffix(jar, ".jar") {
			continue // a classifier: app-1.0-jar-with-dependencies.jar
		}
		return fmt.Sprintf("the command runs %s, but %s builds %s", jar, file.Context, want)
	}
	return ""
}

func stagesUnder(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// instruction reads one instruction of the build stage.
func (j *javaBuild) instruction(ins *dockerfile.Instruction) string {
	return j.s.steps(ins, j.step)
}

func (j *javaBuild) step(step toolchains.Step, line int) string {
	c := step.Cmd
	if b, ok := toolchains.JavaBuildOf(c, step.Dir); ok {
		switch {
		case b.Unknown != "":
			return fmt.Sprintf("cannot tell what the %s build on line %d makes: %s", b.Tool, line, b.Unknown)
		case !b.Packages:
			return ""
		case b.Dir == "":
			return fmt.Sprintf("the directory of the %s build on line %d is not known", b.Tool, line)
		case c.Conditional:
			return fmt.Sprintf("the %s build on line %d may not run", b.Tool, line)
		}
		j.builds = append(j.builds, b)
		return ""
	}
	switch {
	case c.Name == "" && c.NameIdx < 0:
	case c.Name == "mkdir" || c.Name == "touch":
		return j.s.noteCreates(step, line)
	case c.Name == "cp" || c.Name == "mv":
		var ops []string
		for i, a := range c.Lits {
			if !c.Static[i] {
				return fmt.Sprintf("the %s on line %d names files by variables", c.Name, line)
			}
			if !strings.HasPrefix(a, "-") {
				ops = append(ops, a)
			}
		}
		if len(ops) != 2 {
			return fmt.Sprintf("the %s on line %d makes files the program may need", c.Name, line)
		}
		from, to := toolchains.Resolve(step.Dir, ops[0]), toolchains.Resolve(step.Dir, ops[1])
		if from == "" || to == "" || strings.HasSuffix(ops[1], "/") {
			return fmt.Sprintf("the %s on line %d makes files the program may need", c.Name, line)
		}
		if _, why := j.output(from); why != "" {
			return fmt.Sprintf("the %s on line %d makes files the program may need", c.Name, line)
		}
		j.copies[to] = from
	case c.Name == "apt-get" || c.Name == "apt" || c.Name == "aptitude" || c.Name == "apk":
		return buildOnlyInstall(c, line, toolchains.JavaBuildPackages.Get())
	case javaShellOK.Get()[c.Name]:
	case c.Name == "":
		return fmt.Sprintf("the RUN on line %d runs a command named by a variable", line)
	default:
		return fmt.Sprintf("the RUN on line %d runs %s, which may make files the program needs at run time", line, c.Name)
	}
	return ""
}
