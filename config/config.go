// Package config reads dfopt's project configuration file, .dfopt.yaml.
//
// The file sits next to a Dockerfile or in any directory above it; the
// nearest one applies (files are not merged). It chooses the passes (a
// level, passes enabled on top of it and passes disabled), sets pass
// settings, and overrides all of these for the Dockerfiles whose paths match
// glob patterns:
//
//	# .dfopt.yaml
//	level: safe              # format, safe (the default) or aggressive
//	enable: [tini]           # passes run on top of the level's
//	disable: [root-user]     # passes not run
//	settings:
//	  init: dumb-init        # the tini pass: tini, dumb-init or none
//	overrides:
//	  - files: ["legacy/**", "*.dev.Dockerfile"]
//	    level: format
//	    disable: [coalesce-runs]
//	    settings: {init: none}
//
// Overrides apply in order to the Dockerfiles they match: a level replaces
// the level before it, enable and disable add to (and take from) the lists
// before them, settings replace the settings of the same name. A pattern
// without a slash matches the file name in any directory; one with a slash
// matches the path relative to the configuration file's directory. `*`, `?`
// and `[...]` match within one path element, `**` matches any number of
// elements.
//
// Unknown keys, passes, settings and values are errors that name the file
// and the line.
//
// YAML because the files it lives next to speak it (compose files, CI
// workflows, .pre-commit-config.yaml, .hadolint.yaml), it has comments, and
// its parser (go.yaml.in/yaml/v3) is already in dfopt's module graph.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes"
	"go.yaml.in/yaml/v3"
)

// FileNames are the names a configuration file may have, in the order they
// are looked for in each directory.
var FileNames = []string{".dfopt.yaml", ".dfopt.yml"}

// Config is a parsed configuration file.
type Config struct {
	// Path is the file it was read from.
	Path string
	// Selection is what the file says for every Dockerfile.
	Selection
	// Overrides change the selection for the Dockerfiles they match.
	Overrides []Override
}

// Selection chooses the passes and their settings for one Dockerfile.
type Selection struct {
	// Level is the highest tier to run; 0 means not set (safe).
	Level analysis.Tier
	// Enable names passes to run in addition to the level's; Disable names
	// passes not to run.
	Enable, Disable []string
	// Settings are pass settings by name ("init": "tini").
	Settings map[string]string
}

// Override is a selection for the Dockerfiles that match Files.
type Override struct {
	Files []string
	Selection
	// Line is where the override starts in the file.
	Line int
}

// Setting describes a pass setting that the file may set.
type Setting struct {
	Name  string
	Pass  string
	Doc   string
	Check func(string) error
}

// Settings are the known pass settings.
var Settings = []Setting{
	{Name: "init", Pass: "tini", Doc: "the init the tini pass installs: tini (default), dumb-init or none",
		Check: oneOf("tini", "dumb-init", "none")},
	{Name: "split-copy-min-bytes", Pass: "split-copy",
		Doc:   "directories smaller than this many bytes are copied whole (default 1048576)",
		Check: nonNegativeInt},
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		if slices.Contains(values, v) {
			return nil
		}
		return fmt.Errorf("want %s or %s", strings.Join(values[:len(values)-1], ", "), values[len(values)-1])
	}
}

func nonNegativeInt(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
		return errors.New("want a non-negative integer")
	}
	return nil
}

// Error is a problem in a configuration file. It prints as FILE:LINE: message.
type Error struct {
	Path string
	Line int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Find returns the configuration file nearest to dir: in dir or the closest
// directory above it. It returns "" when there is none.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		for _, name := range FileNames {
			p := filepath.Join(d, name)
			fi, err := os.Stat(p)
			if err == nil && !fi.IsDir() {
				return p, nil
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
				return "", err
			}
		}
		up := filepath.Dir(d)
		if up == d {
			return "", nil
		}
		d = up
	}
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses the content of a configuration file; path names it in errors
// and anchors the patterns of its overrides.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return c, nil // an empty file
	}
	p := &parser{path: path}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return c, nil
	}
	if err := p.mapping(root, func(key string, k, v *yaml.Node) error {
		if key == "overrides" {
			return p.overrides(v, c)
		}
		return p.selection(key, k, v, &c.Selection)
	}, "level", "enable", "disable", "settings", "overrides"); err != nil {
		return nil, err
	}
	return c, nil
}

