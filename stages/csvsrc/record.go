package csvsrc

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Record is one CSV record.
//
// Its slices alias the buffers of the batch it came in: they are valid until the next
// call to Next on the same chunk and must not be modified. Copy what you keep.
type Record struct {
	// Raw holds the record's bytes exactly as in the input, line terminator included.
	// Only the input's very last record may lack a terminator (the batch's Raw then
	// ends with one added).
	Raw []byte
	// Fields holds the record's field values, unquoted and unescaped, when
	// Options.ParseFields is set: a nil element is NULL, a non-nil empty one the
	// empty string. Nil otherwise.
	Fields [][]byte
}

// emptyField is the value of a non-NULL empty field: non-nil and empty.
var emptyField = []byte{}

// content returns rec without its line terminator.
func (s *scanner) content(raw []byte, term bool) []byte {
	if !term {
		return raw
	}
	n := len(raw) - 1
	if s.eol == eolCRNL {
		n--
	}
	return raw[:n]
}

// fields splits the fields of the delimited record raw, outside a batch, and sets
// rec.reject to why a chunk would reject it: a stray line ending (see check) or a
// field that cannot be split.
func (s *scanner) fields(raw []byte, rec *record) [][]byte {
	if rec.reject == nil {
		rec.reject = s.check(raw, rec)
	}
	fields, _, err := s.split(s.content(raw, rec.term), nil, nil, 0)
	if rec.reject == nil {
		rec.reject = err
	}
	return fields
}

// indexQuote returns the index of the first quote byte of c at or after i, or len(c).
func (s *scanner) indexQuote(c []byte, i int) int {
	if j := bytes.IndexByte(c[i:], s.quote); j >= 0 {
		return i + j
	}
	return len(c)
}

// quotedField reads the common quoted field at c[i:], a single quoted section without
// escapes followed by a delimiter or the end, as a slice of c. ok is false for any
// other field.
func (s *scanner) quotedField(c []byte, i int) (v []byte, next int, found, ok bool) {
	j := i + 1
	k := bytes.IndexByte(c[j:], s.quote)
	if k < 0 || (s.escape != s.quote && bytes.IndexByte(c[j:j+k], s.escape) >= 0) {
		return nil, 0, false, false
	}
	p := j + k + 1 // past the closing quote
	switch {
	case p == len(c):
		return s.value(nil, true, c[j:j+k]), p, false, true
	case c[p] == s.delim:
		return s.value(nil, true, c[j:j+k]), p + 1, true, true
	}
	return nil, 0, false, false // "" escape, or more after the closing quote
}

// field reads the field at c[i:] into arena, exactly as CopyReadAttributesCSV does: a
// quote anywhere starts a quoted section, inside which an escape makes a following
// quote or escape literal. It returns the value, the index past the field (and past
// its delimiter when found), and whether a delimiter ended it.
func (s *scanner) field(c []byte, i int, arena []byte) (v []byte, next int, found bool, _ []byte, _ error) {
	start, out, saw := i, len(arena), false
	end := -1
	for end < 0 {
		j := i // outside quotes
		for j < len(c) && c[j] != s.delim && c[j] != s.quote {
			j++
		}
		arena = append(arena, c[i:j]...)
		switch {
		case j == len(c):
			end, i = j, j
			continue
		case c[j] == s.delim:
			end, i, found = j, j+1, true
			continue
		}
		saw, i = true, j+1
		for { // inside quotes
			j := i
			if s.parity {
				j = s.indexQuote(c, i)
			}
			for j < len(c) && c[j] != s.quote && c[j] != s.escape {
				j++
			}
			arena = append(arena, c[i:j]...)
			if i = j; i >= len(c) {
				return nil, i, false, arena, errUnterminated
			}
			ch := c[i]
			i++
			// Test the escape first: it is the quote by default.
			if ch == s.escape && i < len(c) && (c[i] == s.escape || c[i] == s.quote) {
				arena = append(arena, c[i])
				i++
				continue
			}
			if ch == s.quote {
				break
			}
			arena = append(arena, ch) // a lone escape
		}
	}
	return s.value(c[start:end], saw, arena[out:]), i, found, arena, nil
}

// value returns a field's value: nil (NULL) when the raw field was not quoted and
// equals the NULL marker, else v, never nil.
func (s *scanner) value(raw []byte, saw bool, v []byte) []byte {
	if !saw && string(raw) == s.null {
		return nil
	}
	if len(v) == 0 {
		return emptyField
	}
	return v[:len(v):len(v)]
}

