package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// Reproject returns g transformed from one SRID to another. It supports
// EPSG:4326 (longitude/latitude) to EPSG:3857 (web Mercator) and back, with
// orb/project's spherical formulas; latitudes beyond ±85.0511 are clamped to
// the edge of the Mercator square. The same SRID on both sides returns g
// itself; any other pair is an error wrapping [ErrSRID].
//
// g is never modified: orb's projections work in place, so Reproject works on
// a deep copy. Empty points stay empty.
func Reproject(g orb.Geometry, from, to int) (orb.Geometry, error) {
	if g == nil {
		return nil, ErrNilGeometry
	}
	var proj orb.Projection
	switch {
	case from == to:
		return g, nil
	case from == SRIDWGS84 && to == SRIDWebMercator:
		if err := checkLatitudes(g); err != nil {
			return nil, err
		}
		proj = project.WGS84.ToMercator
	case from == SRIDWebMercator && to == SRIDWGS84:
		proj = project.Mercator.ToWGS84
	default:
		return nil, fmt.Errorf("%w: no reprojection from EPSG:%d to EPSG:%d (only 4326 and 3857)", ErrSRID, from, to)
	}
	c := orb.Clone(g)
	if c == nil { // a nil orb slice: nothing to project
		return g, nil
	}
	return project.Geometry(c, proj), nil
}

// checkLatitudes rejects latitudes Mercator cannot take, which would come out NaN.
func checkLatitudes(g orb.Geometry) error {
	var err error
	eachPoint(g, func(p orb.Point) bool {
		if !isEmptyPoint(p) && !(p[1] >= -90 && p[1] <= 90) {
			err = invalidf("latitude %v is outside [-90, 90] and cannot be projected to EPSG:3857", p[1])
		}
		return err == nil
	})
	return err
}
