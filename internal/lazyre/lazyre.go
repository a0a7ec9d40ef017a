// Package lazyre holds regular expressions that are compiled on first use
// instead of when their package is initialized: dfopt starts a process per
// file in editors and scripts, and most runs need only a few of the
// expressions its packages declare.
//
// A *Regexp has the methods of *regexp.Regexp that the packages use; a
// declaration
//
//	var fooRE = regexp.MustCompile(`...`)
//
// becomes
//
//	var fooRE = lazyre.New(`...`)
//
// and its uses stay as they are. An expression that does not compile
// panics on first use, as regexp.MustCompile does at initialization; every
// expression of the command's packages is compiled by a test of the command
// (see All).
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled on first use. It is safe for
// concurrent use.
type Regexp struct {
	expr     string
	once     sync.Once
	compiled *regexp.Regexp
}

var (
	mu  sync.Mutex
	all []*Regexp
)

// New returns the expression expr, to be compiled on first use.
func New(expr string) *Regexp {
	// One allocation, and no closure: New runs for every expression when
	// the program starts.
	l := &Regexp{expr: expr}
	mu.Lock()
	all = append(all, l)
	mu.Unlock()
	return l
}

// All returns the expressions made by New so far: after initialization,
// those of every package of the program.
func All() []*Regexp {
	mu.Lock()
	defer mu.Unlock()
	return append([]*Regexp(nil), all...)
}

// Get returns the compiled expression.
func (l *Regexp) Get() *regexp.Regexp { return l.re() }

// re compiles the expression on the first call and returns it.
func (l *Regexp) re() *regexp.Regexp {
	l.once.Do(l.compile)
	return l.compiled
}

func (l *Regexp) compile() { l.compiled = regexp.MustCompile(l.expr) }

// String returns the source text of the expression, without compiling it.
func (l *Regexp) String() string { return l.expr }

// Compile compiles the expression now and reports whether it is valid.
func (l *Regexp) Compile() error {
	_, err := regexp.Compile(l.expr)
	return err
}

func (l *Regexp) Match(b []byte) bool        { return l.re().Match(b) }
func (l *Regexp) MatchString(s string) bool  { return l.re().MatchString(s) }
func (l *Regexp) FindString(s string) string { return l.re().FindString(s) }
func (l *Regexp) FindStringIndex(s string) []int {
	return l.re().FindStringIndex(s)
}
func (l *Regexp) FindStringSubmatch(s string) []string {
	return l.re().FindStringSubmatch(s)
}
func (l *Regexp) FindStringSubmatchIndex(s string) []int {
	return l.re().FindStringSubmatchIndex(s)
}
func (l *Regexp) FindAllString(s string, n int) []string {
	return l.re().FindAllString(s, n)
}
func (l *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return l.re().FindAllStringIndex(s, n)
}
func (l *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.re().FindAllStringSubmatch(s, n)
}
func (l *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.re().FindAllStringSubmatchIndex(s, n)
}
func (l *Regexp) FindSubmatch(b []byte) [][]byte { return l.re().FindSubmatch(b) }
func (l *Regexp) FindAllSubmatch(b []byte, n int) [][][]byte {
	return l.re().FindAllSubmatch(b, n)
}
func (l *Regexp) ReplaceAllString(src, repl string) string {
	return l.re().ReplaceAllString(src, repl)
}
func (l *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return l.re().ReplaceAllStringFunc(src, repl)
}
func (l *Regexp) Split(s string, n int) []string { return l.re().Split(s, n) }
func (l *Regexp) SubexpIndex(name string) int    { return l.re().SubexpIndex(name) }
