package buildkit

import (
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
)

// Vertex is one entry of BuildKit's plain progress output ("#5 ...").
type Vertex struct {
	ID int
	// Name is the first line of the vertex, e.g. "[build 2/4] RUN make".
	Name   string
	Cached bool
	Done   bool
	// Error is the text after "ERROR" when the vertex failed.
	Error    string
	Canceled bool
	// Output are the lines the step printed, without the time BuildKit
	// puts before each.
	Output []string
}

// Step reports whether the vertex is a Dockerfile instruction of a stage
// ("[2/4] RUN ...", "[build 3/5] COPY ..."), FROM excepted: with named
// contexts and local layouts, FROM is not a step of its own.
func (v *Vertex) Step() bool {
	m := stepRE.FindStringSubmatch(v.Name)
	return m != nil && !strings.EqualFold(m[1], "FROM")
}

var stepRE = lazyre.New(`^\[(?:[^\]]* )?\d+/\d+\] ([A-Za-z]+)`)

// Progress is what a build printed with --progress plain (docker buildx
// prints the same format as buildctl).
type Progress struct {
	Vertices []*Vertex
}

var (
	lineRE   = lazyre.New(`^#(\d+) (.*)$`)
	outputRE = lazyre.New(`^\d+\.\d+ (.*)$`)
)

// ParseProgress reads plain progress output. Lines that do not belong to a
// vertex (warnings, blank lines) are skipped.
func ParseProgress(log string) *Progress {
	p := &Progress{}
	byID := map[int]*Vertex{}
	for _, line := range strings.Split(log, "\n") {
		m := lineRE.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		id, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		text := m[2]
		v := byID[id]
		status := statusLine(text)
		if v == nil {
			v = &Vertex{ID: id}
			byID[id] = v
			p.Vertices = append(p.Vertices, v)
			if !status {
				// The first line of a vertex is its name, unless the vertex
				// only reports a status (a cached metadata lookup).
				v.Name = text
				continue
			}
		}
		switch {
		case text == "CACHED":
			v.Cached = true
		case strings.HasPrefix(text, "DONE"):
			v.Done = true
		case strings.HasPrefix(text, "ERROR"):
			v.Error = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(text, "ERROR"), ":"))
		case strings.HasPrefix(text, "CANCELED"):
			v.Canceled = true
		default:
			if o := outputRE.FindStringSubmatch(text); o != nil {
				v.Output = append(v.Output, o[1])
			}
		}
	}
	return p
}

func statusLine(text string) bool {
	return text == "CACHED" || strings.HasPrefix(text, "DONE ") || text == "DONE" ||
		strings.HasPrefix(text, "ERROR") || strings.HasPrefix(text, "CANCELED")
}

// Steps returns the Dockerfile steps (see Vertex.Step) in order.
func (p *Progress) Steps() []*Vertex {
	var out []*Vertex
	for _, v := range p.Vertices {
		if v.Step() {
			out = append(out, v)
		}
	}
	return out
}

// CachedSteps counts the steps that came from the cache.
func (p *Progress) CachedSteps() int {
	n := 0
	for _, v := range p.Steps() {
		if v.Cached {
			n++
		}
	}
	return n
}

// Failed returns the vertices that failed.
func (p *Progress) Failed() []*Vertex {
	var out []*Vertex
	for _, v := range p.Vertices {
		if v.Error != "" {
			out = append(out, v)
		}
	}
	return out
}
