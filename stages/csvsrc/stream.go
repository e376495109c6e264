package csvsrc

import (
	"context"
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
// delimited (an unterminated quote, a record too large) ends the chunk before it, and
// the next call returns its error: nothing after it can be delimited.
func (s *Source) cut(seq int) (*chunk, error) {
	if s.cutErr != nil {
		return nil, s.cutErr
	}
	w := s.st
	size := s.opts.ChunkBytes
	if err := w.fillTo(size); err != nil {
		return nil, &ParseError{Name: s.name, Line: s.stLine, Offset: w.base + int64(w.r), Err: err}
	}
	if w.r == w.n {
		return nil, nil
	}
	p, line := w.r, s.stLine
	for p-w.r < size {
		if p == w.n {
			if w.eof {
				break
			}
			if err := w.fill(); err != nil {
				return nil, &ParseError{Name: s.name, Line: line, Offset: w.base + int64(p), Err: err}
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
			if err := w.fill(); err != nil {
				return nil, &ParseError{Name: s.name, Line: line, Offset: w.base + int64(p), Err: err}
			}
			continue
		}
		p += rec.n
		line += int64(rec.lines)
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
