package harness

import (
	"reflect"
	"testing"

	"github.com/dfopt/dfopt/internal/oci"
)

func treeOf(t *testing.T, files map[string]string) *oci.Tree {
	t.Helper()
	var entries []oci.Entry
	for p, content := range files {
		entries = append(entries, oci.Entry{Path: p, Type: oci.Regular, Mode: 0o644, Size: int64(len(content)), Digest: "sha256:" + content})
	}
	tr := oci.NewTree()
	if err := tr.Apply(&oci.LayerContents{Entries: entries}); err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestTrioUnstable: what differs between the two builds of the original is
// unstable wherever it is; a package index the mirror decides is unstable
// where the original and the rewrite differ even when both originals
// agree (the mirror answered the rewrite's build from another state);
// anything else is compared.
func TestTrioUnstable(t *testing.T) {
	const (
		inRelease = "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease"
		packages  = "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4"
	)
	before := map[string]string{inRelease: "r1", packages: "p1", "/var/log/dpkg.log": "t1", "/usr/bin/jq": "jq", "/etc/x": "x"}
	again := map[string]string{inRelease: "r1", packages: "p1", "/var/log/dpkg.log": "t2", "/usr/bin/jq": "jq", "/etc/x": "x"}
	after := map[string]string{inRelease: "r2", packages: "p2", "/var/log/dpkg.log": "t3", "/usr/bin/jq": "jq2", "/etc/x": "x", "/etc/new": "n"}
	tr := &Trio{trees: [3]*oci.Tree{treeOf(t, before), treeOf(t, after), treeOf(t, again)}}
	unstable, err := tr.Unstable()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{inRelease, packages, "/var/log/dpkg.log"}; !reflect.DeepEqual(unstable, want) {
		t.Errorf("unstable %q, want %q", unstable, want)
	}
	d, _, err := tr.Diff(oci.DiffOptions{Ignore: oci.IgnorePaths("/etc/new")})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 0 || len(d.Removed) != 0 || len(d.Changed) != 1 || d.Changed[0].Path != "/usr/bin/jq" {
		t.Errorf("diff %s, want /usr/bin/jq changed only", d)
	}

	// The same index in all three builds is compared (and equal).
	after[inRelease], after[packages] = "r1", "p1"
	tr = &Trio{trees: [3]*oci.Tree{treeOf(t, before), treeOf(t, after), treeOf(t, again)}}
	if unstable, _ := tr.Unstable(); !reflect.DeepEqual(unstable, []string{"/var/log/dpkg.log"}) {
		t.Errorf("unstable %q", unstable)
	}
}
