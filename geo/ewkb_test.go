package geo

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
)

// square is a closed 5-point ring.
var square = orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}

func TestEncodeEWKB(t *testing.T) {
	cases := []struct {
		name string
		geom orb.Geometry
		srid int
		want string // hex
	}{
		{"point 4326", orb.Point{1, 2}, 4326, "0101000020E6100000000000000000F03F0000000000000040"},
		{"point no srid is plain wkb", orb.Point{1, 2}, 0, "0101000000000000000000F03F0000000000000040"},
		{"point empty", EmptyPoint(), 4326, "0101000020E6100000000000000000F87F000000000000F87F"},
		{"linestring", orb.LineString{{0, 0}, {1, 1}}, 4326,
			"0102000020E610000002000000" + "00000000000000000000000000000000" + "000000000000F03F000000000000F03F"},
		{"linestring empty", orb.LineString{}, 4326, "0102000020E610000000000000"},
		{"linestring nil", orb.LineString(nil), 4326, "0102000020E610000000000000"},
		{"polygon empty", orb.Polygon{}, 4326, "0103000020E610000000000000"},
		{"ring empty is polygon empty", orb.Ring{}, 4326, "0103000020E610000000000000"},
		{"multipoint members carry no srid", orb.MultiPoint{{1, 2}}, 4326,
			"0104000020E610000001000000" + "0101000000000000000000F03F0000000000000040"},
		{"multipoint with empty member", orb.MultiPoint{EmptyPoint()}, 4326,
			"0104000020E610000001000000" + "0101000000000000000000F87F000000000000F87F"},
		{"collection empty", orb.Collection{}, 4326, "0107000020E610000000000000"},
		{"collection 3857", orb.Collection{orb.Point{1, 2}}, 3857,
			"0107000020110F000001000000" + "0101000000000000000000F03F0000000000000040"},
		{"nested collection", orb.Collection{orb.Collection{}}, 4326,
			"0107000020E610000001000000" + "010700000000000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeEWKB(tc.geom, tc.srid)
			if err != nil {
				t.Fatal(err)
			}
			if h := strings.ToUpper(hex.EncodeToString(got)); h != tc.want {
				t.Errorf("got  %s\nwant %s", h, tc.want)
			}
			gotHex, err := AppendEWKBHex([]byte("x"), tc.geom, tc.srid)
			if err != nil {
				t.Fatal(err)
			}
			if string(gotHex) != "x"+tc.want {
				t.Errorf("hex: got %s, want x%s", gotHex, tc.want)
			}
		})
	}
}

// TestEncodeEWKBMatchesOrb checks the encoder against orb's ewkb.Marshal,
// which agrees with PostGIS for non-empty 2D geometries.
func TestEncodeEWKBMatchesOrb(t *testing.T) {
	cases := []struct {
		name string
		geom orb.Geometry
	}{
		{"point", orb.Point{-73.5, 45.25}},
		{"multipoint", orb.MultiPoint{{1, 2}, {3, 4}}},
		{"linestring", orb.LineString{{1, 2}, {3, 4}, {5, 6}}},
		{"multilinestring", orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}},
		{"polygon with hole", orb.Polygon{square, {{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0.2, 0.2}}}},
		{"multipolygon", orb.MultiPolygon{{square}, {square, square}}},
		{"collection", orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}, orb.MultiPolygon{{square}}}},
		{"ring", square},
		{"bound", orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}},
	}
	for _, tc := range cases {
		for _, srid := range []int{0, 4326, 3857} {
			want, err := ewkb.Marshal(tc.geom, srid)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EncodeEWKB(tc.geom, srid)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != hex.EncodeToString(want) {
				t.Errorf("%s srid %d:\ngot  %x\nwant %x", tc.name, srid, got, want)
			}
			if len(got) != ewkbSize(tc.geom, srid) {
				t.Errorf("%s srid %d: size %d, ewkbSize %d", tc.name, srid, len(got), ewkbSize(tc.geom, srid))
			}
		}
	}
}

func TestEncodeEWKBErrors(t *testing.T) {
	cases := []struct {
		name string
		geom orb.Geometry
		srid int
		want error
	}{
		{"nil", nil, 4326, ErrNilGeometry},
		{"nil member", orb.Collection{orb.Point{}, nil}, 4326, ErrNilGeometry},
		{"negative srid", orb.Point{}, -1, ErrSRID},
		{"srid too large", orb.Point{}, MaxSRID + 1, ErrSRID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := EncodeEWKB(tc.geom, tc.srid); !errors.Is(err, tc.want) {
				t.Errorf("EncodeEWKB: got %v, want %v", err, tc.want)
			}
			dst := []byte("keep")
			got, err := AppendEWKB(dst, tc.geom, tc.srid)
			if !errors.Is(err, tc.want) || string(got) != "keep" {
				t.Errorf("AppendEWKB: got %q, %v", got, err)
			}
			if _, err := AppendEWKBHex(nil, tc.geom, tc.srid); !errors.Is(err, tc.want) {
				t.Errorf("AppendEWKBHex: got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAppendEWKBNoAllocs(t *testing.T) {
	var g orb.Geometry = orb.Polygon{square}
	buf := make([]byte, 0, 256)
	for _, f := range []func([]byte, orb.Geometry, int) ([]byte, error){AppendEWKB, AppendEWKBHex} {
		allocs := testing.AllocsPerRun(100, func() {
			var err error
			if buf, err = f(buf[:0], g, 4326); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("got %v allocs per run, want 0", allocs)
		}
	}
}
