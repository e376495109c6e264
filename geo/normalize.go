package geo

import "github.com/paulmach/orb"

// TypeName returns the PostGIS name of g's type, as used in a column type such
// as geometry(MultiPolygon,4326): Point, LineString, Polygon, MultiPoint,
// MultiLineString, MultiPolygon or GeometryCollection. orb.Ring and orb.Bound
// are Polygon, as they are encoded. It returns "" for nil.
//
// These are the GeoJSON type names, which orb already gives.
func TypeName(g orb.Geometry) string {
	if g == nil {
		return ""
	}
	return g.GeoJSONType()
}

// ToMulti promotes a single geometry to its multi form, as PostGIS's ST_Multi
// does: Point to MultiPoint, LineString to MultiLineString, Polygon (and
// orb.Ring, orb.Bound) to MultiPolygon. An empty single geometry becomes an
// empty multi geometry. Multi geometries and collections are returned
// unchanged, and nil stays nil. The result shares memory with g.
func ToMulti(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		if isEmptyPoint(g) {
			return orb.MultiPoint{}
		}
		return orb.MultiPoint{g}
	case orb.LineString:
		if len(g) == 0 {
			return orb.MultiLineString{}
		}
		return orb.MultiLineString{g}
	case orb.Ring:
		return ToMulti(orb.Polygon{g})
	case orb.Bound:
		return orb.MultiPolygon{{g.ToRing()}}
	case orb.Polygon:
		if IsEmpty(g) {
			return orb.MultiPolygon{}
		}
		return orb.MultiPolygon{g}
	}
	return g
}

// IsEmpty reports whether g has no points, as PostGIS's ST_IsEmpty does: nil,
// [EmptyPoint], a geometry with no members, or one whose members are all empty.
func IsEmpty(g orb.Geometry) bool {
	empty := true
	eachPoint(g, func(p orb.Point) bool {
		empty = isEmptyPoint(p)
		return empty
	})
	return empty
}

// NumPoints returns the number of points in g, counting every ring and member.
// An orb.Bound counts as its 5-point ring.
func NumPoints(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.Bound:
		return 5
	case orb.Polygon:
		return numRingPoints(g)
	case orb.MultiLineString:
		n := 0
		for _, ls := range g {
			n += len(ls)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += numRingPoints(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, c := range g {
			n += NumPoints(c)
		}
		return n
	}
	return 0
}

func numRingPoints(p orb.Polygon) int {
	n := 0
	for _, r := range p {
		n += len(r)
	}
	return n
}

// eachPoint calls f for every point of g in order until f returns false, and
// reports whether it went through all of them.
func eachPoint(g orb.Geometry, f func(orb.Point) bool) bool {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		return eachOf(g, f)
	case orb.LineString:
		return eachOf(g, f)
	case orb.Ring:
		return eachOf(g, f)
	case orb.Bound:
		return eachOf(g.ToRing(), f)
	case orb.Polygon:
		for _, r := range g {
			if !eachOf(r, f) {
				return false
			}
		}
	case orb.MultiLineString:
		for _, ls := range g {
			if !eachOf(ls, f) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !eachPoint(p, f) {
				return false
			}
		}
	case orb.Collection:
		for _, c := range g {
			if !eachPoint(c, f) {
				return false
			}
		}
	}
	return true
}

func eachOf[S ~[]orb.Point](ps S, f func(orb.Point) bool) bool {
	for _, p := range ps {
		if !f(p) {
			return false
		}
	}
	return true
}
