package csvsrc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

var lim = pipeline.Limits{Rows: 100, Bytes: 1 << 20}

func gzipped(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	plain := genCSV(rng, csvsrc.Dialect{}, 2000, false, false)
	o := csvsrc.Options{ParseFields: true, ChunkBytes: 4096}

	type setup struct {
		name string
		open func() (*csvsrc.Source, error)
	}
	zipped := gzipped(t, plain)
	for _, s := range []setup{
		{"file.gz", func() (*csvsrc.Source, error) { return csvsrc.Open(writeFile(t, "in.csv.gz", zipped), o) }},
		{"gzip without extension", func() (*csvsrc.Source, error) { return csvsrc.Open(writeFile(t, "in.csv", zipped), o) }},
		{"NewReader", func() (*csvsrc.Source, error) { return csvsrc.NewReader(bytes.NewReader(zipped), o) }},
	} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			ps, err := csvsrc.Open(writeFile(t, "in.csv", plain), o)
			require.NoError(t, err)
			defer ps.Close()
			want, err := readAll(t, ps, 4, lim)
			require.NoError(t, err)
			require.True(t, ps.Sized())

			zs, err := s.open()
			require.NoError(t, err)
			defer zs.Close()
			require.False(t, zs.Sized())
			require.Equal(t, ps.Header(), zs.Header())
			got, err := readAll(t, zs, 4, lim)
			require.NoError(t, err)
			require.Greater(t, len(got.chunks), 1, "a gzip stream is cut into several chunks")
			require.Equal(t, want.rows, got.rows)
			require.Equal(t, want.rejects, got.rejects)
			checkCover(t, plain, got)
		})
	}
}

func TestGzipCorrupt(t *testing.T) {
	t.Parallel()
	zipped := gzipped(t, []byte("a,b\n"+strings.Repeat("1,2\n", 100_000)))
	zipped[len(zipped)-5] ^= 0xff // break the checksum
	s, err := csvsrc.NewReader(bytes.NewReader(zipped), csvsrc.Options{})
	if err == nil { // the header was read before the end of the stream
		defer s.Close()
		_, err = readAll(t, s, 1, lim)
	}
	require.ErrorIs(t, err, gzip.ErrChecksum)
}

// TestCopyLineRow uses line numbers PostgreSQL 15 reported for these streams
// ("COPY t, line N, column c1: "bad"").
func TestCopyLineRow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rows []string
		line int64
		want int
	}{
		{"quoted LF in the first record is not counted", []string{"\"x\ny\",1\n", "a,1\n", "b,bad\n"}, 3, 2},
		{"quoted LF in a later record", []string{"a,1\n", "\"x\ny\",1\n", "b,bad\n"}, 4, 2},
		{"quoted CR in the first record is counted", []string{"\"x\ry\",1\n", "a,1\n", "b,bad\n"}, 4, 2},
		{"CRLF, quoted CRLF", []string{"a,1\r\n", "\"x\r\ny\",1\r\n", "b,bad\r\n"}, 4, 2},
		{"CRLF, quoted bare LF is not counted", []string{"a,1\r\n", "\"x\ny\",1\r\n", "b,bad\r\n"}, 3, 2},
		{"a record is reported at its last line", []string{"a,1\n", "\"x\ny\nz\",bad\n", "b,1\n"}, 4, 1},
		{"lines inside a record map to it", []string{"a,1\n", "\"x\ny\nz\",bad\n", "b,1\n"}, 3, 1},
		{"first", []string{"a,1\n", "b,1\n"}, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows := make([]csvsrc.Record, len(tc.rows))
			for i, r := range tc.rows {
				rows[i].Raw = []byte(r)
			}
			i, ok := csvsrc.Dialect{}.CopyLineRow(rows, tc.line)
			require.True(t, ok)
			require.Equal(t, tc.want, i)
			_, ok = csvsrc.Dialect{}.CopyLineRow(rows, 99)
			require.False(t, ok)
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		o    csvsrc.Options
	}{
		{"newline delimiter", csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: '\n'}}},
		{"carriage return quote", csvsrc.Options{Dialect: csvsrc.Dialect{Quote: '\r'}}},
		{"non-ASCII escape", csvsrc.Options{Dialect: csvsrc.Dialect{Escape: 0xC3}}},
		{"delimiter is quote", csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: '"'}}},
		{"delimiter in Null", csvsrc.Options{Dialect: csvsrc.Dialect{Null: "a,b"}}},
		{"quote in Null", csvsrc.Options{Dialect: csvsrc.Dialect{Null: `"N"`}}},
		{"newline in Null", csvsrc.Options{Dialect: csvsrc.Dialect{Null: "\n"}}},
		{"negative ChunkBytes", csvsrc.Options{ChunkBytes: -1}},
		{"MaxRecordBytes past 1 GiB", csvsrc.Options{MaxRecordBytes: 1<<30 + 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := csvsrc.NewReader(strings.NewReader("a\n"), tc.o)
			require.ErrorIs(t, err, csvsrc.ErrOptions)
			_, err = csvsrc.Open(writeFile(t, "in.csv", []byte("a\n")), tc.o)
			require.ErrorIs(t, err, csvsrc.ErrOptions)
		})
	}
}

