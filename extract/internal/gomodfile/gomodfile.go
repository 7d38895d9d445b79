// Package gomodfile holds what the go.mod and go.work extractors share:
// placing the modfile parser's errors, and reading a module's go.mod
// through the scanned tree.
package gomodfile

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/vouchdev/vouch/extract"
)

// Error turns an error of modfile.Parse or modfile.ParseWork into an
// *extract.Error at the position modfile reports. kind names the format
// ("go.mod", "go.work") in messages that have nothing more specific.
func Error(path, kind string, err error) *extract.Error {
	var list modfile.ErrorList
	var one *modfile.Error
	switch {
	case errors.As(err, &list) && len(list) > 0:
		one = &list[0]
	case errors.As(err, &one):
	default:
		return &extract.Error{Path: path, Err: fmt.Errorf("parse %s: %w", kind, err)}
	}
	xe := &extract.Error{Path: path, Line: one.Pos.Line}
	if one.Pos.LineRune > 1 {
		xe.Column = one.Pos.LineRune
	}
	inner := one.Err
	if inner == nil {
		inner = errors.New("invalid " + kind)
	}
	switch {
	case one.ModPath != "":
		xe.Err = fmt.Errorf("%s %s: %w", one.Verb, one.ModPath, inner)
	case one.Verb != "":
		xe.Err = fmt.Errorf("%s: %w", one.Verb, inner)
	default:
		xe.Err = fmt.Errorf("parse %s: %w", kind, inner)
	}
	return xe
}

// ReadInTree returns the go.mod of dir, a module directory written
// relative to the file in.Path (as a replace or use directive writes it),
// read through in.Root. It returns nil when dir is absolute or leaves the
// scanned tree, or its go.mod is absent, unreadable or longer than max:
// a module that cannot be read there is one the graph cannot follow, not
// an error of the file being read.
func ReadInTree(in *extract.Input, dir string, max int64) []byte {
	// Files written on Windows may use backslashes; an absolute path, of
	// either kind, is outside the scanned tree.
	dir = strings.ReplaceAll(dir, `\`, "/")
	if in.Root == nil || dir == "" || strings.HasPrefix(dir, "/") || len(dir) > 1 && dir[1] == ':' {
		return nil
	}
	p, ok := extract.Join(extract.Dir(in.Path), dir+"/go.mod")
	if !ok {
		return nil
	}
	f, err := in.Root.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil || int64(len(data)) > max {
		return nil
	}
	return data
}
