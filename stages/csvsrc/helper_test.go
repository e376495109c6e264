package csvsrc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchPath != "" {
		_ = os.RemoveAll(filepath.Dir(benchPath))
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is everything a Source yielded, copied out of its buffers.
type result struct {
	header  []string
	rows    []row
	rejects []pipeline.Reject
	chunks  []pipeline.ChunkInfo
	bytes   int64 // sum of Batch.Bytes
	read    int64 // sum of Batch.Read
}

type row struct {
	raw    string
	fields []*string
	pos    pipeline.Pos
}

// readAll reads every chunk and batch of s and checks each batch's invariants. The
// error is the first one Chunks or Next returned.
func readAll(tb testing.TB, s *csvsrc.Source, n int, lim pipeline.Limits) (result, error) {
	tb.Helper()
	res := result{header: s.Header()}
	ctx := context.Background()
	var b pipeline.Batch[csvsrc.Record]
	for c, err := range s.Chunks(ctx, n) {
		if err != nil {
			return res, err
		}
		res.chunks = append(res.chunks, c.Info())
		err := readChunk(tb, c, &b, lim, &res, s.Splitter())
		if cerr := c.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// With fields parsed, the splitter must find the same fields in each record's Raw.
func readChunk(tb testing.TB, c pipeline.Chunk[csvsrc.Record], b *pipeline.Batch[csvsrc.Record], lim pipeline.Limits, res *result, sp *csvsrc.Splitter) error {
	tb.Helper()
	for {
		b.Reset()
		err := c.Next(context.Background(), b, lim)
		if errors.Is(err, io.EOF) {
			if len(b.Rows)+len(b.Rejects) != 0 {
				tb.Fatalf("io.EOF with a non-empty batch")
			}
			return nil
		}
		if err != nil {
			return err
		}
		checkBatch(tb, b, lim)
		res.bytes += b.Bytes
		res.read += b.Read
		for i, r := range b.Rows {
			res.rows = append(res.rows, row{raw: string(r.Raw), fields: strs(r.Fields), pos: b.Pos[i]})
			if r.Fields != nil {
				same := func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
				want := strs(r.Fields)
				got, err := sp.Fields(r.Raw)
				if err != nil || !slices.EqualFunc(strs(got), want, same) {
					tb.Fatalf("Splitter.Fields(%q) = %q, %v; the batch has %q", r.Raw, got, err, r.Fields)
				}
				for _, n := range []int{1, 2, 3, len(want) - 1, len(want), len(want) + 1} {
					got, err := sp.Prefix(r.Raw, n)
					if k := min(max(n, 1), len(want)); err != nil || !slices.EqualFunc(strs(got), want[:k], same) {
						tb.Fatalf("Splitter.Prefix(%q, %d) = %q, %v; the batch has %q", r.Raw, n, got, err, r.Fields)
					}
				}
			}
		}
		for _, rj := range b.Rejects {
			rj.Raw = bytes.Clone(rj.Raw)
			res.rejects = append(res.rejects, rj)
		}
	}
}

// checkBatch checks what the pipeline contract and the fast path need of a batch.
func checkBatch(tb testing.TB, b *pipeline.Batch[csvsrc.Record], lim pipeline.Limits) {
	tb.Helper()
	n := len(b.Rows) + len(b.Rejects)
	switch {
	case n == 0:
		tb.Fatalf("Next returned nil with an empty batch")
	case len(b.Pos) != len(b.Rows):
		tb.Fatalf("%d positions for %d rows", len(b.Pos), len(b.Rows))
	case b.Read != int64(n):
		tb.Fatalf("Read = %d, want %d", b.Read, n)
	case lim.Rows > 0 && n > lim.Rows:
		tb.Fatalf("%d records in a batch limited to %d", n, lim.Rows)
	}
	var raw []byte
	for i, r := range b.Rows {
		raw = append(raw, r.Raw...)
		if i > 0 && b.Pos[i].Offset <= b.Pos[i-1].Offset {
			tb.Fatalf("row %d: offsets out of order", i)
		}
	}
	if len(b.Rows) == 0 {
		if b.Raw != nil {
			tb.Fatalf("Raw set for a batch without rows")
		}
		return
	}
	if !bytes.HasPrefix(b.Raw, raw) || len(b.Raw)-len(raw) > 2 {
		tb.Fatalf("batch Raw %q is not its rows %q", b.Raw, raw)
	}
	if end := b.Raw[len(b.Raw)-1]; end != '\n' && end != '\r' {
		tb.Fatalf("batch Raw does not end with a line terminator: %q", b.Raw)
	}
}

// strs turns fields into comparable values.
func strs(fields [][]byte) []*string {
	if fields == nil {
		return nil
	}
	out := make([]*string, len(fields))
	for i, f := range fields {
		if f != nil {
			s := string(f)
			out[i] = &s
		}
	}
	return out
}

// sp returns fields for expectations: N is NULL.
func sp(fields ...string) []*string {
	out := make([]*string, len(fields))
	for i, f := range fields {
		if f != N {
			out[i] = &f
		}
	}
	return out
}

// N stands for NULL in sp.
const N = "\x00<NULL>"

// writeFile writes data to a file in a test directory and returns its path.
func writeFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// show renders fields for messages.
func show(fields []*string) string {
	var b bytes.Buffer
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('|')
		}
		if f == nil {
			b.WriteString("NULL")
		} else {
			fmt.Fprintf(&b, "%q", *f)
		}
	}
	return b.String()
}