func TestOpenMissing(t *testing.T) {
	t.Parallel()
	_, err := csvsrc.Open(t.TempDir()+"/missing.csv", csvsrc.Options{})
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Contains(t, err.Error(), "csvsrc: ")
}

func TestErrorNamesInput(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "data.csv", []byte("a,b\n1,2\n\"3,4\n"))
	s, err := csvsrc.Open(path, csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	res, err := readAll(t, s, 1, lim)
	require.NoError(t, err)
	require.Len(t, res.rejects, 1)
	require.EqualError(t, res.rejects[0], path+" line 3: unterminated quoted field starting at line 3; "+
		"the rest of the input is read as this record, as PostgreSQL reads it")

	s2, err := csvsrc.NewReader(strings.NewReader("a\n1,2\n"), csvsrc.Options{Name: "data.csv", ParseFields: true})
	require.NoError(t, err)
	defer s2.Close()
	res, err = readAll(t, s2, 1, lim)
	require.NoError(t, err)
	require.Len(t, res.rejects, 1)
	require.EqualError(t, res.rejects[0], "data.csv line 2: expected 1 fields, got 2")
	require.Equal(t, "1,2\n", string(res.rejects[0].Raw))
	require.Empty(t, res.rejects[0].Column)
}

func TestSample(t *testing.T) {
	t.Parallel()
	in := "id,name\n1,\"a\nb\"\n\\.\n2,\n3,x,y\n4,d\n"
	check := func(t *testing.T, s *csvsrc.Source) {
		recs, err := s.Sample(3)
		require.NoError(t, err)
		require.Len(t, recs, 3) // the marker and the three-field record are skipped
		require.Equal(t, sp("1", "a\nb"), strs(recs[0].Fields))
		require.Equal(t, sp("2", N), strs(recs[1].Fields))
		require.Equal(t, sp("4", "d"), strs(recs[2].Fields))
		require.Equal(t, "4,d\n", string(recs[2].Raw))
		all, err := s.Sample(100)
		require.NoError(t, err)
		require.Len(t, all, 3)
		// Sampling consumed nothing.
		res, err := readAll(t, s, 2, lim)
		require.NoError(t, err)
		require.Len(t, res.rows, 4)
		require.Len(t, res.rejects, 1)
	}
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		s, err := csvsrc.Open(writeFile(t, "in.csv", []byte(in)), csvsrc.Options{})
		require.NoError(t, err)
		defer s.Close()
		check(t, s)
	})
	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		s, err := csvsrc.NewReader(&oneByteReader{s: in}, csvsrc.Options{})
		require.NoError(t, err)
		defer s.Close()
		check(t, s)
		_, err = s.Sample(1)
		require.ErrorIs(t, err, csvsrc.ErrConsumed)
	})
}

