package csvsrc_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// genCSV generates a CSV input whose fields hold delimiters, quotes, line breaks of
// both styles, backslashes, dots and multi-byte characters, quoted as PostgreSQL writes
// them. With noise, some records are left malformed (stray quotes or line endings).
func genCSV(rng *rand.Rand, d csvsrc.Dialect, records int, crlf, noise bool) []byte {
	d = d.WithDefaults()
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	alphabet := []string{"a", "b", "7", string(d.Delimiter), string(d.Quote), "\n", "\r\n", "\\", ".", " ", "é", "😀", `\.`}
	var b strings.Builder
	if rng.IntN(4) == 0 {
		b.WriteString("\xEF\xBB\xBF")
	}
	width := 1 + rng.IntN(4)
	for r := 0; r <= records; r++ {
		for f := range width {
			if f > 0 {
				b.WriteByte(d.Delimiter)
			}
			var v strings.Builder
			for range rng.IntN(8) {
				v.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			s := v.String()
			switch {
			case noise && rng.IntN(10) == 0:
				b.WriteString(s) // unquoted as is: may break the record
			case s == "" && rng.IntN(2) == 0:
				// NULL
			case strings.ContainsAny(s, string([]byte{d.Delimiter, d.Quote, d.Escape, '\n', '\r'})) || s == "" || rng.IntN(3) == 0:
				esc := strings.ReplaceAll(s, string(d.Escape), string(d.Escape)+string(d.Escape))
				if d.Escape != d.Quote {
					esc = strings.ReplaceAll(esc, string(d.Quote), string(d.Escape)+string(d.Quote))
				}
				b.WriteString(string(d.Quote) + esc + string(d.Quote))
			default:
				b.WriteString(s)
			}
		}
		if r < records || rng.IntN(3) > 0 {
			b.WriteString(eol)
		}
	}
	return []byte(b.String())
}

// TestSplit checks, for many generated files and every n in 1..64, that the chunks
// tile the data after the header, start at record boundaries with the right line, and
// give the same records as the reference reader.
func TestSplit(t *testing.T) {
	t.Parallel()
	dialects := []csvsrc.Dialect{{}, {Delimiter: ';', Quote: '\''}, {Escape: '\\'}, {Delimiter: '\t', Null: `\N`}}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		d := dialects[seed%uint64(len(dialects))]
		in := genCSV(rng, d, rng.IntN(300), seed%3 == 1, seed%5 == 4)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			for n := 1; n <= 64; n++ {
				o := csvsrc.Options{Dialect: d, ParseFields: n%2 == 0}
				checkRef(t, in, o, "file", "", n, pipeline.Limits{Rows: 1 + n, Bytes: 1 << 20})
			}
			for _, chunkBytes := range []int{1, 64, 4096} {
				checkRef(t, in, csvsrc.Options{Dialect: d, ParseFields: true}, "stream", "", chunkBytes, pipeline.Limits{Rows: 17, Bytes: 1 << 20})
			}
		})
	}
}

// TestSplitParity checks that cutting by quote parity gives exactly the ranges that
// delimiting every record gives, unterminated quotes and stray line endings included.
func TestSplitParity(t *testing.T) {
	t.Parallel()
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 11))
		in := genCSV(rng, csvsrc.Dialect{}, rng.IntN(400), seed%2 == 1, seed%3 == 2)
		s, err := csvsrc.Open(writeFile(t, "in.csv", in), csvsrc.Options{})
		if err != nil {
			continue // a header the generator broke
		}
		for n := 1; n <= 64; n++ {
			parity, scan, err := s.SplitWays(n)
			require.NoError(t, err)
			require.Equal(t, scan, parity, "seed %d n %d", seed, n)
		}
		require.NoError(t, s.Close())
	}
}
