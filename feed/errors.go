package feed

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem found in an advisory file. Line and Column are
// 1-based positions in the YAML source (0 when the problem concerns the file
// as a whole); Field is the path of the offending value, for example
// "incidents[2].losses[0].amount".
type Error struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error formats the problem as "file:line:column: field: message", the shape
// editors and CI logs understand.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one file, in source order. Parse
// returns it (as an error) so that a maintainer fixes all mistakes in one
// pass instead of one per run.
type ErrorList []*Error

// MaxErrors bounds the number of problems collected from one file; past it
// the list ends with a note that more were left out.
const MaxErrors = 100

// Error lists the problems, one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// errorSink collects errors while parsing and validating one file.
type errorSink struct {
	file string
	list ErrorList
	more bool
}

func (s *errorSink) add(line, col int, field, format string, args ...any) {
	if len(s.list) >= MaxErrors {
		s.more = true
		return
	}
	s.list = append(s.list, &Error{File: s.file, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// result returns the collected errors sorted by position, or nil.
func (s *errorSink) result() error {
	if len(s.list) == 0 {
		return nil
	}
	sort.SliceStable(s.list, func(i, j int) bool {
		a, b := s.list[i], s.list[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	if s.more {
		s.list = append(s.list, &Error{File: s.file, Msg: fmt.Sprintf("more than %d problems; the rest were not reported", MaxErrors)})
	}
	return s.list
}
