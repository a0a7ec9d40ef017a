package optimizer

import (
	"bytes"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
)

// Inline ignores. A comment switches passes off:
//
//	# dfopt:ignore                  every pass, for the next instruction
//	# dfopt:ignore=PASS,PASS        these passes, for the next instruction
//	# dfopt:ignore-file             every pass, for the whole file
//	# dfopt:ignore-file=PASS,PASS   these passes, for the whole file
//	# hadolint ignore=DLxxxx,...    the passes the rules map to, next instruction
//	# hadolint global ignore=...    the same, for the whole file
//	# check=skip=Name,...           (BuildKit's directive) the passes the checks map to
//
// A dfopt:ignore comment applies to the instruction it is above, anywhere in
// the comment block directly above it (no blank line in between). A
// hadolint ignore applies, as in hadolint, to the instruction on the very
// next line. dfopt:ignore-file and hadolint global ignore apply wherever
// they are (outside heredoc bodies). Text after the list, separated by a
// blank, is a free-form reason: `# dfopt:ignore=root-user runs as root by design`.
//
// An instruction ignored by a pass gets no finding and no fix from it: a
// finding whose range or fix touches the instruction is dropped, and so is
// a finding about it reported elsewhere (analysis.Finding.About: tini's
// and non-root's findings about a stage, reported at the CMD, ENTRYPOINT or
// other instruction that is the reason, are governed by an ignore above
// the stage's FROM as well). A fix of
// any pass that would move an ignore comment away from what it governs
// (an edit between the comment and the instruction's keyword: merging the
// instruction into the one above, deleting it, or inserting before it) is
// dropped, and its finding is reported without a fix. Changing the case of
// the keyword and removing blanks at the end of a line move nothing. Passes
// see which instructions an ignore comment governs (analysis.Context.Pinned):
// coalesce-runs merges none of them, neither into the instruction above nor
// the instructions below into it, whose commands would come under the
// comment.

// HadolintRules maps the hadolint rules that dfopt's passes cover to the
// pass: `# hadolint ignore=DL3059` above a RUN keeps coalesce-runs from
// merging it. A rule maps to the whole pass (DL3042, pip's cache, silences
// every cache-cleanup fix of the instruction).
var HadolintRules = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"DL3002": "root-user",        // last USER should not be root
		"DL3004": "sudo",             // do not use sudo
		"DL3006": "base-image-tag",   // always tag the version of an image
		"DL3007": "base-image-tag",   // using latest
		"DL3009": "cache-cleanup",    // delete the apt-get lists
		"DL3019": "cache-cleanup",    // apk add --no-cache
		"DL3032": "cache-cleanup",    // yum clean all missing
		"DL3040": "cache-cleanup",    // dnf clean all missing
		"DL3042": "cache-cleanup",    // pip install --no-cache-dir
		"DL3060": "cache-cleanup",    // yarn cache clean missing
		"DL3059": "coalesce-runs",    // multiple consecutive RUN instructions
		"DL3020": "add-to-copy",      // COPY instead of ADD for files and folders
		"DL3025": "exec-form",        // JSON notation for CMD and ENTRYPOINT
		"DL4000": "maintainer-label", // MAINTAINER is deprecated
	}
}}

// BuildKitChecks maps the BuildKit build checks that dfopt's passes cover
// to the pass: `# check=skip=JSONArgsRecommended` turns exec-form off for the
// file, and `# check=skip=all` every pass listed here.
var BuildKitChecks = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"ConsistentInstructionCasing": "keyword-case",
		"FromAsCasing":                "from-as-casing",
		"LegacyKeyValueFormat":        "env-key-value",
		"JSONArgsRecommended":         "exec-form",
		"MaintainerDeprecated":        "maintainer-label",
		"SecretsUsedInArgOrEnv":       "secret-in-env",
	}
}}

// passSet is a set of pass names; all means every pass.
type passSet struct {
	all   bool
	names []string
}

func (s *passSet) add(o passSet) {
	s.all = s.all || o.all
	for _, n := range o.names {
		if !slices.Contains(s.names, n) {
			s.names = append(s.names, n)
		}
	}
}

