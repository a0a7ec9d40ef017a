package verify

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/oci"
)

// file is a regular file whose content is summed up by its digest.
func file(p, content string) oci.Entry {
	return oci.Entry{Path: p, Type: oci.Regular, Mode: 0o644, Size: int64(len(content)), Digest: "sha256:" + content}
}

func dir(p string) oci.Entry { return oci.Entry{Path: p, Type: oci.Dir, Mode: 0o755} }

func mktree(t *testing.T, entries ...oci.Entry) *oci.Tree {
	t.Helper()
	tr := oci.NewTree()
	if err := tr.Apply(&oci.LayerContents{Entries: entries}); err != nil {
		t.Fatal(err)
	}
	return tr
}

// base is what all trees of a test share.
var base = []oci.Entry{
	dir("/usr"), dir("/usr/bin"), file("/usr/bin/sh", "dash"),
	dir("/var"), dir("/var/lib"), dir("/var/lib/apt"), dir("/var/lib/apt/lists"),
	dir("/var/log"), dir("/root"), dir("/home"), dir("/home/app"),
}

func with(extra ...oci.Entry) []oci.Entry { return append(append([]oci.Entry(nil), base...), extra...) }

func TestExpandRemoves(t *testing.T) {
	got := ExpandRemoves([]string{"/var/lib/apt/lists/", "~/.cache/pip", "~/.cache", "~/.npm/_logs/", "~", "/var/lib/apt/lists/", "/home/*/.cache"})
	want := []string{"/var/lib/apt/lists/", "/root/.cache/pip", "/home/*/.cache/pip", "/root/.cache", "/home/*/.cache",
		"/root/.npm/_logs/", "/home/*/.npm/_logs/", "/root", "/home/*"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandRemoves:\n got %q\nwant %q", got, want)
	}
}

