package csvsrc_test

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// want is an expected row.
type want struct {
	raw    string
	line   int64
	fields []*string
}

type parseCase struct {
	name   string
	opts   csvsrc.Options
	in     string
	header []string
	rows   []want // rows on the fast path; with ParseFields less those in fieldRejects
	// rejects are the lines of records the source rejects whatever ParseFields says;
	// fieldRejects those it rejects only with ParseFields (wrong number of fields).
	rejects      []int64
	rejectErr    error
	fieldRejects []int64
	openErr      error // from Open / NewReader
	err          error // from Chunks / Next
	errLine      int64
}

var parseCases = []parseCase{
	{
		name: "simple", in: "a,b\n1,2\n3,4\n", header: []string{"a", "b"},
		rows: []want{{"1,2\n", 2, sp("1", "2")}, {"3,4\n", 3, sp("3", "4")}},
	},
	{
		name: "quoted delimiter", in: "a,b\n\"x,y\",z\n", header: []string{"a", "b"},
		rows: []want{{"\"x,y\",z\n", 2, sp("x,y", "z")}},
	},
	{
		name: "doubled quotes", in: "a,b\n\"he said \"\"hi\"\"\",2\n\"\"\"\",\"\"\"\"\"\"\n", header: []string{"a", "b"},
		rows: []want{
			{"\"he said \"\"hi\"\"\",2\n", 2, sp(`he said "hi"`, "2")},
			{"\"\"\"\",\"\"\"\"\"\"\n", 3, sp(`"`, `""`)},
		},
	},
	{
		name: "newline in quotes", in: "a,b\n\"l1\nl2\n\",2\n3,4\n", header: []string{"a", "b"},
		rows: []want{{"\"l1\nl2\n\",2\n", 2, sp("l1\nl2\n", "2")}, {"3,4\n", 5, sp("3", "4")}},
	},
	{
		name: "CRLF file, CRLF in quotes kept", in: "a,b\r\n\"x\r\ny\",2\r\n3,4\r\n", header: []string{"a", "b"},
		rows: []want{{"\"x\r\ny\",2\r\n", 2, sp("x\r\ny", "2")}, {"3,4\r\n", 4, sp("3", "4")}},
	},
	{
		name: "CRLF file, bare LF in quotes", in: "a,b\r\n\"x\ny\",2\r\n", header: []string{"a", "b"},
		rows: []want{{"\"x\ny\",2\r\n", 2, sp("x\ny", "2")}},
	},
	{
		name: "CRLF file, a line ending in LF", in: "a,b\r\n1,2\n3,4\r\n", header: []string{"a", "b"},
		rows:    []want{{"3,4\r\n", 3, sp("3", "4")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrLineEnding,
	},
	{
		name: "LF file, a line ending in CRLF", in: "a,b\n1,2\r\n3,4\n", header: []string{"a", "b"},
		rows:    []want{{"3,4\n", 3, sp("3", "4")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrLineEnding,
	},
	{
		name: "LF file, unquoted CR", in: "a,b\n1\r2,3\n\"1\r2\",3\n", header: []string{"a", "b"},
		rows:    []want{{"\"1\r2\",3\n", 3, sp("1\r2", "3")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrLineEnding,
	},
	{
		name: "CR file", in: "a,b\r1,2\r\"x\ry\nz\",3\r4,5", header: []string{"a", "b"},
		rows: []want{
			{"1,2\r", 2, sp("1", "2")},
			{"\"x\ry\nz\",3\r", 3, sp("x\ry\nz", "3")},
			{"4,5", 5, sp("4", "5")},
		},
	},
	{
		name: "CR file, unquoted LF", in: "a,b\r1,2\n\r3,4\r", header: []string{"a", "b"},
		rows:    []want{{"3,4\r", 3, sp("3", "4")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrLineEnding,
	},
	{
		name: "BOM", in: "\xEF\xBB\xBFa,b\n1,2\n", header: []string{"a", "b"},
		rows: []want{{"1,2\n", 2, sp("1", "2")}},
	},
	{
		name: "BOM without header", in: "\xEF\xBB\xBF1,2\n3,4\n", opts: csvsrc.Options{NoHeader: true},
		rows: []want{{"1,2\n", 1, sp("1", "2")}, {"3,4\n", 2, sp("3", "4")}},
	},
	{
		name: "semicolon", in: "a;b\n\"x;y\";2,3\n", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: ';'}},
		header: []string{"a", "b"},
		rows:   []want{{"\"x;y\";2,3\n", 2, sp("x;y", "2,3")}},
	},
	{
		name: "tab", in: "a\tb\n\"x\ty\"\t\n", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: '\t'}},
		header: []string{"a", "b"},
		rows:   []want{{"\"x\ty\"\t\n", 2, sp("x\ty", N)}},
	},
	{
		name: "pipe", in: "a|b\n1|\"|\"\n", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Delimiter: '|'}},
		header: []string{"a", "b"},
		rows:   []want{{"1|\"|\"\n", 2, sp("1", "|")}},
	},
	{
		name: "single quote", in: "a,b\n'x,''y',\"z\"\n", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Quote: '\''}},
		header: []string{"a", "b"},
		rows:   []want{{"'x,''y',\"z\"\n", 2, sp("x,'y", `"z"`)}},
	},
	{
		name: "backslash escape", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Escape: '\\'}},
		in:     "a,b\n\"x\\\"y\\\\z\",\"a\\b\"\n\"q\\\"\nr\",\"\"\"\"\n",
		header: []string{"a", "b"},
		rows: []want{
			{"\"x\\\"y\\\\z\",\"a\\b\"\n", 2, sp(`x"y\z`, `a\b`)},
			// The escaped quote keeps the quoted section open across the line break;
			// with this escape, "" closes and reopens a section.
			{"\"q\\\"\nr\",\"\"\"\"\n", 3, sp("q\"\nr", "")},
		},
	},
	{
		name: "NULL marker", opts: csvsrc.Options{Dialect: csvsrc.Dialect{Null: `\N`}},
		in:     "a,b\n\\N,\"\\N\"\n,\"\"\n",
		header: []string{"a", "b"},
		rows:   []want{{"\\N,\"\\N\"\n", 2, sp(N, `\N`)}, {",\"\"\n", 3, sp("", "")}},
	},
	{
		name: "empty field is NULL, quoted empty is not", in: "a,b,c\n,\"\",\n", header: []string{"a", "b", "c"},
		rows: []want{{",\"\",\n", 2, sp(N, "", N)}},
	},
	{
		name: "empty last line", in: "a,b\n1,2\n\n", header: []string{"a", "b"},
		rows:         []want{{"1,2\n", 2, sp("1", "2")}, {"\n", 3, sp(N)}},
		fieldRejects: []int64{3},
	},
	{
		name: "no trailing newline", in: "a,b\n1,2\n3,4", header: []string{"a", "b"},
		rows: []want{{"1,2\n", 2, sp("1", "2")}, {"3,4", 3, sp("3", "4")}},
	},
	{
		name: "CRLF file without trailing newline", in: "a,b\r\n1,2\r\n3,\"4\"", header: []string{"a", "b"},
		rows: []want{{"1,2\r\n", 2, sp("1", "2")}, {"3,\"4\"", 3, sp("3", "4")}},
	},
	{
		// \. alone on a line is the end-of-data marker; as the input's last bytes,
		// without a line end, COPY FROM a file stores it as a row (issue 14 item 11a):
		// it comes quoted, so that the line end added for COPY does not make it the
		// marker.
		name: "end-of-copy marker", in: "a\n1\n\\.\n\"\\.\"\n\\.x\n\\.", header: []string{"a"},
		rows: []want{{"1\n", 2, sp("1")}, {"\"\\.\"\n", 4, sp(`\.`)}, {"\\.x\n", 5, sp(`\.x`)},
			{"\"\\.\"", 6, sp(`\.`)}},
		rejects: []int64{3}, rejectErr: csvsrc.ErrEndOfCopyMarker,
	},
	{
		name: "end-of-copy marker at the end without a line end, CRLF", in: "a\r\n1\r\n\\.", header: []string{"a"},
		rows: []want{{"1\r\n", 2, sp("1")}, {"\"\\.\"", 3, sp(`\.`)}},
	},
	{
		name: "end-of-copy marker at the end, two columns", in: "a,b\n1,2\n\\.", header: []string{"a", "b"},
		rows:         []want{{"1,2\n", 2, sp("1", "2")}, {"\"\\.\"", 3, sp(`\.`)}},
		fieldRejects: []int64{3},
	},
	{
		name: "end-of-copy marker at the end, backslash escape", in: "a\n\\.",
		opts:   csvsrc.Options{Dialect: csvsrc.Dialect{Escape: '\\'}},
		header: []string{"a"},
		rows:   []want{{"\"\\.\"", 2, sp(`\.`)}},
	},
	{
		// With \ as the quote, \. at the end opens a quoted field that never ends,
		// as in PostgreSQL.
		name: "end-of-copy marker at the end, backslash quote", in: "a\n1\n\\.",
		opts:    csvsrc.Options{Dialect: csvsrc.Dialect{Quote: '\\'}},
		header:  []string{"a"},
		rows:    []want{{"1\n", 2, sp("1")}},
		rejects: []int64{3}, rejectErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "end-of-copy marker, CRLF", in: "a\r\n\\.\r\n1\r\n", header: []string{"a"},
		rows:    []want{{"1\r\n", 3, sp("1")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrEndOfCopyMarker,
	},
	{
		name: "end-of-copy marker, backslash quote", in: "a\n\\.\n1\n",
		opts:    csvsrc.Options{Dialect: csvsrc.Dialect{Quote: '\\'}},
		header:  []string{"a"},
		rows:    []want{{"1\n", 3, sp("1")}},
		rejects: []int64{2}, rejectErr: csvsrc.ErrEndOfCopyMarker,
	},
	{
		// PostgreSQL reads the rest of the input as the record and refuses it: a reject,
		// not an error that ends the run (issue 14 item 11b).
		name: "unterminated quote", in: "a,b\n1,2\n\"x,3\n4,5\n", header: []string{"a", "b"},
		rows:    []want{{"1,2\n", 2, sp("1", "2")}},
		rejects: []int64{3}, rejectErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "unterminated quote in the last line", in: "a,b\n1,2\n3,\"4", header: []string{"a", "b"},
		rows:    []want{{"1,2\n", 2, sp("1", "2")}},
		rejects: []int64{3}, rejectErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "unterminated quote, backslash escape", in: "a,b\n1,2\n\"x\\\",3\n", header: []string{"a", "b"},
		opts:    csvsrc.Options{Dialect: csvsrc.Dialect{Escape: '\\'}},
		rows:    []want{{"1,2\n", 2, sp("1", "2")}},
		rejects: []int64{3}, rejectErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "no header, unterminated quote first", in: "\"1,2\n3,4\n", opts: csvsrc.Options{NoHeader: true},
		rejects: []int64{1}, rejectErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "multi-byte UTF-8 and emoji", in: "a,b\n\"é,😀\",道路🚀\n", header: []string{"a", "b"},
		rows: []want{{"\"é,😀\",道路🚀\n", 2, sp("é,😀", "道路🚀")}},
	},
	{
		name: "invalid UTF-8 kept", in: "a\n\xff\xfe\x00\n", header: []string{"a"},
		rows: []want{{"\xff\xfe\x00\n", 2, sp("\xff\xfe\x00")}},
	},
	{
		name: "quote inside an unquoted field", in: "a,b\nx\"y,z\"w,2\n", header: []string{"a", "b"},
		rows: []want{{"x\"y,z\"w,2\n", 2, sp("xy,zw", "2")}},
	},
	{
		name: "text after a closing quote", in: "a,b\n\"x\"y,\"\"z\n", header: []string{"a", "b"},
		rows: []want{{"\"x\"y,\"\"z\n", 2, sp("xy", "z")}},
	},
	{
		name: "quoted header", in: "\"id\",\"na,me\",\"\"\"q\"\"\"\n1,2,3\n", header: []string{"id", "na,me", `"q"`},
		rows: []want{{"1,2,3\n", 2, sp("1", "2", "3")}},
	},
	{
		name: "header over two lines", in: "\"i\nd\",b\n1,2\n", header: []string{"i\nd", "b"},
		rows: []want{{"1,2\n", 3, sp("1", "2")}},
	},
	{name: "empty input", in: ""},
	{name: "empty input without header", in: "", opts: csvsrc.Options{NoHeader: true}},
	{name: "header only", in: "a,b\n", header: []string{"a", "b"}},
	{name: "header without newline", in: "a,b", header: []string{"a", "b"}},
	{
		name: "wrong number of fields", in: "a,b\n1,2,3\n4\n5,6\n", header: []string{"a", "b"},
		rows:         []want{{"1,2,3\n", 2, sp("1", "2", "3")}, {"4\n", 3, sp("4")}, {"5,6\n", 4, sp("5", "6")}},
		fieldRejects: []int64{2, 3},
	},
	{
		name: "no header, width from the first record", in: "1,2\n3\n", opts: csvsrc.Options{NoHeader: true},
		rows:         []want{{"1,2\n", 1, sp("1", "2")}, {"3\n", 2, sp("3")}},
		fieldRejects: []int64{2},
	},
	{
		name: "no header, Columns", in: "1,2\n", opts: csvsrc.Options{NoHeader: true, Columns: []string{"x"}},
		header:       []string{"x"},
		rows:         []want{{"1,2\n", 1, sp("1", "2")}},
		fieldRejects: []int64{1},
	},
	{
		name: "Columns replace the header", in: "a,b\n1,2\n", opts: csvsrc.Options{Columns: []string{"x", "y"}},
		header: []string{"x", "y"},
		rows:   []want{{"1,2\n", 2, sp("1", "2")}},
	},
	{
		// With a header, Columns name the fields and the first line is skipped whatever
		// it holds, like COPY's HEADER (issue 14 item 11c).
		name: "Columns skip a header of another length", in: "a,b\n1\n2,3\n", opts: csvsrc.Options{Columns: []string{"x"}},
		header:       []string{"x"},
		rows:         []want{{"1\n", 2, sp("1")}, {"2,3\n", 3, sp("2", "3")}},
		fieldRejects: []int64{3},
	},
	{
		name: "Columns skip a junk first line", in: "# exported 2024-01-02 by \"x\"; 3 columns, a;b;c\n1,2\n3,4\n",
		opts:   csvsrc.Options{Columns: []string{"x", "y"}},
		header: []string{"x", "y"},
		rows:   []want{{"1,2\n", 2, sp("1", "2")}, {"3,4\n", 3, sp("3", "4")}},
	},
	{
		// COPY would end the data at once: an error, not an empty load.
		name: "Columns and an end-of-copy marker as the first line", in: "\\.\n1,2\n",
		opts:    csvsrc.Options{Columns: []string{"x", "y"}},
		openErr: csvsrc.ErrEndOfCopyMarker,
	},
	{
		name: "Columns skip a first line over two lines", in: "\"a\nb\",c\n1,2\n",
		opts:   csvsrc.Options{Columns: []string{"x", "y"}},
		header: []string{"x", "y"},
		rows:   []want{{"1,2\n", 3, sp("1", "2")}},
	},
	{
		name: "Columns and an unterminated quote in the first line", in: "\"a,b\n1,2\n",
		opts:    csvsrc.Options{Columns: []string{"x", "y"}},
		openErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "record too large", in: "a\n1\n12345678901\n", opts: csvsrc.Options{MaxRecordBytes: 10},
		header: []string{"a"},
		rows:   []want{{"1\n", 2, sp("1")}},
		err:    csvsrc.ErrRecordTooLarge, errLine: 3,
	},
	{
		name: "unterminated quote in the header", in: "\"a,b\n1,2\n",
		openErr: csvsrc.ErrUnterminatedQuote,
	},
	{
		name: "end-of-copy marker as header", in: "\\.\n1\n",
		openErr: csvsrc.ErrEndOfCopyMarker,
	},
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, parse := range []bool{false, true} {
				for _, mode := range []string{"stream", "stream-small", "file-1", "file-3"} {
					for _, lim := range []pipeline.Limits{{Rows: 1, Bytes: 1 << 20}, {Rows: 1000, Bytes: 3}, {Rows: 1000, Bytes: 1 << 20}} {
						name := fmt.Sprintf("parse=%v/%s/rows=%d,bytes=%d", parse, mode, lim.Rows, lim.Bytes)
						t.Run(name, func(t *testing.T) { checkCase(t, tc, parse, mode, lim) })
					}
				}
			}
		})
	}
}

