package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestTypeName(t *testing.T) {
	cases := []struct {
		geom orb.Geometry
		want string
	}{
		{nil, ""},
		{orb.Point{}, "Point"},
		{orb.MultiPoint{}, "MultiPoint"},
		{orb.LineString{}, "LineString"},
		{orb.MultiLineString{}, "MultiLineString"},
		{orb.Ring{}, "Polygon"},
		{orb.Polygon{}, "Polygon"},
		{orb.MultiPolygon{}, "MultiPolygon"},
		{orb.Bound{}, "Polygon"},
		{orb.Collection{}, "GeometryCollection"},
	}
	for _, tc := range cases {
		if got := TypeName(tc.geom); got != tc.want {
			t.Errorf("TypeName(%T) = %q, want %q", tc.geom, got, tc.want)
		}
	}
	for _, g := range orb.AllGeometries {
		if g != nil && TypeName(g) == "" {
			t.Errorf("TypeName(%T) is empty", g)
		}
	}
}

func TestToMulti(t *testing.T) {
	cases := []struct {
		name string
		geom orb.Geometry
		want orb.Geometry
	}{
		{"point", orb.Point{1, 2}, orb.MultiPoint{{1, 2}}},
		{"empty point", EmptyPoint(), orb.MultiPoint{}},
		{"linestring", orb.LineString{{0, 0}, {1, 1}}, orb.MultiLineString{{{0, 0}, {1, 1}}}},
		{"empty linestring", orb.LineString{}, orb.MultiLineString{}},
		{"polygon", orb.Polygon{square}, orb.MultiPolygon{{square}}},
		{"empty polygon", orb.Polygon{}, orb.MultiPolygon{}},
		{"ring", square, orb.MultiPolygon{{square}}},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, orb.MultiPolygon{{square}}},
		{"multipoint unchanged", orb.MultiPoint{{1, 2}}, orb.MultiPoint{{1, 2}}},
		{"multipolygon unchanged", orb.MultiPolygon{{square}}, orb.MultiPolygon{{square}}},
		{"collection unchanged", orb.Collection{orb.Point{1, 2}}, orb.Collection{orb.Point{1, 2}}},
		{"nil", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ToMulti(tc.geom); !orb.Equal(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestIsEmptyAndNumPoints(t *testing.T) {
	cases := []struct {
		name  string
		geom  orb.Geometry
		empty bool
		n     int
	}{
		{"nil", nil, true, 0},
		{"point", orb.Point{0, 0}, false, 1},
		{"empty point", EmptyPoint(), true, 1},
		{"multipoint of empties", orb.MultiPoint{EmptyPoint()}, true, 1},
		{"nil linestring", orb.LineString(nil), true, 0},
		{"polygon", orb.Polygon{square, square}, false, 10},
		{"polygon of empty ring", orb.Polygon{{}}, true, 0},
		{"multipolygon", orb.MultiPolygon{{square}, {}}, false, 5},
		{"multilinestring", orb.MultiLineString{{}, {{0, 0}, {1, 1}}}, false, 2},
		{"collection of empties", orb.Collection{orb.Collection{}, orb.LineString{}}, true, 0},
		{"collection", orb.Collection{orb.Collection{orb.Point{}}}, false, 1},
		{"bound", orb.Bound{}, false, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsEmpty(tc.geom); got != tc.empty {
				t.Errorf("IsEmpty = %v, want %v", got, tc.empty)
			}
			if got := NumPoints(tc.geom); got != tc.n {
				t.Errorf("NumPoints = %d, want %d", got, tc.n)
			}
		})
	}
}
