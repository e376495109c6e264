package geo

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/paulmach/orb"
)

const (
	// MaxFeatureBytesDefault caps the JSON size of one GeoJSON feature.
	MaxFeatureBytesDefault = 64 << 20
	// MaxRawBytesDefault caps the raw JSON kept in Feature.Raw and FeatureError.Raw.
	MaxRawBytesDefault = 1 << 20
)

// GeoJSONOptions tunes a [GeoJSONReader]. A nil *GeoJSONOptions, like every
// zero field, means the default.
type GeoJSONOptions struct {
	// SRID applies to features when the input has no crs member. Defaults to 4326.
	SRID int
	// MaxPoints caps the points of one feature; a feature with more is a
	// FeatureError wrapping ErrTooLarge. Defaults to MaxPointsDefault.
	MaxPoints int
	// MaxFeatureBytes caps the JSON size of one feature; a larger feature is
	// skipped as it streams by and reported as a FeatureError wrapping
	// ErrTooLarge. It bounds the reader's memory. Defaults to MaxFeatureBytesDefault.
	MaxFeatureBytes int
	// MaxRawBytes caps the raw JSON kept in Feature.Raw and FeatureError.Raw;
	// longer input is cut. Defaults to MaxRawBytesDefault.
	MaxRawBytes int
	// KeepRaw copies each feature's JSON into Feature.Raw. Defaults to false:
	// only a FeatureError carries the raw input.
	KeepRaw bool
}

func (o *GeoJSONOptions) withDefaults() GeoJSONOptions {
	var c GeoJSONOptions
	if o != nil {
		c = *o
	}
	if c.SRID == 0 {
		c.SRID = SRIDWGS84
	}
	if c.MaxPoints <= 0 {
		c.MaxPoints = MaxPointsDefault
	}
	if c.MaxFeatureBytes <= 0 {
		c.MaxFeatureBytes = MaxFeatureBytesDefault
	}
	if c.MaxRawBytes <= 0 {
		c.MaxRawBytes = MaxRawBytesDefault
	}
	c.MaxRawBytes = min(c.MaxRawBytes, c.MaxFeatureBytes)
	return c
}

// Feature is one GeoJSON feature, or a bare geometry read as a feature.
type Feature struct {
	// Index is the 0-based index of the feature in the input, counting
	// features that failed to decode.
	Index int64
	// Offset is the input byte offset of the feature's first byte.
	Offset int64
	// ID is the "id" member: nil, a string or a json.Number.
	ID any
	// Geometry is nil when the feature's geometry is null.
	Geometry orb.Geometry
	// Properties holds the "properties" member, nil when absent or null.
	// Numbers are json.Number, so large integers survive; nested objects are
	// map[string]any and arrays []any.
	Properties map[string]any
	// SRID comes from the crs member of the feature, else of the
	// FeatureCollection (when it came before "features"; see
	// [GeoJSONReader.LateCRS]), else from GeoJSONOptions.SRID.
	SRID int
	// OwnCRS reports that SRID came from the feature's own crs member.
	OwnCRS bool
	// HasZ reports that some position had a third ordinate, which was dropped:
	// orb geometries are 2D.
	HasZ bool
	// Raw is the feature's JSON when GeoJSONOptions.KeepRaw is set, cut to
	// MaxRawBytes.
	Raw []byte
}

