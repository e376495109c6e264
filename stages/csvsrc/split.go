package csvsrc

import (
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// split cuts the data of a sized input, [dataStart, size), into at most n ranges that
// start at record boundaries, and calls emit for each non-empty one, in order, with its
// first record's line and index. It stops when emit returns false.
//
// It reads the file once, sequentially, delimiting every record with the same scanner
// the chunks use, so the boundaries are exactly the records' (quoted line breaks
// included) and the record indexes are exact. A record that cannot be delimited (an
// unterminated quote, a record too large) ends the cutting: the rest of the input goes
// to the last chunk, whose reader reports the error at its line.
func (s *Source) split(ctx context.Context, n int, emit func(start, end, line, index int64) bool) error {
	cuts := pipeline.Split(s.size-s.dataStart, n)
	if len(cuts) == 0 {
		return nil
	}
	w := window{file: s.file, next: s.dataStart, end: s.size, base: s.dataStart, block: fileBlock(s.size - s.dataStart)}
	start, line, index := s.dataStart, s.dataLine, int64(0)
	pos, curLine, curIndex := start, line, index
	for _, cut := range cuts[:len(cuts)-1] {
		target := s.dataStart + cut[1]
		for pos < target {
			if w.r == w.n && w.eof {
				break
			}
			if w.r < w.n {
				rec, ok := s.sc.quick(w.buf[w.r:w.n])
				if !ok {
					var err error
					if rec, ok, err = s.sc.scan(w.buf[w.r:w.n], w.eof); err != nil {
						return s.emitLast(start, line, index, emit)
					}
				}
				if ok {
					w.r += rec.n
					pos += int64(rec.n)
					curLine += int64(rec.lines)
					curIndex++
					continue
				}
			}
			if ctx.Err() != nil {
				return nil // the pipeline sees the cancellation itself
			}
			w.shift()
			if err := w.fill(); err != nil {
				return &ParseError{Name: s.name, Line: curLine, Offset: pos, Err: err}
			}
		}
		if pos >= s.size {
			break
		}
		if pos > start {
			if !emit(start, pos, line, index) {
				return nil
			}
			start, line, index = pos, curLine, curIndex
		}
	}
	return s.emitLast(start, line, index, emit)
}

// emitLast emits the last range, [start, size), when it is not empty.
func (s *Source) emitLast(start, line, index int64, emit func(start, end, line, index int64) bool) error {
	if start < s.size {
		emit(start, s.size, line, index)
	}
	return nil
}