func checkCase(t *testing.T, tc parseCase, parse bool, mode string, lim pipeline.Limits) {
	o := tc.opts
	o.ParseFields = parse
	var (
		s   *csvsrc.Source
		err error
		n   = 1
	)
	switch mode {
	case "stream":
		s, err = csvsrc.NewReader(strings.NewReader(tc.in), o)
	case "stream-small":
		o.ChunkBytes = 3
		s, err = csvsrc.NewReader(&oneByteReader{s: tc.in}, o)
	case "file-1", "file-3":
		n = int(mode[len(mode)-1] - '0')
		s, err = csvsrc.Open(writeFile(t, "in.csv", []byte(tc.in)), o)
	}
	if tc.openErr != nil {
		require.ErrorIs(t, err, tc.openErr)
		return
	}
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.Equal(t, tc.header, s.Header())

	res, err := readAll(t, s, n, lim)
	if tc.err != nil {
		require.ErrorIs(t, err, tc.err)
		var pe *csvsrc.ParseError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, tc.errLine, pe.Line, "error line: %v", err)
		require.Contains(t, err.Error(), fmt.Sprintf("line %d", tc.errLine))
	} else {
		require.NoError(t, err)
	}

	var wantRows []want
	for _, w := range tc.rows {
		if !parse || !slices.Contains(tc.fieldRejects, w.line) {
			wantRows = append(wantRows, w)
		}
	}
	require.Len(t, res.rows, len(wantRows), "rows: %+v", res.rows)
	for i, w := range wantRows {
		got := res.rows[i]
		require.Equal(t, w.raw, got.raw, "row %d", i)
		require.Equal(t, w.line, got.pos.Line, "row %d line", i)
		inRaw := w.raw
		if q := tc.opts.WithDefaults().Quote; inRaw == string([]byte{q, '\\', '.', q}) {
			inRaw = `\.` // the input's last bytes \., quoted
		}
		require.Equal(t, inRaw, at(tc.in, got.pos.Offset, len(inRaw)), "row %d offset", i)
		if parse {
			require.Equal(t, w.fields, got.fields, "row %d fields: %s", i, show(got.fields))
		} else {
			require.Nil(t, got.fields)
		}
	}
	wantRejects := slices.Clone(tc.rejects)
	if parse {
		wantRejects = append(wantRejects, tc.fieldRejects...)
		slices.Sort(wantRejects)
	}
	var gotRejects []int64
	for _, rj := range res.rejects {
		gotRejects = append(gotRejects, rj.Pos.Line)
		require.Equal(t, string(rj.Raw), at(tc.in, rj.Pos.Offset, len(rj.Raw)), "reject offset")
		require.NotEmpty(t, rj.Raw)
		switch {
		case slices.Contains(tc.rejects, rj.Pos.Line):
			require.ErrorIs(t, rj.Err, tc.rejectErr)
		default:
			require.ErrorIs(t, rj.Err, csvsrc.ErrFieldCount)
		}
		require.Contains(t, rj.Error(), fmt.Sprintf("line %d", rj.Pos.Line))
	}
	require.Equal(t, wantRejects, gotRejects, "reject lines: %v", res.rejects)
}

// at returns n bytes of s at offset off, or "" when out of range.
func at(s string, off int64, n int) string {
	if off < 0 || int(off)+n > len(s) {
		return ""
	}
	return s[off : int(off)+n]
}

// oneByteReader returns one byte per Read, to exercise every refill path.
type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.s) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}
