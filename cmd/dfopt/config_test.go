package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// dfopt verify proves the rewrite that dfopt -w makes: with the project's
// .dfopt.yaml under its flags.
func TestVerifyUsesProjectConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dfopt.yaml"), []byte("level: aggressive\ndisable: [coalesce-runs]\n"), 0o644))
	opts, err := verifyPassOptions(&verifyConfig{}, nil, path)
	require.NoError(t, err)
	require.Contains(t, opts.Enable, "tini")
	require.NotContains(t, opts.Enable, "coalesce-runs")

	c := &verifyConfig{level: "safe"}
	require.NoError(t, c.disable.Set("cache-cleanup"))
	opts, err = verifyPassOptions(c, nil, path)
	require.NoError(t, err)
	require.False(t, slices.Contains(opts.Enable, "tini"), "--level overrides the file")
	require.NotContains(t, opts.Enable, "cache-cleanup")
	require.NotContains(t, opts.Enable, "coalesce-runs")
	require.Contains(t, opts.Enable, "manifest-first")

	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dfopt.yaml"), []byte("levl: safe\n"), 0o644))
	_, err = verifyPassOptions(&verifyConfig{}, nil, path)
	require.ErrorContains(t, err, ".dfopt.yaml:1: unknown key \"levl\"")
}