// GeoJSONReader decodes GeoJSON features one at a time from a stream, with
// memory bounded by the largest feature rather than the input. It accepts:
//
//   - a FeatureCollection of any size, streamed feature by feature; its
//     members may come in any order;
//   - newline-delimited GeoJSON (one Feature per line, blank lines allowed),
//     concatenated JSON values, and RFC 8142 GeoJSON text sequences;
//   - a single Feature, or a bare Geometry, returned as a Feature without properties.
//
// Features may be Geometry objects too. A crs member (the GeoJSON 2008 form,
// {"type":"name","properties":{"name":"EPSG:3857"}}) sets the SRID. On a
// FeatureCollection it applies to the features that follow it. A crs that
// comes after "features", as JSON allows and ogr2ogr accepts, cannot change
// features already returned, and the reader keeps memory bounded rather than
// hold them back: it reads the crs, returns nothing for it, and records it
// when it names another SRID than the features were returned with. The
// caller learns of it from [GeoJSONReader.LateCRS] once Next has returned
// the collection's last feature (at the latest at io.EOF), and can re-tag
// what it stored ([LateCRS.Applies] says which features). A crs that cannot
// be read is a fatal error wherever it is, naming it.
//
// A feature that is well-formed JSON but not a valid feature (a bad or unknown
// geometry, a short position, over a cap) is returned as a *[FeatureError]
// and the reader goes on with the next one. So is a syntax error confined to
// one feature. Malformed JSON that breaks the structure of the stream is a
// fatal *[SyntaxError] naming the byte offset; after a fatal error, or the end
// of input, Next keeps returning the same error.
//
// The reader does its own buffering and tokenizing rather than using
// encoding/json, for speed and to cap the memory a single feature can take.
// It is not safe for concurrent use.
type GeoJSONReader struct {
	in    input
	dec   featureDecoder
	opts  GeoJSONOptions
	index int64
	err   error // sticky: fatal, or io.EOF
	state readerState
	obj   topObject

	readAhead int  // bytes fast wants buffered; fastReadAhead outside tests
	noFast    bool // tests: always scan, then decode
	late      []LateCRS
}

// LateCRS is a crs member of a FeatureCollection that came after its
// "features" member and names another SRID than the collection's features
// were returned with. See [GeoJSONReader.LateCRS].
type LateCRS struct {
	// Offset is the input byte offset of the FeatureCollection.
	Offset int64
	// SRID is the SRID the crs names.
	SRID int
	// Decoded is the SRID the features were returned with: GeoJSONOptions.SRID,
	// or that of an earlier crs member of the collection.
	Decoded int
	// First is the Index of the collection's first feature, and Count how
	// many features (decoded or not) the collection held.
	First, Count int64
}

// Applies reports whether the late crs is the one f should have had: f is one
// of the collection's features and its SRID did not come from a crs of its own.
func (l LateCRS) Applies(f *Feature) bool {
	return f.Index >= l.First && f.Index < l.First+l.Count && !f.OwnCRS
}

// LateCRS returns the crs members found so far that came after the features
// they apply to (see [GeoJSONReader]), in input order; usually none. The one
// of a FeatureCollection is there once Next has returned io.EOF or anything
// after the collection's last feature.
func (r *GeoJSONReader) LateCRS() []LateCRS { return r.late }

type readerState int

const (
	stateTop      readerState = iota // between top-level values
	stateMembers                     // in a top-level object
	stateFeatures                    // in the "features" array of a FeatureCollection
)

// topObject tracks the top-level object being read. It is a feature, unless a
// "features" member makes it a FeatureCollection.
type topObject struct {
	start      int64  // input offset of the '{'
	first      bool   // no member read yet
	collection bool   // "features" seen
	tooLarge   bool   // not retained whole (too large, or a FeatureCollection)
	typ        string // "type" seen so far
	srid       int    // SRID for the features
	crsErr     error  // a crs member that could not be read, fatal for a FeatureCollection
	elemStart  int64  // input offset of the current element of "features"
	firstIndex int64  // Index of the first element of "features"
	count      int64  // elements read from "features"
}

// NewGeoJSONReader returns a reader of the GeoJSON in r. opts may be nil.
func NewGeoJSONReader(r io.Reader, opts *GeoJSONOptions) *GeoJSONReader {
	o := opts.withDefaults()
	gr := &GeoJSONReader{opts: o, readAhead: fastReadAhead}
	gr.in = input{r: r, keep: -1, floor: -1, limit: o.MaxFeatureBytes, rawMax: o.MaxRawBytes, buf: make([]byte, 0, readSize)}
	gr.dec.maxPoints = o.MaxPoints
	return gr
}

