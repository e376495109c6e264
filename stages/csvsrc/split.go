package csvsrc

import (
	"bytes"
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// emitFunc receives a range [start, end) of a sized input that starts at a record
// boundary, with the line of that record. It returns false to stop the cutting.
type emitFunc func(start, end, line int64) bool

// split cuts the data of a sized input, [dataStart, size), into at most n ranges of
// near-equal size that start at record boundaries, and calls emit for each non-empty
// one, in order, as soon as it is known. A record that cannot be delimited (an
// unterminated quote, a record too large) ends the cutting: the rest of the input goes
// to the last range, whose reader reports the error at its line.
func (s *Source) split(ctx context.Context, n int, emit emitFunc) error {
	cuts := pipeline.Split(s.size-s.dataStart, max(n, 1))
	if len(cuts) == 0 {
		return nil
	}
	targets := make([]int64, len(cuts)-1)
	for i, c := range cuts[:len(cuts)-1] {
		targets[i] = s.dataStart + c[1]
	}
	if s.sc.parityOK() {
		return s.splitParity(ctx, targets, emit)
	}
	return s.splitScan(ctx, targets, emit)
}

// splitParity cuts at targets when quote parity decides the in-quote state (see
// scanner.parityOK): the state at a byte is the parity of the quote bytes between the
// start of the data and it. So it only counts quote and line bytes (vector code) in
// large blocks up to each target, then delimits forward from the target to the first
// line end outside quotes. It reads the file once, up to the last target.
func (s *Source) splitParity(ctx context.Context, targets []int64, emit emitFunc) error {
	p := parityScan{s: s, buf: make([]byte, fileBlock(s.size-s.dataStart)), pos: s.dataStart, line: s.dataLine}
	start, line := s.dataStart, s.dataLine
	for _, target := range targets {
		if ctx.Err() != nil {
			return nil // the pipeline sees the cancellation itself
		}
		if p.pos >= target {
			continue // the previous range already reaches past target
		}
		// A record that starts at target ends at target-1: look from there.
		if err := p.countTo(target - 1); err != nil {
			return err
		}
		found, err := p.nextLineEnd()
		if err != nil {
			return err
		}
		if !found {
			break // no record ends after the target: the rest is the last range
		}
		if p.pos > start {
			if !emit(start, p.pos, line) {
				return nil
			}
			start, line = p.pos, p.line
		}
	}
	return s.emitLast(start, line, emit)
}

// parityScan is the state of splitParity: the quote parity and line number at pos.
type parityScan struct {
	s    *Source
	buf  []byte
	pos  int64
	line int64
	odd  bool // an odd number of quote bytes before pos: pos is inside quotes
}

// read reads the block at pos, up to limit.
func (p *parityScan) read(limit int64) ([]byte, error) {
	b := p.buf[:min(int64(len(p.buf)), limit-p.pos)]
	k, err := p.s.file.ReadAt(b, p.pos)
	if k == len(b) {
		return b, nil
	}
	if err == nil {
		err = errShortRead
	}
	return nil, &ParseError{Name: p.s.name, Line: p.line, Offset: p.pos, Err: err}
}

// countTo advances pos to target (when it is ahead), counting quote and line bytes.
func (p *parityScan) countTo(target int64) error {
	for p.pos < target {
		b, err := p.read(target)
		if err != nil {
			return err
		}
		p.odd = p.odd != (bytes.Count(b, p.s.sc.quoteSep)&1 == 1)
		p.line += int64(bytes.Count(b, p.s.sc.termSep))
		p.pos += int64(len(b))
	}
	return nil
}

// nextLineEnd advances pos past the next line end outside quotes: the end of a record.
// found is false at the end of the input.
func (p *parityScan) nextLineEnd() (found bool, err error) {
	sc := &p.s.sc
	for p.pos < p.s.size {
		b, err := p.read(p.s.size)
		if err != nil {
			return false, err
		}
		for q := 0; ; {
			i := bytes.IndexByte(b[q:], sc.term)
			if i < 0 {
				p.odd = p.odd != (bytes.Count(b[q:], sc.quoteSep)&1 == 1)
				p.pos += int64(len(b))
				break
			}
			p.odd = p.odd != (bytes.Count(b[q:q+i], sc.quoteSep)&1 == 1)
			p.line++
			q += i + 1
			if !p.odd {
				p.pos += int64(q)
				return true, nil
			}
		}
	}
	return false, nil
}

// splitScan cuts at targets by delimiting every record from the start of the data,
// for dialects where quote parity is not enough (an escape other than the quote).
func (s *Source) splitScan(ctx context.Context, targets []int64, emit emitFunc) error {
	w := window{file: s.file, next: s.dataStart, end: s.size, base: s.dataStart, block: fileBlock(s.size - s.dataStart)}
	start, line := s.dataStart, s.dataLine
	pos, cur := start, line
	for _, target := range targets {
		for pos < target && !(w.r == w.n && w.eof) {
			if w.r < w.n {
				var rec record
				n, _, ok := s.sc.quick(w.buf[w.r:w.n])
				if ok {
					rec = record{n: n, lines: 1}
				} else {
					var err error
					if rec, ok, err = s.sc.scan(w.buf[w.r:w.n], w.eof); err != nil {
						return s.emitLast(start, line, emit)
					}
				}
				if ok {
					w.r += rec.n
					pos += int64(rec.n)
					cur += int64(rec.lines)
					continue
				}
			}
			if ctx.Err() != nil {
				return nil
			}
			w.shift()
			if err := w.fill(); err != nil {
				return &ParseError{Name: s.name, Line: cur, Offset: pos, Err: err}
			}
		}
		if pos >= s.size {
			break
		}
		if pos > start {
			if !emit(start, pos, line) {
				return nil
			}
			start, line = pos, cur
		}
	}
	return s.emitLast(start, line, emit)
}

// emitLast emits the last range, [start, size), when it is not empty.
func (s *Source) emitLast(start, line int64, emit emitFunc) error {
	if start < s.size {
		emit(start, s.size, line)
	}
	return nil
}
