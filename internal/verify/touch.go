package verify

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
)

// manifestNames are dependency manifests and lock files: DefaultTouch never
// picks them, since changing one is not the everyday edit a rebuild
// measurement stands for (and dfopt's manifest-first pass treats them
// apart).
var manifestNames = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"package.json": true, "package-lock.json": true, "npm-shrinkwrap.json": true,
		"yarn.lock": true, "pnpm-lock.yaml": true, "pnpm-workspace.yaml": true, ".npmrc": true, ".yarnrc.yml": true,
		"requirements.txt": true, "constraints.txt": true, "Pipfile": true, "Pipfile.lock": true,
		"pyproject.toml": true, "poetry.lock": true, "uv.lock": true, "setup.py": true, "setup.cfg": true,
		"go.mod": true, "go.sum": true, "go.work": true, "go.work.sum": true,
		"Gemfile": true, "Gemfile.lock": true,
		"composer.json": true, "composer.lock": true,
		"pom.xml": true, "build.gradle": true, "build.gradle.kts": true, "settings.gradle": true,
		"settings.gradle.kts": true, "gradle.properties": true,
		"Cargo.toml": true, "Cargo.lock": true,
		"mix.exs": true, "mix.lock": true,
		"packages.config": true, "Directory.Packages.props": true,
	}
}}

// IsManifest reports whether a file name is a dependency manifest or lock
// file (package.json, requirements*.txt, go.mod, Gemfile*, composer.*,
// pom.xml, ...).
func IsManifest(name string) bool {
	if manifestNames.Get()[name] {
		return true
	}
	switch {
	case strings.HasPrefix(name, "requirements") && strings.HasSuffix(name, ".txt"),
		strings.HasPrefix(name, "Gemfile"),
		strings.HasPrefix(name, "composer."),
		strings.HasSuffix(name, ".gemspec"),
		strings.HasSuffix(name, ".csproj"), strings.HasSuffix(name, ".fsproj"):
		return true
	}
	return false
}

// isBuildFile reports whether a file name is a Dockerfile, an ignore file
// or a build script (Makefile, CMakeLists.txt, ...): not the sources whose
// everyday edits a rebuild measurement stands for.
func isBuildFile(name string) bool {
	switch {
	case name == "Makefile", name == "GNUmakefile", name == "makefile", name == "CMakeLists.txt",
		name == "meson.build", name == "BUILD", name == "BUILD.bazel", name == "WORKSPACE",
		strings.HasSuffix(name, ".mk"):
		return true
	case name == "Dockerfile", name == "Containerfile",
		strings.HasPrefix(name, "Dockerfile."), strings.HasPrefix(name, "Containerfile."),
		strings.HasSuffix(name, ".Dockerfile"), strings.HasSuffix(name, ".dockerfile"),
		strings.HasSuffix(name, ".dockerignore"), name == ".dockerignore":
		return true
	}
	return false
}

// DefaultTouch picks the file that the rebuild measurement changes: the
// first regular file that a COPY or ADD from the build context copies,
// looking at the instructions of the stage being built first and then at
// the stages it copies from or builds on, in file order. Within one
// instruction, sources are taken in order and directories walked in
// lexical order. Files left out by the .dockerignore, dependency manifests
// (IsManifest), Dockerfiles, ignore files, build scripts such as Makefiles,
// and hidden files (any path element starting with a dot) are skipped. It returns the slash-separated path relative to
// the context, or "" when there is none.
func DefaultTouch(doc *dockerfile.Document, target, contextDir string, ignore *dockerignore) (string, error) {
	for _, st := range stageOrder(doc, target) {
		for _, ins := range st.Instructions {
			if ins.Cmd != "copy" && ins.Cmd != "add" {
				continue
			}
			if len(ins.Heredocs()) > 0 || hasFlag(ins.Flags, "--from") || len(ins.Args) < 2 {
				continue
			}
			for _, src := range ins.Args[:len(ins.Args)-1] {
				if strings.HasPrefix(src, "<<") || strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || strings.Contains(src, "$") {
					continue
				}
				f, err := firstFile(contextDir, src, ignore)
				if err != nil {
					return "", err
				}
				if f != "" {
					return f, nil
				}
			}
		}
	}
	return "", nil
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}

