package csvsrc_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// The fixtures in testdata reproduce what issue 14 saw with real files. Each input is
// read both ways: as a sized file and as a stream.

// openBoth opens the fixture as a file and as a stream (a gzip of it, like a .gz).
func openBoth(t *testing.T, name string, o csvsrc.Options) map[string]*csvsrc.Source {
	t.Helper()
	path := filepath.Join("testdata", name)
	f, err := csvsrc.Open(path, o)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	data := readFixture(t, name)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(data)
	require.NoError(t, zw.Close())
	o.ChunkBytes = 16 // several chunks
	s, err := csvsrc.NewReader(&gz, o)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return map[string]*csvsrc.Source{"file": f, "gzip stream": s}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	s, err := csvsrc.Open(filepath.Join("testdata", name), csvsrc.Options{NoHeader: true})
	require.NoError(t, err)
	defer s.Close()
	res, err := readAll(t, s, 1, lim)
	require.NoError(t, err)
	var b strings.Builder
	for _, r := range res.rows {
		b.WriteString(r.raw)
	}
	for _, r := range res.rejects {
		b.WriteString(string(r.Raw))
	}
	return []byte(b.String())
}

// TestFixtureMarkerAtEOF: \. as a file's last bytes, without a newline, is a row, as
// COPY FROM the file stores it (checked on PostgreSQL 15: rows "1" and "\."), quoted so
// that the newline added for COPY FROM STDIN does not end the data there (issue 14
// item 11a). Before, it was rejected as the end-of-copy marker.
func TestFixtureMarkerAtEOF(t *testing.T) {
	for mode, s := range openBoth(t, "copy_marker_at_eof.csv", csvsrc.Options{ParseFields: true}) {
		res, err := readAll(t, s, 2, pipeline.Limits{Rows: 1, Bytes: 1 << 20})
		require.NoError(t, err, mode)
		require.Empty(t, res.rejects, mode)
		require.Len(t, res.rows, 2, mode)
		require.Equal(t, "1\n", res.rows[0].raw)
		require.Equal(t, `"\."`, res.rows[1].raw, mode)
		require.Equal(t, sp(`\.`), res.rows[1].fields, mode)
		require.Equal(t, int64(3), res.rows[1].pos.Line, mode)
	}
}

// TestFixtureUnterminatedAtEOF: an unterminated quote is a reject of its record (the
// rest of the input, as PostgreSQL reads it) with its line, after the earlier batches;
// before, the run ended with an error after them and nothing in the rejects (issue 14
// item 11b).
func TestFixtureUnterminatedAtEOF(t *testing.T) {
	for mode, s := range openBoth(t, "unterminated_at_eof.csv", csvsrc.Options{}) {
		res, err := readAll(t, s, 2, pipeline.Limits{Rows: 2, Bytes: 1 << 20})
		require.NoError(t, err, mode)
		require.Len(t, res.rows, 4, mode)
		require.Len(t, res.rejects, 1, mode)
		rj := res.rejects[0]
		require.ErrorIs(t, rj.Err, csvsrc.ErrUnterminatedQuote)
		require.Equal(t, int64(6), rj.Pos.Line, mode)
		require.Equal(t, "5,\"never closed\n6,f\n7,g\n", string(rj.Raw), mode)
		require.Contains(t, rj.Error(), "unterminated quoted field starting at line 6")
	}
}

// TestFixtureJunkFirstLine: with a header (no NoHeader), Columns name the fields and
// the first line is skipped whatever its field count, like COPY's HEADER (issue 14
// item 11c); before, Columns had to match the first line's field count.
func TestFixtureJunkFirstLine(t *testing.T) {
	o := csvsrc.Options{Columns: []string{"id", "name", "zip"}, ParseFields: true}
	for mode, s := range openBoth(t, "junk_first_line.csv", o) {
		require.Equal(t, []string{"id", "name", "zip"}, s.Header(), mode)
		require.Equal(t, 3, s.NumFields(), mode)
		res, err := readAll(t, s, 2, lim)
		require.NoError(t, err, mode)
		require.Empty(t, res.rejects, mode)
		// The file's own header line is data now: the caller chose to skip one line.
		require.Len(t, res.rows, 3, mode)
		require.Equal(t, sp("id", "name", "zip"), res.rows[0].fields, mode)
		require.Equal(t, int64(2), res.rows[0].pos.Line, mode)
		require.Equal(t, sp("2", "Bob", "10115"), res.rows[2].fields, mode)
	}
}

