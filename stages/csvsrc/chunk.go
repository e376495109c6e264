package csvsrc

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"slices"

	"github.com/tmimport/tmimport/pipeline"
)

var _ pipeline.Chunk[Record] = (*chunk)(nil)

// chunk reads one chunk of the input batch by batch, from a file range or from memory.
//
// A batch's rows live in the chunk's window: the next call to Next first releases them.
// Rejected records are taken out of the batch by moving the records after them down,
// so that Batch.Raw stays the contiguous bytes of exactly the batch's rows; their Raw is
// copied.
type chunk struct {
	info     pipeline.ChunkInfo
	name     string
	sc       scanner
	parse    bool
	width    int
	w        window
	line     int64 // line of the record at w.buf[w.r]
	dataLine int64 // line of the input's first data record
	release  func([]byte)
	err      error // met after the records of the last batch, returned next

	// The next byte of w.buf that calls for scanner.check (see mayStray): at cand,
	// or, for cand < 0, none before candTo.
	cand, candTo int

	spans  []span   // the batch's rows in w.buf
	fields [][]byte // the batch's field values, width per row
	arena  []byte   // unquoted values
}

// span locates a row of the batch in the window.
type span struct {
	lo, hi int
	term   bool // ends with a line terminator
}

// Info describes the chunk.
func (c *chunk) Info() pipeline.ChunkInfo { return c.info }

// Close releases the chunk's buffers.
func (c *chunk) Close() error {
	if c.release != nil && c.w.buf != nil {
		c.release(c.w.buf)
	}
	c.w = window{}
	c.spans, c.fields, c.arena = nil, nil, nil
	return nil
}

// Next fills b with the next batch. See [pipeline.Chunk].
func (c *chunk) Next(ctx context.Context, b *pipeline.Batch[Record], lim pipeline.Limits) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.err != nil {
		return c.err
	}
	if lim.Rows <= 0 {
		lim.Rows = pipeline.BatchRowsDefault
	}
	if lim.Bytes <= 0 {
		lim.Bytes = pipeline.BatchBytesDefault
	}
	c.w.shift()
	c.cand, c.candTo = -1, 0
	start := c.w.r
	end, read, err := c.delimit(b, lim)
	if err != nil {
		return err
	}
	if read == 0 {
		return io.EOF
	}
	b.Read, b.Bytes = int64(read), int64(c.w.r-start)
	if c.parse {
		rejects := len(b.Rejects)
		end = c.split(b, start)
		if rejects > 0 && len(b.Rejects) > rejects {
			slices.SortStableFunc(b.Rejects, func(x, y pipeline.Reject) int {
				return cmp.Compare(x.Pos.Offset, y.Pos.Offset)
			})
		}
	}
	c.finish(b, start, end)
	return nil
}

// delimit reads records until a limit or the end of the chunk, moving rejected ones to
// b.Rejects. The rows end up in w.buf[start:end], described by c.spans and b.Pos.
func (c *chunk) delimit(b *pipeline.Batch[Record], lim pipeline.Limits) (end, read int, err error) {
	start := c.w.r
	end = start
	c.spans = c.spans[:0]
	for read < lim.Rows && int64(c.w.r-start) < lim.Bytes {
		if c.w.r == c.w.n {
			if c.w.eof {
				break
			}
			if err := c.w.fill(); err != nil {
				return 0, 0, c.errorf(err)
			}
			continue
		}
		var rec record
		n, quoted, ok := c.sc.quick(c.w.buf[c.w.r:c.w.n])
		if ok {
			rec = record{n: n, lines: 1, quoted: quoted, term: true}
		} else {
			if rec, ok, err = c.sc.scan(c.w.buf[c.w.r:c.w.n], c.w.eof); err != nil {
				if read > 0 { // deliver the records before it first
					c.err = c.errorf(err)
					break
				}
				return 0, 0, c.errorf(err)
			}
			if !ok {
				if err := c.w.fill(); err != nil {
					return 0, 0, c.errorf(err)
				}
				continue
			}
		}
		raw := c.w.buf[c.w.r : c.w.r+rec.n]
		if rec.reject == nil && c.mayStray(c.w.r, c.w.r+rec.n) {
			rec.reject = c.sc.check(raw, &rec)
		}
		if rec.reject == errUnterminated {
			rec.reject = unterminatedAt(c.line)
		}
		pos := pipeline.Pos{Line: c.line, Offset: c.w.base + int64(c.w.r), Index: c.line - c.dataLine}
		if rec.reject != nil {
			b.Rejects = append(b.Rejects, pipeline.Reject{Source: c.name, Pos: pos, Raw: bytes.Clone(raw), Err: rec.reject})
		} else {
			if end != c.w.r {
				copy(c.w.buf[end:], raw)
			}
			c.spans = append(c.spans, span{lo: end, hi: end + rec.n, term: rec.term})
			b.Pos = append(b.Pos, pos)
			end += rec.n
		}
		c.w.r += rec.n
		c.line += int64(rec.lines)
		read++
	}
	return end, read, nil
}

