package csvsrc

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync"
	"sync/atomic"

	"github.com/tmimport/tmimport/pipeline"
)

var _ pipeline.Source[Record] = (*Source)(nil)

// bom is the UTF-8 byte order mark.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Source is a CSV input, a [pipeline.Source] of [Record]s. Build it with [Open] or
// [NewReader]; it reads the header at once.
//
// A regular file is sized: Chunks cuts it into byte ranges and each chunk reads its own
// range with pread, batch by batch, in a buffer of about one batch (Limits.Bytes, or
// less when Limits.Rows ends batches first) plus a 1 MiB read block, reused from batch
// to batch. Anything else (stdin, a pipe, a gzip stream, an [io.Reader]) is unsized:
// Chunks reads it once, sequentially, cutting it into in-memory chunks of about
// Options.ChunkBytes whose batches alias the chunk's buffer.
//
// Chunks, Header and NumFields may be called from several goroutines; the Source must
// stay open until every chunk it yielded is closed.
type Source struct {
	opts   Options
	name   string
	sc     scanner
	header []string
	width  int

	// Position of the first data record.
	dataLine int64

	// A sized input: the file and its size when opened.
	file      *os.File
	size      int64
	dataStart int64

	// An unsized input, read once: a window at the next record to cut.
	st        *window
	stLine    int64
	cutErr    error // a record that cannot be delimited: the end of the cutting
	readErr   error // a read of the stream failed: no more input after st's bytes
	consumed  atomic.Bool
	pool      sync.Pool // of *[]byte, chunk buffers
	closers   []io.Closer
	closeOnce sync.Once
	closeErr  error
}

// Open opens the CSV file at path and reads its header. A path of "-" means stdin.
// A gzip file is recognised by its first bytes and decompressed as it streams.
func Open(path string, o Options) (*Source, error) {
	o = o.WithDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if path == "-" {
		return newStream(os.Stdin, nil, cmp.Or(o.Name, "stdin"), o)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csvsrc: %w", err)
	}
	name := cmp.Or(o.Name, path)
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("csvsrc: %w", err)
	}
	var magic [2]byte
	if k, _ := f.ReadAt(magic[:], 0); !fi.Mode().IsRegular() || (k == 2 && isGzip(magic[:])) {
		return newStream(f, f, name, o)
	}
	s := &Source{opts: o, name: name, sc: newScanner(o.Dialect, o.MaxRecordBytes), file: f, size: fi.Size()}
	w := &window{file: f, end: s.size, block: fileBlock(s.size)}
	line, err := s.prelude(w)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	s.dataStart, s.dataLine = w.base+int64(w.r), line
	return s, nil
}

// NewReader returns an unsized Source reading r, and reads the header. A gzip stream
// is recognised by its first bytes and decompressed. Close does not close r.
func NewReader(r io.Reader, o Options) (*Source, error) {
	o = o.WithDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return newStream(r, nil, cmp.Or(o.Name, "input"), o)
}

// fileBlock is the read size for a file range of n bytes: a block, or less for a small
// range.
func fileBlock(n int64) int { return int(min(readBlock, max(4<<10, n))) }

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// newStream builds an unsized source over r; c, when not nil, is closed by Close.
func newStream(r io.Reader, c io.Closer, name string, o Options) (*Source, error) {
	s := &Source{opts: o, name: name, sc: newScanner(o.Dialect, o.MaxRecordBytes)}
	if c != nil {
		s.closers = append(s.closers, c)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var in io.Reader = br
	if magic, _ := br.Peek(2); isGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("csvsrc: %s: %w", name, err)
		}
		s.closers = append(s.closers, zr)
		in = zr
	}
	// Reads of about a chunk's size (within 4 KiB to 1 MiB) keep read-ahead small.
	s.st = &window{stream: in, block: min(max(o.ChunkBytes, 4<<10), readBlock)}
	line, err := s.prelude(s.st)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.dataLine, s.stLine = line, line
	return s, nil
}

