package pgio

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tmimport/tmimport/pipeline"
)

// badRow describes a row the target refused.
type badRow struct {
	at                    int // index into the rows sent, or -1 when unknown
	sqlstate, column, msg string
	detail                string // the server's DETAIL, which names a violated key's columns
}

// valuesError is a typed-path row whose values could not be produced.
type valuesError struct {
	at  int // index into the rows sent
	err error
}

func (e *valuesError) Error() string { return e.err.Error() }
func (e *valuesError) Unwrap() error { return e.err }

// classify says whether err means that rows were refused (a data exception, class 22;
// an integrity violation, class 23; a PostGIS parse error inside COPY; a row whose
// values failed) and, when it can tell, which of the rows sent (indices into b.Rows).
func (s *CopySink[T]) classify(err error, b *pipeline.Batch[T], rows []int) (badRow, bool) {
	var ve *valuesError
	if errors.As(err, &ve) {
		return badRow{at: ve.at, msg: ve.err.Error()}, true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return badRow{}, false
	}
	switch {
	case strings.HasPrefix(pgErr.Code, "22"), strings.HasPrefix(pgErr.Code, "23"):
	case pgErr.Code == "XX000" && strings.Contains(pgErr.Where, "COPY "):
	default:
		return badRow{}, false
	}
	bad := badRow{at: -1, sqlstate: pgErr.Code, column: pgErr.ColumnName, msg: pgErr.Message, detail: pgErr.Detail}
	line, column, ok := copyContext(pgErr.Where, s.rel, s.cfg.Columns)
	if bad.column == "" {
		bad.column = column
	}
	if ok {
		bad.at = s.rowOfLine(b, rows, line)
	}
	return bad, true
}

// copyContext parses the server's COPY error context, "COPY rel, line N[, column C]…",
// returning N and C. rel and the column names are known, so hostile names cannot
// confuse the parse.
func copyContext(where, rel string, cols []string) (line int64, column string, ok bool) {
	prefix := "COPY " + rel + ", line "
	for ctx := range strings.SplitSeq(where, "\n") {
		rest, found := strings.CutPrefix(ctx, prefix)
		if !found {
			continue
		}
		end := 0
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		n, err := strconv.ParseInt(rest[:end], 10, 64)
		if err != nil {
			continue
		}
		if after, isCol := strings.CutPrefix(rest[end:], ", column "); isCol {
			for _, c := range cols {
				if len(c) > len(column) && strings.HasPrefix(after, c) && (len(after) == len(c) || after[len(c)] == ':') {
					column = c
				}
			}
		}
		return n, column, true
	}
	return 0, "", false
}

// rowOfLine maps the server's line number in a COPY of rows (nil: the whole batch) back
// to the index of the row among those sent, or -1. For binary COPY line N is the Nth
// row; for the raw path CopyConfig.LineRow knows the input format's counting rule.
func (s *CopySink[T]) rowOfLine(b *pipeline.Batch[T], rows []int, line int64) int {
	n := count(b, rows)
	if s.cfg.Raw == nil || s.cfg.RawBinary {
		if line >= 1 && line <= int64(n) {
			return int(line - 1)
		}
		return -1
	}
	if s.cfg.LineRow == nil {
		return -1
	}
	sent := make([]T, n)
	for k := range n {
		sent[k] = b.Rows[rowAt(rows, k)]
	}
	if k, ok := s.cfg.LineRow(sent, line); ok && k >= 0 && k < n {
		return k
	}
	return -1
}

// rowAt returns the batch index of the k-th row sent: idx[k], or k when idx is nil (the
// whole batch, in order).
func rowAt(idx []int, k int) int {
	if idx == nil {
		return k
	}
	return idx[k]
}

// count returns the number of rows sent.
func count[T any](b *pipeline.Batch[T], idx []int) int {
	if idx == nil {
		return len(b.Rows)
	}
	return len(idx)
}

// batchSource feeds the rows at idx (nil: all) of a batch to pgx's binary CopyFrom.
type batchSource[T any] struct {
	b      *pipeline.Batch[T]
	idx    []int
	values func(T, []any) ([]any, error)
	next   int
	buf    []any
	bad    *valuesError
}

func (s *batchSource[T]) Next() bool {
	s.next++
	return s.next <= count(s.b, s.idx)
}

func (s *batchSource[T]) Values() ([]any, error) {
	k := s.next - 1
	vals, err := s.values(s.b.Rows[rowAt(s.idx, k)], s.buf[:0])
	if err != nil {
		s.bad = &valuesError{at: k, err: err}
		return nil, err
	}
	s.buf = vals
	return vals, nil
}

func (s *batchSource[T]) Err() error { return nil }

// keyColumns returns the columns a unique or foreign key violation names in its DETAIL,
// "Key (a, b)=(…) …", as the sink's column names joined by ", ", or "" when DETAIL
// names no key or a column the sink does not know. The server quotes names as
// quote_ident does; known names are matched exactly, so hostile names cannot confuse it.
func (s *CopySink[T]) keyColumns(detail string) string {
	rest, ok := strings.CutPrefix(detail, "Key (")
	if !ok {
		return ""
	}
	var out []string
	for {
		col, n := "", 0
		for _, c := range s.cfg.Columns {
			for _, q := range [...]string{c, `"` + strings.ReplaceAll(c, `"`, `""`) + `"`} {
				after := rest[min(len(q), len(rest)):]
				if len(q) > n && strings.HasPrefix(rest, q) && (strings.HasPrefix(after, ", ") || strings.HasPrefix(after, ")=")) {
					col, n = c, len(q)
				}
			}
		}
		if n == 0 {
			return ""
		}
		out = append(out, col)
		rest = rest[n:]
		if strings.HasPrefix(rest, ")=") {
			return strings.Join(out, ", ")
		}
		rest = rest[len(", "):]
	}
}
