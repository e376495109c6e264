package tmsrc

import (
	"context"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// flushSize is the buffer size at which a rowWriter hands its rows to COPY.
const flushSize = 64 << 10

// rowWriter appends rows in COPY text format and hands them to COPY in
// flushSize pieces. Generators call the field methods for one row and then end.
type rowWriter struct {
	buf   []byte
	yield func([]byte) bool
	ok    bool // false once COPY stopped reading
	first bool // the next field is the first of its row
}

// sep writes the field separator unless the field is the row's first.
func (w *rowWriter) sep() {
	if !w.first {
		w.buf = append(w.buf, '\t')
	}
	w.first = false
}

// null writes SQL NULL.
func (w *rowWriter) null() { w.sep(); w.buf = append(w.buf, `\N`...) }

// int writes an integer.
func (w *rowWriter) int(v int64) { w.sep(); w.buf = strconv.AppendInt(w.buf, v, 10) }

// intOrNull writes v, or NULL when v is null.
func (w *rowWriter) intOrNull(v int64) {
	if v == null {
		w.null()
		return
	}
	w.int(v)
}

// bool writes a boolean.
func (w *rowWriter) bool(v bool) {
	w.sep()
	if v {
		w.buf = append(w.buf, 't')
	} else {
		w.buf = append(w.buf, 'f')
	}
}

// tristate writes 0 as false, 1 as true and anything else as NULL.
func (w *rowWriter) tristate(v int) {
	switch v {
	case 0:
		w.bool(false)
	case 1:
		w.bool(true)
	default:
		w.null()
	}
}

// str writes a text value, escaped for COPY.
func (w *rowWriter) str(s string) {
	w.sep()
	w.buf = appendEscaped(w.buf, s)
}

// strOrNull writes s, or NULL when s is empty.
func (w *rowWriter) strOrNull(s string) {
	if s == "" {
		w.null()
		return
	}
	w.str(s)
}

// time writes a naive timestamp with microseconds.
func (w *rowWriter) time(t time.Time) {
	w.sep()
	w.buf = t.AppendFormat(w.buf, "2006-01-02 15:04:05.999999")
}

// raw starts a field and returns the buffer to append an unescaped value to;
// the caller stores the result back in w.buf.
func (w *rowWriter) raw() []byte { w.sep(); return w.buf }

// end finishes the row. It returns false when COPY stopped reading, and the
// generator must then return.
func (w *rowWriter) end() bool {
	w.buf = append(w.buf, '\n')
	w.first = true
	if len(w.buf) >= flushSize {
		w.ok = w.yield(w.buf)
		w.buf = w.buf[:0]
	}
	return w.ok
}

// appendEscaped appends s with the COPY text escapes for backslash, newline,
// carriage return and tab.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return b
}

// rows turns a generator into a sequence of COPY text buffers. A yielded
// buffer is valid until the sequence resumes.
func rows(gen func(w *rowWriter)) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		w := &rowWriter{buf: make([]byte, 0, flushSize+4096), yield: yield, ok: true, first: true}
		gen(w)
		if w.ok && len(w.buf) > 0 {
			yield(w.buf)
		}
	}
}

// seqReader reads a sequence of buffers as one stream, without a goroutine.
type seqReader struct {
	next func() ([]byte, bool)
	cur  []byte
}

// Read implements io.Reader.
func (r *seqReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		b, ok := r.next()
		if !ok {
			return 0, io.EOF
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// copyRows streams the generator's rows into public.table with COPY on one pooled
// connection and returns the number of rows written.
func copyRows(ctx context.Context, pool *pgxpool.Pool, table string, cols []string, gen func(w *rowWriter)) (int64, error) {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	next, stop := iter.Pull(rows(gen))
	defer stop()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	sql := "copy " + pgx.Identifier{"public", table}.Sanitize() + " (" + strings.Join(quoted, ", ") + ") from stdin"
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, &seqReader{next: next}, sql)
	return tag.RowsAffected(), err
}
