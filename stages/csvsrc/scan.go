package csvsrc

import "bytes"

// eol is the line-ending style of an input. PostgreSQL decides it from the first line
// of a COPY stream and refuses any other style afterwards.
type eol uint8

const (
	eolUnknown eol = iota // no line ended yet: a one-line input, read as eolNL
	eolNL                 // "\n"
	eolCRNL               // "\r\n"
	eolCR                 // a bare "\r"
)

// terminator returns the line terminator of the style.
func (e eol) terminator() string {
	switch e {
	case eolCRNL:
		return "\r\n"
	case eolCR:
		return "\r"
	}
	return "\n"
}

// scanner delimits records and splits fields with PostgreSQL's rules. It holds no
// state between records: a record always starts outside quotes.
type scanner struct {
	delim, quote, escape byte
	null                 string
	// parity is set when Escape == Quote. PostgreSQL then ignores the escape while
	// delimiting records (CopyReadLineText sets escapec to '\0'), so the in-quote
	// state at any byte is the parity of the quote bytes before it.
	parity bool
	eol    eol
	// term is the byte that ends a record outside quotes: '\n', or '\r' for eolCR.
	// It is also the byte that ends a physical line, for line numbers.
	term      byte
	maxRecord int
	quoteSep  []byte // quote, for bytes.Count
	termSep   []byte // term, for bytes.Count
}

func newScanner(d Dialect, maxRecord int) scanner {
	return scanner{
		delim: d.Delimiter, quote: d.Quote, escape: d.Escape, null: d.Null,
		parity: d.Escape == d.Quote, term: '\n', maxRecord: maxRecord,
		quoteSep: []byte{d.Quote}, termSep: []byte{'\n'},
	}
}

// setEOL fixes the input's line-ending style.
func (s *scanner) setEOL(e eol) {
	s.eol, s.term = e, '\n'
	if e == eolCR {
		s.term = '\r'
	}
	s.termSep = []byte{s.term}
}

// parityOK reports whether the quote parity over a whole input tells the in-quote
// state at any byte, so that record boundaries can be found without delimiting every
// record: the escape is the quote, and the quote is neither '\\' nor '.', which the
// end-of-copy marker \. (a record whose extent ignores quotes) would hold.
func (s *scanner) parityOK() bool {
	return s.parity && s.quote != '\\' && s.quote != '.'
}

// record describes one delimited record.
type record struct {
	n      int   // length in bytes, line terminator included
	lines  int   // number of term bytes in the record: the physical lines it ends
	quoted bool  // holds at least one quote byte
	term   bool  // ends with a line terminator (false only for the input's last record)
	reject error // why PostgreSQL would refuse the record, or nil
}

// scan delimits the record at the start of buf, which must not be empty. atEOF says
// that buf holds all the rest of the input. ok is false, with a nil error, when buf
// ends before the record does and more input may come. The error is errUnterminated
// or ErrRecordTooLarge. The caller checks the record's line endings with check.
//
// The rule is CopyReadLineText's in CSV mode: a quote byte toggles the in-quote state
// (wherever it is in a field), except that with an escape other than the quote, an
// escape inside quotes makes a following quote or escape byte literal; the record ends
// at the first term byte outside quotes.
func (s *scanner) scan(buf []byte, atEOF bool) (rec record, ok bool, err error) {
	if buf[0] == '\\' {
		if rec, ok, done := s.marker(buf, atEOF); done {
			return rec, ok, nil
		}
	}
	inQ, esc := false, false
	q := 0
	for {
		i := bytes.IndexByte(buf[q:], s.term)
		if i < 0 {
			break
		}
		inQ, _ = s.quoteState(buf[q:q+i], inQ, esc, &rec.quoted) // esc is reset below
		q += i + 1
		rec.lines++
		if q > s.maxRecord {
			return record{}, false, ErrRecordTooLarge
		}
		if !inQ {
			rec.n, rec.term = q, true
			return rec, true, nil
		}
		esc = false // the term byte is not an escape, so it ends any escape sequence
	}
	if len(buf) > s.maxRecord {
		return record{}, false, ErrRecordTooLarge
	}
	if !atEOF {
		return record{}, false, nil
	}
	inQ, _ = s.quoteState(buf[q:], inQ, esc, &rec.quoted)
	rec.n = len(buf)
	if inQ {
		// PostgreSQL reads the rest of the input as this record and refuses it: the
		// record is rejected, the records before it stand.
		rec.reject = errUnterminated
	}
	return rec, true, nil
}

// quick delimits the common record, a single line with balanced quotes, faster than
// scan: it returns the record's length and whether it holds a quote byte. ok is false
// when it cannot tell; scan then does.
func (s *scanner) quick(buf []byte) (n int, quoted, ok bool) {
	i := bytes.IndexByte(buf, s.term)
	if i < 0 || i >= s.maxRecord || buf[0] == '\\' {
		return 0, false, false
	}
	if s.parity {
		k := bytes.Count(buf[:i], s.quoteSep)
		return i + 1, k > 0, k&1 == 0
	}
	return i + 1, false, bytes.IndexByte(buf[:i], s.quote) < 0
}