func (s passSet) has(pass string) bool { return s.all || slices.Contains(s.names, pass) }

func (s passSet) empty() bool { return !s.all && len(s.names) == 0 }

// ignores are what a document's comments switch off.
type ignores struct {
	file passSet
	// ins holds the passes switched off for an instruction, by index.
	ins map[int]passSet
	// anchors are the regions from an ignore comment to the end of the
	// keyword of the instruction it governs (the comment's own line for
	// file-wide ones): no fix may touch them.
	anchors []anchor
}

type anchor struct {
	start, end int
	// keyword is where the instruction's keyword starts (end for a
	// file-wide comment): an edit that only changes the keyword's case
	// leaves the comment where it was.
	keyword int
}

// findIgnores reads the ignore comments of doc. It returns nil when there
// are none.
func findIgnores(doc *dockerfile.Document) *ignores {
	ig := &ignores{}
	if v, ok := doc.Directive("check"); ok {
		ig.file.add(checkSkips(v))
	}
	if !bytes.Contains(doc.Src, []byte("dfopt:ignore")) && !bytes.Contains(doc.Src, []byte("hadolint")) {
		if ig.file.empty() {
			return nil
		}
		return ig
	}
	for _, c := range doc.Comments() {
		if set, ok := filePragma(c.Text); ok {
			ig.file.add(set)
			ig.anchors = append(ig.anchors, anchor{c.Span.Start, c.Span.End, c.Span.End})
		}
	}
	for _, ins := range doc.Instructions {
		var set passSet
		first := -1
		for _, c := range doc.CommentsAbove(ins) {
			s, ok := dfoptPragma(c.Text)
			if !ok && c.Line == ins.StartLine-1 {
				s, ok = hadolintPragma(c.Text, false)
			}
			if !ok {
				continue
			}
			set.add(s)
			if first < 0 {
				first = c.Span.Start
			}
		}
		if first < 0 {
			continue
		}
		if ig.ins == nil {
			ig.ins = map[int]passSet{}
		}
		ig.ins[ins.Index] = set
		lead := len(ins.Text) - len(strings.TrimLeft(ins.Text, " \t"))
		ig.anchors = append(ig.anchors, anchor{first, ins.SrcOffset(lead + len(ins.Keyword())), ins.SrcOffset(lead)})
	}
	return ig
}

// filePragma parses a file-wide ignore comment.
func filePragma(text string) (passSet, bool) {
	if rest, ok := strings.CutPrefix(text, "dfopt:ignore-file"); ok {
		return pragmaList(rest, nil)
	}
	if strings.HasPrefix(text, "hadolint") {
		return hadolintPragma(text, true)
	}
	return passSet{}, false
}

// dfoptPragma parses `dfopt:ignore` and `dfopt:ignore=a,b`.
func dfoptPragma(text string) (passSet, bool) {
	rest, ok := strings.CutPrefix(text, "dfopt:ignore")
	if !ok || strings.HasPrefix(rest, "-") {
		return passSet{}, false
	}
	return pragmaList(rest, nil)
}

// pragmaList parses what follows the pragma's name: nothing (every pass),
// a blank and a reason (every pass), or "=" and a comma-separated list and
// an optional reason. Names are mapped through names when it is not nil
// (and dropped when they do not map).
func pragmaList(rest string, names map[string]string) (passSet, bool) {
	if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
		if names != nil {
			return passSet{}, false
		}
		return passSet{all: true}, true
	}
	if rest[0] != '=' {
		return passSet{}, false
	}
	list := strings.TrimLeft(rest[1:], " \t")
	// The list ends at the first blank that is not next to a comma.
	end := len(list)
	for i := 0; i < len(list); i++ {
		if list[i] != ' ' && list[i] != '\t' {
			continue
		}
		j := i
		for j < len(list) && (list[j] == ' ' || list[j] == '\t') {
			j++
		}
		if (i > 0 && list[i-1] == ',') || (j < len(list) && list[j] == ',') {
			i = j - 1
			continue
		}
		end = i
		break
	}
	var set passSet
	for _, n := range strings.Split(list[:end], ",") {
		n = strings.TrimSpace(n)
		if names != nil {
			n = names[n]
		}
		if n != "" && !slices.Contains(set.names, n) {
			set.names = append(set.names, n)
		}
	}
	return set, names != nil || len(set.names) > 0
}

