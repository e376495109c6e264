package geo

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalid means the input is not a valid geometry.
	ErrInvalid = errors.New("geo: invalid geometry")
	// ErrUnsupported means the input is a geometry kind orb cannot hold, such as a
	// CircularString or a TIN.
	ErrUnsupported = errors.New("geo: unsupported geometry")
	// ErrTooLarge means the input crosses a cap on points, bytes or nesting.
	ErrTooLarge = errors.New("geo: geometry too large")
	// ErrNilGeometry means a nil geometry was passed where one is required.
	ErrNilGeometry = errors.New("geo: nil geometry")
	// ErrSRID means an SRID or a GeoJSON crs is not supported for the operation.
	ErrSRID = errors.New("geo: unsupported SRID")
)

// GeometryError is a bad geometry with a short human reason, such as
// "ring 0 of polygon is not closed". Err is one of [ErrInvalid], [ErrUnsupported]
// or [ErrTooLarge], so errors.Is works on it.
type GeometryError struct {
	// Reason says what is wrong, in a few words.
	Reason string
	// Err is the class of the error.
	Err error
}

// Error returns the class followed by the reason.
func (e *GeometryError) Error() string { return e.Err.Error() + ": " + e.Reason }

// Unwrap returns the class of the error.
func (e *GeometryError) Unwrap() error { return e.Err }

func invalidf(format string, args ...any) error {
	return &GeometryError{Reason: fmt.Sprintf(format, args...), Err: ErrInvalid}
}

func unsupportedf(format string, args ...any) error {
	return &GeometryError{Reason: fmt.Sprintf(format, args...), Err: ErrUnsupported}
}

func tooLargef(format string, args ...any) error {
	return &GeometryError{Reason: fmt.Sprintf(format, args...), Err: ErrTooLarge}
}

// reason returns the short reason of err: the Reason of a GeometryError, or its
// text without the package prefix.
func reason(err error) string {
	var ge *GeometryError
	if errors.As(err, &ge) {
		return ge.Reason
	}
	return strings.TrimPrefix(err.Error(), "geo: ")
}

// FeatureError is one GeoJSON feature that could not be decoded. The reader that
// returned it can go on: the next call to Next decodes the following feature.
type FeatureError struct {
	// Index is the 0-based index of the feature in the input.
	Index int64
	// Offset is the input byte offset of the feature's first byte.
	Offset int64
	// Reason says what is wrong, in a few words.
	Reason string
	// Raw holds the feature's input bytes, cut to GeoJSONOptions.MaxRawBytes.
	Raw []byte
	// Err is the cause: a *GeometryError, a *SyntaxError or a sentinel of this package.
	Err error
}

// Error names the feature and the reason.
func (e *FeatureError) Error() string {
	return fmt.Sprintf("geo: feature %d (byte offset %d): %s", e.Index, e.Offset, e.Reason)
}

// Unwrap returns the cause.
func (e *FeatureError) Unwrap() error { return e.Err }

// SyntaxError is malformed JSON. Returned by [GeoJSONReader.Next] it is fatal when
// it breaks the structure of the stream; inside one feature it arrives wrapped in
// a [FeatureError].
type SyntaxError struct {
	// Offset is the input byte offset of the error.
	Offset int64
	// Msg describes the error.
	Msg string
}

// Error names the offset and the problem.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("geo: invalid JSON at byte offset %d: %s", e.Offset, e.Msg)
}