// mayStray reports whether w.buf[p:q], the next record, holds a byte that calls for
// scanner.check. It looks for such bytes over all the buffered input at once rather
// than record by record, as they are rare (but in files with "\r\n" line endings,
// whose every record is checked).
// Successive calls must ask for successive records.
func (c *chunk) mayStray(p, q int) bool {
	b := c.sc.strayByte()
	switch {
	case b == 0:
		return false
	case c.sc.eol == eolCRNL:
		return true // every record holds a '\r'; check also tells "\n" from "\r\n"
	}
	from := p
	switch {
	case c.cand >= q:
		return false
	case c.cand >= p:
		return true
	case c.cand < 0 && q <= c.candTo:
		return false
	case c.cand < 0:
		from = max(p, c.candTo)
	}
	c.candTo, c.cand = c.w.n, -1
	if i := bytes.IndexByte(c.w.buf[from:c.w.n], b); i >= 0 {
		c.cand = from + i
	}
	return c.cand >= 0 && c.cand < q
}

// split parses the fields of the batch's rows, moving those with the wrong number of
// fields to b.Rejects, and returns the new end of the rows in w.buf.
func (c *chunk) split(b *pipeline.Batch[Record], start int) (end int) {
	buf := c.w.buf
	// Room for every value (and for every unquoted byte), with headroom so that
	// batches of varying size do not reallocate.
	if n := len(c.spans) * c.width; cap(c.fields) < n {
		c.fields = make([][]byte, 0, n+n/4)
	}
	c.fields = c.fields[:0]
	size := 0
	if len(c.spans) > 0 {
		size = c.spans[len(c.spans)-1].hi - start
	}
	if cap(c.arena) < size {
		c.arena = make([]byte, 0, size+size/4)
	}
	c.arena = c.arena[:0]
	end, k := start, 0
	for i, sp := range c.spans {
		n := sp.hi - sp.lo
		if end != sp.lo {
			copy(buf[end:], buf[sp.lo:sp.hi])
		}
		raw := buf[end : end+n]
		mark := len(c.fields)
		var err error
		c.fields, c.arena, err = c.sc.split(c.sc.content(raw, sp.term), c.fields, c.arena, 0)
		if got := len(c.fields) - mark; err == nil && got != c.width {
			err = fieldCountError(c.width, got)
		}
		if err != nil {
			clear(c.fields[mark:])
			c.fields = c.fields[:mark]
			b.Rejects = append(b.Rejects, pipeline.Reject{Source: c.name, Pos: b.Pos[i], Raw: bytes.Clone(raw), Err: err})
			continue
		}
		c.spans[k] = span{lo: end, hi: end + n, term: sp.term}
		b.Pos[k] = b.Pos[i]
		k++
		end += n
	}
	c.spans = c.spans[:k]
	b.Pos = b.Pos[:k]
	return end
}

// markerField is the value of the record \. at the end of the input.
var markerField = []byte(`\.`)

// finish sets the batch's rows and Raw. When the last row lacks a line terminator (the
// input's last record), Raw gets one so that it is a complete COPY payload; when that
// row is \. (data, as COPY FROM a file reads it), it is quoted first, "\.", so that
// the terminator does not make it the end-of-data marker.
func (c *chunk) finish(b *pipeline.Batch[Record], start, end int) {
	if len(c.spans) == 0 {
		return
	}
	if last := &c.spans[len(c.spans)-1]; !last.term {
		// The last record ends the input: past end lie only consumed bytes.
		t := c.sc.eol.terminator()
		marker := string(c.w.buf[last.lo:last.hi]) == `\.`
		c.w.r, c.w.n = end, end
		c.w.grow(len(t) + 2)
		if marker {
			q := c.sc.quote
			end = last.lo + copy(c.w.buf[last.lo:], []byte{q, '\\', '.', q})
			last.hi = end
			if c.parse {
				c.fields[(len(c.spans)-1)*c.width] = markerField[:2:2] // it aliased the bytes just replaced
			}
		}
		end += copy(c.w.buf[end:end+len(t)], t)
		c.w.r, c.w.n = end, end
	}
	buf := c.w.buf
	for i, sp := range c.spans {
		r := Record{Raw: buf[sp.lo:sp.hi:sp.hi]}
		if c.parse {
			r.Fields = c.fields[i*c.width : (i+1)*c.width : (i+1)*c.width]
		}
		b.Rows = append(b.Rows, r)
	}
	b.Raw = buf[start:end:end]
}

// errorf places err at the record being read.
func (c *chunk) errorf(err error) error {
	return &ParseError{Name: c.name, Line: c.line, Offset: c.w.base + int64(c.w.r), Err: err}
}
