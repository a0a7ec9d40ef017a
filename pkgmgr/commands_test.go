package pkgmgr_test

import (
	"testing"

	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

// command parses a program of one command.
func command(t *testing.T, src string) *shellparse.Command {
	t.Helper()
	prog, err := shellparse.Parse(src)
	require.NoError(t, err)
	cmds := shellparse.Commands(prog)
	require.Len(t, cmds, 1, src)
	return cmds[0]
}

func TestCommandKinds(t *testing.T) {
	for _, tc := range []struct {
		src                    string
		aptUpdate, aptReads    bool
		apkUpdate, apkReads    bool
		otherUser, bareInstall bool
	}{
		{src: "apt-get update", aptUpdate: true, bareInstall: true},
		{src: "apt-get -o Acquire::Retries=3 update", aptUpdate: true, bareInstall: true},
		{src: "sudo apt install -y curl", aptReads: true, bareInstall: true},
		{src: "apt-cache policy curl", aptReads: true, bareInstall: true},
		{src: "apt-get clean", bareInstall: true},
		{src: "apk update", apkUpdate: true, bareInstall: true},
		{src: "apk add curl", apkReads: true, bareInstall: true},
		{src: "apk add --no-cache curl", bareInstall: true},
		{src: "apk -X https://mirror add curl", apkReads: true, bareInstall: true},
		{src: "sudo -u app npm ci", otherUser: true, bareInstall: true},
		{src: "gosu app yarn", otherUser: true, bareInstall: true},
		{src: "sudo npm ci", bareInstall: true},
		{src: "yarn --version"},
	} {
		c := command(t, tc.src)
		require.Equal(t, tc.aptUpdate, pkgmgr.AptUpdates(c), "AptUpdates(%q)", tc.src)
		require.Equal(t, tc.aptReads, pkgmgr.AptReadsLists(c), "AptReadsLists(%q)", tc.src)
		require.Equal(t, tc.apkUpdate, pkgmgr.ApkUpdates(c), "ApkUpdates(%q)", tc.src)
		require.Equal(t, tc.apkReads, pkgmgr.ApkReadsIndex(c), "ApkReadsIndex(%q)", tc.src)
		require.Equal(t, tc.otherUser, pkgmgr.OtherUser(c), "OtherUser(%q)", tc.src)
		require.Equal(t, tc.bareInstall, pkgmgr.BareInstall(c), "BareInstall(%q)", tc.src)
	}
}

func TestAssumesYes(t *testing.T) {
	for _, v := range []string{"-y", "-qy", "--yes", "--assume-yes", "-qq", "-q=2", "-oAPT::Get::Assume-Yes=true"} {
		require.True(t, pkgmgr.AssumesYes(v), v)
	}
	for _, v := range []string{"-q", "--quiet", "install", "--no-install-recommends"} {
		require.False(t, pkgmgr.AssumesYes(v), v)
	}
}

func TestRemovesAndPip(t *testing.T) {
	require.True(t, pkgmgr.Removes(command(t, "rm -rf /var/lib/apt/lists/*"), "/var/lib/apt/lists"))
	require.True(t, pkgmgr.Removes(command(t, "rm -rf /var/lib/apt"), "/var/lib/apt/lists"))
	require.True(t, pkgmgr.Removes(command(t, "find /var/cache/apk/ -delete"), "/var/cache/apk"))
	require.False(t, pkgmgr.Removes(command(t, "rm -rf /var/lib/apt/listsx"), "/var/lib/apt/lists"))
	require.False(t, pkgmgr.Removes(command(t, "ls /var/lib/apt/lists"), "/var/lib/apt/lists"))
	for name, want := range map[string]bool{"pip": true, "pip3": true, "pip3.12": true, "pipx": false, "pipenv": false} {
		require.Equal(t, want, pkgmgr.IsPip(name), name)
	}
}

// apk run by another program reads the index as apk does, unless it
// fetches the index itself or updates first; printed text does not run it.
func TestApkRunBy(t *testing.T) {
	for src, want := range map[string]bool{
		"xargs apk add":                           true,
		"sh -c 'apk add curl'":                    true,
		`su -c "apk --quiet add $PKGS" root`:      true,
		"chroot /rootfs /sbin/apk info":           true,
		"sh -c 'apk update && apk add curl'":      false,
		"sh -c 'apk add --no-cache curl'":         false,
		"xargs apk -U add":                        false,
		"echo 'apk add curl'":                     false,
		"apk add curl":                            false, // apk itself: ApkReadsIndex
		"sh -c 'apkg add x; capk add y'":          false,
		"sh -c 'apk add --no-cache a; apk add b'": true,
	} {
		prog, err := shellparse.Parse(src)
		require.NoError(t, err)
		c := shellparse.Commands(prog)[0]
		require.Equal(t, want, pkgmgr.ApkRunBy(c, prog.Text(c.Call)), src)
	}
}

func TestGoBuilds(t *testing.T) {
	for src, want := range map[string]bool{
		"go build -o /out/app .":         true,
		"CGO_ENABLED=0 go install ./...": true,
		"go -C ./cmd test ./...":         true,
		"go vet ./...":                   true,
		"go run ./gen":                   true,
		"go generate ./...":              true,
		"go mod download":                false,
		"go get example.com/m@v1":        false,
		"go env GOCACHE":                 false,
		"go clean -cache":                false,
		"gofmt -l .":                     false,
		"xx-go build -o /out/app .":      true,
		"/usr/bin/xx-go install ./cmd/x": true,
		"xx-go test ./...":               true,
		"xx-go --wrap":                   false,
		"xx-go env GOOS":                 false,
		"xx-info env":                    false,
	} {
		_, got := pkgmgr.GoBuilds(command(t, src))
		require.Equal(t, want, got, src)
	}
	require.True(t, pkgmgr.GoCleansCache(command(t, "go clean -cache -modcache")))
	require.False(t, pkgmgr.GoCleansCache(command(t, "go clean -modcache")))
	require.True(t, pkgmgr.GoCleansCache(command(t, "xx-go clean -cache")))
}
