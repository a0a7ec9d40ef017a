package analysis

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKebabCase checks kebabCase against the expression it spells out.
func TestKebabCase(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	for _, name := range []string{
		"", "a", "A", "1a", "-a", "a-", "a--b", "a-b", "a-1", "cache-cleanup", "a1-b2-c3",
		"a_b", "a b", "aB", "a-B", "é", "a-b-", "ab--", "x-y-z",
	} {
		require.Equal(t, re.MatchString(name), kebabCase(name), "%q", name)
	}
}

func TestValidateRun(t *testing.T) {
	run := func(*Context) []Finding { return nil }
	ok := &Pass{Name: "a", Tier: Safe, Run: run}
	for want, ps := range map[string][]*Pass{
		"nil pass":           {ok, nil},
		"not kebab-case":     {{Name: "A", Tier: Safe, Run: run}},
		`"a": duplicate`:     {ok, {Name: "b", Tier: Safe, Run: run}, {Name: "a", Tier: Format, Run: run}},
		"unknown tier":       {{Name: "b", Run: run}},
		"no run function":    {{Name: "b", Tier: Safe}},
		"no summary and no ": {{Name: "b", Tier: Safe, Run: run}},
		"one line":           {{Name: "b", Tier: Safe, Run: run, Docs: StaticDocs("x\ny", "doc")}},
		"final period":       {{Name: "b", Tier: Safe, Run: run, Docs: StaticDocs("x.", "doc")}},
		"no doc":             {{Name: "b", Tier: Safe, Run: run, Docs: StaticDocs("x", "")}},
	} {
		require.ErrorContains(t, Validate(ps), want)
	}
	require.NoError(t, ValidateRun([]*Pass{ok}))
	require.NoError(t, Validate([]*Pass{{Name: "b", Tier: Safe, Run: run, Docs: StaticDocs("x", "doc")}}))
}
