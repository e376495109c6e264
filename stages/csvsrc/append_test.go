package csvsrc_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// TestAppendRecordRoundTripsThroughTheReader encodes records with AppendRecord and reads
// them back with ParseFields: the fields, NULL versus empty string included, come back
// exactly, in several dialects.
func TestAppendRecordRoundTripsThroughTheReader(t *testing.T) {
	records := [][][]byte{
		{[]byte("1"), []byte("plain")},
		{nil, {}},
		{[]byte(`say "hi", ok`), []byte("two\nlines\r\nand CR\r")},
		{[]byte(`\N`), []byte(`a"b\c;d|e`)},
		{[]byte("✓ ñandú"), []byte(`\.`)},
	}
	dialects := []csvsrc.Dialect{{}, {Delimiter: ';', Escape: '\\', Null: `\N`}, {Delimiter: '|', Quote: '\''}}
	for _, d := range dialects {
		d = d.WithDefaults()
		var in bytes.Buffer
		in.Write(d.AppendRecord(nil, [][]byte{[]byte("a"), []byte("b")}, []byte("\n")))
		for _, r := range records {
			in.Write(d.AppendRecord(nil, r, []byte("\n")))
		}
		src, err := csvsrc.NewReader(bytes.NewReader(in.Bytes()), csvsrc.Options{Dialect: d, ParseFields: true})
		require.NoError(t, err)
		var got [][][]byte
		for c, err := range src.Chunks(context.Background(), 1) {
			require.NoError(t, err)
			var b pipeline.Batch[csvsrc.Record]
			for {
				b.Reset()
				if err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 100, Bytes: 1 << 20}); err == io.EOF {
					break
				} else {
					require.NoError(t, err)
				}
				require.Empty(t, b.Rejects, "%q", in.String())
				for _, r := range b.Rows {
					fields := make([][]byte, len(r.Fields))
					for i, f := range r.Fields {
						if f != nil {
							fields[i] = append([]byte{}, f...)
						}
					}
					got = append(got, fields)
				}
			}
			require.NoError(t, c.Close())
		}
		require.NoError(t, src.Close())
		require.Equal(t, records, got, "dialect %+v", d)
	}
}

// TestAppendRecordQuotesTheMarker: a record whose only field is \. is written quoted,
// else COPY would take it for the end-of-data marker (the source reads the input's
// last bytes \. as such a row).
func TestAppendRecordQuotesTheMarker(t *testing.T) {
	d := csvsrc.Dialect{}.WithDefaults()
	require.Equal(t, "\"\\.\"\n", string(d.AppendRecord(nil, [][]byte{[]byte(`\.`)}, []byte("\n"))))
	require.Equal(t, "\\.,x\r\n", string(d.AppendRecord(nil, [][]byte{[]byte(`\.`), []byte("x")}, []byte("\r\n"))))
}
