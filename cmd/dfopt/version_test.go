package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionFrom(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}
	require.Equal(t, "v1.2.0", versionFrom(bi))
	bi.Main.Version = ""
	require.Equal(t, "(devel)", versionFrom(bi))
	bi.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: "63748f2e1c3a0123456789abcdef0123456789ab"}, {Key: "vcs.modified", Value: "true"}}
	require.Equal(t, "(devel) (rev 63748f2e1c3a, modified)", versionFrom(bi))
	bi.Settings[1].Value = "false"
	bi.Main.Version = "v0.0.0-20261204131500-63748f2e1c3a"
	require.Equal(t, "v0.0.0-20261204131500-63748f2e1c3a (rev 63748f2e1c3a)", versionFrom(bi))
}

// A binary built from the repository with version control stamping says
// which revision it was built from.
func TestVersionOfBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds dfopt")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git work tree: %v", err)
	}
	if dirs, err := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir").Output(); err == nil {
		if d := strings.Fields(string(dirs)); len(d) == 2 && d[0] != d[1] {
			// go build does not stamp builds in a linked work tree.
			t.Skip("a linked git work tree")
		}
	}
	bin := filepath.Join(t.TempDir(), "dfopt")
	cmd := exec.Command(gobin, "build", "-buildvcs=true", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(bin, "--version").Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "(rev "+strings.TrimSpace(string(head))[:12])
}
