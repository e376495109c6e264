package geo

import (
	"bytes"
	"fmt"
	"io"
)

// input is the reader's window on the byte stream. Bytes from keep onwards stay
// in buf until released, so a feature can be cut out whole; everything before
// is dropped as the window slides. A value longer than limit is dropped as it
// streams by, after saving its first bytes in prefix, so memory stays bounded.
type input struct {
	r       io.Reader
	buf     []byte
	pos     int   // next byte to read
	keep    int   // first byte to retain, or -1
	base    int64 // input offset of buf[0]
	err     error // first read error, io.EOF at the end
	limit   int   // most bytes retained from keep
	dropped bool  // the retained bytes were dropped since the last hold
	prefix  []byte
	saved   bool  // prefix holds the start of the value held last
	floor   int64 // input offset of a member to keep when dropping, or -1
	rawMax  int
	stack   []byte // open brackets while scanning a value
}

const readSize = 64 << 10

func (in *input) offset() int64 { return in.base + int64(in.pos) }

// at returns the index in buf of an input offset that is retained.
func (in *input) at(off int64) int { return int(off - in.base) }

// hold retains the bytes from the current position onwards, where a new value starts.
func (in *input) hold() { in.keep, in.dropped, in.saved = in.pos, false, false }

// rehold retains the bytes from the current position onwards, within a value
// whose start was dropped, keeping the prefix saved from that start.
func (in *input) rehold() { in.keep, in.dropped = in.pos, false }

// release lets the retained bytes go.
func (in *input) release() { in.keep = -1 }

func (in *input) syntaxErr(msg string) error {
	if in.err != nil && in.err != io.EOF {
		return fmt.Errorf("geo: reading GeoJSON: %w", in.err)
	}
	if in.pos >= len(in.buf) && in.err == io.EOF {
		msg = "unexpected end of input: " + msg
	}
	return &SyntaxError{Offset: in.offset(), Msg: msg}
}

// more reads more input after the buffered bytes. It returns false when none
// came, with in.err set.
func (in *input) more() bool {
	if in.err != nil {
		return false
	}
	in.trim()
	in.slide()
	for range 100 { // io.Reader may return 0, nil; don't spin forever
		n, err := in.r.Read(in.buf[len(in.buf):cap(in.buf)])
		in.buf = in.buf[:len(in.buf)+n]
		if err != nil {
			in.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
	in.err = io.ErrNoProgress
	return false
}

// trim drops the retained bytes once they pass the limit, saving a prefix.
func (in *input) trim() {
	if in.keep >= 0 && in.pos-in.keep > in.limit {
		if !in.saved {
			n := min(in.rawMax, in.pos-in.keep)
			in.prefix = append(in.prefix[:0], in.buf[in.keep:in.keep+n]...)
			in.saved = true
		}
		in.keep, in.dropped = -1, true
		// Keep the member being scanned, if it fits on its own.
		if f := int(in.floor - in.base); in.floor >= 0 && f >= 0 && in.pos-f <= in.limit {
			in.keep = f
		}
	}
}

// slide drops the bytes no longer needed and makes room for a read.
func (in *input) slide() {
	drop := in.pos
	if in.keep >= 0 {
		drop = in.keep
	}
	if drop > 0 {
		n := copy(in.buf, in.buf[drop:])
		in.buf = in.buf[:n]
		in.base += int64(drop)
		in.pos -= drop
		if in.keep >= 0 {
			in.keep -= drop
		}
	}
	if cap(in.buf)-len(in.buf) < readSize/2 {
		nb := make([]byte, len(in.buf), 2*cap(in.buf)+readSize)
		copy(nb, in.buf)
		in.buf = nb
	}
}

// skipSpace skips white space and returns the next byte, or false at the end.
func (in *input) skipSpace() (byte, bool) {
	for {
		for in.pos < len(in.buf) {
			switch c := in.buf[in.pos]; c {
			case ' ', '\t', '\n', '\r':
				in.pos++
			default:
				return c, true
			}
		}
		if !in.more() {
			return 0, false
		}
	}
}

// skipSeparators skips what may separate top-level values: white space, the
// record separator of RFC 8142 GeoJSON text sequences, and a UTF-8 byte order
// mark at the very start.
func (in *input) skipSeparators() (byte, bool) {
	for {
		c, ok := in.skipSpace()
		switch {
		case !ok:
			return 0, false
		case c == 0x1e:
			in.pos++
		case c == 0xef && in.offset() == 0 && in.hasBOM():
			in.pos += 3
		default:
			return c, true
		}
	}
}

func (in *input) hasBOM() bool {
	for len(in.buf)-in.pos < 3 && in.more() {
	}
	return bytes.HasPrefix(in.buf[in.pos:], []byte{0xef, 0xbb, 0xbf})
}

// scanString moves past the string that starts at the current byte, a '"'.
func (in *input) scanString() error {
	in.pos++
	escaped := false
	for {
		rest := in.buf[in.pos:]
		if !escaped { // fast path: a closing quote with no backslash before it
			if q := bytes.IndexByte(rest, '"'); q >= 0 && bytes.IndexByte(rest[:q], '\\') < 0 {
				in.pos += q + 1
				return nil
			}
		}
		for i, c := range rest {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				in.pos += i + 1
				return nil
			}
		}
		in.pos = len(in.buf)
		if !in.more() {
			return in.syntaxErr("unterminated string")
		}
	}
}

// scanValue moves past the JSON value that starts at the current byte, which
// is not white space. It checks the structure only (strings, and brackets that
// match); the feature decoder validates the rest.
func (in *input) scanValue() error {
	c := in.buf[in.pos]
	switch c {
	case '"':
		return in.scanString()
	case '{', '[':
		return in.scanNested()
	case '}', ']', ',', ':':
		return in.syntaxErr("unexpected '" + string(c) + "'")
	}
	for { // a number or a literal
		for in.pos < len(in.buf) && isScalarByte(in.buf[in.pos]) {
			in.pos++
		}
		if in.pos < len(in.buf) || !in.more() {
			return nil
		}
	}
}

func isScalarByte(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.'
}

// scanNested moves past an object or array.
func (in *input) scanNested() error {
	in.stack = in.stack[:0]
	for {
		for in.pos < len(in.buf) {
			switch c := in.buf[in.pos]; c {
			case '"':
				if err := in.scanString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				if len(in.stack) >= maxJSONDepth {
					return in.syntaxErr("nesting too deep")
				}
				in.stack = append(in.stack, c+2) // the closing bracket: '{'+2 == '}', '['+2 == ']'
			case '}', ']':
				if len(in.stack) == 0 || in.stack[len(in.stack)-1] != c {
					return in.syntaxErr("mismatched '" + string(c) + "'")
				}
				in.stack = in.stack[:len(in.stack)-1]
				if len(in.stack) == 0 {
					in.pos++
					return nil
				}
			}
			in.pos++
		}
		if !in.more() {
			return in.syntaxErr("unterminated object or array")
		}
	}
}
