package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	dfconfig "github.com/dfopt/dfopt/config"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

// editorFlags are the flags for project configuration and machine output.
type editorFlags struct {
	configFile string // --config
	noConfig   bool   // --no-config
	format     string // --format: text, json or sarif
	sarif      bool   // --format=sarif

	// explicit is the file named by --config, loaded once.
	explicit *dfconfig.Config
	// found caches the configuration file that applies in each directory.
	found sync.Map // directory -> *foundConfig
	// absDirs caches filepath.Abs of the directories of a run's files:
	// each call asks the system for the working directory, which a run
	// does not change.
	absDirs sync.Map // directory as named -> absDir
}

type absDir struct {
	abs string
	err error
}

// absPath is filepath.Abs(dir), computed once per directory.
func (e *editorFlags) absPath(dir string) (string, error) {
	if v, ok := e.absDirs.Load(dir); ok {
		a := v.(absDir)
		return a.abs, a.err
	}
	abs, err := filepath.Abs(dir)
	e.absDirs.Store(dir, absDir{abs, err})
	return abs, err
}

type foundConfig struct {
	once sync.Once
	cfg  *dfconfig.Config // nil: none
	err  error
}

func addEditorFlags(fs *flag.FlagSet, e *editorFlags) {
	fs.StringVar(&e.configFile, "config", "", "configuration file (default: .dfopt.yaml in the file's directory or above)")
	fs.BoolVar(&e.noConfig, "no-config", false, "do not read a configuration file")
	fs.StringVar(&e.format, "format", "", "output format: text, json or sarif")
}

// resolveEditor checks the configuration and format flags and loads the
// file named by --config.
func (c *config) resolveEditor() error {
	e := &c.editorFlags
	switch e.format {
	case "", "text":
	case "json":
		c.json = true
	case "sarif":
		if c.json {
			return errors.New("--json and --format=sarif cannot be combined")
		}
		e.sarif = true
	default:
		return fmt.Errorf("unknown format %q (want text, json or sarif)", e.format)
	}
	if e.noConfig && e.configFile != "" {
		return errors.New("--config and --no-config cannot be combined")
	}
	if e.configFile != "" {
		cf, err := dfconfig.Load(e.configFile)
		if err != nil {
			return err
		}
		e.explicit = cf
	}
	return nil
}

// projectConfig returns the configuration file that applies to a Dockerfile
// in dir (nil when there is none or --no-config is given).
func (c *config) projectConfig(dir string) (*dfconfig.Config, error) {
	e := &c.editorFlags
	switch {
	case e.noConfig:
		return nil, nil
	case e.explicit != nil:
		return e.explicit, nil
	}
	abs, err := e.absPath(dir)
	if err != nil {
		return nil, err
	}
	v, _ := e.found.LoadOrStore(abs, &foundConfig{})
	fc := v.(*foundConfig)
	fc.once.Do(func() {
		path, err := dfconfig.Find(abs)
		if err != nil || path == "" {
			fc.err = err
			return
		}
		fc.cfg, fc.err = dfconfig.Load(relPath(path))
	})
	return fc.cfg, fc.err
}

// fileOptions returns the optimizer options for the Dockerfile name (a
// path, or the name given to standard input): the command line's, with the
// project configuration under them. Flags win over the file: --level
// replaces its level, --enable replaces its choice of passes, --disable adds
// to its disabled passes, --init replaces its init setting.
func (c *config) fileOptions(name string) (optimizer.Options, error) {
	opts := c.opts
	dir, path := filepath.Dir(name), name
	if name == stdinName {
		dir, path = ".", ""
	}
	cf, err := c.projectConfig(dir)
	if err != nil || cf == nil {
		return opts, err
	}
	return c.withConfig(cf.For(path)), nil
}

// withConfig combines the command line's options with a selection from a
// configuration file (or an editor's settings).
func (c *config) withConfig(sel dfconfig.Selection) optimizer.Options {
	return combine(c.opts, c.enable.set, sel)
}

// combine puts a selection under the command line's options: enableSet
// tells whether --enable was given.
func combine(opts optimizer.Options, enableSet bool, sel dfconfig.Selection) optimizer.Options {
	flagSettings := opts.Settings
	all := opts.Passes
	if all == nil {
		all = passes.All()
	}
	if !enableSet {
		if opts.Level != 0 {
			sel.Level = opts.Level
		}
		sel = sel.With(dfconfig.Selection{Disable: opts.Disable})
		opts.Enable = sel.Passes(all)
		if len(opts.Enable) == 0 {
			opts.Enable = []string{"none"}
		}
		opts.Level, opts.Disable = 0, nil
	}
	if len(sel.Settings) > 0 {
		settings := map[string]string{}
		for k, v := range sel.Settings {
			settings[k] = v
		}
		for k, v := range flagSettings { // --init
			settings[k] = v
		}
		opts.Settings = settings
	}
	return opts
}

// relPath returns path relative to the current directory when it is below
// it, for messages.
func relPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return path
}

// stdinContext is the build context for standard input: --context, or the
// directory of --filename when it names one.
func (c *config) stdinContext() string {
	if c.context != "" || c.filename == stdinName {
		return c.context
	}
	dir := filepath.Dir(c.filename)
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir
	}
	return ""
}