type parser struct{ path string }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{Path: p.path, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// mapping calls f for each key of the mapping n, which must be one of known.
func (p *parser) mapping(n *yaml.Node, f func(key string, k, v *yaml.Node) error, known ...string) error {
	return p.mappingOf(n, "key", f, known...)
}

// mappingOf is mapping with the word for what the keys are ("key", "setting").
func (p *parser) mappingOf(n *yaml.Node, what string, f func(key string, k, v *yaml.Node) error, known ...string) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "want a mapping of %s", strings.Join(known, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errorf(k, "want a key")
		}
		if !slices.Contains(known, k.Value) {
			return p.errorf(k, "unknown %s %q (known: %s)", what, k.Value, strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return p.errorf(k, "%s given twice", k.Value)
		}
		seen[k.Value] = true
		if err := f(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) selection(key string, k, v *yaml.Node, s *Selection) error {
	switch key {
	case "level":
		str, err := p.scalar(v, key)
		if err != nil {
			return err
		}
		t, err := analysis.ParseTier(str)
		if err != nil {
			return p.errorf(v, "%v", err)
		}
		s.Level = t
	case "enable":
		names, err := p.passList(v, key)
		if err != nil {
			return err
		}
		s.Enable = names
	case "disable":
		names, err := p.passList(v, key)
		if err != nil {
			return err
		}
		s.Disable = names
	case "settings":
		if s.Settings == nil {
			s.Settings = map[string]string{}
		}
		names := make([]string, len(Settings))
		for i, st := range Settings {
			names[i] = st.Name
		}
		return p.mappingOf(v, "setting", func(name string, k, v *yaml.Node) error {
			val, err := p.scalar(v, name)
			if err != nil {
				return err
			}
			for _, st := range Settings {
				if st.Name == name {
					if err := st.Check(val); err != nil {
						return p.errorf(v, "setting %s: bad value %q: %v", name, val, err)
					}
				}
			}
			s.Settings[name] = val
			return nil
		}, names...)
	}
	return nil
}

func (p *parser) scalar(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.errorf(v, "%s: want a single value", key)
	}
	return v.Value, nil
}

// list reads a sequence of scalars, or a single scalar as a list of one.
func (p *parser) list(v *yaml.Node, key string) ([]string, []*yaml.Node, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil, nil
		}
		return []string{v.Value}, []*yaml.Node{v}, nil
	case yaml.SequenceNode:
		var out []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, nil, p.errorf(e, "%s: want a list of names", key)
			}
			out = append(out, e.Value)
		}
		return out, v.Content, nil
	}
	return nil, nil, p.errorf(v, "%s: want a list", key)
}

func (p *parser) passList(v *yaml.Node, key string) ([]string, error) {
	names, nodes, err := p.list(v, key)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, n := range names {
		switch {
		case passes.Lookup(n) != nil:
			out = append(out, n)
		default:
			return nil, p.errorf(nodes[i], "%s: unknown pass %q (see dfopt --list-passes)", key, n)
		}
	}
	return out, nil
}

func (p *parser) overrides(v *yaml.Node, c *Config) error {
	if v.Kind != yaml.SequenceNode {
		return p.errorf(v, "overrides: want a list")
	}
	for _, e := range v.Content {
		o := Override{Line: e.Line}
		err := p.mapping(e, func(key string, k, v *yaml.Node) error {
			if key != "files" {
				return p.selection(key, k, v, &o.Selection)
			}
			pats, nodes, err := p.list(v, key)
			if err != nil {
				return err
			}
			for i, pat := range pats {
				if err := checkPattern(pat); err != nil {
					return p.errorf(nodes[i], "files: bad pattern %q: %v", pat, err)
				}
			}
			o.Files = pats
			return nil
		}, "files", "level", "enable", "disable", "settings")
		if err != nil {
			return err
		}
		if len(o.Files) == 0 {
			return p.errorf(e, "override without files")
		}
		c.Overrides = append(c.Overrides, o)
	}
	return nil
}