// CopyLineRow returns the index of the row that PostgreSQL reports as "line n" in the
// context of an error ("COPY t, line 3, column x: …") when rows, with their Raw bytes
// concatenated, are sent as one COPY … FROM STDIN (FORMAT csv) stream without HEADER.
// ok is false when n is beyond the rows.
//
// PostgreSQL counts one line per record plus one per quoted line break, and it counts a
// quoted "\r" rather than a quoted "\n" until it has seen the stream's first line end,
// so its line numbers are neither record indexes nor always physical lines; CopyLineRow
// replays its count.
func (d Dialect) CopyLineRow(rows []Record, n int64) (i int, ok bool) {
	d = d.WithDefaults()
	s := newScanner(d, maxRecordBytesMax)
	var line int64
	style := eolUnknown
	for i, r := range rows {
		line++
		nl := byte('\r')
		if style == eolNL {
			nl = '\n'
		}
		inQ, esc := false, false
		for j, c := range r.Raw {
			inQ, esc = s.step(r.Raw[j:j+1], inQ, esc)
			if inQ && c == nl {
				line++
			}
		}
		if style == eolUnknown {
			style, _ = s.detectEOL(r.Raw, true)
		}
		if line >= n {
			return i, true
		}
	}
	return len(rows), false
}

// split appends the fields of c (a record without its line terminator) to dst as
// CopyReadAttributesCSV does. Fields alias c when they can (no quote, or one quoted
// section without escapes); others are unquoted into arena, which should have room for
// len(c) more bytes so that it is not reallocated under fields already returned (a
// reallocation keeps them valid but wastes memory).
//
// With limit > 0 it stops after that many fields (the rest of c is not looked at).
//
// It looks for the next delimiter or quote eight bytes at a time (SWAR): fields are
// short, and a call to the vector routines costs more than it saves on them.
func (s *scanner) split(c []byte, dst [][]byte, arena []byte, limit int) ([][]byte, []byte, error) {
	if limit > 0 {
		limit += len(dst) // the length of dst once limit fields are appended
	} else {
		limit = -1
	}
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	dpat, qpat := lo*uint64(s.delim), lo*uint64(s.quote)
	start, i := 0, 0
	for {
		// The next delimiter or quote at or after i, or len(c).
		j := len(c)
		for ; i+8 <= len(c); i += 8 {
			x := binary.LittleEndian.Uint64(c[i:])
			d, q := x^dpat, x^qpat
			// The lowest set bit of each mask marks its first zero byte; bits above
			// may be false positives, so only the lowest bit of the union is used.
			if m := ((d - lo) &^ d & hi) | ((q - lo) &^ q & hi); m != 0 {
				j = i + bits.TrailingZeros64(m)/8
				break
			}
		}
		if j == len(c) {
			for ; i < len(c); i++ {
				if c[i] == s.delim || c[i] == s.quote {
					j = i
					break
				}
			}
		}
		if j == len(c) {
			return append(dst, s.value(c[start:], false, c[start:])), arena, nil
		}
		if c[j] == s.delim {
			dst = append(dst, s.value(c[start:j], false, c[start:j]))
			if len(dst) == limit {
				return dst, arena, nil
			}
			start, i = j+1, j+1
			continue
		}
		var (
			v     []byte
			next  int
			found bool
			ok    bool
		)
		if j == start {
			v, next, found, ok = s.quotedField(c, j)
		}
		if !ok {
			var err error
			if v, next, found, arena, err = s.field(c, start, arena); err != nil {
				return dst, arena, err
			}
		}
		dst = append(dst, v)
		if !found || len(dst) == limit {
			return dst, arena, nil
		}
		start, i = next, next
	}
}

// AppendRecord appends fields as one CSV record in dialect d (with defaults applied),
// the inverse of reading with ParseFields: NULL (a nil field) as the NULL marker, fields
// quoted when they hold the delimiter, quote, escape, CR or LF, are empty, or equal the
// NULL marker, and a record's only field when it is \. (the end-of-data marker). The record ends like raw (the record it replaces) ends. Stages that change
// a record's fields use it to rebuild Record.Raw for the fast path.
func (d Dialect) AppendRecord(dst []byte, fields [][]byte, raw []byte) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, d.Delimiter)
		}
		if f == nil {
			dst = append(dst, d.Null...)
			continue
		}
		if len(f) > 0 && string(f) != d.Null && (len(fields) > 1 || string(f) != `\.`) && !bytes.ContainsAny(f, string([]byte{d.Delimiter, d.Quote, d.Escape, '\r', '\n'})) {
			dst = append(dst, f...)
			continue
		}
		dst = append(dst, d.Quote)
		for _, c := range f {
			if c == d.Quote || (c == d.Escape && d.Escape != d.Quote) {
				dst = append(dst, d.Escape)
			}
			dst = append(dst, c)
		}
		dst = append(dst, d.Quote)
	}
	switch {
	case bytes.HasSuffix(raw, []byte("\r\n")):
		return append(dst, '\r', '\n')
	case bytes.HasSuffix(raw, []byte("\r")):
		return append(dst, '\r')
	default:
		return append(dst, '\n')
	}
}
