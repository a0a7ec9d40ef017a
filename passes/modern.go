package passes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// FromAsCasing writes the AS of FROM ... AS name in the file's keyword case.
var FromAsCasing = &analysis.Pass{
	Name:    "from-as-casing",
	Summary: "write the AS of FROM ... AS in the same case as the keywords",
	Tier:    analysis.Format,
	Run:     runFromAsCasing,
	Doc: `BuildKit warns when FROM and AS are written in different cases. The AS of a
stage name follows the file's keyword case (upper case unless every keyword
is lower case).

Before:
    FROM golang:1.22 as build
After:
    FROM golang:1.22 AS build`,
}

var fromAsRE = regexp.MustCompile(`^(\S+)([ \t]+)([aA][sS])[ \t]`)

func runFromAsCasing(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	want := doc.KeywordCase("AS")
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "from" || len(ins.Args) != 3 {
			continue
		}
		args := ins.Text[ins.ArgsOffset:]
		m := fromAsRE.FindStringSubmatchIndex(args)
		if m == nil || args[m[6]:m[7]] == want || (want == "AS" && args[m[6]:m[7]] == "AS") {
			continue
		}
		got := args[m[6]:m[7]]
		start := ins.SrcOffset(ins.ArgsOffset + m[6])
		end := ins.SrcOffset(ins.ArgsOffset+m[7]-1) + 1
		if end-start != 2 {
			continue // split by a line continuation
		}
		out = append(out, analysis.Finding{Pos: start, End: end,
			Message: fmt.Sprintf("%q does not match the case of the keywords", got),
			Fix:     &analysis.Fix{Message: "write " + want, Edits: []analysis.Edit{analysis.Replace(start, end, want)}}})
	}
	return out
}

// EnvKeyValue rewrites the legacy "ENV key value" form.
var EnvKeyValue = &analysis.Pass{
	Name:    "env-key-value",
	Summary: "rewrite legacy ENV key value as ENV key=value",
	Tier:    analysis.Format,
	Run:     runEnvKeyValue,
	Doc: `"ENV key value" is the legacy form: it sets one variable to the rest of the
line and BuildKit warns about it. The key=value form says the same thing.

Before:
    ENV LANG C.UTF-8
    ENV APP_HOME /srv/my app
After:
    ENV LANG=C.UTF-8
    ENV APP_HOME="/srv/my app"

Values with quotes or the escape character are left alone (their meaning
would need re-quoting), as are values split over several lines.`,
}

func runEnvKeyValue(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "env" || len(ins.Args) != 3 || ins.Args[2] != "" {
			continue
		}
		key, value := ins.Args[0], ins.Args[1]
		if strings.ContainsAny(value, "\"'"+string(doc.Escape)) || ins.StartLine != doc.LineOf(ins.ContentEnd()) {
			continue
		}
		args := ins.Text[ins.ArgsOffset:]
		if !strings.HasPrefix(args, key) {
			continue
		}
		// Replace the blanks between key and value with "=".
		rest := args[len(key):]
		gap := len(rest) - len(strings.TrimLeft(rest, " \t"))
		if gap == 0 {
			continue
		}
		keyEnd := ins.SrcOffset(ins.ArgsOffset + len(key))
		valStart := ins.SrcOffset(ins.ArgsOffset + len(key) + gap)
		valEnd := ins.SrcOffset(ins.ArgsOffset+len(strings.TrimRight(args, " \t"))-1) + 1
		edits := []analysis.Edit{analysis.Replace(keyEnd, valStart, "=")}
		if strings.ContainsAny(value, " \t") {
			edits = []analysis.Edit{analysis.Replace(keyEnd, valStart, "=\""), analysis.Insert(valEnd, "\"")}
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: "legacy ENV key value form",
			Fix:     &analysis.Fix{Message: "use ENV key=value", Edits: edits}})
	}
	return out
}

// MaintainerLabel replaces the deprecated MAINTAINER.
var MaintainerLabel = &analysis.Pass{
	Name:    "maintainer-label",
	Summary: "replace deprecated MAINTAINER with an OCI authors LABEL",
	Tier:    analysis.Aggressive,
	Run:     runMaintainerLabel,
	Doc: `MAINTAINER is deprecated; the OCI annotation org.opencontainers.image.authors
says the same as a label.

Before:
    MAINTAINER Jane Doe <jane@example.com>
After:
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"

Tier: aggressive, because the image configuration changes (the Author field
is no longer set; a label is added instead).`,
}

func runMaintainerLabel(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "maintainer" || len(ins.Args) != 1 || doc.HasCommentLines(ins) {
			continue
		}
		esc := string(doc.Escape)
		v := strings.NewReplacer(esc, esc+esc, `"`, esc+`"`, "$", esc+"$").Replace(ins.Args[0])
		kw := doc.KeywordCase("LABEL")
		start := ins.SrcOffset(0) // the keyword
		end := ins.ContentEnd()
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: end,
			Message: "MAINTAINER is deprecated",
			Fix: &analysis.Fix{Message: "use a LABEL",
				Edits: []analysis.Edit{analysis.Replace(start, end, kw+` org.opencontainers.image.authors="`+v+`"`)}}})
	}
	return out
}

// WorkdirMkdir drops a RUN mkdir -p that WORKDIR makes redundant.
var WorkdirMkdir = &analysis.Pass{
	Name:    "workdir-mkdir",
	Summary: "drop RUN mkdir -p DIR right before WORKDIR DIR",
	Tier:    analysis.Safe,
	Run:     runWorkdirMkdir,
	Doc: `WORKDIR creates its directory (and the parents), so a RUN that only does
"mkdir -p" of the same directory right before it adds a layer for nothing.

Before:
    RUN mkdir -p /app
    WORKDIR /app
After:
    WORKDIR /app

Only when the RUN is exactly "mkdir -p DIR" (absolute, literal, the same path
as the WORKDIR), directly before it, and the stage is known to run as root:
USER root, or no USER on a base image known to run as root. For another
USER the directory's owner could differ (BuildKit creates a WORKDIR as the
current user, the legacy builder as root), and a base image that is not
known may set one.`,
}

func runWorkdirMkdir(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for i, ins := range doc.Instructions {
		if i+1 >= len(doc.Instructions) || doc.Instructions[i+1].Cmd != "workdir" {
			continue
		}
		wd := doc.Instructions[i+1]
		sr, _ := runs.Parse(ins)
		if sr == nil || len(ins.Flags) > 0 || len(wd.Args) != 1 || len(sr.Prog.File.Stmts) != 1 || sr.Prog.HasComments() {
			continue
		}
		st := sr.Prog.File.Stmts[0]
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) != 3 {
			continue
		}
		words, literal := shellparse.LiteralWords(call.Args)
		dir := strings.TrimRight(wd.Args[0], "/")
		if !literal || words[0] != "mkdir" || words[1] != "-p" || strings.TrimRight(words[2], "/") != dir ||
			!strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, "$") {
			continue
		}
		// BuildKit creates the WORKDIR as the current user, the legacy
		// builder as root: the same only when the stage runs as root.
		if stages.UserAt(ins).Runs != stages.AsRoot {
			continue
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: fmt.Sprintf("RUN mkdir -p %s is redundant: WORKDIR creates the directory", dir),
			Fix:     &analysis.Fix{Message: "drop the RUN", Edits: []analysis.Edit{analysis.Delete(ins.Span.Start, ins.Span.End)}}})
	}
	return out
}
