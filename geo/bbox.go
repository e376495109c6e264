package geo

import "github.com/paulmach/orb"

// Envelope returns the bounding box of g's points, skipping empty points, and
// false when g is empty. Unlike orb's Bound methods it never reports a box for
// an empty geometry.
func Envelope(g orb.Geometry) (orb.Bound, bool) {
	var b orb.Bound
	found := false
	eachPoint(g, func(p orb.Point) bool {
		switch {
		case isEmptyPoint(p):
		case !found:
			b, found = orb.Bound{Min: p, Max: p}, true
		default:
			b = b.Extend(p)
		}
		return true
	})
	return b, found
}

// InBBox reports whether the bounding box of g intersects b, touching edges
// included: the test PostGIS's && operator makes. Empty geometries and empty
// (inverted) boxes never intersect.
func InBBox(g orb.Geometry, b orb.Bound) bool {
	if p, ok := g.(orb.Point); ok { // the common case, without a closure
		return !isEmptyPoint(p) && b.Contains(p)
	}
	env, ok := Envelope(g)
	return ok && env.Intersects(b)
}
