package csvsrc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/tmimport/tmimport/pipeline"
)

// streamChunks cuts an unsized input into in-memory chunks as the consumer asks for
// them. It reads the input once.
func (s *Source) streamChunks(ctx context.Context) iter.Seq2[pipeline.Chunk[Record], error] {
	return func(yield func(pipeline.Chunk[Record], error) bool) {
		if !s.consumed.CompareAndSwap(false, true) {
			yield(nil, ErrConsumed)
			return
		}
		for seq := 0; ctx.Err() == nil; seq++ {
			c, err := s.cut(seq)
			if err != nil {
				yield(nil, err)
				return
			}
			if c == nil || !yield(c, nil) {
				return
			}
		}
	}
}

// cut takes the next chunk off the stream: the records of at least Options.ChunkBytes
// (one more record past it) or to the end of the input. The chunk keeps the window's
// buffer and the window continues in a new one, so no record is copied but the few
// read past the cut. It returns nil at the end of the input. A record that cannot be
// delimited (a record too large) or a read error ends the chunk before it, and the
// next call returns its error: nothing after it can be delimited.
func (s *Source) cut(seq int) (*chunk, error) {
	if s.cutErr != nil {
		return nil, s.cutErr
	}
	w := s.st
	size := s.opts.ChunkBytes
	// A read error (a truncated gzip stream) ends the input where the data ends: the
	// complete records read before it are cut as usual, and the call that needs more
	// input reports it.
	stuck := false // more input was needed, and reading failed
	fill := func() bool {
		if s.readErr == nil {
			s.readErr = w.fill()
		}
		stuck = s.readErr != nil
		return !stuck
	}
	if s.readErr == nil {
		s.readErr = w.fillTo(size)
	}
	p, line := w.r, s.stLine
	for p-w.r < size {
		if p == w.n {
			if w.eof || !fill() {
				break
			}
			continue
		}
		if n, _, ok := s.sc.quick(w.buf[p:w.n]); ok {
			p += n
			line++
			continue
		}
		rec, ok, err := s.sc.scan(w.buf[p:w.n], w.eof)
		if err != nil {
			// Cut before the record; the next call reports it. Nothing past it can
			// be delimited.
			s.cutErr = &ParseError{Name: s.name, Line: line, Offset: w.base + int64(p), Err: err}
			break
		}
		if !ok {
			if !fill() {
				break
			}
			continue
		}
		p += rec.n
		line += int64(rec.lines)
	}
	if stuck && s.cutErr == nil {
		s.cutErr = s.readError(s.readErr, w.buf[p:w.n], line, w.base+int64(w.n))
	}
	if p == w.r {
		return nil, s.cutErr
	}
	c := s.newChunk(seq, window{buf: w.buf, r: w.r, n: p, base: w.base, eof: true}, s.stLine)
	c.info.Start, c.info.End = w.base+int64(w.r), w.base+int64(p)
	c.release = s.putBuf
	next := s.getBuf(max(size+w.block, w.n-p))
	k := copy(next, w.buf[p:w.n])
	w.buf, w.base, w.r, w.n = next, w.base+int64(p), 0, k
	s.stLine = line
	return c, nil
}

// readError is the error of a read that failed after the records delimited so far:
// tail holds the bytes read past them (an incomplete record) and line is where that
// record starts. It names the last line read, where the data ends, rather than the
// start of the chunk being read.
func (s *Source) readError(err error, tail []byte, line, offset int64) error {
	last := line + int64(bytes.Count(tail, s.sc.termSep)) // the line the last byte read is on
	if len(tail) == 0 || tail[len(tail)-1] == s.sc.term {
		last-- // the data ends with a complete line
	}
	what := "reading the input failed"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		what = "the input ends early (a truncated or damaged compressed file?)"
	}
	if last < 1 {
		return &ParseError{Name: s.name, Line: 1, Offset: offset, Err: fmt.Errorf("%s in its first line: %w", what, err)}
	}
	return &ParseError{Name: s.name, Line: last, Offset: offset,
		Err: fmt.Errorf("%s: this is the last line read: %w", what, err)}
}

// getBuf returns a chunk buffer of at least n bytes.
func (s *Source) getBuf(n int) []byte {
	if b, ok := s.pool.Get().(*[]byte); ok && len(*b) >= n {
		return *b
	}
	return make([]byte, n)
}

// putBuf recycles a chunk buffer, unless a huge record made it much larger than usual.
func (s *Source) putBuf(b []byte) {
	if len(b) <= 2*(s.opts.ChunkBytes+readBlock) {
		s.pool.Put(&b)
	}
}
