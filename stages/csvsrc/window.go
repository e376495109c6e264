package csvsrc

import (
	"errors"
	"io"
)

// readBlock is how much a window reads at a time from a file.
const readBlock = 1 << 20

// errShortRead means a file ended before its size when opened: it shrank under us.
var errShortRead = errors.New("csvsrc: file shrank while being read")

// window is a buffer over a stretch of input: buf[r:n] holds the bytes read and not
// yet consumed. It reads from a file range, from a stream, or from nothing (a chunk
// held in memory).
type window struct {
	buf  []byte
	r, n int
	base int64 // input offset of buf[0]
	eof  bool  // no more input after buf[n]

	// File range: the next offset to read and the end of the range.
	file      io.ReaderAt
	next, end int64
	// Stream.
	stream io.Reader
	// block is the least free space a read is given; 0 means readBlock.
	block int
}

// shift moves the unconsumed bytes to the front of buf, releasing what was consumed.
// It does nothing for a chunk held in memory, whose buf is the whole chunk.
func (w *window) shift() {
	if w.r == 0 || (w.file == nil && w.stream == nil) {
		return
	}
	w.n = copy(w.buf, w.buf[w.r:w.n])
	w.base += int64(w.r)
	w.r = 0
}

// fill reads more input after buf[n], growing buf when it has less than a block free:
// one block from a file (so that little is left to shift for the next batch), as much
// as fits from a stream. At the end of the input it sets eof.
func (w *window) fill() error {
	if w.eof {
		return nil
	}
	block := w.block
	if block == 0 {
		block = readBlock
	}
	w.grow(block)
	p := w.buf[w.n:]
	switch {
	case w.file != nil:
		p = p[:min(int64(block), w.end-w.next)]
		k, err := w.file.ReadAt(p, w.next)
		w.n += k
		w.next += int64(k)
		if w.next >= w.end {
			w.eof = true
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if k < len(p) {
			return errShortRead
		}
	case w.stream != nil:
		k, err := w.stream.Read(p)
		w.n += k
		if errors.Is(err, io.EOF) {
			w.eof = true
			return nil
		}
		if err != nil {
			return err
		}
	default:
		w.eof = true
	}
	return nil
}

// grow makes room for at least k more bytes after buf[n].
func (w *window) grow(k int) {
	if len(w.buf)-w.n >= k {
		return
	}
	nb := make([]byte, max(2*len(w.buf), w.n+k))
	copy(nb, w.buf[:w.n])
	w.buf = nb
}

// fillTo reads until buf[r:n] holds at least k bytes or the input ends.
func (w *window) fillTo(k int) error {
	for w.n-w.r < k && !w.eof {
		w.grow(k - (w.n - w.r))
		if err := w.fill(); err != nil {
			return err
		}
	}
	return nil
}
