package cachemounts

import (
	"testing"

	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/stretchr/testify/require"
)

func TestRelation(t *testing.T) {
	for _, tc := range []struct {
		v, dir string
		want   int
	}{
		{"/var/lib/apt/lists/*", "/var/lib/apt/lists", atOrBelow},
		{"/var/lib/apt/lists", "/var/lib/apt/lists", atOrBelow},
		{"/var/lib/apt/lists/", "/var/lib/apt/lists", atOrBelow},
		{"/var/cache/apt/archives/*.deb", "/var/cache/apt", atOrBelow},
		{"/var/cache/apt/*.bin", "/var/cache/apt", atOrBelow},
		{"/var/lib/apt", "/var/lib/apt/lists", above},
		{"/var/lib/apt/*", "/var/lib/apt/lists", above},
		{"/root/.cache", "/root/.cache/pip", above},
		{"/", "/root/.npm", above},
		{"/tmp/*", "/root/.npm", unrelated},
		{"/var/lib/apt/listsx", "/var/lib/apt/lists", unrelated},
		{"/root/.npm/_cacache", "/root/.npm", atOrBelow},
	} {
		require.Equal(t, tc.want, relation(tc.v, tc.dir), "%s %s", tc.v, tc.dir)
	}
}

func TestMountFlag(t *testing.T) {
	m := pkgmgr.CacheMount{Target: "/home/node/.npm", ID: pkgmgr.CacheID("npm", "", "1000"), UID: "1000"}
	require.Equal(t, "--mount=type=cache,id=npm-uid1000,target=/home/node/.npm,uid=1000", m.Flag())
	m = pkgmgr.CacheMount{Target: "/var/lib/apt/lists", ID: pkgmgr.CacheID("apt-lists", "debian bookworm", ""), Locked: true}
	require.Equal(t, "--mount=type=cache,id=apt-lists-debian-bookworm,target=/var/lib/apt/lists,sharing=locked", m.Flag())
}