// TestFixtureGazetteer: the US Census gazetteer pads its last header name with spaces;
// the name maps to the table's column without them (issue 14 item 7), and GEOID, a zip
// code with leading zeros, is inferred text (item 8).
func TestFixtureGazetteer(t *testing.T) {
	o := csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: '\t'}}
	for mode, s := range openBoth(t, "gazetteer_zcta.txt", o) {
		h := s.Header()
		require.Len(t, h, 7, mode)
		require.True(t, strings.HasPrefix(h[6], "INTPTLONG  "), mode)
		table := []string{"geoid", "aland", "awater", "aland_sqmi", "awater_sqmi", "intptlat", "intptlong"}
		cols, err := csvsrc.MapHeader(h, table)
		require.NoError(t, err, mode)
		require.Equal(t, table, cols, mode)
		_, err = csvsrc.MapHeader(h, table[:6])
		require.ErrorIs(t, err, csvsrc.ErrHeader)
		require.ErrorContains(t, err, "with or without its surrounding spaces; name the input's fields with --columns")
		if mode == "file" {
			recs, err := s.Sample(1000)
			require.NoError(t, err)
			require.Equal(t, []string{csvsrc.TypeText, csvsrc.TypeBigint, csvsrc.TypeBigint, csvsrc.TypeDouble,
				csvsrc.TypeDouble, csvsrc.TypeDouble, csvsrc.TypeDouble}, csvsrc.InferTypes(recs, len(h)))
		}
	}
}

// TestFixtureInference: zip codes and phone numbers stay text, zone-less timestamps
// are timestamp, those with an offset timestamptz (issue 14 item 8).
func TestFixtureInference(t *testing.T) {
	s, err := csvsrc.Open(filepath.Join("testdata", "inference.csv"), csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	recs, err := s.Sample(1000)
	require.NoError(t, err)
	require.Equal(t, []string{csvsrc.TypeText, csvsrc.TypeText, csvsrc.TypeTimestamp, csvsrc.TypeTimestamptz, csvsrc.TypeBigint},
		csvsrc.InferTypes(recs, len(s.Header())))
}

// TestTruncatedGzip: the error of a truncated .gz names the last line read, where the
// data ends, not the first line of the chunk being read (issue 14 item 7: 50,000
// lines before); the complete records before it are delivered.
func TestTruncatedGzip(t *testing.T) {
	var plain bytes.Buffer
	plain.WriteString("id,name,value\n")
	for i := 1; i <= 20_000; i++ {
		fmt.Fprintf(&plain, "%d,name %d with some padding text,%d.%03d\n", i, i*7919%100_003, i, i%1000)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	_, _ = zw.Write(plain.Bytes())
	require.NoError(t, zw.Close())
	for _, cut := range []int{gz.Len() / 3, gz.Len() * 2 / 3, gz.Len() - 9} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			trunc := gz.Bytes()[:cut]
			// What a reader gets out of the truncated stream before the error.
			zr, err := gzip.NewReader(bytes.NewReader(trunc))
			require.NoError(t, err)
			got, err := io.ReadAll(zr)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			complete := int64(bytes.Count(got, []byte("\n"))) // lines 1..complete end
			last := complete
			if len(got) > 0 && got[len(got)-1] != '\n' {
				last++ // a line begun but cut
			}
			for _, chunk := range []int{0, 1 << 16} {
				path := writeFile(t, "in.csv.gz", trunc)
				s, err := csvsrc.Open(path, csvsrc.Options{ChunkBytes: chunk})
				require.NoError(t, err)
				res, err := readAll(t, s, 2, pipeline.Limits{Rows: 5000, Bytes: 1 << 20})
				s.Close()
				var pe *csvsrc.ParseError
				require.ErrorAs(t, err, &pe)
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
				require.Equal(t, last, pe.Line, "chunk bytes %d: %v", chunk, err)
				require.Contains(t, err.Error(), fmt.Sprintf("line %d: the input ends early", last))
				// Every complete record before the cut was delivered, and no partial one.
				require.Equal(t, int(complete-1), len(res.rows), "rows, chunk bytes %d", chunk)
				require.Empty(t, res.rejects)
			}
		})
	}
}
