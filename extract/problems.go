package extract

import (
	"errors"
	"fmt"
)

// Problems collects the errors of a file whose reading goes on past bad
// entries. Err reports the first, with a count of the others, so the scan
// records one located error per file and still merges what was read.
type Problems struct {
	first *Error
	more  int
}

// Add records err; nil is ignored.
func (p *Problems) Add(err *Error) {
	if err == nil {
		return
	}
	if p.first == nil {
		p.first = err
		return
	}
	p.more++
}

// AddErr records err, which names path unless it is an *Error
// already (errors about a companion file name that file).
func (p *Problems) AddErr(path string, err error) {
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Path: path, Err: err}
	}
	p.Add(e)
}

// Err returns nil when nothing was added, else the first error, its message
// noting how many more there were.
func (p *Problems) Err() error {
	if p.first == nil {
		return nil
	}
	if p.more == 0 {
		return p.first
	}
	e := *p.first
	noun := "problems"
	if p.more == 1 {
		noun = "problem"
	}
	e.Err = fmt.Errorf("%w (and %d more %s)", p.first.Err, p.more, noun)
	return &e
}
