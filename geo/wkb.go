package geo

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/paulmach/orb"
)

// ParseWKB decodes WKB: OGC types 1 to 7 in either byte order, with Z, M or ZM
// in ISO (1001…3007) or EWKB flag form. Z and M ordinates are dropped. EWKB is
// accepted too and its SRID discarded; use [ParseEWKB] to keep it.
func ParseWKB(b []byte) (orb.Geometry, error) {
	g, _, err := ParseEWKB(b)
	return g, err
}

// ParseEWKB decodes EWKB, as PostGIS writes it, or WKB, and returns the
// geometry and its SRID (0 when the input carries none).
//
// The decoder is written for hostile input: every count read from the header is
// checked against the bytes that remain before anything is allocated, so memory
// stays proportional to len(b); it stops at [MaxPointsDefault] points and
// [MaxNestingDefault] nested collections, and it rejects trailing bytes. Errors
// are a *[GeometryError] wrapping [ErrInvalid], [ErrUnsupported] or [ErrTooLarge].
func ParseEWKB(b []byte) (orb.Geometry, int, error) {
	d := wkbDecoder{data: b, maxPoints: MaxPointsDefault}
	g, srid, err := d.geometry(0)
	if err != nil {
		return nil, 0, err
	}
	if d.pos != len(b) {
		return nil, 0, invalidf("%d trailing bytes after the geometry", len(b)-d.pos)
	}
	return g, srid, nil
}

// ParseHex decodes hex-encoded WKB or EWKB, the text form PostGIS prints for
// geometry. A leading `\x`, as in PostgreSQL's bytea output, is allowed.
// It returns the geometry and its SRID (0 when the input carries none).
func ParseHex(s string) (orb.Geometry, int, error) {
	s = strings.TrimPrefix(s, `\x`)
	if len(s)%2 != 0 {
		return nil, 0, invalidf("hex input has an odd length %d", len(s))
	}
	// Decode into a buffer on the stack when the geometry is small, as most
	// CSV geometries are, else into a pooled one: the decoded geometry does
	// not refer to the bytes.
	var stack [1024]byte
	b := stack[:]
	if n := len(s) / 2; n > len(stack) {
		bp := hexBufs.Get().(*[]byte)
		defer hexBufs.Put(bp)
		if cap(*bp) < n {
			*bp = make([]byte, n)
		}
		b = *bp
	}
	// hex.Decode only reads its source: view the string's bytes in place.
	n, err := hex.Decode(b, unsafe.Slice(unsafe.StringData(s), len(s)))
	if err != nil {
		return nil, 0, invalidf("bad hex: %v", err)
	}
	return ParseEWKB(b[:n])
}

// hexBufs holds buffers for ParseHex's large inputs.
var hexBufs = sync.Pool{New: func() any { return new([]byte) }}

// wkbDecoder reads one geometry from data, checking every count first.
type wkbDecoder struct {
	data      []byte
	pos       int
	points    int // points decoded so far, against maxPoints
	maxPoints int
}

// wkbHeader is the decoded prefix of one (sub)geometry.
type wkbHeader struct {
	big  bool // big-endian
	typ  uint32
	dims int // ordinates per point: 2, 3 or 4
	srid int
}

func (d *wkbDecoder) left() int { return len(d.data) - d.pos }

