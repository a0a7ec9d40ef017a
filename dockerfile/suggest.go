package dockerfile

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/util/suggest"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
)

// BuildKit adds "(did you mean X?)" to some of its errors, choosing X
// among candidates it keeps in maps: when several are as close to what was
// written (ARD is one edit from ADD and from ARG), which one it names
// depends on the map's order, and the same file gives another message from
// one run to the next. suggestion says it again deterministically: the
// closest candidate, the first in alphabetical order among the closest
// (BuildKit's own suggest.Search over the sorted candidates).

// instructionNames are the instruction keywords, sorted.
var instructionNames = lazy.Value[[]string]{New: func() []string {
	names := slices.Sorted(maps.Keys(command.Commands))
	for i, n := range names {
		names[i] = strings.ToUpper(n)
	}
	return names
}}

// builderFlags are the flags BuildKit's instructions package accepts on
// each instruction (without the leading --), sorted. TestBuilderFlags
// checks them against BuildKit.
var builderFlags = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"add":         {"checksum", "chmod", "chown", "exclude", "keep-git-dir", "link", "unpack"},
		"copy":        {"chmod", "chown", "exclude", "from", "link", "parents"},
		"from":        {"platform"},
		"healthcheck": {"interval", "retries", "start-interval", "start-period", "timeout"},
		"run":         {"device", "mount", "network", "security"},
	}
}}

var unknownFlagRE = lazyre.New(`^unknown flag: --(.*)$`)

// suggestionText returns the text of err, an error of BuildKit about the
// instruction cmd (lowercase), with its suggestion made deterministic.
func suggestionText(cmd string, err error) string {
	inner := errors.Unwrap(err)
	if inner == nil {
		return err.Error()
	}
	base := inner.Error()
	match, ok := strings.CutPrefix(err.Error(), base+" (did you mean ")
	if !ok || !strings.HasSuffix(match, "?)") {
		return err.Error() // not a suggestion
	}
	var val string
	var options []string
	caseSensitive := true
	ui, unknownInstruction := inner.(*instructions.UnknownInstructionError)
	switch {
	case unknownInstruction:
		val, options, caseSensitive = ui.Instruction, instructionNames.Get(), false
	case unknownFlagRE.MatchString(base):
		val = unknownFlagRE.FindStringSubmatch(base)[1]
		options = builderFlags.Get()[cmd]
		// A flag BuildKit has and this table lacks is a candidate still.
		if m := strings.TrimSuffix(match, "?)"); !slices.Contains(options, m) {
			options = slices.Sorted(slices.Values(append(slices.Clone(options), m)))
		}
	default:
		// A suggestion among candidates not known here (RUN --mount's
		// values are read when the file is built, not when it is parsed):
		// left out, rather than one that may change from run to run.
		return base
	}
	if m, ok := suggest.Search(val, options, caseSensitive); ok {
		return base + " (did you mean " + m + "?)"
	}
	return base
}
