package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
)

func TestDockerignore(t *testing.T) {
	di := parseDockerignore([]byte(`
# comment
node_modules
*.log
/build/
**/*.tmp
docs/**/draft*
!docs/keep/draft.md
secret?.txt
[ab].c
`))
	for p, want := range map[string]bool{
		"node_modules":              true,
		"node_modules/x/index.js":   true,
		"src/node_modules":          false, // patterns are anchored at the root
		"debug.log":                 true,
		"src/debug.log":             false,
		"build":                     true,
		"build/out.o":               true,
		"a.tmp":                     true,
		"deep/er/b.tmp":             true,
		"docs/x/y/draft1.md":        true,
		"docs/draft.md":             true,
		"docs/keep/draft.md":        false,
		"secret1.txt":               true,
		"secret12.txt":              false,
		"a.c":                       true,
		"c.c":                       false,
		"src/main.go":               false,
		"node_modules_not/index.js": false,
	} {
		if got := di.Excluded(p); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", p, got, want)
		}
	}
	if !di.HasExceptions() {
		t.Error("HasExceptions = false")
	}
	var none *dockerignore
	if none.Excluded("x") || none.HasExceptions() {
		t.Error("nil dockerignore excludes")
	}
}

func TestIsManifest(t *testing.T) {
	for _, n := range []string{"package.json", "requirements.txt", "requirements-dev.txt", "go.mod", "go.sum",
		"Gemfile", "Gemfile.lock", "composer.json", "composer.lock", "pom.xml", "Cargo.lock", "app.csproj"} {
		if !IsManifest(n) {
			t.Errorf("IsManifest(%q) = false", n)
		}
	}
	for _, n := range []string{"main.go", "app.py", "index.js", "README.md", "requirements.md"} {
		if IsManifest(n) {
			t.Errorf("IsManifest(%q) = true", n)
		}
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDefaultTouch(t *testing.T) {
	project := map[string]string{
		"Dockerfile":         "",
		".dockerignore":      "ignored/\n",
		".env":               "A=1\n",
		"Makefile":           "all:\n",
		"package.json":       "{}",
		"package-lock.json":  "{}",
		"aaa/.hidden.js":     "",
		"ignored/first.js":   "",
		"src/app/index.js":   "",
		"src/app/util.js":    "",
		"static/logo.svg":    "",
		"requirements.txt":   "",
		"tools/gen.py":       "",
		"build/config.yaml":  "",
		"assets/style.css":   "",
		"assets/fonts/a.ttf": "",
	}
	for _, tc := range []struct {
		name, dockerfile, target, want string
	}{
		{
			name: "manifests first, then the sources",
			dockerfile: `FROM node
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
`,
			want: "assets/fonts/a.ttf",
		},
		{
			name: "sources in order",
			dockerfile: `FROM node
COPY package.json ./
COPY src/ static/ /app/
`,
			want: "src/app/index.js",
		},
		{
			name: "a glob",
			dockerfile: `FROM python
COPY requirements.txt tools/*.py /app/
`,
			want: "tools/gen.py",
		},
		{
			name: "a file that is ignored or missing is skipped",
			dockerfile: `FROM node
COPY ignored/first.js nothing/here.js build/config.yaml /app/
`,
			want: "build/config.yaml",
		},
		{
			name: "the final stage copies from another: its sources count",
			dockerfile: `FROM node AS build
COPY src/ /src/
FROM node AS other
COPY static/ /static/
FROM nginx
COPY --from=build /src /usr/share/nginx/html
COPY <<EOF /etc/x
x
EOF
`,
			want: "src/app/index.js",
		},
		{
			name: "a target",
			dockerfile: `FROM node AS build
COPY src/ /src/
FROM nginx AS web
COPY static/ /static/
FROM build
`,
			target: "web",
			want:   "static/logo.svg",
		},
		{
			name: "nothing to touch",
			dockerfile: `FROM node
COPY package.json $SRC https://example.com/x.tgz ./
RUN true
`,
			want: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := writeTree(t, project)
			doc, err := dockerfile.Parse("Dockerfile", []byte(tc.dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			di, err := readDockerignore(filepath.Join(ctx, "Dockerfile"), ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DefaultTouch(doc, tc.target, ctx, di)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("DefaultTouch = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCopyContextAndTouch(t *testing.T) {
	src := writeTree(t, map[string]string{
		".dockerignore":     "node_modules\n*.log\n!keep.log\n",
		"app/main.go":       "package main\n",
		"node_modules/x.js": "x",
		"debug.log":         "log",
		"keep.log":          "kept",
	})
	os.Chmod(filepath.Join(src, "app/main.go"), 0o600)
	os.Symlink("app/main.go", filepath.Join(src, "link"))
	di, _ := readDockerignore(filepath.Join(src, "Dockerfile"), src)
	dst := filepath.Join(t.TempDir(), "copy")
	if err := copyContext(src, dst, di); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(dst, p)
		if !fi.IsDir() {
			got = append(got, filepath.ToSlash(rel)+" "+fi.Mode().String())
		}
		return nil
	})
	want := ".dockerignore -rw-r--r--,app/main.go -rw-------,keep.log -rw-r--r--,link Lrwxrwxrwx"
	if strings.Join(got, ",") != want {
		t.Errorf("copied:\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
	if err := appendTo(dst, "app/main.go", []byte(" \n")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "app/main.go")); string(data) != "package main\n \n" {
		t.Errorf("touched file: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(src, "app/main.go")); string(data) != "package main\n" {
		t.Errorf("the original changed: %q", data)
	}
	if err := appendTo(dst, "link", []byte(" ")); err == nil {
		t.Error("appended to a symbolic link")
	}
}

func TestTouchPath(t *testing.T) {
	ctx := writeTree(t, map[string]string{"src/a.py": "", "other": ""})
	os.Mkdir(filepath.Join(ctx, "dir"), 0o755)
	if got, err := touchPath(ctx, "src/a.py"); err != nil || got != "src/a.py" {
		t.Errorf("relative: %q, %v", got, err)
	}
	if got, err := touchPath(ctx, filepath.Join(ctx, "src", "a.py")); err != nil || got != "src/a.py" {
		t.Errorf("absolute: %q, %v", got, err)
	}
	// Relative to the current directory.
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(filepath.Dir(ctx))
	if got, err := touchPath(ctx, filepath.Join(filepath.Base(ctx), "src", "a.py")); err != nil || got != "src/a.py" {
		t.Errorf("relative to the current directory: %q, %v", got, err)
	}
	for _, bad := range []string{"../x", "dir", "missing.py", "/etc/passwd"} {
		if _, err := touchPath(ctx, bad); err == nil {
			t.Errorf("touchPath(%q): no error", bad)
		}
	}
}

func TestTouchSuffix(t *testing.T) {
	if got := string(touchSuffix(0)); got != strings.Repeat(" ", 64)+"\n" {
		t.Errorf("touchSuffix(0) = %q", got)
	}
	if got := string(touchSuffix(5)); got != "\n \n"+strings.Repeat(" ", 61)+"\n" {
		t.Errorf("touchSuffix(5) = %q", got)
	}
	if string(touchSuffix(1<<63)) == string(touchSuffix(1<<62)) {
		t.Error("different numbers, same suffix")
	}
}