// For returns the selection for the Dockerfile at file (a path on disk,
// or "" for one that has none): the file's top-level selection with the
// overrides that match applied in order.
func (c *Config) For(file string) Selection {
	s := c.Selection.clone()
	if file == "" || len(c.Overrides) == 0 {
		return s
	}
	rel := file
	if abs, err := filepath.Abs(file); err == nil {
		if dir, err := filepath.Abs(filepath.Dir(c.Path)); err == nil {
			if r, err := filepath.Rel(dir, abs); err == nil {
				rel = r
			}
		}
	}
	rel = filepath.ToSlash(rel)
	for _, o := range c.Overrides {
		if matchAny(o.Files, rel) {
			s = s.With(o.Selection)
		}
	}
	return s
}

func (s Selection) clone() Selection {
	s.Enable = slices.Clone(s.Enable)
	s.Disable = slices.Clone(s.Disable)
	if s.Settings != nil {
		m := make(map[string]string, len(s.Settings))
		for k, v := range s.Settings {
			m[k] = v
		}
		s.Settings = m
	}
	return s
}

// With returns s changed by o: o's level if it has one, o's enabled passes
// enabled and its disabled passes disabled, o's settings set.
func (s Selection) With(o Selection) Selection {
	s = s.clone()
	if o.Level != 0 {
		s.Level = o.Level
	}
	for _, n := range o.Enable {
		s.Disable = slices.DeleteFunc(s.Disable, func(d string) bool { return d == n })
		if !slices.Contains(s.Enable, n) {
			s.Enable = append(s.Enable, n)
		}
	}
	for _, n := range o.Disable {
		s.Enable = slices.DeleteFunc(s.Enable, func(d string) bool { return d == n })
		if !slices.Contains(s.Disable, n) {
			s.Disable = append(s.Disable, n)
		}
	}
	for k, v := range o.Settings {
		if s.Settings == nil {
			s.Settings = map[string]string{}
		}
		s.Settings[k] = v
	}
	return s
}

// Passes returns the names of the passes of all that the selection runs, in
// the order of all: those of the level (safe when unset) and the enabled
// ones, less the disabled ones.
func (s Selection) Passes(all []*analysis.Pass) []string {
	level := s.Level
	if level == 0 {
		level = analysis.Safe
	}
	var out []string
	for _, p := range all {
		if (p.Tier <= level || slices.Contains(s.Enable, p.Name)) && !slices.Contains(s.Disable, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

func yamlError(path string, err error) error {
	// go.yaml.in/yaml reports "yaml: line N: message".
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return &Error{Path: path, Line: n, Msg: rest[i+2:]}
			}
		}
	}
	return &Error{Path: path, Msg: msg}
}

func checkPattern(pat string) error {
	if pat == "" {
		return errors.New("empty")
	}
	for _, el := range strings.Split(pat, "/") {
		if el == "**" {
			continue
		}
		if _, err := path.Match(el, ""); err != nil {
			return err
		}
	}
	return nil
}

func matchAny(pats []string, rel string) bool {
	for _, pat := range pats {
		if Match(pat, rel) {
			return true
		}
	}
	return false
}

// Match reports whether the slash-separated path rel matches the pattern
// (see the package comment).
func Match(pat, rel string) bool {
	if !strings.Contains(pat, "/") {
		ok, _ := path.Match(pat, path.Base(rel))
		return ok
	}
	return matchElems(strings.Split(strings.TrimPrefix(pat, "/"), "/"), strings.Split(rel, "/"))
}

func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := range name {
				if matchElems(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