// prelude reads the start of the input from w: it skips a byte order mark, finds the
// line-ending style, reads the header (or, without one, the first record's width) and
// leaves w at the first data record, whose line it returns.
func (s *Source) prelude(w *window) (line int64, err error) {
	fail := func(err error) (int64, error) {
		return 0, &ParseError{Name: s.name, Line: 1, Offset: w.base + int64(w.r), Err: err}
	}
	if err := w.fillTo(len(bom)); err != nil {
		return fail(err)
	}
	if bytes.HasPrefix(w.buf[w.r:w.n], bom) {
		w.r += len(bom)
	}
	for {
		e, ok := s.sc.detectEOL(w.buf[w.r:w.n], w.eof)
		if ok {
			s.sc.setEOL(e)
			break
		}
		if w.n-w.r > s.opts.MaxRecordBytes {
			return fail(ErrRecordTooLarge)
		}
		if err := w.fill(); err != nil {
			return fail(err)
		}
	}
	s.width = len(s.opts.Columns)
	if w.r == w.n { // empty input
		if !s.opts.NoHeader && len(s.opts.Columns) > 0 {
			s.header = s.opts.Columns
		}
		return 1, nil
	}
	if s.opts.NoHeader {
		s.header = s.opts.Columns
		if s.width == 0 {
			s.width, err = firstWidth(&s.sc, w)
		}
		return 1, err
	}
	rec, fields, err := readFirst(&s.sc, w, w.r)
	if err != nil {
		return fail(err)
	}
	if len(s.opts.Columns) > 0 {
		// Columns name the fields: the first line is skipped whatever it holds, as
		// COPY's HEADER does, but for a marker (COPY would end there) and an
		// unterminated quote (the whole input would be skipped).
		if errors.Is(rec.reject, ErrEndOfCopyMarker) || errors.Is(rec.reject, ErrUnterminatedQuote) {
			return fail(rec.reject)
		}
		w.r += rec.n
		s.header = s.opts.Columns
		return 1 + int64(rec.lines), nil
	}
	if rec.reject != nil {
		return fail(rec.reject)
	}
	w.r += rec.n
	s.header = make([]string, len(fields))
	for i, f := range fields {
		s.header[i] = string(f)
	}
	s.width = len(fields)
	return 1 + int64(rec.lines), nil
}

// readFirst reads the record at w.buf[p:], without consuming it, and splits its
// fields. A record a chunk would reject, or whose fields cannot be split, comes with
// rec.reject set.
func readFirst(sc *scanner, w *window, p int) (record, [][]byte, error) {
	for {
		rec, ok, err := sc.scan(w.buf[p:w.n], w.eof)
		if err != nil {
			return record{}, nil, err
		}
		if !ok {
			if err := w.fill(); err != nil {
				return record{}, nil, err
			}
			continue
		}
		fields := sc.fields(w.buf[p:p+rec.n], &rec)
		return rec, fields, nil
	}
}

// firstWidth returns the number of fields of the first record at w.r (without
// consuming it) that a chunk would not reject, looking at a few records at most; it
// returns 0 when none qualifies. An error is one that reading would meet too.
func firstWidth(sc *scanner, w *window) (int, error) {
	p := w.r
	for range 100 {
		if p == w.n {
			return 0, nil
		}
		rec, fields, err := readFirst(sc, w, p)
		if err != nil {
			return 0, err
		}
		if rec.reject == nil {
			return len(fields), nil
		}
		p += rec.n
	}
	return 0, nil
}

// Name returns the name of the input used in errors and rejects.
func (s *Source) Name() string { return s.name }

// Header returns the field names: Options.Columns when set, else the header's names,
// unquoted (nil without a header). The caller must not modify it.
func (s *Source) Header() []string { return s.header }

// NumFields returns the number of fields a record must have with Options.ParseFields:
// the header's (or Columns') count, or else the first record's; 0 for an empty input.
func (s *Source) NumFields() int { return s.width }

// Sized reports whether the input is a regular file that Chunks cuts into n ranges,
// rather than a stream cut as it is read.
func (s *Source) Sized() bool { return s.file != nil }

// Chunks yields the chunks of the input. A sized input is cut into at most n chunks of
// near-equal size at record boundaries; an unsized one into chunks of about
// Options.ChunkBytes, each cut only when the consumer asks for it, and only once
// (a second call yields [ErrConsumed]). See [pipeline.Source].
//
// Reads are not interrupted by ctx: a read from a stream that blocks (stdin) blocks
// until data or EOF arrives.
func (s *Source) Chunks(ctx context.Context, n int) iter.Seq2[pipeline.Chunk[Record], error] {
	if s.file == nil {
		return s.streamChunks(ctx)
	}
	return func(yield func(pipeline.Chunk[Record], error) bool) {
		seq := 0
		err := s.split(ctx, n, func(start, end, line int64) bool {
			if ctx.Err() != nil {
				return false // the pipeline sees the cancellation itself
			}
			w := window{file: s.file, next: start, end: end, base: start, block: fileBlock(end - start)}
			w.buf = s.getBuf(int(min(4*readBlock, end-start+2)))
			c := s.newChunk(seq, w, line)
			c.info.Start, c.info.End = start, end
			c.release = s.putBuf
			seq++
			return yield(c, nil)
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// newChunk returns a chunk reading w, whose first record starts at line.
func (s *Source) newChunk(seq int, w window, line int64) *chunk {
	return &chunk{
		info:     pipeline.ChunkInfo{Seq: seq, Unit: "byte", FirstLine: line},
		name:     s.name,
		sc:       s.sc,
		parse:    s.opts.ParseFields,
		width:    s.width,
		w:        w,
		line:     line,
		dataLine: s.dataLine,
	}
}

// Close closes the input. It does not close a reader given to [NewReader] or stdin.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.file != nil {
			errs = append(errs, s.file.Close())
		}
		for i := len(s.closers) - 1; i >= 0; i-- {
			errs = append(errs, s.closers[i].Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