func TestCompareTrees(t *testing.T) {
	for _, tc := range []struct {
		name               string
		before, again, aft []oci.Entry
		removes            []string
		diffs              []string // Difference.String() prefixes, in order
		unstable, removed  []string
		removedBytes       int64
	}{
		{
			name:   "identical",
			before: with(file("/usr/bin/jq", "jq")),
			aft:    with(file("/usr/bin/jq", "jq")),
		},
		{
			name:         "apt lists removed: left out, the directory itself is compared",
			before:       with(file("/var/lib/apt/lists/a_Packages", "packages"), file("/var/lib/apt/lists/lock", "")),
			aft:          with(),
			removes:      []string{"/var/lib/apt/lists/"},
			removed:      []string{"/var/lib/apt/lists/a_Packages", "/var/lib/apt/lists/lock"},
			removedBytes: int64(len("packages")),
		},
		{
			name:   "the lists directory itself must stay",
			before: with(file("/var/lib/apt/lists/a_Packages", "packages")),
			aft: func() []oci.Entry {
				var out []oci.Entry
				for _, e := range base {
					if e.Path != "/var/lib/apt/lists" {
						out = append(out, e)
					}
				}
				return out
			}(),
			removes:      []string{"/var/lib/apt/lists/"},
			diffs:        []string{"- /var/lib/apt/lists  dir"},
			removed:      []string{"/var/lib/apt/lists/a_Packages"},
			removedBytes: int64(len("packages")),
		},
		{
			name: "a home directory pattern, and the parents pip created",
			before: with(dir("/root/.cache"), dir("/root/.cache/pip"), dir("/root/.cache/pip/http"), file("/root/.cache/pip/http/x", "wheel"),
				dir("/home/app/.cache"), dir("/home/app/.cache/pip"), file("/home/app/.cache/pip/y", "wheel2")),
			aft:     with(),
			removes: []string{"~/.cache/pip"},
			removed: []string{"/home/app/.cache", "/home/app/.cache/pip", "/home/app/.cache/pip/y",
				"/root/.cache", "/root/.cache/pip", "/root/.cache/pip/http", "/root/.cache/pip/http/x"},
			removedBytes: int64(len("wheel") + len("wheel2")),
		},
		{
			name:         "a parent that holds something else is compared",
			before:       with(dir("/root/.cache"), dir("/root/.cache/pip"), file("/root/.cache/pip/x", "wheel"), file("/root/.cache/other", "o")),
			aft:          with(),
			removes:      []string{"~/.cache/pip"},
			diffs:        []string{"- /root/.cache  dir", "- /root/.cache/other  file"},
			removed:      []string{"/root/.cache/pip", "/root/.cache/pip/x"},
			removedBytes: int64(len("wheel")),
		},
		{
			name:    "an empty directory only in the original is a difference",
			before:  with(dir("/root/.cache")),
			aft:     with(),
			removes: []string{"~/.cache/pip"},
			diffs:   []string{"- /root/.cache  dir"},
		},
		{
			name: "a cleanup that creates the cache path it claims to remove is caught",
			// The original removed ~/.npm; an appended npm cache clean
			// wrote a debug log there.
			before:  with(),
			aft:     with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T-debug-0.log", "log")),
			removes: []string{"~/.npm/_cacache", "~/.npm/_logs/"},
			diffs: []string{"+ /root/.npm  dir", "+ /root/.npm/_logs  dir",
				"+ /root/.npm/_logs/T-debug-0.log  file 0644 0:0 3 log  (" + CreatedNote + ")"},
		},
		{
			name:    "a cleanup that re-creates a directory the original deleted is caught",
			before:  with(dir("/tmp")),
			aft:     with(dir("/tmp"), dir("/tmp/cache"), file("/tmp/cache/.htaccess", "deny")),
			removes: []string{"/tmp/cache/"},
			diffs:   []string{"+ /tmp/cache  dir", "+ /tmp/cache/.htaccess  file"},
		},
		{
			name:         "below a cache path the original has, what the rewrite leaves is not compared",
			before:       with(dir("/root/.npm"), dir("/root/.npm/_cacache"), file("/root/.npm/_cacache/a", "aaaa")),
			aft:          with(dir("/root/.npm"), dir("/root/.npm/_cacache"), file("/root/.npm/_cacache/b", "b")),
			removes:      []string{"~/.npm/_cacache"},
			removed:      []string{"/root/.npm/_cacache", "/root/.npm/_cacache/a", "/root/.npm/_cacache/b"},
			removedBytes: 3,
		},
		{
			name:     "what differs between two builds of the original is unstable",
			before:   with(file("/var/log/dpkg.log", "log1"), file("/usr/lib/x.pyc", "pyc1"), file("/usr/bin/jq", "jq")),
			again:    with(file("/var/log/dpkg.log", "log2"), file("/usr/lib/x.pyc", "pyc2"), file("/usr/bin/jq", "jq")),
			aft:      with(file("/var/log/dpkg.log", "log3"), file("/usr/lib/x.pyc", "pyc3"), file("/usr/bin/jq", "jq")),
			unstable: []string{"/usr/lib/x.pyc", "/var/log/dpkg.log"},
		},
		{
			name: "apt indexes the mirror changed for the rewrite's build only are unstable; the rest stays strict",
			before: with(file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease", "r1"),
				file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", "p1"),
				file("/var/lib/apt/lists/lock", ""), file("/var/lib/dpkg/status", "s1"), file("/usr/bin/jq", "jq")),
			aft: with(file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease", "r2"),
				file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", "p2"),
				file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.diff_Index", "new"),
				file("/var/lib/apt/lists/lock", "x"), file("/var/lib/dpkg/status", "s2"), file("/usr/bin/jq", "jq")),
			diffs: []string{
				"+ /var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.diff_Index  file",
				"~ /var/lib/apt/lists/lock [size,content]",
				"~ /var/lib/dpkg/status [content]",
			},
			unstable: []string{"/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease",
				"/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4"},
		},
		{
			name: "apt indexes that are the same in all builds are not listed as unstable",
			before: with(file("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "r1"),
				file("/usr/bin/jq", "jq")),
			aft: with(file("/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "r1"),
				file("/usr/bin/jq", "jq")),
		},
		{
			name: "files of changing names: the rewrite's own name is unstable too",
			before: with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T1-debug.log", "a"),
				dir("/tmp"), dir("/tmp/tmp.abc"), file("/tmp/tmp.abc/f", "x")),
			again: with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T2-debug.log", "b"),
				dir("/tmp"), dir("/tmp/tmp.def"), file("/tmp/tmp.def/f", "x")),
			aft: with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T3-debug.log", "c"),
				dir("/tmp"), dir("/tmp/tmp.ghi"), file("/tmp/tmp.ghi/f", "x")),
			unstable: []string{"/root/.npm/_logs/T1-debug.log", "/root/.npm/_logs/T2-debug.log", "/root/.npm/_logs/T3-debug.log",
				"/tmp/tmp.abc", "/tmp/tmp.abc/f", "/tmp/tmp.def", "/tmp/tmp.def/f", "/tmp/tmp.ghi", "/tmp/tmp.ghi/f"},
		},
		{
			name:     "a changing name elsewhere does not excuse a new file",
			before:   with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T1-debug.log", "a")),
			again:    with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T2-debug.log", "b")),
			aft:      with(dir("/root/.npm"), dir("/root/.npm/_logs"), file("/root/.npm/_logs/T1-debug.log", "a"), file("/root/.npm/extra", "e")),
			diffs:    []string{"+ /root/.npm/extra  file"},
			unstable: []string{"/root/.npm/_logs/T1-debug.log", "/root/.npm/_logs/T2-debug.log"},
		},
		{
			name:   "real differences",
			before: with(file("/usr/bin/jq", "jq"), file("/etc/conf", "a"), file("/usr/bin/gone", "g")),
			aft: with(file("/usr/bin/jq", "jq2"), oci.Entry{Path: "/etc/conf", Type: oci.Regular, Mode: 0o600, Size: 1, Digest: "sha256:a"},
				file("/usr/bin/new", "n")),
			diffs: []string{
				"~ /etc/conf [mode]",
				"- /usr/bin/gone  file",
				"~ /usr/bin/jq [size,content]",
				"+ /usr/bin/new  file",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			again := tc.again
			if again == nil {
				again = tc.before
			}
			got := CompareTrees(mktree(t, tc.before...), mktree(t, again...), mktree(t, tc.aft...), tc.removes)
			var diffs []string
			for _, d := range got.Differences {
				diffs = append(diffs, d.String())
			}
			if len(diffs) != len(tc.diffs) {
				t.Fatalf("differences:\n%s\nwant:\n%s", strings.Join(diffs, "\n"), strings.Join(tc.diffs, "\n"))
			}
			for i := range diffs {
				if !strings.HasPrefix(diffs[i], tc.diffs[i]) {
					t.Errorf("difference %d: %q, want it to start with %q", i, diffs[i], tc.diffs[i])
				}
			}
			if !reflect.DeepEqual(nilIfEmpty(got.Unstable), tc.unstable) {
				t.Errorf("unstable:\n got %q\nwant %q", got.Unstable, tc.unstable)
			}
			if !reflect.DeepEqual(nilIfEmpty(got.Removed), tc.removed) {
				t.Errorf("removed:\n got %q\nwant %q", got.Removed, tc.removed)
			}
			if got.RemovedBytes != tc.removedBytes {
				t.Errorf("removed bytes %d, want %d", got.RemovedBytes, tc.removedBytes)
			}
		})
	}
}