// Next returns the next feature. It returns io.EOF after the last one, a
// *[FeatureError] for a feature that could not be decoded (call Next again for
// the next one), and any other error when the stream cannot go on.
func (r *GeoJSONReader) Next() (Feature, error) {
	if r.err != nil {
		return Feature{}, r.err
	}
	f, err := r.next()
	if _, ok := err.(*FeatureError); err != nil && !ok {
		r.err = err
	}
	return f, err
}

// InputOffset returns the input byte offset just past what the reader has
// consumed, for progress reporting, like [encoding/json.Decoder.InputOffset].
func (r *GeoJSONReader) InputOffset() int64 { return r.in.offset() }

func (r *GeoJSONReader) next() (Feature, error) {
	for {
		var err error
		switch r.state {
		case stateTop:
			var f Feature
			var ok bool
			if f, ok, err = r.top(); ok {
				return f, nil
			}
		case stateMembers:
			var done bool
			if done, err = r.member(); done && err == nil {
				return r.endObject()
			}
		case stateFeatures:
			var more bool
			if more, err = r.element(); more && err == nil {
				return r.elementFeature()
			}
		}
		if err != nil {
			return Feature{}, err
		}
	}
}

// top starts the next top-level value: it returns a Feature read whole, or
// goes on to read the members of the object. At the end it returns io.EOF.
func (r *GeoJSONReader) top() (Feature, bool, error) {
	in := &r.in
	c, ok := in.skipSeparators()
	switch {
	case !ok && in.err == io.EOF:
		return Feature{}, false, io.EOF
	case !ok:
		return Feature{}, false, fmt.Errorf("geo: reading GeoJSON: %w", in.err)
	case c != '{':
		return Feature{}, false, in.syntaxErr(fmt.Sprintf("expected '{' to start a GeoJSON object, found %q", c))
	}
	r.obj = topObject{start: in.offset(), first: true, srid: r.opts.SRID}
	in.hold()
	if f, ok := r.fast(r.opts.SRID); ok {
		return f, true, nil
	}
	in.pos++
	r.state = stateMembers
	return Feature{}, false, nil
}

// fastReadAhead is how much input fast makes sure is buffered, so few
// features straddle the end of the buffer.
const fastReadAhead = 16 << 10

// fast is the hot path: it decodes the feature at the current position
// straight from the buffered input, finding its end as it goes. When that
// fails for any reason (a bad feature, one that runs past the buffered bytes,
// a FeatureCollection) it consumes nothing, and the caller falls back to
// scanning the value's extent first and decoding it after, which is slower
// but tells a bad feature from a broken stream.
func (r *GeoJSONReader) fast(srid int) (Feature, bool) {
	in := &r.in
	if r.noFast {
		return Feature{}, false
	}
	for len(in.buf)-in.pos < r.readAhead && in.more() {
	}
	start := in.offset()
	f, n, err := r.dec.decodePrefix(in.buf[in.pos:], start, srid)
	if err != nil || n > r.opts.MaxFeatureBytes || r.dec.features {
		// A "features" member may make the object a FeatureCollection: let
		// the member-by-member path decide, as it does for large objects.
		return Feature{}, false
	}
	raw := in.buf[in.pos : in.pos+n]
	in.pos += n
	f.Index, f.Offset = r.index, start
	r.index++
	if r.opts.KeepRaw {
		f.Raw = slices.Clone(raw[:min(n, r.opts.MaxRawBytes)])
	}
	in.release()
	return f, true
}

