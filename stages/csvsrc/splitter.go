package csvsrc

// Splitter splits the raw bytes of a batch's records into fields, exactly as
// Options.ParseFields does, for a caller that needs each record's fields only once
// (converting a batch to binary COPY, say) and would rather not keep every field of
// every batch in memory. It reuses its buffers from record to record.
//
// A Splitter is not safe for concurrent use: take one per goroutine (or per batch).
type Splitter struct {
	sc     scanner
	width  int
	fields [][]byte
	arena  []byte
}

// Splitter returns a new Splitter for the source's dialect and line endings.
func (s *Source) Splitter() *Splitter { return &Splitter{sc: s.sc, width: s.width} }

// Fields returns the fields of raw, a Record.Raw of this source: a nil field is NULL, a
// non-nil empty one the empty string. They alias raw or the splitter's buffer, so they
// are valid until the next call. A record that does not split, or has the wrong number
// of fields, is an error (a chunk would have rejected it already).
func (sp *Splitter) Fields(raw []byte) ([][]byte, error) {
	fields, err := sp.split(raw, 0)
	if err == nil && len(fields) != sp.width {
		err = fieldCountError(sp.width, len(fields))
	}
	return fields, err
}

// Prefix returns the first n fields of raw (fewer when the record has fewer), split as
// Fields splits them, without looking further: what key affinity needs to route a
// record by key columns that come first. They are valid until the next call.
func (sp *Splitter) Prefix(raw []byte, n int) ([][]byte, error) {
	return sp.split(raw, max(n, 1))
}

// split splits raw's fields, at most limit of them when limit > 0.
func (sp *Splitter) split(raw []byte, limit int) ([][]byte, error) {
	term := len(raw) > 0 && raw[len(raw)-1] == sp.sc.term
	if n := len(raw); cap(sp.arena) < n {
		sp.arena = make([]byte, 0, 2*n)
	}
	clear(sp.fields)
	var err error
	sp.fields, sp.arena, err = sp.sc.split(sp.sc.content(raw, term), sp.fields[:0], sp.arena[:0], limit)
	return sp.fields, err
}