func TestMirrorDecided(t *testing.T) {
	for p, want := range map[string]bool{
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease":                                        true,
		"/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease":                      true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_Release":                                          true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_Release.gpg":                                      true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages":                       true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4":                   true,
		"/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4": true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_source_Sources.xz":                           true,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4":                     true,
		"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease":                                         true,
		"/var/lib/apt/lists/partial/deb.debian.org_debian_dists_bookworm_InRelease":                                true,
		"/var/cache/apt/pkgcache.bin":             true,
		"/var/cache/apt/srcpkgcache.bin":          true,
		"/var/cache/apk/APKINDEX.5022a8a2.tar.gz": true,
		"/var/lib/apt/lists/lock":                 false,
		"/var/lib/apt/lists/auxfiles":             false,
		"/var/lib/apt/lists":                      false,
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.diff_Index": false,
		"/var/lib/apt/lists/x/deb.debian.org_debian_dists_bookworm_InRelease":                           false,
		"/var/lib/apt/extended_states":                 false,
		"/var/lib/dpkg/status":                         false,
		"/var/cache/apt/archives/jq_1.6-2.1_amd64.deb": false,
		"/var/log/apt/history.log":                     false,
		"/etc/apt/sources.list.d/debian.sources":       false,
		"/usr/share/doc/x_InRelease":                   false,
	} {
		if got := MirrorDecided(p); got != want {
			t.Errorf("MirrorDecided(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestCompareConfig(t *testing.T) {
	base := oci.Config{
		Entrypoint:   []string{"/entry"},
		Cmd:          []string{"serve"},
		Env:          []string{"PATH=/usr/bin", "A=1"},
		User:         "app",
		WorkingDir:   "/app",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		Labels:       map[string]string{"k": "v"},
		Healthcheck:  &oci.HealthConfig{Test: []string{"CMD", "true"}},
		StopSignal:   "SIGTERM",
	}
	if d := CompareConfig(base, base, nil); len(d) != 0 {
		t.Errorf("same config: %v", d)
	}
	reordered := base
	reordered.Env = []string{"A=1", "PATH=/usr/bin"}
	reordered.ArgsEscaped = true // not compared
	if d := CompareConfig(base, reordered, nil); len(d) != 0 {
		t.Errorf("Env order: %v", d)
	}
	empty := base
	empty.Cmd = []string{}
	empty.Entrypoint = nil
	noEntry := base
	noEntry.Entrypoint = []string{}
	noEntry.Cmd = nil
	// An empty list and none run the same container.
	if d := CompareConfig(noEntry, empty, nil); len(d) != 0 {
		t.Errorf("nil and empty: %v", d)
	}

	changed := base
	changed.Cmd = []string{"/bin/sh", "-c", "serve"}
	changed.Env = []string{"PATH=/usr/bin", "A=2", "B=3"}
	changed.ExposedPorts = nil
	changed.Labels = map[string]string{"k": "v", "new": "x"}
	changed.Healthcheck = nil
	changed.StopSignal = "SIGINT"
	changed.User = ""
	got := CompareConfig(base, changed, []ConfigChange{{Field: FieldCmd, Pass: "exec-form"}, {Field: FieldEnv, Key: "B"}})
	var lines []string
	for _, d := range got {
		lines = append(lines, d.String())
	}
	want := []string{
		`Cmd: ["serve"] => ["/bin/sh","-c","serve"] (declared by exec-form)`,
		`Env[A]: "1" => "2"`,
		`Env[B]: (none) => "3" (declared by (allowed))`,
		`User: "app" => (none)`,
		`ExposedPorts[8080/tcp]: present => (none)`,
		`Labels[new]: (none) => "x"`,
		`Healthcheck: {"Test":["CMD","true"]} => (none)`,
		`StopSignal: "SIGTERM" => "SIGINT"`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnstableByNature(t *testing.T) {
	for p, want := range map[string]bool{
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease":                                      true,
		"/tmp/v8-compile-cache-0/10.2.154.26-node.37/zSusrzSlocalzSlibzSnode_moduleszSpnpmzSbinzSpnpm.cjs.MAP":   true,
		"tmp/v8-compile-cache-1000/10.2.154.26-node.37/zSusrzSlocalzSlibzSnode_moduleszSyarnzSbinzSyarn.js.BLOB": true,
		"/tmp/v8-compile-cache-0":          false,
		"/tmp/app/v8-compile-cache-0/x":    false,
		"/app/tmp/v8-compile-cache-0/x":    false,
		"/var/lib/dpkg/status":             false,
		"/usr/local/lib/node_modules/x.js": false,
	} {
		if got := UnstableByNature(p); got != want {
			t.Errorf("UnstableByNature(%q) = %v, want %v", p, got, want)
		}
	}
}