// quoteState returns the in-quote and last-was-escape states after seg, which holds
// no term byte, given the states before it.
func (s *scanner) quoteState(seg []byte, inQ, esc bool, quoted *bool) (bool, bool) {
	if s.parity {
		// One pass: counting costs about what looking for the first quote does.
		n := bytes.Count(seg, s.quoteSep)
		*quoted = *quoted || n > 0
		return inQ != (n&1 == 1), false
	}
	k := bytes.IndexByte(seg, s.quote)
	if k < 0 {
		// Without a quote byte the in-quote state cannot change, and a pending
		// escape is cleared by the term byte that follows seg.
		return inQ, esc
	}
	*quoted = true
	if inQ {
		k = 0 // escapes before the first quote byte matter inside quotes
	}
	return s.step(seg[k:], inQ, esc)
}

// step runs PostgreSQL's quote and escape state machine over b.
func (s *scanner) step(b []byte, inQ, esc bool) (bool, bool) {
	if s.parity {
		for _, c := range b {
			if c == s.quote {
				inQ = !inQ
			}
		}
		return inQ, false
	}
	for _, c := range b {
		if inQ && c == s.escape {
			esc = !esc
		}
		if c == s.quote && !esc {
			inQ = !inQ
		}
		if c != s.escape {
			esc = false
		}
	}
	return inQ, esc
}

// marker recognises a record that PostgreSQL would take for the end-of-data marker:
// \. alone on a line, with the input's line terminator. done is false when buf does
// not start such a record; ok false with done true means more input is needed to tell.
//
// \. as the input's last bytes, without a terminator, is data: COPY FROM a file stores
// it as a row (CopyReadLineText finds no line end after it and goes on), and so does
// the source; the chunk quotes it so that the terminator it adds does not make it the
// marker.
func (s *scanner) marker(buf []byte, atEOF bool) (rec record, ok, done bool) {
	if len(buf) < 2 {
		return record{}, false, !atEOF
	}
	if buf[1] != '.' {
		return record{}, false, false
	}
	t, rest := s.eol.terminator(), buf[2:]
	switch {
	case len(rest) == 0 && !atEOF:
		return record{}, false, true
	case len(rest) == 0:
		return record{}, false, false
	case len(rest) >= len(t) && string(rest[:len(t)]) == t:
		return record{n: 2 + len(t), lines: 1, term: true, reject: errMarker}, true, true
	case len(rest) < len(t) && !atEOF && string(rest) == t[:len(rest)]:
		return record{}, false, true
	}
	return record{}, false, false
}

// check returns why PostgreSQL would refuse the record b as a line: an unquoted
// carriage return or newline other than the input's line terminator.
func (s *scanner) check(b []byte, rec *record) error {
	content := b
	if rec.term {
		content = b[:len(b)-1]
	}
	switch s.eol {
	case eolCR:
		return s.stray(content, '\n', rec.quoted, errUnquotedLF)
	case eolCRNL:
		if rec.term {
			// The '\r' just before an unquoted '\n' is unquoted too.
			if len(content) == 0 || content[len(content)-1] != '\r' {
				return errMixedLF
			}
			content = content[:len(content)-1]
		}
		return s.stray(content, '\r', rec.quoted, errUnquotedCR)
	case eolNL:
		if rec.term && len(content) > 0 && content[len(content)-1] == '\r' {
			return errMixedCRLF
		}
		return s.stray(content, '\r', rec.quoted, errUnquotedCR)
	}
	return nil // eolUnknown: a one-line input without line ending
}

// strayByte returns the byte whose presence in a record calls for check: '\n' in a
// file with bare "\r" line endings, else '\r'; 0 when the style is unknown (a one-line
// input, never checked).
func (s *scanner) strayByte() byte {
	switch s.eol {
	case eolCR:
		return '\n'
	case eolUnknown:
		return 0
	}
	return '\r'
}

// stray returns err when b holds the byte c outside quotes.
func (s *scanner) stray(b []byte, c byte, quoted bool, err error) error {
	i := bytes.IndexByte(b, c)
	if i < 0 {
		return nil
	}
	if !quoted {
		return err
	}
	inQ, esc := false, false
	for j := range b {
		inQ, esc = s.step(b[j:j+1], inQ, esc)
		if b[j] == c && !inQ {
			return err
		}
	}
	return nil
}

// detectEOL finds the line ending of the input's first line as PostgreSQL does: the
// first '\n' or '\r' outside quotes, "\r\n" making eolCRNL. ok is false when more input
// is needed; at EOF without a line ending the style stays eolUnknown.
func (s *scanner) detectEOL(buf []byte, atEOF bool) (e eol, ok bool) {
	inQ, esc := false, false
	for i, c := range buf {
		inQ, esc = s.step(buf[i:i+1], inQ, esc)
		switch {
		case inQ:
		case c == '\n':
			return eolNL, true
		case c == '\r' && i+1 < len(buf):
			if buf[i+1] == '\n' {
				return eolCRNL, true
			}
			return eolCR, true
		case c == '\r':
			return eolCR, atEOF
		}
	}
	return eolUnknown, atEOF
}
