package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestRoundTrip decodes GeoJSON, encodes EWKB, decodes it again and expects
// the geometry it started from.
func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name     string
		geometry string
		want     orb.Geometry
	}{
		{"point", `{"type":"Point","coordinates":[80.0439453125,7.01366792756663]}`, orb.Point{80.0439453125, 7.01366792756663}},
		{"linestring", `{"type":"LineString","coordinates":[[0,0],[1.5,-2.25],[3,4]]}`, orb.LineString{{0, 0}, {1.5, -2.25}, {3, 4}}},
		{"polygon with holes", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],
			[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]],[[0.5,0.5],[0.6,0.5],[0.6,0.6],[0.5,0.5]]]}`,
			orb.Polygon{square, {{0.1, 0.1}, {0.2, 0.1}, {0.2, 0.2}, {0.1, 0.1}}, {{0.5, 0.5}, {0.6, 0.5}, {0.6, 0.6}, {0.5, 0.5}}}},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`, orb.MultiPoint{{1, 2}, {3, 4}}},
		{"multilinestring", `{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3],[4,4]]]}`,
			orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}, {4, 4}}}},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],
			[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]]}`,
			orb.MultiPolygon{{square}, {square, {{0.1, 0.1}, {0.2, 0.1}, {0.2, 0.2}, {0.1, 0.1}}}}},
		{"geometrycollection", `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},
			{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[1,1]]}]},
			{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}]}`,
			orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{0, 0}, {1, 1}}}, orb.MultiPolygon{{square}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			feature := `{"type":"Feature","properties":{},"geometry":` + tc.geometry + `}`
			for _, in := range []string{tc.geometry, feature} {
				res := readAll(t, strings.NewReader(in), nil)
				if len(res.features) != 1 || !orb.Equal(res.features[0].Geometry, tc.want) {
					t.Fatalf("decoded %+v", res)
				}
				f := res.features[0]
				b, err := EncodeEWKB(f.Geometry, f.SRID)
				if err != nil {
					t.Fatal(err)
				}
				g, srid, err := ParseEWKB(b)
				if err != nil || srid != 4326 || !orb.Equal(g, tc.want) {
					t.Errorf("EWKB round trip gave %v srid %d, %v", g, srid, err)
				}
				h, err := AppendEWKBHex(nil, f.Geometry, f.SRID)
				if err != nil {
					t.Fatal(err)
				}
				if g, _, err := ParseHex(string(h)); err != nil || !orb.Equal(g, tc.want) {
					t.Errorf("hex round trip gave %v, %v", g, err)
				}
			}
		})
	}
}

// TestRoundTripWKT goes from WKT to EWKB and back.
func TestRoundTripWKT(t *testing.T) {
	for _, in := range []string{
		"SRID=4326;POINT(1 2)",
		"SRID=3857;MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((0 0,1 0,1 1,0 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1)))",
		"GEOMETRYCOLLECTION(POINT(1 2),LINESTRING EMPTY,GEOMETRYCOLLECTION(MULTIPOINT(1 2,3 4)))",
	} {
		g, srid, err := ParseEWKT(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := EncodeEWKB(g, srid)
		if err != nil {
			t.Fatal(err)
		}
		back, backSRID, err := ParseEWKB(b)
		if err != nil || backSRID != srid || !orb.Equal(back, g) {
			t.Errorf("%s: got %v srid %d, %v", in, back, backSRID, err)
		}
	}
}
