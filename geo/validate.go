package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ValidateOptions tunes [Validate]. The zero value checks a geometry of
// unknown SRID, refuses empty geometries and caps points at [MaxPointsDefault].
type ValidateOptions struct {
	// SRID is the geometry's SRID. With 4326, longitudes must lie in
	// [-180, 180] and latitudes in [-90, 90].
	SRID int
	// AllowEmpty accepts a geometry with no points (POINT EMPTY, an empty
	// collection…). Empty members of a non-empty geometry are always accepted,
	// as PostGIS accepts them. Defaults to false.
	AllowEmpty bool
	// MaxPoints caps the points in the geometry. Defaults to MaxPointsDefault.
	MaxPoints int
}

// Validate checks that g can be stored as a sensible PostGIS geometry and
// returns a *[GeometryError] with a short reason when not, such as
// "ring 0 of polygon is not closed" or "coordinate 3 of linestring is NaN".
// It checks: coordinates are finite (NaN or infinite values are refused, except
// both NaN, which is an empty point); longitude and latitude ranges for SRID
// 4326; line strings have 0 or at least 2 points; polygon rings have at least 4
// points and are closed; emptiness; and the point cap. It does not check
// topology (self-intersection, ring orientation): that is PostGIS's
// ST_IsValid. Rings are never closed silently.
func Validate(g orb.Geometry, o ValidateOptions) error {
	if g == nil {
		return ErrNilGeometry
	}
	if o.MaxPoints <= 0 {
		o.MaxPoints = MaxPointsDefault
	}
	if n := NumPoints(g); n > o.MaxPoints {
		return tooLargef("%s has %d points, more than %d", strings.ToLower(TypeName(g)), n, o.MaxPoints)
	}
	if !o.AllowEmpty && IsEmpty(g) {
		return invalidf("empty %s", TypeName(g))
	}
	v := validator{lonLat: o.SRID == SRIDWGS84}
	if reason := v.geometry(g); reason != "" {
		return &GeometryError{Reason: v.where() + reason, Err: ErrInvalid}
	}
	return nil
}

// validator walks a geometry and, on the first fault, keeps the path to it.
type validator struct {
	lonLat bool
	path   []step // innermost first, filled on the way out of a fault
}

// step is one level of the path to a fault, such as "ring 2" or "polygon".
type step struct {
	kind  string
	index int // -1 for none
}

// where renders the path as "coordinate 3 of ring 0 of polygon ".
func (v *validator) where() string {
	var b strings.Builder
	for i := range v.path {
		if i > 0 {
			b.WriteString(" of ")
		}
		b.WriteString(v.path[i].kind)
		if v.path[i].index >= 0 {
			b.WriteString(" " + strconv.Itoa(v.path[i].index))
		}
	}
	return b.String() + " "
}

// at records a step on the way out of a fault and passes the reason through.
func (v *validator) at(reason, kind string, index int) string {
	if reason != "" {
		v.path = append(v.path, step{kind, index})
	}
	return reason
}

func (v *validator) geometry(g orb.Geometry) string {
	switch g := g.(type) {
	case orb.Point:
		return v.at(v.point(g, true), "point", -1)
	case orb.MultiPoint:
		for i, p := range g {
			if r := v.at(v.point(p, true), "point", i); r != "" {
				return v.at(r, "multipoint", -1)
			}
		}
	case orb.LineString:
		return v.at(v.lineString(g), "linestring", -1)
	case orb.Ring:
		return v.at(v.ring(g), "ring", -1)
	case orb.Bound:
		return v.at(v.ring(g.ToRing()), "bound", -1)
	case orb.Polygon:
		return v.at(v.polygon(g), "polygon", -1)
	case orb.MultiLineString:
		for i, ls := range g {
			if r := v.at(v.lineString(ls), "linestring", i); r != "" {
				return v.at(r, "multilinestring", -1)
			}
		}
	case orb.MultiPolygon:
		for i, p := range g {
			if r := v.at(v.polygon(p), "polygon", i); r != "" {
				return v.at(r, "multipolygon", -1)
			}
		}
	case orb.Collection:
		for i, c := range g {
			if c == nil {
				return v.at(v.at("is nil", "geometry", i), "geometrycollection", -1)
			}
			if r := v.at(v.geometry(c), "geometry", i); r != "" {
				return v.at(r, "geometrycollection", -1)
			}
		}
	}
	return ""
}

// point checks one coordinate. An empty point is allowed only where a point
// stands alone (a Point or a MultiPoint member).
func (v *validator) point(p orb.Point, alone bool) string {
	if alone && isEmptyPoint(p) {
		return ""
	}
	for _, f := range p {
		if math.IsNaN(f) {
			return "is NaN"
		}
		if math.IsInf(f, 0) {
			return "is infinite"
		}
	}
	switch {
	case !v.lonLat:
	case p[0] < -180 || p[0] > 180:
		return fmt.Sprintf("has longitude %v outside [-180, 180]", p[0])
	case p[1] < -90 || p[1] > 90:
		return fmt.Sprintf("has latitude %v outside [-90, 90]", p[1])
	}
	return ""
}

func (v *validator) points(ps []orb.Point) string {
	for i, p := range ps {
		if r := v.at(v.point(p, false), "coordinate", i); r != "" {
			return r
		}
	}
	return ""
}

func (v *validator) lineString(ls orb.LineString) string {
	if len(ls) == 1 {
		return "has 1 point, fewer than 2"
	}
	return v.points(ls)
}

func (v *validator) ring(r orb.Ring) string {
	if len(r) < 4 {
		return fmt.Sprintf("has %d points, fewer than 4", len(r))
	}
	if reason := v.points(r); reason != "" {
		return reason
	}
	if r[0] != r[len(r)-1] {
		return "is not closed"
	}
	return ""
}

func (v *validator) polygon(p orb.Polygon) string {
	for i, r := range p {
		if reason := v.at(v.ring(r), "ring", i); reason != "" {
			return reason
		}
	}
	return ""
}
