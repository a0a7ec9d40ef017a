package main

import (
	"flag"
	"io"
)

// newFlagSet returns the flag set of one run, writing into cfg. Every flag
// with a short name is registered under both names, and the flag package
// accepts one or two dashes for each, so -w, --w, -write and --write are the
// same flag.
func newFlagSet(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("dfopt", flag.ContinueOnError)
	// Errors are reported by run, with the dfopt: prefix.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}

	both := func(p *bool, short, long, help string) {
		fs.BoolVar(p, short, false, help)
		fs.BoolVar(p, long, false, help)
	}
	both(&cfg.write, "w", "write", "write the result back to the file")
	both(&cfg.diff, "d", "diff", "print a unified diff of the changes")
	both(&cfg.list, "l", "list", "print the names of files that would change")
	both(&cfg.help, "h", "help", "print help")
	fs.BoolVar(&cfg.check, "check", false, "print findings; exit 1 if a fix applies")
	fs.BoolVar(&cfg.json, "json", false, "print findings and changes as JSON")
	fs.BoolVar(&cfg.listPasses, "list-passes", false, "list the passes")
	fs.BoolVar(&cfg.version, "version", false, "print the version")
	fs.Var(&cfg.enable, "enable", "run only these passes")
	fs.Var(&cfg.disable, "disable", "do not run these passes")
	fs.StringVar(&cfg.level, "level", "", "format, safe or aggressive")
	fs.StringVar(&cfg.context, "context", "", "build context directory")
	fs.StringVar(&cfg.filename, "filename", "", "name of standard input")
	fs.StringVar(&cfg.explain, "explain", "", "describe a pass")
	fs.StringVar(&cfg.target, "target", "", "the stage that is built")
	fs.StringVar(&cfg.init, "init", "", "init for the tini pass: tini, dumb-init or none")
	addEditorFlags(fs, &cfg.editorFlags)
	return fs
}