func flagValue(flags []string, name string) (string, bool) {
	for _, f := range flags {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// stageOrder is the stage being built, then the stages it depends on in
// file order.
func stageOrder(doc *dockerfile.Document, target string) []*dockerfile.Stage {
	if len(doc.Stages) == 0 {
		return nil
	}
	final := doc.Stages[len(doc.Stages)-1]
	if target != "" {
		final = nil
		for _, s := range doc.Stages {
			if s.Name == strings.ToLower(target) {
				final = s
			}
		}
		if final == nil {
			return nil
		}
	}
	byName := map[string]*dockerfile.Stage{}
	for _, s := range doc.Stages {
		if s.Name != "" {
			byName[s.Name] = s
		}
		byName[strconv.Itoa(s.Index)] = s
	}
	deps := map[*dockerfile.Stage]bool{}
	var visit func(s *dockerfile.Stage)
	visit = func(s *dockerfile.Stage) {
		if s == nil || deps[s] {
			return
		}
		deps[s] = true
		visit(s.Parent)
		for _, ins := range s.Instructions {
			if from, ok := flagValue(ins.Flags, "--from"); ok {
				visit(byName[strings.ToLower(from)])
			}
			for _, f := range ins.Flags {
				// RUN --mount=...,from=stage
				if strings.HasPrefix(f, "--mount=") {
					for _, kv := range strings.Split(strings.TrimPrefix(f, "--mount="), ",") {
						if v, ok := strings.CutPrefix(kv, "from="); ok {
							visit(byName[strings.ToLower(v)])
						}
					}
				}
			}
		}
	}
	visit(final)
	out := []*dockerfile.Stage{final}
	for _, s := range doc.Stages {
		if s != final && deps[s] {
			out = append(out, s)
		}
	}
	return out
}

// firstFile finds the first eligible file that the COPY source src names.
func firstFile(contextDir, src string, ignore *dockerignore) (string, error) {
	rel := strings.TrimPrefix(path.Clean("/"+filepath.ToSlash(src)), "/")
	var roots []string
	if strings.ContainsAny(rel, "*?[") {
		err := walkContext(contextDir, "", ignore, func(p string, d fs.DirEntry) (bool, error) {
			if ok, _ := path.Match(rel, p); ok {
				roots = append(roots, p)
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return "", err
		}
	} else {
		roots = []string{rel}
	}
	for _, r := range roots {
		var found string
		err := walkContext(contextDir, r, ignore, func(p string, d fs.DirEntry) (bool, error) {
			if found != "" {
				return false, nil
			}
			if d.Type().IsRegular() && eligible(p) {
				found = p
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return "", err
		}
		if found != "" {
			return found, nil
		}
	}
	return "", nil
}

func eligible(rel string) bool {
	for _, el := range strings.Split(rel, "/") {
		if strings.HasPrefix(el, ".") {
			return false
		}
	}
	name := path.Base(rel)
	return !IsManifest(name) && !isBuildFile(name)
}

// walkContext walks contextDir/root in lexical order, skipping what the
// .dockerignore leaves out, and calls fn with slash-separated paths
// relative to contextDir (root itself included unless it is ""). fn
// returns whether to go into a directory. A missing root is no error.
func walkContext(contextDir, root string, ignore *dockerignore, fn func(rel string, d fs.DirEntry) (bool, error)) error {
	start := filepath.Join(contextDir, filepath.FromSlash(root))
	if _, err := os.Lstat(start); err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	return filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, err := filepath.Rel(contextDir, p)
		if err != nil {
			return err
		}
		r = filepath.ToSlash(r)
		if r == "." {
			return nil
		}
		if ignore.Excluded(r) {
			if d.IsDir() && !ignore.HasExceptions() {
				return filepath.SkipDir
			}
			return nil
		}
		more, err := fn(r, d)
		if err != nil {
			return err
		}
		if d.IsDir() && !more {
			return filepath.SkipDir
		}
		return nil
	})
}

// copyContext copies the build context to dst (which must not exist),
// leaving out what the .dockerignore excludes, except the .dockerignore
// itself. Regular files keep their mode and modification time; symbolic
// links are copied as links; other special files are skipped.
func copyContext(src, dst string, ignore *dockerignore) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if r == "." {
			return nil
		}
		slash := filepath.ToSlash(r)
		if slash != ".dockerignore" && ignore.Excluded(slash) {
			if d.IsDir() && !ignore.HasExceptions() {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				return nil
			}
		}
		target := filepath.Join(dst, r)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			if err := copyFile(p, target, info.Mode().Perm()); err != nil {
				return err
			}
			return os.Chtimes(target, info.ModTime(), info.ModTime())
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}

// touchSuffix is what the rebuild measurement appends to the touched file:
// 64 spaces and newlines that spell the bits of n, then a newline. It is
// whitespace, which leaves source files meaning what they meant, and it is
// new, so that no earlier build (of the other Dockerfile, or of an earlier
// run) can be in BuildKit's cache with the same content: a single byte
// would be, the second time.
func touchSuffix(n uint64) []byte {
	b := make([]byte, 0, 65)
	for i := 0; i < 64; i++ {
		if n&(1<<i) != 0 {
			b = append(b, '\n')
		} else {
			b = append(b, ' ')
		}
	}
	return append(b, '\n')
}

// appendTo appends data to the file rel below dir.
func appendTo(dir, rel string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", rel)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
