package csvsrc_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// source opens in through mode: "file" (sized) or "stream" (an io.Reader returning
// data in small pieces, cut into chunks of chunkBytes). A file is written at path, or
// in a new test directory when path is "".
func source(tb testing.TB, in []byte, o csvsrc.Options, mode, path string, chunkBytes int) (*csvsrc.Source, error) {
	tb.Helper()
	if mode == "file" {
		if path == "" {
			path = writeFile(tb, "in.csv", in)
		} else if err := os.WriteFile(path, in, 0o600); err != nil {
			tb.Fatal(err)
		}
		return csvsrc.Open(path, o)
	}
	o.ChunkBytes = chunkBytes
	return csvsrc.NewReader(&pieceReader{b: in, step: 7}, o)
}

// pieceReader returns its data a few bytes at a time.
type pieceReader struct {
	b    []byte
	step int
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errEOFReader
	}
	n := copy(p[:min(len(p), r.step)], r.b)
	r.b = r.b[n:]
	r.step = r.step%13 + 1
	return n, nil
}

var errEOFReader = io.EOF

// checkRef reads in with a Source and compares everything with the reference reader:
// header, rows (raw, fields, line, offset, index), rejects, errors, and that the
// records and rejects concatenate back to the input after the header.
func checkRef(tb testing.TB, in []byte, o csvsrc.Options, mode, path string, n int, lim pipeline.Limits) {
	tb.Helper()
	d := o.Dialect.WithDefaults()
	refHdr, refRecs, refErr := refRead(in, d, !o.NoHeader)
	s, err := source(tb, in, o, mode, path, 1+n*5)
	if err != nil {
		if refErr == nil || len(refRecs) > 0 {
			if !(errors.Is(err, csvsrc.ErrUnterminatedQuote) && errors.Is(refErr, errRefUnterminated)) {
				tb.Fatalf("open: %v (reference: %v, %d records)", err, refErr, len(refRecs))
			}
		}
		return
	}
	defer s.Close()
	if !o.NoHeader && len(o.Columns) == 0 {
		want := make([]string, len(refHdr))
		for i, f := range refHdr {
			if f != nil {
				want[i] = *f
			}
		}
		if len(refHdr) == 0 {
			want = nil
		}
		if !slices.Equal(want, s.Header()) {
			tb.Fatalf("header %q, reference %q", s.Header(), want)
		}
	}
	width := s.NumFields()
	res, err := readAll(tb, s, n, lim)
	switch {
	case refErr != nil && err == nil:
		tb.Fatalf("no error, reference: %v", refErr)
	case refErr == nil && err != nil:
		tb.Fatalf("error %v, reference none", err)
	case err != nil && !errors.Is(err, csvsrc.ErrUnterminatedQuote):
		tb.Fatalf("error %v, want an unterminated quote", err)
	}
	lines := make(map[int64]int64, len(refRecs)+1)
	var re *refError
	if errors.As(refErr, &re) {
		var pe *csvsrc.ParseError
		if !errors.As(err, &pe) || pe.Line != re.line || pe.Offset != re.offset {
			tb.Fatalf("error %v, reference at line %d offset %d", err, re.line, re.offset)
		}
		lines[re.offset] = re.line
	}
	var rows, rejects []refRecord
	for _, r := range refRecs {
		switch {
		case r.reject:
			rejects = append(rejects, r)
		case o.ParseFields && len(r.fields) != width:
			rejects = append(rejects, r)
		default:
			rows = append(rows, r)
		}
	}
	if len(res.rows) != len(rows) {
		tb.Fatalf("%d rows, reference %d", len(res.rows), len(rows))
	}
	for i, r := range rows {
		g := res.rows[i]
		if r.raw == `\.` { // data at the end of the input: the Source quotes it
			r.raw = string([]byte{d.Quote, '\\', '.', d.Quote})
		}
		if g.raw != r.raw || g.pos != (pipeline.Pos{Line: r.line, Offset: r.offset, Index: r.index}) {
			tb.Fatalf("row %d: %q at %+v, reference %q line %d offset %d index %d",
				i, g.raw, g.pos, r.raw, r.line, r.offset, r.index)
		}
		if o.ParseFields && show(g.fields) != show(r.fields) {
			tb.Fatalf("row %d %q: fields %s, reference %s", i, r.raw, show(g.fields), show(r.fields))
		}
	}
	if len(res.rejects) != len(rejects) {
		tb.Fatalf("%d rejects, reference %d: %v", len(res.rejects), len(rejects), res.rejects)
	}
	for i, r := range rejects {
		g := res.rejects[i]
		if string(g.Raw) != r.raw || g.Pos.Line != r.line {
			tb.Fatalf("reject %d: %q line %d, reference %q line %d", i, g.Raw, g.Pos.Line, r.raw, r.line)
		}
	}
	if err == nil {
		checkCover(tb, in, unquoteMarker(res, d))
	}
	for _, r := range refRecs {
		lines[r.offset] = r.line
	}
	for _, c := range res.chunks {
		if line, ok := lines[c.Start]; !ok || line != c.FirstLine {
			tb.Fatalf("chunk %+v: starts a record: %v, at line %d", c, ok, line)
		}
	}
}