// member reads one member of a top-level object, and reports whether the
// object ended instead. A "features" array switches to stateFeatures.
func (r *GeoJSONReader) member() (done bool, err error) {
	in := &r.in
	c, ok := in.skipSpace()
	r.noteDrop()
	if ok && c == '}' {
		in.pos++
		return true, nil
	}
	if ok && !r.obj.first {
		if c != ',' {
			return false, in.syntaxErr("expected ',' or '}' after a member")
		}
		in.pos++
		c, ok = in.skipSpace()
	}
	if !ok || c != '"' {
		return false, in.syntaxErr("expected a member name")
	}
	r.noteDrop()
	r.obj.first = false
	if in.keep < 0 {
		in.rehold() // the object is not retained whole: retain this member
	}
	keyStart := in.offset()
	in.floor = keyStart
	err = in.scanString()
	in.floor = -1
	if err != nil {
		return false, err
	}
	m := topOther // a name longer than MaxFeatureBytes is none of ours
	if k := in.at(keyStart); in.keep >= 0 && k >= in.keep {
		m = topMemberOf(in.buf[k+1 : in.pos-1])
	}
	if c, ok = in.skipSpace(); !ok || c != ':' {
		return false, in.syntaxErr("expected ':' after a member name")
	}
	in.pos++
	if c, ok = in.skipSpace(); !ok {
		return false, in.syntaxErr("expected a value")
	}
	if m == topFeatures && c == '[' && !r.obj.collection && (r.obj.typ == "" || r.obj.typ == "FeatureCollection") {
		if r.obj.crsErr != nil {
			return false, fmt.Errorf("geo: FeatureCollection at byte offset %d: %w", r.obj.start, r.obj.crsErr)
		}
		in.pos++
		in.release()
		r.obj.collection, r.obj.tooLarge, r.obj.firstIndex = true, true, r.index
		r.state = stateFeatures
		return false, nil
	}
	return false, r.memberValue(m)
}

// noteDrop marks the top-level object as not retained whole once its bytes
// were dropped, wherever that happened: in a value, a name or white space.
func (r *GeoJSONReader) noteDrop() {
	if r.in.dropped || r.in.keep < 0 {
		r.obj.tooLarge = true
	}
}

const (
	topOther = iota
	topType
	topCRS
	topFeatures
)

func topMemberOf(key []byte) int {
	switch string(key) {
	case "type":
		return topType
	case "crs":
		return topCRS
	case "features":
		return topFeatures
	}
	return topOther
}

// memberValue scans the value of a top-level member and acts on "type" and "crs".
func (r *GeoJSONReader) memberValue(m int) error {
	in := &r.in
	start := in.offset()
	in.floor = start
	err := in.scanValue()
	in.trim()
	in.floor = -1
	if err != nil {
		return err
	}
	r.noteDrop()
	if r.obj.tooLarge {
		defer in.release()
	}
	switch {
	case m == topFeatures && r.obj.collection:
		return &SyntaxError{Offset: start, Msg: `a second "features" member`}
	case m == topOther || m == topFeatures: // a foreign member of a feature
		return nil
	}
	if in.keep < 0 || in.at(start) < in.keep {
		return &SyntaxError{Offset: start, Msg: "top-level member larger than MaxFeatureBytes"}
	}
	r.dec.reset(in.buf[in.at(start):in.pos], start)
	if m == topType {
		return r.topType()
	}
	return r.topCRS()
}

func (r *GeoJSONReader) topType() error {
	s, err := r.dec.strBytes()
	if err != nil {
		return nil // not a string: decoding the object as a feature will say so
	}
	r.obj.typ = string(s)
	if r.obj.collection && r.obj.typ != "FeatureCollection" {
		return fmt.Errorf("geo: object at byte offset %d has \"features\" but type %q", r.obj.start, r.obj.typ)
	}
	return nil
}

