package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// A run's files are processed by a bounded pool of workers (GOMAXPROCS of
// them), while the walk that finds them goes on; what each file prints is
// held until the files before it are done, so that the output, the JSON
// report and the exit status are exactly those of processing the files one
// by one in command-line and walk order.
//
// With -w, a file waits for the earlier files whose build context is the
// same directory as its own, above it or below it: what they write (the
// Dockerfile, a .dockerignore) is then on disk when its passes read the
// context, as when the files are processed one by one.

// task is one entry of a run, in order: a file, standard input, or an
// error found while walking.
type task struct {
	do   func(r *runner) // nil when only err is reported
	name string
	err  error
	// ctxDir is the build context directory the task's fixes may write in
	// ("" for none).
	ctxDir string

	// Set when the task is scheduled.
	out    *runner
	done   chan struct{}
	after  []chan struct{} // tasks to wait for (-w)
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// maxPending bounds the tasks scheduled but not yet printed, per worker:
// the walk pauses while a slow file holds up the output.
const maxPending = 16

// poolSize is the number of files processed at once.
var poolSize = func() int { return runtime.GOMAXPROCS(0) }

// doPaths processes the paths named on the command line (standard input
// when there are none).
func (r *runner) doPaths(paths []string) {
	workers := max(1, poolSize())
	if r.ctxs == nil {
		r.ctxs = &contexts{}
	}
	queue := make(chan *task, workers*maxPending)
	inline, size := oneFile(paths)
	if inline {
		reserve(fileReservation(size)) // hugepages.go
	}
	s := &scheduler{r: r, queue: queue, work: make(chan *task), workers: workers, inline: inline}
	schedule := func() {
		defer close(queue)
		defer close(s.work)
		defer func() {
			if p := recover(); p != nil {
				s.fail("dfopt", fmt.Errorf("dfopt: internal error: %v", p))
			}
		}()
		if len(paths) == 0 {
			s.stdin()
		}
		for _, p := range paths {
			if p == "-" {
				s.stdin()
				continue
			}
			s.path(p)
		}
	}
	if s.inline {
		schedule()
	} else {
		go schedule()
	}
	for t := range queue {
		<-t.done
		// (An empty write is still a system call.)
		if t.stdout.Len() > 0 {
			r.stdout.Write(t.stdout.Bytes())
		}
		if t.stderr.Len() > 0 {
			r.stderr.Write(t.stderr.Bytes())
		}
		if t.out != nil {
			r.setStatus(t.out.status)
			r.files = append(r.files, t.out.files...)
			r.sarif.absorb(t.out.sarif)
		}
	}
}

// scheduler starts the tasks of a run in order.
type scheduler struct {
	r     *runner
	queue chan<- *task
	// work hands a task to a free worker; workers is how many may run,
	// started is how many have been started (as tasks come).
	work             chan *task
	workers, started int
	// added counts the tasks added, for the heap reservation of a run
	// over many files (hugepages.go).
	added     int
	stdinUsed bool
	// inline: the run is one file, processed on the calling goroutine
	// (see oneFile).
	inline bool
	// With -w: the last task of each context directory, and the
	// directories with tasks below each directory.
	last  map[string]chan struct{}
	below map[string][]string
}

// add schedules t: it runs on a free worker, after the tasks it must wait
// for; queue order is print order.
func (s *scheduler) add(t *task) {
	t.done = make(chan struct{})
	if t.do == nil {
		close(t.done)
		t.out = &runner{cfg: s.r.cfg, stdout: &t.stdout, stderr: &t.stderr, sarif: s.r.sarif.fork()}
		t.out.fail(t.name, t.err)
		s.queue <- t
		return
	}
	if s.r.cfg.write && t.ctxDir != "" {
		s.order(t)
	}
	s.queue <- t
	t.out = &runner{cfg: s.r.cfg, stdin: s.r.stdin, stdout: &t.stdout, stderr: &t.stderr, ctxs: s.r.ctxs, sarif: s.r.sarif.fork()}
	if s.inline {
		growStack()
		s.run(t)
		return
	}
	if s.started < s.workers {
		s.started++
		go s.worker()
	}
	if s.added++; s.added == reserveAfter {
		reserve(reserveDirectory) // hugepages.go
	}
	s.work <- t
}

// oneFile reports whether paths, the command line's, are one file: none
// (standard input), "-", or one path that is not a directory. Its task
// then runs on the calling goroutine, the main one, whose stack has grown
// while the packages were initialized: a goroutine of its own would start
// with a small stack, grow it by copies as the parsers recurse, and get a
// thread woken to run it, which is a measurable part of a process that
// optimizes one small file (editors, scripts, one process per file). The
// output is the same: the task writes into its buffers and the loop of
// doPaths prints them. For one file path it also returns the file's size
// (-1 for standard input or a path it cannot stat).
func oneFile(paths []string) (one bool, size int64) {
	switch {
	case len(paths) == 0:
		return true, -1
	case len(paths) > 1:
		return false, -1
	case paths[0] == "-":
		return true, -1
	}
	fi, err := os.Stat(paths[0])
	if err != nil {
		return true, -1
	}
	return !fi.IsDir(), fi.Size()
}

// worker runs tasks until the run has no more. The workers live as long as
// the run, rather than a goroutine per file: a goroutine's stack starts
// small and grows as a file's parse and passes go deep, and a worker keeps
// what it grew for the next file (a goroutine per file spent 3-5 % of
// directory mode's time growing stacks).
func (s *scheduler) worker() {
	growStack()
	for t := range s.work {
		s.run(t)
	}
}

// run runs t once the tasks it waits for are done.
func (s *scheduler) run(t *task) {
	defer close(t.done)
	defer func() {
		// As on the main goroutine (runWith): reported, never a crash.
		if p := recover(); p != nil {
			fmt.Fprintf(&t.stderr, "dfopt: internal error: %v\n", p)
			t.out.setStatus(exitError)
		}
	}()
	for _, c := range t.after {
		<-c
	}
	t.do(t.out)
}

// order makes t wait for the earlier tasks whose context directory is its
// own, an ancestor or a descendant, and records it for the later ones.
func (s *scheduler) order(t *task) {
	if s.last == nil {
		s.last, s.below = map[string]chan struct{}{}, map[string][]string{}
	}
	dir := t.ctxDir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	dir = filepath.Clean(dir)
	if c, ok := s.last[dir]; ok {
		t.after = append(t.after, c)
	}
	for _, d := range s.below[dir] {
		t.after = append(t.after, s.last[d])
	}
	var ancestors []string
	for a := filepath.Dir(dir); ; a = filepath.Dir(a) {
		ancestors = append(ancestors, a)
		if c, ok := s.last[a]; ok {
			t.after = append(t.after, c)
		}
		if a == filepath.Dir(a) {
			break
		}
	}
	if _, seen := s.last[dir]; !seen {
		for _, a := range ancestors {
			s.below[a] = append(s.below[a], dir)
		}
	}
	s.last[dir] = t.done
}

func (s *scheduler) fail(name string, err error) {
	s.add(&task{name: name, err: err})
}

func (s *scheduler) stdin() {
	name := s.r.cfg.filename
	if s.stdinUsed {
		s.fail(name, fmt.Errorf("%s: standard input named more than once", name))
		return
	}
	s.stdinUsed = true
	s.add(&task{name: name, ctxDir: s.r.cfg.context, do: func(r *runner) { r.doStdin() }})
}

func (s *scheduler) file(path string) {
	ctx := s.r.cfg.context
	if ctx == "" {
		ctx = filepath.Dir(path)
	}
	s.add(&task{name: path, ctxDir: ctx, do: func(r *runner) { r.doFile(path) }})
}

// path schedules a path named on the command line: a directory is walked,
// anything else is read as a Dockerfile whatever its name.
func (s *scheduler) path(path string) {
	fi, err := os.Stat(path)
	if err != nil {
		s.fail(path, err)
		return
	}
	if fi.IsDir() {
		s.walk(path)
		return
	}
	s.file(path)
}

// readDir lists a directory in lexical order; tests replace it.
var readDir = os.ReadDir

// walk schedules the Dockerfiles below root, in lexical order (that of
// filepath.WalkDir). The directories in skipDirs are neither entered nor
// read, and symbolic links are not followed; a directory that cannot be
// read is reported, and the walk goes on.
func (s *scheduler) walk(root string) {
	if lfi, err := os.Lstat(root); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		// A directory named through a symbolic link: walk what it points to.
		root += string(filepath.Separator)
	}
	s.walkDir(root)
}

func (s *scheduler) walkDir(dir string) {
	entries, err := readDir(dir)
	if err != nil {
		// What could be read is still walked, as filepath.WalkDir does.
		s.fail(dir, err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if !skipDirs.Get()[e.Name()] {
				s.walkDir(p)
			}
		case e.Type().IsRegular() && isDockerfileName(e.Name()):
			// Symbolic links and other non-regular files are not followed.
			s.file(p)
		}
	}
}

// growStack grows the calling goroutine's stack to 32 KB at once, from a
// shallow call, before it processes files (a worker, or the main goroutine
// for one file). The parsers and passes recurse: a goroutine's stack
// starts small and grows by doubling, and each growth copies the stack,
// walking every frame on it through the program's tables (page faults,
// in a fresh process). Processing a corpus file took the stack from 8 KB
// to 16 KB, and on most files on to 32 KB, each time in a copy of a deep
// stack; a few files need 64 KB.
//
//go:noinline
func growStack() {
	var frame [stackFrame]byte
	keep(frame[:])
}

// stackFrame is growStack's frame: with the frames above it, the stack
// needs more than 16 KB, so it grows to 32 KB.
const stackFrame = 24 << 10

//go:noinline
func keep([]byte) {}
