// Package geo decodes, validates, normalizes and encodes geometries for import into PostGIS, on top of github.com/paulmach/orb.
//
// Geometries are plain [orb.Geometry] values. Decoders cover streaming GeoJSON
// ([GeoJSONReader]), WKT and EWKT ([ParseWKT], [ParseEWKT]), WKB and EWKB
// ([ParseWKB], [ParseEWKB], [ParseHex]). [AppendEWKB] and [AppendEWKBHex] encode
// for PostgreSQL's binary and text COPY formats without allocating.
//
// orb is two-dimensional: every decoder keeps X and Y and drops Z and M. An empty
// point is represented as orb.Point{NaN, NaN}, the same encoding PostGIS uses for
// POINT EMPTY in WKB.
//
// orb has a package of its own named geo (github.com/paulmach/orb/geo); import it
// as orbgeo next to this one.
//
// Every decoder bounds what hostile input can make it allocate: counts read from
// WKB are checked against the bytes that remain, and all decoders stop at
// [MaxPointsDefault] points and [MaxNestingDefault] levels of nested collections.
package geo

import (
	"math"

	"github.com/paulmach/orb"
)

const (
	// MaxPointsDefault is the most points a decoded geometry may hold unless an
	// option says otherwise.
	MaxPointsDefault = 10_000_000
	// MaxNestingDefault is the deepest nesting of geometry collections a decoder accepts.
	MaxNestingDefault = 32
	// SRIDWGS84 is EPSG:4326, longitude/latitude on WGS 84.
	SRIDWGS84 = 4326
	// SRIDWebMercator is EPSG:3857, the spherical Pseudo-Mercator of web maps.
	SRIDWebMercator = 3857
	// MaxSRID is the largest SRID PostGIS accepts (SRID_MAXIMUM).
	MaxSRID = 999_999
)

// canonicalNaN is the NaN PostGIS writes (math.NaN has a different payload).
var canonicalNaN = math.Float64frombits(0x7ff8000000000000)

// emptyPoint is how PostGIS writes POINT EMPTY in WKB: both ordinates NaN.
var emptyPoint = orb.Point{canonicalNaN, canonicalNaN}

// EmptyPoint returns the representation of POINT EMPTY: orb.Point{NaN, NaN}.
func EmptyPoint() orb.Point { return emptyPoint }

// isEmptyPoint reports whether p is POINT EMPTY.
func isEmptyPoint(p orb.Point) bool { return math.IsNaN(p[0]) && math.IsNaN(p[1]) }
