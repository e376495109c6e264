package pgio

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/tmimport/tmimport/pipeline"
)

// RejectRecord is one line of a reject file (JSON lines; DESIGN.md §5).
type RejectRecord struct {
	// Source names the input.
	Source string `json:"source"`
	// Line is the 1-based physical line where the record starts (header = line 1);
	// absent for inputs without lines.
	Line int64 `json:"line,omitempty"`
	// Feature is the 0-based feature index of a GeoJSON input.
	Feature *int64 `json:"feature,omitempty"`
	// ByteOffset is the offset of the record's first byte in the input.
	ByteOffset int64 `json:"byte_offset"`
	// Raw is the record's input text. When the input bytes are not valid UTF-8, Raw is
	// their lossy text form and RawBase64 holds the exact bytes.
	Raw       string `json:"raw"`
	RawBase64 string `json:"raw_base64,omitempty"`
	// SQLState is the PostgreSQL error code, when the server refused the record.
	SQLState string `json:"sqlstate,omitempty"`
	// Column is the column at fault, when known.
	Column string `json:"column,omitempty"`
	// Message says why.
	Message string `json:"message"`
}

// RejectWriter writes reject records as JSON lines. It is safe for concurrent use.
type RejectWriter struct {
	mu      sync.Mutex
	enc     *json.Encoder
	feature bool
}

// NewRejectWriter returns a writer to w. With features set, positions are written as
// GeoJSON feature indices instead of lines.
func NewRejectWriter(w io.Writer, features bool) *RejectWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &RejectWriter{enc: enc, feature: features}
}

// Write writes one reject; it fits pipeline.Config.OnReject.
func (w *RejectWriter) Write(r pipeline.Reject) error {
	rec := RejectRecord{Source: r.Source, ByteOffset: r.Pos.Offset, Raw: string(r.Raw), SQLState: r.SQLState, Column: r.Column}
	if r.Err != nil {
		rec.Message = r.Err.Error()
	}
	if w.feature {
		idx := r.Pos.Index
		rec.Feature = &idx
	} else {
		rec.Line = r.Pos.Line
	}
	if !utf8.Valid(r.Raw) {
		rec.RawBase64 = base64.StdEncoding.EncodeToString(r.Raw)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.enc.Encode(rec)
}
