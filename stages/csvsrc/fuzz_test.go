package csvsrc_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// fuzzDialects are the dialects the fuzz targets pick from.
var fuzzDialects = []csvsrc.Dialect{
	{},
	{Escape: '\\'},
	{Delimiter: ';', Quote: '\''},
	{Delimiter: '\t', Null: `\N`},
	{Quote: '\\'}, // the quote is the first byte of the end-of-copy marker
	{Delimiter: '|', Quote: '.', Escape: '"'},
}

// fuzzSeeds are inputs worth starting from: quoted line breaks, both line-ending
// styles, a BOM, the end-of-copy marker, stray quotes and carriage returns.
var fuzzSeeds = []string{
	"a,b\n1,2\n",
	"a,b\n\"x\ny\",2\n3,4",
	"a,b\r\n\"x\r\ny\",2\r\n3,4\r\n",
	"\xEF\xBB\xBFid,name\n1,\"é😀\"\n",
	"a\n1\n\\.\n2\n",
	"a\r\n\\.\r\n",
	"a,b\n\"unterminated,2\n3,4\n",
	"a,b\n1,2\r\n3\r4\n",
	"a,b\r1,2\r\"x\ny\",3\r",
	"a,b\n\"q\\\"\nr\",\"\"\"\"\n",
	"h\n\"\"\"\"\n\"\n\"\n,\n\n",
	"a;b\n'x;''y';\\N\n",
}

func FuzzSplit(f *testing.F) {
	path := filepath.Join(f.TempDir(), "in.csv") // one file per process, rewritten by each run
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(i+1), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, n, dialect uint8) {
		d := fuzzDialects[int(dialect)%len(fuzzDialects)]
		o := csvsrc.Options{Dialect: d, NoHeader: dialect&0x80 != 0, ParseFields: n&0x80 != 0}
		chunks := 1 + int(n)%64
		checkRef(t, data, o, "file", path, chunks, pipeline.Limits{Rows: 1 + int(n)%5, Bytes: 1 << 20})
		if (d.Quote == 0 || d.Quote == '\'') && d.Escape == 0 { // quote parity applies: both splitters must agree
			s, err := csvsrc.Open(path, o)
			if err != nil {
				return
			}
			defer s.Close()
			parity, scan, err := s.SplitWays(chunks)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(parity, scan) {
				t.Fatalf("parity split %v, delimiting split %v", parity, scan)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, dialect uint8) {
		d := fuzzDialects[int(dialect)%len(fuzzDialects)]
		o := csvsrc.Options{Dialect: d, ParseFields: true, NoHeader: dialect&0x80 != 0}
		checkRef(t, data, o, "stream", "", 1+int(dialect)%7, pipeline.Limits{Rows: 1 + int(dialect)%3, Bytes: 1 << 20})
	})
}
