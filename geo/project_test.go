package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestReproject(t *testing.T) {
	const r = 6378137.0 // orb.EarthRadius
	cases := []struct {
		name     string
		geom     orb.Geometry
		from, to int
		want     orb.Geometry
	}{
		{"origin", orb.Point{0, 0}, 4326, 3857, orb.Point{0, 0}},
		{"lon 180", orb.Point{180, 0}, 4326, 3857, orb.Point{math.Pi * r, 0}},
		{"back", orb.Point{math.Pi * r / 2, 0}, 3857, 4326, orb.Point{90, 0}},
		{"same srid", orb.Point{1, 2}, 4326, 4326, orb.Point{1, 2}},
		{"same other srid", orb.Point{1, 2}, 2154, 2154, orb.Point{1, 2}},
		{"empty point stays empty", EmptyPoint(), 4326, 3857, EmptyPoint()},
		{"nil linestring", orb.LineString(nil), 4326, 3857, orb.LineString(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Reproject(tc.geom, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := tc.want.(orb.Point); ok && isEmptyPoint(p) {
				if gp, ok := got.(orb.Point); !ok || !isEmptyPoint(gp) {
					t.Errorf("got %v, want POINT EMPTY", got)
				}
				return
			}
			if !orb.Equal(orb.Round(got, 1e6), orb.Round(tc.want, 1e6)) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReprojectDoesNotMutate(t *testing.T) {
	geoms := []orb.Geometry{
		orb.MultiPoint{{80, 7}, {81, 8}},
		orb.LineString{{80, 7}, {81, 8}},
		orb.Polygon{{{80, 7}, {81, 7}, {81, 8}, {80, 7}}},
		orb.MultiPolygon{{{{80, 7}, {81, 7}, {81, 8}, {80, 7}}}},
		orb.Collection{orb.LineString{{80, 7}, {81, 8}}, orb.Point{1, 1}},
	}
	for _, g := range geoms {
		before := orb.Clone(g)
		merc, err := Reproject(g, 4326, 3857)
		if err != nil {
			t.Fatal(err)
		}
		if !orb.Equal(g, before) {
			t.Errorf("%T: input changed to %v", g, g)
		}
		if orb.Equal(merc, g) {
			t.Errorf("%T: not projected", g)
		}
		back, err := Reproject(merc, 3857, 4326)
		if err != nil {
			t.Fatal(err)
		}
		if !orb.Equal(orb.Round(back, 1e9), orb.Round(g, 1e9)) {
			t.Errorf("%T: round trip gave %v, want %v", g, back, g)
		}
	}
}

func TestReprojectErrors(t *testing.T) {
	cases := []struct {
		name     string
		geom     orb.Geometry
		from, to int
		want     error
		text     string
	}{
		{"nil", nil, 4326, 3857, ErrNilGeometry, ""},
		{"unsupported pair", orb.Point{1, 2}, 4326, 2154, ErrSRID, "EPSG:4326 to EPSG:2154"},
		{"unsupported source", orb.Point{1, 2}, 27700, 4326, ErrSRID, "EPSG:27700 to EPSG:4326"},
		{"latitude beyond 90", orb.LineString{{0, 0}, {0, 95}}, 4326, 3857, ErrInvalid, "latitude 95"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Reproject(tc.geom, tc.from, tc.to)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("got %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
}
