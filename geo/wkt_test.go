package geo

import (
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseEWKT(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want orb.Geometry
		srid int
	}{
		{"point", "POINT(1 2)", orb.Point{1, 2}, 0},
		{"point spaces and case", "  point ( -1.5e2   +2.25 ) ", orb.Point{-150, 2.25}, 0},
		{"ewkt", "SRID=4326;POINT(1 2)", orb.Point{1, 2}, 4326},
		{"ewkt lower", "srid=3857; POINT(1 2)", orb.Point{1, 2}, 3857},
		{"point z tagged", "POINT Z (1 2 3)", orb.Point{1, 2}, 0},
		{"point z attached", "POINTZ(1 2 3)", orb.Point{1, 2}, 0},
		{"point m", "POINT M (1 2 3)", orb.Point{1, 2}, 0},
		{"point zm", "POINT ZM (1 2 3 4)", orb.Point{1, 2}, 0},
		{"point z untagged", "POINT(1 2 3)", orb.Point{1, 2}, 0},
		{"linestring", "LINESTRING(0 0,1 1, 2 2)", orb.LineString{{0, 0}, {1, 1}, {2, 2}}, 0},
		{"linestring empty", "LINESTRING EMPTY", orb.LineString{}, 0},
		{"polygon with hole", "POLYGON((0 0,1 0,1 1,0 1,0 0),(0.2 0.2,0.4 0.2,0.4 0.4,0.2 0.2))",
			orb.Polygon{square, {{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0.2, 0.2}}}, 0},
		{"multipoint bare", "MULTIPOINT(1 2, 3 4)", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"multipoint parens", "MULTIPOINT((1 2),(3 4))", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"multilinestring", "MULTILINESTRING((0 0,1 1),(2 2,3 3))", orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, 0},
		{"multipolygon", "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((0 0,1 0,1 1,0 1,0 0)))", orb.MultiPolygon{{square}, {square}}, 0},
		{"multipolygon z", "MULTIPOLYGON Z (((0 0 9,1 0 9,1 1 9,0 1 9,0 0 9)))", orb.MultiPolygon{{square}}, 0},
		{"multilinestring empty member", "MULTILINESTRING(EMPTY,(0 0,1 1))", orb.MultiLineString{{}, {{0, 0}, {1, 1}}}, 0},
		{"collection", "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1),GEOMETRYCOLLECTION EMPTY)",
			orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}, orb.Collection{}}, 0},
		{"collection empty", "GEOMETRYCOLLECTION EMPTY", orb.Collection{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, srid, err := ParseEWKT(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, tc.want) || srid != tc.srid {
				t.Errorf("got %v srid %d, want %v srid %d", g, srid, tc.want, tc.srid)
			}
		})
	}
}

func TestParseWKTEmptyPoint(t *testing.T) {
	for _, in := range []string{"POINT EMPTY", "point z empty"} {
		g, err := ParseWKT(in)
		if p, ok := g.(orb.Point); err != nil || !ok || !isEmptyPoint(p) {
			t.Errorf("%s: got %v, %v", in, g, err)
		}
	}
	g, err := ParseWKT("MULTIPOINT(EMPTY, 1 2)")
	if mp, ok := g.(orb.MultiPoint); err != nil || !ok || len(mp) != 2 || !isEmptyPoint(mp[0]) {
		t.Errorf("got %v, %v", g, err)
	}
}

func TestParseEWKTInvalid(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrInvalid},
		{"garbage", "hello", ErrInvalid},
		{"unknown type", "CIRCULARSTRING(0 0,1 1,2 0)", ErrInvalid},
		{"missing paren", "POINT(1 2", ErrInvalid},
		{"one ordinate", "POINT(1)", ErrInvalid},
		{"five ordinates", "POINT(1 2 3 4 5)", ErrInvalid},
		{"z tag with 2 ordinates", "POINT Z (1 2)", ErrInvalid},
		{"bad number", "POINT(1 2x)", ErrInvalid},
		{"number junk", "POINT(1-2 3)", ErrInvalid},
		{"nan", "POINT(NaN 1)", ErrInvalid},
		{"trailing text", "POINT(1 2) extra", ErrInvalid},
		{"trailing comma", "LINESTRING(0 0,1 1,)", ErrInvalid},
		{"bad srid", "SRID=abc;POINT(1 2)", ErrInvalid},
		{"srid without semicolon", "SRID=4326 POINT(1 2)", ErrInvalid},
		{"srid out of range", "SRID=1000000;POINT(1 2)", ErrInvalid},
		{"collections too deep", strings.Repeat("GEOMETRYCOLLECTION(", MaxNestingDefault+1) + "POINT(1 2)" +
			strings.Repeat(")", MaxNestingDefault+1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, _, err := ParseEWKT(tc.in)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, %v; want %v", g, err, tc.want)
			}
		})
	}
}
