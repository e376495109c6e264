package geo

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEWKB(t *testing.T) {
	cases := []struct {
		name string
		hex  string
		want orb.Geometry
		srid int
	}{
		{"point le", "0101000000 000000000000F03F 0000000000000040", orb.Point{1, 2}, 0},
		{"point be", "0000000001 3FF0000000000000 4000000000000000", orb.Point{1, 2}, 0},
		{"point ewkb srid", "0101000020E6100000 000000000000F03F 0000000000000040", orb.Point{1, 2}, 4326},
		{"point ewkb z", "01010000A0E6100000 000000000000F03F 0000000000000040 0000000000000840", orb.Point{1, 2}, 4326},
		{"point ewkb m", "0101000040 000000000000F03F 0000000000000040 0000000000000840", orb.Point{1, 2}, 0},
		{"point ewkb zm", "01010000C0 000000000000F03F 0000000000000040 0000000000000840 0000000000001040", orb.Point{1, 2}, 0},
		{"point iso z", "01E9030000 000000000000F03F 0000000000000040 0000000000000840", orb.Point{1, 2}, 0},
		{"point iso m", "01D1070000 000000000000F03F 0000000000000040 0000000000000840", orb.Point{1, 2}, 0},
		{"point iso zm", "01B90B0000 000000000000F03F 0000000000000040 0000000000000840 0000000000001040", orb.Point{1, 2}, 0},
		{"linestring iso z", "01EA030000 02000000" +
			"000000000000F03F 0000000000000040 0000000000000840" +
			"0000000000000840 0000000000001040 0000000000001440", orb.LineString{{1, 2}, {3, 4}}, 0},
		{"multipoint mixed byte order", "0104000000 02000000 0101000000 000000000000F03F 0000000000000040" +
			"0000000001 4008000000000000 4010000000000000", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"multipoint member with srid", "0104000020E6100000 01000000 0101000020E6100000 000000000000F03F 0000000000000040",
			orb.MultiPoint{{1, 2}}, 4326},
		{"empty linestring", "0102000000 00000000", orb.LineString{}, 0},
		{"empty polygon", "0103000000 00000000", orb.Polygon{}, 0},
		{"empty collection", "0107000000 00000000", orb.Collection{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, srid, err := ParseEWKB(mustHex(t, tc.hex))
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, tc.want) || srid != tc.srid {
				t.Errorf("got %v srid %d, want %v srid %d", g, srid, tc.want, tc.srid)
			}
		})
	}
}

func TestParseEWKBEmptyPoint(t *testing.T) {
	g, srid, err := ParseEWKB(mustHex(t, "0101000020E6100000000000000000F87F000000000000F87F"))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := g.(orb.Point); !ok || !isEmptyPoint(p) || srid != 4326 || !IsEmpty(g) {
		t.Errorf("got %v srid %d, want POINT EMPTY", g, srid)
	}
}

// hostile returns a WKB header for typ claiming count elements, and nothing else.
func hostile(typ uint32, count uint32) []byte {
	b := []byte{1}
	b = binary.LittleEndian.AppendUint32(b, typ)
	return binary.LittleEndian.AppendUint32(b, count)
}

func TestParseEWKBInvalid(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrInvalid},
		{"short header", []byte{1, 1, 0}, ErrInvalid},
		{"bad byte order", mustHex(t, "0201000000000000000000F03F0000000000000040"), ErrInvalid},
		{"truncated point", mustHex(t, "0101000000000000000000F03F"), ErrInvalid},
		{"truncated ewkb srid", mustHex(t, "0101000020E610"), ErrInvalid},
		{"trailing bytes", mustHex(t, "0101000000000000000000F03F000000000000004000"), ErrInvalid},
		{"circularstring", mustHex(t, "010800000000000000"), ErrUnsupported},
		{"tin", mustHex(t, "011000000000000000"), ErrUnsupported},
		{"type 0", mustHex(t, "010000000000000000"), ErrUnsupported},
		{"iso 4000s", mustHex(t, "01A10F000000000000"), ErrUnsupported},
		{"srid out of range", mustHex(t, "0101000020FFFFFFFF000000000000F03F0000000000000040"), ErrInvalid},
		{"linestring in multipoint", mustHex(t, "010400000001000000"+"010200000000000000"+"000000000000000000000000"), ErrInvalid},
		{"2^32-1 points", hostile(wkbLineString, math.MaxUint32), ErrInvalid},
		{"2^32-1 rings", hostile(wkbPolygon, math.MaxUint32), ErrInvalid},
		{"2^32-1 multipoint members", hostile(wkbMultiPoint, math.MaxUint32), ErrInvalid},
		{"2^32-1 multilinestring members", hostile(wkbMultiLineString, math.MaxUint32), ErrInvalid},
		{"2^32-1 multipolygon members", hostile(wkbMultiPolygon, math.MaxUint32), ErrInvalid},
		{"2^32-1 collection members", hostile(wkbGeometryCollection, math.MaxUint32), ErrInvalid},
		{"2^32-1 points z", hostile(wkbLineString|ewkbFlagZ, math.MaxUint32), ErrInvalid},
		{"points claim more than the bytes", append(hostile(wkbLineString, 2), make([]byte, 31)...), ErrInvalid},
		{"collections nested too deep", deepCollection(MaxNestingDefault + 1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			g, _, err := ParseEWKB(tc.data)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", g, err, tc.want)
			}
			var ge *GeometryError
			if !errors.As(err, &ge) || ge.Reason == "" {
				t.Errorf("error %v is not a *GeometryError with a reason", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes on a %d-byte input", n, len(tc.data))
			}
		})
	}
}

// deepCollection nests n empty collections.
func deepCollection(n int) []byte {
	var b []byte
	for i := 0; i < n-1; i++ {
		b = append(b, hostile(wkbGeometryCollection, 1)...)
	}
	return append(b, hostile(wkbGeometryCollection, 0)...)
}

func TestParseEWKBNesting(t *testing.T) {
	if _, _, err := ParseEWKB(deepCollection(MaxNestingDefault)); err != nil {
		t.Errorf("%d nested collections: %v", MaxNestingDefault, err)
	}
}

func TestParseHex(t *testing.T) {
	const point = "0101000020E6100000000000000000F03F0000000000000040"
	cases := []struct {
		name    string
		in      string
		srid    int
		wantErr bool
	}{
		{"upper", point, 4326, false},
		{"lower", strings.ToLower(point), 4326, false},
		{"bytea prefix", `\x` + point, 4326, false},
		{"wkb", "0101000000000000000000F03F0000000000000040", 0, false},
		{"odd length", point[1:], 0, true},
		{"not hex", "zz" + point[2:], 0, true},
		{"empty", "", 0, true},
		{"0x prefix", "0x" + point, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, srid, err := ParseHex(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("got %v, %v; want ErrInvalid", g, err)
				}
				return
			}
			if err != nil || !orb.Equal(g, orb.Point{1, 2}) || srid != tc.srid {
				t.Errorf("got %v, %d, %v", g, srid, err)
			}
		})
	}
}

func TestParseWKBDropsSRID(t *testing.T) {
	g, err := ParseWKB(mustHex(t, "0101000020E6100000000000000000F03F0000000000000040"))
	if err != nil || !orb.Equal(g, orb.Point{1, 2}) {
		t.Errorf("got %v, %v", g, err)
	}
}