// unquoteMarker returns res with the row "\." (the input's last bytes \., quoted by the
// Source) as it is in the input.
func unquoteMarker(res result, d csvsrc.Dialect) result {
	quoted := string([]byte{d.Quote, '\\', '.', d.Quote})
	for i, r := range res.rows {
		if r.raw == quoted && i == len(res.rows)-1 {
			res.rows = slices.Clone(res.rows)
			res.rows[i].raw = `\.`
		}
	}
	return res
}

// checkCover checks that rows and rejects, in offset order, are the input after the
// header, contiguous, and that the chunks tile it.
func checkCover(tb testing.TB, in []byte, res result) {
	tb.Helper()
	type piece struct {
		off int64
		raw string
	}
	var ps []piece
	for _, r := range res.rows {
		ps = append(ps, piece{r.pos.Offset, r.raw})
	}
	for _, r := range res.rejects {
		ps = append(ps, piece{r.Pos.Offset, string(r.Raw)})
	}
	slices.SortFunc(ps, func(a, b piece) int { return int(a.off - b.off) })
	var all bytes.Buffer
	for i, p := range ps {
		if i > 0 && p.off != ps[i-1].off+int64(len(ps[i-1].raw)) {
			tb.Fatalf("piece %d at %d, previous ends at %d", i, p.off, ps[i-1].off+int64(len(ps[i-1].raw)))
		}
		all.WriteString(p.raw)
	}
	if !bytes.HasSuffix(in, all.Bytes()) {
		tb.Fatalf("records do not end the input")
	}
	for i, c := range res.chunks {
		if c.Seq != i || c.Start >= c.End || c.Unit != "byte" {
			tb.Fatalf("chunk %d: %+v", i, c)
		}
		if i > 0 && c.Start != res.chunks[i-1].End {
			tb.Fatalf("chunk %d starts at %d, chunk %d ends at %d", i, c.Start, i-1, res.chunks[i-1].End)
		}
	}
	if len(res.chunks) > 0 {
		if last := res.chunks[len(res.chunks)-1]; last.End != int64(len(in)) {
			tb.Fatalf("last chunk ends at %d, input at %d", last.End, len(in))
		}
		if first := res.chunks[0]; first.Start != int64(len(in)-all.Len()) {
			tb.Fatalf("first chunk starts at %d, data at %d", first.Start, len(in)-all.Len())
		}
	}
	if res.bytes != int64(all.Len()) {
		tb.Fatalf("batches count %d bytes, data is %d", res.bytes, all.Len())
	}
}
