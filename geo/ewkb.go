package geo

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// WKB geometry type codes and EWKB flags.
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7

	ewkbFlagZ    = 0x80000000
	ewkbFlagM    = 0x40000000
	ewkbFlagSRID = 0x20000000
)

// EncodeEWKB returns g as little-endian EWKB carrying srid: for a 2D geometry,
// the bytes PostGIS's ST_AsEWKB returns. Only the outermost geometry carries
// the SRID, as in PostGIS. An srid of 0 gives plain WKB. orb.Ring and orb.Bound
// are written as polygons (an empty orb.Ring as POLYGON EMPTY); a nil orb slice
// is written as an empty geometry, and EmptyPoint as POINT EMPTY.
func EncodeEWKB(g orb.Geometry, srid int) ([]byte, error) {
	if err := checkEncode(g, srid); err != nil {
		return nil, err
	}
	return appendGeometry(make([]byte, 0, ewkbSize(g, srid)), g, srid), nil
}

// AppendEWKB appends the EWKB of g (see [EncodeEWKB]) to dst and returns the
// extended buffer. It does not allocate when dst has room. On error dst is
// returned unchanged.
func AppendEWKB(dst []byte, g orb.Geometry, srid int) ([]byte, error) {
	if err := checkEncode(g, srid); err != nil {
		return dst, err
	}
	dst = slices.Grow(dst, ewkbSize(g, srid))
	return appendGeometry(dst, g, srid), nil
}

// checkEncode rejects what cannot be encoded: nil geometries, at any depth, and
// SRIDs PostGIS would refuse.
func checkEncode(g orb.Geometry, srid int) error {
	if srid < 0 || srid > MaxSRID {
		return fmt.Errorf("%w: %d is outside [0, %d]", ErrSRID, srid, MaxSRID)
	}
	if g == nil {
		return ErrNilGeometry
	}
	if c, ok := g.(orb.Collection); ok {
		for _, child := range c {
			if err := checkEncode(child, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// ewkbSize returns the encoded length of g.
func ewkbSize(g orb.Geometry, srid int) int {
	n := 5 // byte order and type
	if srid != 0 {
		n += 4
	}
	switch g := g.(type) {
	case orb.Point:
		return n + 16
	case orb.MultiPoint:
		return n + 4 + 21*len(g)
	case orb.LineString:
		return n + 4 + 16*len(g)
	case orb.Ring:
		if len(g) == 0 {
			return n + 4
		}
		return n + 8 + 16*len(g)
	case orb.Bound:
		return n + 4 + 4 + 5*16
	case orb.Polygon:
		return n + ringsSize(g)
	case orb.MultiLineString:
		n += 4
		for _, ls := range g {
			n += 9 + 16*len(ls)
		}
	case orb.MultiPolygon:
		n += 4
		for _, p := range g {
			n += 5 + ringsSize(p)
		}
	case orb.Collection:
		n += 4
		for _, c := range g {
			n += ewkbSize(c, 0)
		}
	}
	return n
}

func ringsSize(p orb.Polygon) int {
	n := 4
	for _, r := range p {
		n += 4 + 16*len(r)
	}
	return n
}

// appendGeometry writes g, which checkEncode accepted.
func appendGeometry(b []byte, g orb.Geometry, srid int) []byte {
	switch g := g.(type) {
	case orb.Point:
		return appendPoint(appendHeader(b, wkbPoint, srid), g)
	case orb.MultiPoint:
		b = appendCount(appendHeader(b, wkbMultiPoint, srid), len(g))
		for _, p := range g {
			b = appendPoint(appendHeader(b, wkbPoint, 0), p)
		}
		return b
	case orb.LineString:
		return appendPoints(appendHeader(b, wkbLineString, srid), g)
	case orb.Ring:
		b = appendHeader(b, wkbPolygon, srid)
		if len(g) == 0 {
			return appendCount(b, 0) // POLYGON EMPTY
		}
		return appendPoints(appendCount(b, 1), g)
	case orb.Bound:
		return appendBound(appendHeader(b, wkbPolygon, srid), g)
	case orb.Polygon:
		return appendRings(appendHeader(b, wkbPolygon, srid), g)
	case orb.MultiLineString:
		b = appendCount(appendHeader(b, wkbMultiLineString, srid), len(g))
		for _, ls := range g {
			b = appendPoints(appendHeader(b, wkbLineString, 0), ls)
		}
		return b
	case orb.MultiPolygon:
		b = appendCount(appendHeader(b, wkbMultiPolygon, srid), len(g))
		for _, p := range g {
			b = appendRings(appendHeader(b, wkbPolygon, 0), p)
		}
		return b
	case orb.Collection:
		b = appendCount(appendHeader(b, wkbGeometryCollection, srid), len(g))
		for _, c := range g {
			b = appendGeometry(b, c, 0)
		}
		return b
	}
	panic(fmt.Sprintf("geo: geometry type not supported: %T", g))
}

func appendHeader(b []byte, typ uint32, srid int) []byte {
	b = append(b, 1) // little endian
	if srid == 0 {
		return binary.LittleEndian.AppendUint32(b, typ)
	}
	b = binary.LittleEndian.AppendUint32(b, typ|ewkbFlagSRID)
	return binary.LittleEndian.AppendUint32(b, uint32(srid))
}

func appendCount(b []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(b, uint32(n))
}

func appendPoint(b []byte, p orb.Point) []byte {
	if isEmptyPoint(p) {
		p = emptyPoint // the NaN bits PostGIS writes
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
}

func appendPoints(b []byte, ps []orb.Point) []byte {
	b = appendCount(b, len(ps))
	for _, p := range ps {
		b = appendPoint(b, p)
	}
	return b
}

func appendRings(b []byte, p orb.Polygon) []byte {
	b = appendCount(b, len(p))
	for _, r := range p {
		b = appendPoints(b, r)
	}
	return b
}

func appendBound(b []byte, bd orb.Bound) []byte {
	b = appendCount(b, 1)
	b = appendCount(b, 5)
	for _, p := range [5]orb.Point{bd.Min, {bd.Max[0], bd.Min[1]}, bd.Max, {bd.Min[0], bd.Max[1]}, bd.Min} {
		b = appendPoint(b, p)
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// AppendEWKBHex appends the EWKB of g (see [EncodeEWKB]) as upper-case hex, the
// text form PostGIS prints and reads for geometry, as used in text COPY. It does
// not allocate when dst has room.
func AppendEWKBHex(dst []byte, g orb.Geometry, srid int) ([]byte, error) {
	if err := checkEncode(g, srid); err != nil {
		return dst, err
	}
	n := ewkbSize(g, srid)
	start := len(dst)
	dst = slices.Grow(dst, 2*n)
	// Write the binary form into the second half of the new room, then expand it
	// forward: byte i is read before positions 2i and 2i+1 are written, and
	// 2i+1 < n+i+1, so no unread byte is overwritten.
	bin := appendGeometry(dst[start+n:start+n], g, srid)
	if len(bin) != n {
		panic("geo: ewkbSize disagrees with the encoder") // a bug here, not bad input
	}
	out := dst[start : start+2*n]
	for i, c := range bin {
		binary.BigEndian.PutUint16(out[2*i:], hexPairs[c])
	}
	return dst[:start+2*n], nil
}

// hexPairs holds the two upper-case hex digits of each byte, first digit high.
var hexPairs = func() (t [256]uint16) {
	for i := range t {
		t[i] = uint16(hexDigits[i>>4])<<8 | uint16(hexDigits[i&0x0f])
	}
	return t
}()
