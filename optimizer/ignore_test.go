package optimizer

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func TestPragmas(t *testing.T) {
	for _, c := range []struct {
		text string
		ok   bool
		want passSet
	}{
		{"dfopt:ignore", true, passSet{all: true}},
		{"dfopt:ignore because", true, passSet{all: true}},
		{"dfopt:ignore=root-user", true, passSet{names: []string{"root-user"}}},
		{"dfopt:ignore=root-user,tini reason, with commas", true, passSet{names: []string{"root-user", "tini"}}},
		{"dfopt:ignore= root-user , tini  reason", true, passSet{names: []string{"root-user", "tini"}}},
		{"dfopt:ignore=", false, passSet{}},
		{"dfopt:ignored", false, passSet{}},
		{"dfopt:ignore-file", false, passSet{}},
		{"dfopt: ignore", false, passSet{}},
		{"see dfopt:ignore", false, passSet{}},
	} {
		got, ok := dfoptPragma(c.text)
		require.Equal(t, c.ok, ok, c.text)
		require.Equal(t, c.want, got, c.text)
	}
	for _, c := range []struct {
		text   string
		global bool
		ok     bool
		want   []string
	}{
		{"hadolint ignore=DL3059", false, true, []string{"coalesce-runs"}},
		{"hadolint ignore=DL3008,DL3009", false, true, []string{"cache-cleanup"}},
		{"hadolint ignore = DL3042 , DL3059 # why", false, true, []string{"cache-cleanup", "coalesce-runs"}},
		{"hadolint ignore=DL3008", false, true, nil},
		{"hadolint global ignore=DL3007", false, false, nil},
		{"hadolint global ignore=DL3007", true, true, []string{"base-image-tag"}},
		{"hadolint  global  ignore=DL4000", true, true, []string{"maintainer-label"}},
		{"hadolint ignore=DL3007", true, false, nil},
		{"hadolintignore=DL3007", false, false, nil},
		{"hadolint shell=bash", false, false, nil},
	} {
		got, ok := hadolintPragma(c.text, c.global)
		require.Equal(t, c.ok, ok, c.text)
		require.Equal(t, c.want, got.names, c.text)
		require.False(t, got.all, c.text)
	}
	require.Equal(t, []string{"exec-form", "from-as-casing"}, checkSkips("skip=JSONArgsRecommended, FromAsCasing,Unknown;error=true").names)
	require.Len(t, checkSkips("skip=all").names, len(BuildKitChecks.Get()))
	require.True(t, checkSkips("error=true").empty())
}

// Every mapped rule names a registered pass.
func TestIgnoreMapsNamePasses(t *testing.T) {
	for rule, pass := range HadolintRules.Get() {
		require.NotNil(t, lookup(pass), "%s -> %s", rule, pass)
	}
	for check, pass := range BuildKitChecks.Get() {
		require.NotNil(t, lookup(pass), "%s -> %s", check, pass)
	}
}

func lookup(name string) *Pass {
	all, _ := Select(Options{Enable: []string{"all"}})
	for _, p := range all {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func TestNoIgnores(t *testing.T) {
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM alpine\n# a comment\nRUN true\n"))
	require.NoError(t, err)
	require.Nil(t, findIgnores(doc))
}
