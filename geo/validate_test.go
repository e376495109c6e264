package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	open := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	cases := []struct {
		name   string
		geom   orb.Geometry
		opts   ValidateOptions
		want   error
		reason string
	}{
		{"point", orb.Point{1, 2}, ValidateOptions{}, nil, ""},
		{"polygon", orb.Polygon{square}, ValidateOptions{SRID: 4326}, nil, ""},
		{"multipolygon", orb.MultiPolygon{{square}, {square}}, ValidateOptions{}, nil, ""},
		{"collection", orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}, ValidateOptions{}, nil, ""},
		{"nil", nil, ValidateOptions{}, ErrNilGeometry, ""},
		{"nan", orb.Point{nan, 1}, ValidateOptions{}, ErrInvalid, "point is NaN"},
		{"inf", orb.LineString{{0, 0}, {1, 1}, {2, 2}, {inf, 3}}, ValidateOptions{}, ErrInvalid, "coordinate 3 of linestring is infinite"},
		{"nan in ring", orb.Polygon{{{0, 0}, {1, 0}, {nan, 1}, {0, 0}}}, ValidateOptions{}, ErrInvalid,
			"coordinate 2 of ring 0 of polygon is NaN"},
		{"longitude", orb.Point{181, 0}, ValidateOptions{SRID: 4326}, ErrInvalid, "point has longitude 181 outside [-180, 180]"},
		{"latitude", orb.MultiPoint{{0, 0}, {0, -91}}, ValidateOptions{SRID: 4326}, ErrInvalid,
			"point 1 of multipoint has latitude -91 outside [-90, 90]"},
		{"latitude ok in 3857", orb.Point{0, 5e6}, ValidateOptions{SRID: 3857}, nil, ""},
		{"ring not closed", orb.Polygon{open}, ValidateOptions{}, ErrInvalid, "ring 0 of polygon is not closed"},
		{"hole not closed", orb.MultiPolygon{{square}, {square, open}}, ValidateOptions{}, ErrInvalid,
			"ring 1 of polygon 1 of multipolygon is not closed"},
		{"short ring", orb.Polygon{{{0, 0}, {1, 1}, {0, 0}}}, ValidateOptions{}, ErrInvalid, "ring 0 of polygon has 3 points, fewer than 4"},
		{"bare ring", open, ValidateOptions{}, ErrInvalid, "ring is not closed"},
		{"short linestring", orb.MultiLineString{{{0, 0}, {1, 1}}, {{0, 0}}}, ValidateOptions{}, ErrInvalid,
			"linestring 1 of multilinestring has 1 point, fewer than 2"},
		{"in collection", orb.Collection{orb.Point{0, 0}, orb.Polygon{open}}, ValidateOptions{}, ErrInvalid,
			"ring 0 of polygon of geometry 1 of geometrycollection is not closed"},
		{"nil in collection", orb.Collection{orb.Point{0, 0}, nil}, ValidateOptions{}, ErrInvalid,
			"geometry 1 of geometrycollection is nil"},
		{"empty point", EmptyPoint(), ValidateOptions{}, ErrInvalid, "empty Point"},
		{"empty point allowed", EmptyPoint(), ValidateOptions{AllowEmpty: true}, nil, ""},
		{"empty polygon", orb.Polygon{}, ValidateOptions{}, ErrInvalid, "empty Polygon"},
		{"empty collection", orb.Collection{orb.MultiPoint{}}, ValidateOptions{}, ErrInvalid, "empty GeometryCollection"},
		{"empty member", orb.MultiLineString{{}, {{0, 0}, {1, 1}}}, ValidateOptions{}, nil, ""},
		{"empty point member", orb.MultiPoint{EmptyPoint(), {1, 1}}, ValidateOptions{}, nil, ""},
		{"too many points", orb.LineString{{0, 0}, {1, 1}, {2, 2}}, ValidateOptions{MaxPoints: 2}, ErrTooLarge,
			"linestring has 3 points, more than 2"},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, ValidateOptions{}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.geom, tc.opts)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ge *GeometryError
			if tc.reason != "" && (!errors.As(err, &ge) || ge.Reason != tc.reason) {
				t.Errorf("got reason %q, want %q", err, tc.reason)
			}
		})
	}
}