func (d *wkbDecoder) uint32(big bool) (uint32, error) {
	if d.left() < 4 {
		return 0, invalidf("truncated at byte %d", d.pos)
	}
	b := d.data[d.pos : d.pos+4]
	d.pos += 4
	if big {
		return binary.BigEndian.Uint32(b), nil
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *wkbDecoder) float(big bool) float64 {
	b := d.data[d.pos : d.pos+8]
	d.pos += 8
	if big {
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

func (d *wkbDecoder) header() (wkbHeader, error) {
	if d.left() < 5 {
		return wkbHeader{}, invalidf("truncated at byte %d", d.pos)
	}
	var h wkbHeader
	switch d.data[d.pos] {
	case 0:
		h.big = true
	case 1:
	default:
		return h, invalidf("bad byte order %d at byte %d", d.data[d.pos], d.pos)
	}
	d.pos++
	raw, _ := d.uint32(h.big)
	typ, z, m := raw&^(ewkbFlagZ|ewkbFlagM|ewkbFlagSRID), raw&ewkbFlagZ != 0, raw&ewkbFlagM != 0
	if typ >= 1000 && typ < 4000 { // ISO: 1000s Z, 2000s M, 3000s ZM
		iso := typ / 1000
		z, m, typ = z || iso&1 != 0, m || iso >= 2, typ%1000
	}
	if typ < wkbPoint || typ > wkbGeometryCollection {
		return h, unsupportedf("WKB type %d", raw&^(ewkbFlagZ|ewkbFlagM|ewkbFlagSRID))
	}
	h.typ, h.dims = typ, 2+b2i(z)+b2i(m)
	if raw&ewkbFlagSRID != 0 {
		srid, err := d.uint32(h.big)
		if err != nil {
			return h, err
		}
		if srid > MaxSRID {
			return h, invalidf("SRID %d is outside [0, %d]", int32(srid), MaxSRID)
		}
		h.srid = int(srid)
	}
	return h, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// count reads an element count and checks that n elements of at least min
// bytes each fit in what is left, so a hostile count cannot allocate.
func (d *wkbDecoder) count(big bool, min int) (int, error) {
	n, err := d.uint32(big)
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(min) > uint64(d.left()) {
		return 0, invalidf("count %d at byte %d needs more than the %d bytes left", n, d.pos-4, d.left())
	}
	return int(n), nil
}

func (d *wkbDecoder) addPoints(n int) error {
	d.points += n
	if d.points > d.maxPoints {
		return tooLargef("more than %d points", d.maxPoints)
	}
	return nil
}

func (d *wkbDecoder) geometry(depth int) (orb.Geometry, int, error) {
	h, err := d.header()
	if err != nil {
		return nil, 0, err
	}
	var g orb.Geometry
	switch h.typ {
	case wkbPoint:
		g, err = d.point(h)
	case wkbLineString:
		g, err = d.lineString(h)
	case wkbPolygon:
		g, err = d.polygon(h)
	case wkbMultiPoint:
		g, err = multi[orb.MultiPoint](d, h, wkbPoint, 21, d.point)
	case wkbMultiLineString:
		g, err = multi[orb.MultiLineString](d, h, wkbLineString, 9, d.lineString)
	case wkbMultiPolygon:
		g, err = multi[orb.MultiPolygon](d, h, wkbPolygon, 9, d.polygon)
	case wkbGeometryCollection:
		g, err = d.collection(h, depth)
	}
	return g, h.srid, err
}

func (d *wkbDecoder) point(h wkbHeader) (orb.Point, error) {
	if d.left() < 8*h.dims {
		return orb.Point{}, invalidf("truncated point at byte %d", d.pos)
	}
	if err := d.addPoints(1); err != nil {
		return orb.Point{}, err
	}
	p := orb.Point{d.float(h.big), d.float(h.big)}
	d.pos += 8 * (h.dims - 2) // drop Z and M
	return p, nil
}

func (d *wkbDecoder) pointList(h wkbHeader) ([]orb.Point, error) {
	n, err := d.count(h.big, 8*h.dims)
	if err != nil {
		return nil, err
	}
	if err := d.addPoints(n); err != nil {
		return nil, err
	}
	ps := make([]orb.Point, n)
	step := 8 * h.dims
	data := d.data[d.pos : d.pos+n*step] // count checked that it fits
	d.pos += len(data)
	if h.big {
		for i := range ps {
			b := data[i*step : i*step+16]
			ps[i] = orb.Point{math.Float64frombits(binary.BigEndian.Uint64(b)), math.Float64frombits(binary.BigEndian.Uint64(b[8:]))}
		}
		return ps, nil
	}
	for i := range ps {
		b := data[i*step : i*step+16]
		ps[i] = orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(b)), math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))}
	}
	return ps, nil
}

func (d *wkbDecoder) lineString(h wkbHeader) (orb.LineString, error) {
	ps, err := d.pointList(h)
	return orb.LineString(ps), err
}

func (d *wkbDecoder) polygon(h wkbHeader) (orb.Polygon, error) {
	n, err := d.count(h.big, 4)
	if err != nil {
		return nil, err
	}
	p := make(orb.Polygon, n)
	for i := range p {
		ps, err := d.pointList(h)
		if err != nil {
			return nil, err
		}
		p[i] = orb.Ring(ps)
	}
	return p, nil
}

// child reads the header of a member of a multi geometry, which must be of type want.
func (d *wkbDecoder) child(want uint32) (wkbHeader, error) {
	h, err := d.header()
	if err == nil && h.typ != want {
		err = invalidf("WKB type %d inside a multi geometry of type %d", h.typ, want+3)
	}
	return h, err
}

// multi reads the members of a multi geometry with one: each is a full WKB
// geometry of type want, at least minSize bytes long (a header and two
// ordinates for a point, a header and a count for the others). one is a method
// value of d: passing d to a func value would move the decoder to the heap.
func multi[S ~[]T, T any](d *wkbDecoder, h wkbHeader, want uint32, minSize int, one func(wkbHeader) (T, error)) (S, error) {
	n, err := d.count(h.big, minSize)
	if err != nil {
		return nil, err
	}
	members := make(S, n)
	for i := range members {
		ch, err := d.child(want)
		if err != nil {
			return nil, err
		}
		if members[i], err = one(ch); err != nil {
			return nil, err
		}
	}
	return members, nil
}

func (d *wkbDecoder) collection(h wkbHeader, depth int) (orb.Collection, error) {
	if depth >= MaxNestingDefault {
		return nil, tooLargef("collections nested deeper than %d", MaxNestingDefault)
	}
	n, err := d.count(h.big, 9)
	if err != nil {
		return nil, err
	}
	c := make(orb.Collection, n)
	for i := range c {
		if c[i], _, err = d.geometry(depth + 1); err != nil {
			return nil, err
		}
	}
	return c, nil
}
