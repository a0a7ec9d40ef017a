package main

// --format=sarif: findings as a SARIF 2.1.0 log, for code scanning
// (GitHub's upload-sarif and other SARIF viewers). Each finding is a result
// whose rule is its pass; a finding whose fix applies to the file as it is
// carries it as a SARIF fix (artifactChanges with replacements), so a viewer
// can show the rewrite. Regions count columns in Unicode code points
// (run.columnKind), the byte-order mark aside; end columns are exclusive.

import (
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

const (
	sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// projectURL is where dfopt lives; pass pages are under docs/passes/.
	projectURL = "https://github.com/dfopt/dfopt"
)

// passDocURL is the page that documents a pass: docs/passes/NAME.md.
func passDocURL(name string) string {
	return projectURL + "/blob/main/docs/passes/" + name + ".md"
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`

	mu sync.Mutex
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tier string   `json:"tier"`
	Tags []string `json:"tags"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent *sarifText  `json:"insertedContent,omitempty"`
}

// newSARIF returns a log with one run whose rules are every pass.
func newSARIF(all []*analysis.Pass) *sarifLog {
	if all == nil {
		all = passes.All()
	}
	d := sarifDriver{Name: "dfopt", InformationURI: projectURL, Rules: []sarifRule{}}
	if v := version(); v != "(devel)" {
		d.Version = v
	}
	for _, p := range all {
		d.Rules = append(d.Rules, sarifRule{
			ID:                   p.Name,
			ShortDescription:     sarifText{p.Summary()},
			FullDescription:      sarifText{p.Summary()},
			Help:                 sarifText{p.Doc()},
			HelpURI:              passDocURL(p.Name),
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(p.Tier)},
			Properties:           sarifRuleProperty{Tier: p.Tier.String(), Tags: []string{"dockerfile", p.Tier.String()}},
		})
	}
	return &sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{{
		Tool:        sarifTool{Driver: d},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		ColumnKind:  "unicodeCodePoints",
	}}}
}

// sarifLevel: spelling is a note, the rest a warning.
func sarifLevel(t analysis.Tier) string {
	if t == analysis.Format {
		return "note"
	}
	return "warning"
}

// fork returns an empty log with the same tool, for one file of a run: the
// files are processed concurrently, and their logs are absorbed in order.
// The fork of a nil log is nil.
func (l *sarifLog) fork() *sarifLog {
	if l == nil {
		return nil
	}
	// absorb writes the run's results meanwhile: only what never changes
	// after the start is read, under the lock.
	l.mu.Lock()
	tool, kind := l.Runs[0].Tool, l.Runs[0].ColumnKind
	l.mu.Unlock()
	return &sarifLog{Schema: l.Schema, Version: l.Version, Runs: []sarifRun{{
		Tool:        tool,
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		ColumnKind:  kind,
	}}}
}

// absorb appends the results and notifications of a fork.
func (l *sarifLog) absorb(f *sarifLog) {
	if l == nil || f == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	run, frun := &l.Runs[0], f.Runs[0]
	run.Results = append(run.Results, frun.Results...)
	inv, finv := &run.Invocations[0], frun.Invocations[0]
	inv.ExecutionSuccessful = inv.ExecutionSuccessful && finv.ExecutionSuccessful
	inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, finv.ToolExecutionNotifications...)
}

func (l *sarifLog) ruleIndex(pass string) int {
	for i, r := range l.Runs[0].Tool.Driver.Rules {
		if r.ID == pass {
			return i
		}
	}
	return -1
}

