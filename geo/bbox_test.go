package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestInBBox(t *testing.T) {
	box := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}
	cases := []struct {
		name string
		geom orb.Geometry
		box  orb.Bound
		want bool
	}{
		{"point inside", orb.Point{5, 5}, box, true},
		{"point on edge", orb.Point{10, 5}, box, true},
		{"point outside", orb.Point{11, 5}, box, false},
		{"empty point", EmptyPoint(), box, false},
		{"line crossing", orb.LineString{{-5, 5}, {15, 5}}, box, true},
		{"line outside", orb.LineString{{-5, -5}, {-1, -1}}, box, false},
		{"polygon around", orb.Polygon{{{-1, -1}, {11, -1}, {11, 11}, {-1, 11}, {-1, -1}}}, box, true},
		{"envelopes touch", orb.Polygon{{{10, 10}, {12, 10}, {12, 12}, {10, 10}}}, box, true},
		{"envelope overlaps, shape does not", orb.LineString{{-5, 9}, {9, 25}}, box, true},
		{"empty linestring", orb.LineString{}, box, false},
		{"empty collection near origin", orb.Collection{}, box, false},
		{"multipoint with empty member", orb.MultiPoint{EmptyPoint(), {20, 20}}, box, false},
		{"collection", orb.Collection{orb.Point{20, 20}, orb.Point{1, 1}}, box, true},
		{"inverted box", orb.Point{5, 5}, orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{0, 0}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := InBBox(tc.geom, tc.box); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEnvelope(t *testing.T) {
	b, ok := Envelope(orb.MultiPoint{EmptyPoint(), {3, -1}, {-2, 4}})
	want := orb.Bound{Min: orb.Point{-2, -1}, Max: orb.Point{3, 4}}
	if !ok || b != want {
		t.Errorf("got %v %v, want %v", b, ok, want)
	}
	if _, ok := Envelope(orb.Polygon{}); ok {
		t.Error("empty polygon has an envelope")
	}
}