// hadolintPragma parses `hadolint ignore=...` (global: `hadolint global
// ignore=...`) into the passes its rules map to.
func hadolintPragma(text string, global bool) (passSet, bool) {
	rest, ok := strings.CutPrefix(text, "hadolint")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return passSet{}, false
	}
	rest = strings.TrimLeft(rest, " \t")
	if global {
		if rest, ok = strings.CutPrefix(rest, "global"); !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			return passSet{}, false
		}
		rest = strings.TrimLeft(rest, " \t")
	}
	if rest, ok = strings.CutPrefix(rest, "ignore"); !ok {
		return passSet{}, false
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, "=") {
		return passSet{}, false
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i] // hadolint allows a comment after the list
	}
	return pragmaList(strings.TrimRight(rest, " \t"), HadolintRules.Get())
}

// checkSkips reads the skip= part of BuildKit's # check= directive.
func checkSkips(v string) passSet {
	var set passSet
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) != "skip" {
			continue
		}
		val = strings.TrimSpace(val)
		for _, name := range strings.Split(val, ",") {
			name = strings.TrimSpace(name)
			if name == "all" {
				for _, p := range BuildKitChecks.Get() {
					set.add(passSet{names: []string{p}})
				}
				continue
			}
			if p, ok := BuildKitChecks.Get()[name]; ok {
				set.add(passSet{names: []string{p}})
			}
		}
	}
	slices.Sort(set.names)
	return set
}

// drop reports whether the finding f of pass must be dropped (the
// instruction it is about is ignored for the pass), and whether its fix must
// be (it touches such an instruction, or an ignore comment's anchor).
func (ig *ignores) drop(doc *dockerfile.Document, pass string, f analysis.Finding) (finding, fix bool) {
	if ig.file.has(pass) {
		return true, true
	}
	if len(ig.ins) == 0 && len(ig.anchors) == 0 {
		return false, false
	}
	for idx, set := range ig.ins {
		if !set.has(pass) {
			continue
		}
		span := doc.Instructions[idx].Span
		if touches(span, f.Pos, f.End) || f.About != nil && f.About.Index == idx {
			return true, true
		}
		if f.Fix != nil {
			for _, e := range f.Fix.Edits {
				if touches(span, e.Pos, e.End) {
					return true, true
				}
			}
		}
	}
	if f.Fix != nil {
		for _, a := range ig.anchors {
			for _, e := range f.Fix.Edits {
				if !(e.Pos < a.end && e.End > a.start || e.Pos == e.End && e.Pos > a.start && e.Pos < a.end) {
					continue
				}
				if e.Pos >= a.keyword && e.End <= a.end && e.Pos < e.End &&
					strings.EqualFold(string(doc.Src[e.Pos:e.End]), e.NewText) {
					continue // the keyword's case
				}
				if trailingBlanks(doc.Src, e) {
					continue // blanks at the end of a line
				}
				return false, true
			}
		}
	}
	return false, false
}

// trailingBlanks reports whether e only deletes spaces and tabs at the end
// of a line, which moves no comment and no instruction.
func trailingBlanks(src []byte, e analysis.Edit) bool {
	if e.NewText != "" || e.Pos == e.End || strings.Trim(string(src[e.Pos:e.End]), " \t") != "" {
		return false
	}
	return e.End == len(src) || src[e.End] == '\n' || src[e.End] == '\r'
}

// touches reports whether [pos, end) overlaps span (an empty range: lies
// strictly inside it, or at its start).
func touches(span dockerfile.Span, pos, end int) bool {
	if pos == end {
		return pos >= span.Start && pos < span.End
	}
	return pos < span.End && end > span.Start
}