// add records the findings of one file. name is the path of the
// Dockerfile (or the name of standard input); sides are the context files
// the fixes change, by their path on disk.
func (l *sarifLog) add(name, contextDir string, res *optimizer.Result, all []*analysis.Pass) {
	l.mu.Lock()
	defer l.mu.Unlock()
	run := &l.Runs[0]
	uri := sarifURI(name)
	if all == nil {
		all = passes.All()
	}
	for _, f := range res.Findings {
		tier := analysis.Safe
		for _, p := range all {
			if p.Name == f.Pass {
				tier = p.Tier
			}
		}
		reg := sarifSpan(res.Input, f.Pos, f.End)
		r := sarifResult{
			RuleID:    f.Pass,
			RuleIndex: l.ruleIndex(f.Pass),
			Level:     sarifLevel(tier),
			Message:   sarifText{f.Message},
			Locations: []sarifLocation{{sarifPhysical{ArtifactLocation: sarifArtifact{uri}, Region: &reg}}},
		}
		if f.Fixed && f.Edits != nil {
			fix := sarifFix{Description: sarifText{f.FixMessage}}
			if len(f.Edits) > 0 {
				fix.ArtifactChanges = append(fix.ArtifactChanges, sarifChange(uri, res.Input, f.Edits))
			}
			for _, fe := range f.FileEdits {
				var content []byte
				for _, fc := range res.Files {
					if fc.Path == fe.Path {
						content = fc.Input
					}
				}
				disk := filepath.Join(contextDir, filepath.FromSlash(fe.Path))
				fix.ArtifactChanges = append(fix.ArtifactChanges, sarifChange(sarifURI(disk), content, fe.Edits))
			}
			if len(fix.ArtifactChanges) > 0 {
				r.Fixes = []sarifFix{fix}
			}
		}
		run.Results = append(run.Results, r)
	}
}

// addError records a file that could not be processed.
func (l *sarifLog) addError(name string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	inv := &l.Runs[0].Invocations[0]
	inv.ExecutionSuccessful = false
	n := sarifNotification{Level: "error", Message: sarifText{err.Error()}}
	var pe *optimizer.ParseError
	if errors.As(err, &pe) {
		loc := sarifLocation{sarifPhysical{ArtifactLocation: sarifArtifact{sarifURI(name)}}}
		if pe.Line > 0 {
			col := max(pe.Col, 1)
			loc.PhysicalLocation.Region = &sarifRegion{pe.Line, col, pe.Line, col}
		}
		n.Message = sarifText{pe.Msg}
		n.Locations = []sarifLocation{loc}
	}
	inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
}

func (l *sarifLog) write(w io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(l)
}

func sarifChange(uri string, src []byte, edits []optimizer.Edit) sarifArtifactChange {
	ch := sarifArtifactChange{ArtifactLocation: sarifArtifact{uri}}
	for _, e := range edits {
		rep := sarifReplacement{DeletedRegion: sarifSpan(src, e.Pos, e.End)}
		if e.NewText != "" {
			rep.InsertedContent = &sarifText{e.NewText}
		}
		ch.Replacements = append(ch.Replacements, rep)
	}
	return ch
}

// sarifURI turns a path into a URI reference: relative paths stay
// relative (to the directory dfopt ran in, which code scanning takes as the
// repository root), absolute ones become file URIs.
func sarifURI(name string) string {
	p := filepath.ToSlash(name)
	abs := filepath.IsAbs(name)
	p = strings.TrimPrefix(p, "./")
	u := url.URL{Path: p}
	if abs {
		u.Scheme = "file"
		return u.String()
	}
	return u.EscapedPath()
}

// sarifSpan is the region [pos, end) of src: 1-based lines, columns in
// code points (the byte-order mark not counted), end exclusive.
func sarifSpan(src []byte, pos, end int) sarifRegion {
	sl, sc := sarifPos(src, pos)
	el, ec := sarifPos(src, end)
	return sarifRegion{StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec}
}

func sarifPos(src []byte, off int) (line, col int) {
	line = 1 + strings.Count(string(src[:off]), "\n")
	start := strings.LastIndexByte(string(src[:off]), '\n') + 1
	if start == 0 && strings.HasPrefix(string(src), "\uFEFF") {
		start = min(3, off)
	}
	return line, 1 + utf8.RuneCount(src[start:off])
}
