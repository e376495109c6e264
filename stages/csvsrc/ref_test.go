package csvsrc_test

import (
	"bytes"
	"errors"

	"github.com/tmimport/tmimport/stages/csvsrc"
)

// This file holds a reference reader: a plain, byte-at-a-time port of PostgreSQL's
// CopyReadLineText and CopyReadAttributesCSV (src/backend/commands/copyfromparse.c),
// with the package's documented choices where PostgreSQL stops with an error (a record
// with a stray line ending is rejected and reading goes on). Tests compare the
// optimised Source with it.

// refRecord is one record as the reference reads it.
type refRecord struct {
	raw    string
	fields []*string // nil element: NULL
	line   int64
	offset int64
	index  int64 // line - the first data line
	reject bool  // a Source rejects it (end-of-copy marker, stray line ending, unterminated quote)
}

var (
	errRefUnterminated = errors.New("unterminated")
	errRefHeader       = errors.New("header rejected")
)

// refError is an unterminated quoted field in the record at line and offset.
type refError struct{ line, offset int64 }

func (e *refError) Error() string        { return "unterminated" }
func (e *refError) Is(target error) bool { return target == errRefUnterminated }

// refRead reads a whole input. It returns the header's fields (when header is set) and
// the data records; err is errRefHeader when the header is a record a Source rejects.
// (An input that ends inside quotes ends with a rejected record; refError and
// errRefUnterminated remain for the Source's ErrUnterminatedQuote in the header.)
func refRead(in []byte, d csvsrc.Dialect, header bool) (hdr []*string, recs []refRecord, err error) {
	d = d.WithDefaults()
	off := 0
	if bytes.HasPrefix(in, []byte{0xEF, 0xBB, 0xBF}) {
		off = 3
	}
	style := refEOL(in[off:], d)
	line, dataLine := int64(1), int64(1)
	first := true
	for off < len(in) {
		n, lines, reject, err := refLine(in[off:], d, style)
		if err != nil {
			return hdr, recs, &refError{line: line, offset: int64(off)}
		}
		raw := in[off : off+n]
		r := refRecord{raw: string(raw), line: line, offset: int64(off), reject: reject}
		r.fields = refFields(refContent(raw, style), d)
		if first && header {
			if reject {
				return nil, nil, errRefHeader
			}
			hdr = r.fields
		} else {
			if len(recs) == 0 {
				dataLine = line
			}
			r.index = line - dataLine
			recs = append(recs, r)
		}
		first = false
		off += n
		line += int64(lines)
	}
	return hdr, recs, nil
}

// refEOL is PostgreSQL's choice of line ending from the first line: "\n", "\r\n",
// "\r", or "" when the first line does not end.
func refEOL(in []byte, d csvsrc.Dialect) string {
	inQ, esc := false, false
	for i, c := range in {
		inQ, esc = refStep(c, d, inQ, esc)
		if inQ {
			continue
		}
		switch {
		case c == '\n':
			return "\n"
		case c == '\r' && i+1 < len(in) && in[i+1] == '\n':
			return "\r\n"
		case c == '\r':
			return "\r"
		}
	}
	return ""
}

// refStep is CopyReadLineText's quote and escape state change for byte c.
func refStep(c byte, d csvsrc.Dialect, inQ, esc bool) (bool, bool) {
	escape := d.Escape
	if escape == d.Quote {
		escape = 0 // PostgreSQL ignores the escape while delimiting; NUL never reaches it
		if c == 0 {
			return inQ, false
		}
	}
	if inQ && c == escape {
		esc = !esc
	}
	if c == d.Quote && !esc {
		inQ = !inQ
	}
	if c != escape {
		esc = false
	}
	return inQ, esc
}

// refLine delimits the record at the start of in: its length, the physical lines it
// ends, and whether a Source rejects it.
func refLine(in []byte, d csvsrc.Dialect, style string) (n, lines int, reject bool, err error) {
	t := style
	if t == "" {
		t = "\n"
	}
	term := t[len(t)-1]
	if style == "\r" {
		term = '\r'
	}
	// The end-of-copy marker: \. then the line terminator. At the end of the input,
	// without a terminator, \. is data (COPY FROM a file stores it).
	if bytes.HasPrefix(in, []byte(`\.`)) {
		rest := in[2:]
		if bytes.HasPrefix(rest, []byte(t)) {
			return 2 + len(t), 1, true, nil
		}
	}
	inQ, esc := false, false
	ended := false
	for i, c := range in {
		inQ, esc = refStep(c, d, inQ, esc)
		if c == term {
			lines++
			if !inQ {
				n, ended = i+1, true
				break
			}
		}
	}
	if !ended {
		n = len(in)
		if inQ {
			// PostgreSQL reads the rest of the input as one record and refuses it;
			// the Source rejects it.
			return n, lines, true, nil
		}
	}
	rec := in[:n]
	// A stray line ending: an unquoted '\r' or '\n' other than the terminator.
	content := rec
	if ended {
		content = rec[:len(rec)-1]
		if style == "\r\n" {
			if len(content) == 0 || content[len(content)-1] != '\r' {
				return n, lines, true, nil
			}
			content = content[:len(content)-1]
		}
	}
	if style == "" {
		return n, lines, false, nil
	}
	inQ, esc = false, false
	for _, c := range content {
		inQ, esc = refStep(c, d, inQ, esc)
		if !inQ && (c == '\r' || c == '\n') {
			return n, lines, true, nil
		}
	}
	return n, lines, false, nil
}

// refContent strips the line terminator of style from a record.
func refContent(raw []byte, style string) []byte {
	if style == "" || !bytes.HasSuffix(raw, []byte(style)) {
		if style == "\r\n" && bytes.HasSuffix(raw, []byte("\n")) {
			return raw[:len(raw)-1]
		}
		return raw
	}
	return raw[:len(raw)-len(style)]
}

// refFields is CopyReadAttributesCSV. It returns nil when a quoted section does not end.
func refFields(c []byte, d csvsrc.Dialect) []*string {
	var out []*string
	i := 0
	for {
		start := i
		var v []byte
		saw, found := false, false
		end := 0
	field:
		for {
			for { // outside quotes
				end = i
				if i >= len(c) {
					break field
				}
				ch := c[i]
				i++
				if ch == d.Delimiter {
					found = true
					break field
				}
				if ch == d.Quote {
					saw = true
					break
				}
				v = append(v, ch)
			}
			for { // inside quotes
				end = i
				if i >= len(c) {
					return nil
				}
				ch := c[i]
				i++
				if ch == d.Escape && i < len(c) && (c[i] == d.Escape || c[i] == d.Quote) {
					v = append(v, c[i])
					i++
					continue
				}
				if ch == d.Quote {
					break
				}
				v = append(v, ch)
			}
		}
		if !saw && string(c[start:end]) == d.Null {
			out = append(out, nil)
		} else {
			s := string(v)
			out = append(out, &s)
		}
		if !found {
			return out
		}
	}
}