func (r *GeoJSONReader) topCRS() error {
	v, err := r.dec.value()
	if err != nil {
		return nil // decoding the object as a feature will say so
	}
	srid, err := sridOfCRS(v)
	switch {
	case srid == 0 && err == nil:
		return nil // a null crs
	case !r.obj.collection:
		// Kept in case "features" follows; a feature's own crs is handled
		// again when it is decoded.
		r.obj.srid, r.obj.crsErr = cmp.Or(srid, r.obj.srid), err
		return nil
	case err != nil:
		return fmt.Errorf("geo: FeatureCollection at byte offset %d: %w", r.obj.start, err)
	case srid != r.obj.srid && r.obj.count > 0:
		// After "features": too late for them, so recorded for the caller.
		r.late = append(r.late, LateCRS{Offset: r.obj.start, SRID: srid, Decoded: r.obj.srid,
			First: r.obj.firstIndex, Count: r.obj.count})
	}
	return nil
}

// endObject finishes a top-level object: a FeatureCollection is done, any
// other object is decoded as one feature.
func (r *GeoJSONReader) endObject() (Feature, error) {
	r.state = stateTop
	if r.obj.collection {
		return r.next()
	}
	r.in.trim() // the cap counts the whole object, white space included
	r.noteDrop()
	return r.decode(r.obj.start, r.obj.tooLarge, r.opts.SRID)
}

// element moves past the next element of "features", reporting false at the
// closing bracket.
func (r *GeoJSONReader) element() (bool, error) {
	in := &r.in
	c, ok := in.skipSpace()
	if ok && c == ']' {
		in.pos++
		r.state = stateMembers
		return false, nil
	}
	if ok && r.obj.count > 0 {
		if c != ',' {
			return false, in.syntaxErr("expected ',' or ']' after a feature")
		}
		in.pos++
		c, ok = in.skipSpace()
	}
	if !ok || c == ']' {
		return false, in.syntaxErr("expected a feature")
	}
	r.obj.count++
	r.obj.elemStart = in.offset()
	in.hold()
	return true, nil
}

// elementFeature decodes the element of "features" at the current position:
// on the fast path if it can, else by scanning its extent and decoding that.
func (r *GeoJSONReader) elementFeature() (Feature, error) {
	if f, ok := r.fast(r.obj.srid); ok {
		return f, nil
	}
	err := r.in.scanValue()
	r.in.trim()
	if err != nil {
		return Feature{}, err
	}
	return r.decode(r.obj.elemStart, r.in.dropped, r.obj.srid)
}

// decode decodes the retained value, which starts at input offset start, as
// the next feature, and releases it.
func (r *GeoJSONReader) decode(start int64, tooLarge bool, srid int) (Feature, error) {
	in := &r.in
	defer in.release()
	index := r.index
	r.index++
	if tooLarge {
		return Feature{}, &FeatureError{Index: index, Offset: start, Raw: slices.Clone(in.prefix),
			Reason: fmt.Sprintf("feature is larger than %d bytes", r.opts.MaxFeatureBytes), Err: ErrTooLarge}
	}
	raw := in.buf[in.keep:in.pos]
	f, err := r.dec.decode(raw, start, srid)
	if err != nil {
		return Feature{}, &FeatureError{Index: index, Offset: start, Reason: reason(err),
			Raw: slices.Clone(raw[:min(len(raw), r.opts.MaxRawBytes)]), Err: err}
	}
	f.Index, f.Offset = index, start
	if r.opts.KeepRaw {
		f.Raw = slices.Clone(raw[:min(len(raw), r.opts.MaxRawBytes)])
	}
	return f, nil
}

// ParseGeoJSON decodes one GeoJSON Feature, or a bare Geometry, held in memory.
// It is what [GeoJSONReader] does for each feature, so a caller that splits a
// stream itself can decode the pieces in parallel. opts may be nil; Raw is set
// only with KeepRaw, and MaxFeatureBytes does not apply.
func ParseGeoJSON(data []byte, opts *GeoJSONOptions) (Feature, error) {
	o := opts.withDefaults()
	d := featureDecoder{maxPoints: o.MaxPoints}
	f, err := d.decode(data, 0, o.SRID)
	if err != nil {
		return Feature{}, err
	}
	if o.KeepRaw {
		f.Raw = slices.Clone(data[:min(len(data), o.MaxRawBytes)])
	}
	return f, nil
}