func TestStreamReadOnce(t *testing.T) {
	t.Parallel()
	s, err := csvsrc.NewReader(strings.NewReader("a\n1\n"), csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	_, err = readAll(t, s, 1, lim)
	require.NoError(t, err)
	_, err = readAll(t, s, 1, lim)
	require.ErrorIs(t, err, csvsrc.ErrConsumed)
}

func TestFileReadTwice(t *testing.T) {
	t.Parallel()
	s, err := csvsrc.Open(writeFile(t, "in.csv", []byte("a\n1\n2\n3\n")), csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	first, err := readAll(t, s, 2, lim)
	require.NoError(t, err)
	second, err := readAll(t, s, 3, lim)
	require.NoError(t, err)
	require.Equal(t, first.rows, second.rows)
	require.Len(t, second.chunks, 3)
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := csvsrc.Open(writeFile(t, "in.csv", []byte("a\n1\n2\n3\n4\n")), csvsrc.Options{})
	require.NoError(t, err)
	defer s.Close()
	var b pipeline.Batch[csvsrc.Record]
	n := 0
	for c, err := range s.Chunks(ctx, 2) {
		require.NoError(t, err)
		n++
		cancel()
		require.ErrorIs(t, c.Next(ctx, &b, lim), context.Canceled)
		require.NoError(t, c.Close())
	}
	require.Equal(t, 1, n, "no chunk after the cancellation")
}

// TestLimits checks that batches stop at the row and byte limits, the byte limit being
// soft: the record that crosses it ends the batch.
func TestLimits(t *testing.T) {
	t.Parallel()
	in := "a\n" + strings.Repeat("1234567\n", 100)
	for _, tc := range []struct {
		lim  pipeline.Limits
		rows int
	}{
		{pipeline.Limits{Rows: 7, Bytes: 1 << 20}, 7},
		{pipeline.Limits{Rows: 1000, Bytes: 20}, 3},
		{pipeline.Limits{Rows: 1000, Bytes: 1}, 1},
	} {
		s, err := csvsrc.Open(writeFile(t, "in.csv", []byte(in)), csvsrc.Options{})
		require.NoError(t, err)
		var b pipeline.Batch[csvsrc.Record]
		for c, err := range s.Chunks(context.Background(), 1) {
			require.NoError(t, err)
			require.NoError(t, c.Next(context.Background(), &b, tc.lim))
			require.Len(t, b.Rows, tc.rows)
			require.Equal(t, int64(8*tc.rows), b.Bytes)
			require.NoError(t, c.Close())
		}
		require.NoError(t, s.Close())
	}
}

// TestMemoryBounded checks that reading a chunk allocates about a batch, not the chunk.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 32 MB")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var in bytes.Buffer
	in.WriteString("a,b\n")
	for in.Len() < 32<<20 {
		in.WriteString(strings.Repeat("x", rng.IntN(60)) + ",\"y\nz\"\n")
	}
	s, err := csvsrc.Open(writeFile(t, "in.csv", in.Bytes()), csvsrc.Options{ParseFields: true})
	require.NoError(t, err)
	defer s.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := result{}
	var b pipeline.Batch[csvsrc.Record]
	for c, err := range s.Chunks(context.Background(), 1) {
		require.NoError(t, err)
		for {
			b.Reset()
			err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 10_000, Bytes: 1 << 20})
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			res.read += b.Read
		}
		require.NoError(t, c.Close())
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("read %d records (%d MB) with %d MB allocated", res.read, in.Len()>>20, alloc>>20)
	require.Less(t, alloc, uint64(in.Len()/3), "allocations grow with the input")
}

// TestStreamChunkSize checks that an unsized input is cut into chunks of about
// ChunkBytes, however the reader returns its data.
func TestStreamChunkSize(t *testing.T) {
	t.Parallel()
	in := "a\n" + strings.Repeat("123456789\n", 1000)
	s, err := csvsrc.NewReader(&pieceReader{b: []byte(in), step: 3}, csvsrc.Options{ChunkBytes: 1000})
	require.NoError(t, err)
	defer s.Close()
	res, err := readAll(t, s, 1, lim)
	require.NoError(t, err)
	require.Len(t, res.chunks, 10)
	for i, c := range res.chunks {
		require.Equal(t, int64(1000), c.End-c.Start)
		require.Equal(t, int64(2+100*i), c.FirstLine)
	}
}
