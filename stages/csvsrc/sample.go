package csvsrc

import "bytes"

// Sample returns up to n of the input's first data records with their Fields parsed,
// whatever Options.ParseFields says, for [InferTypes]. The records are copies that alias
// no buffer. Records a chunk would reject are skipped.
//
// Sample does not consume the input: on an unsized input it reads ahead and keeps what
// it read for Chunks (so it must be called before Chunks, and memory grows with n).
func (s *Source) Sample(n int) ([]Record, error) {
	w := s.st
	if w == nil {
		w = &window{file: s.file, next: s.dataStart, end: s.size, base: s.dataStart, block: fileBlock(s.size - s.dataStart)}
	} else if s.consumed.Load() {
		return nil, ErrConsumed
	}
	var out []Record
	p, line := w.r, s.dataLine
	for len(out) < n {
		if p == w.n && w.eof {
			break
		}
		if p < w.n {
			rec, ok, err := s.sc.scan(w.buf[p:w.n], w.eof)
			if err != nil {
				return out, &ParseError{Name: s.name, Line: line, Offset: w.base + int64(p), Err: err}
			}
			if ok {
				raw := w.buf[p : p+rec.n]
				p += rec.n
				line += int64(rec.lines)
				if r, ok := s.sampleRecord(raw, rec); ok {
					out = append(out, r)
				}
				continue
			}
		}
		if w != s.st { // a private window: release what was read
			w.r = p
			w.shift()
			p = w.r
		}
		if err := w.fill(); err != nil {
			return out, s.readError(err, w.buf[p:w.n], line, w.base+int64(w.n))
		}
	}
	return out, nil
}

// sampleRecord returns a copy of the record raw with its fields, or false when a chunk
// would reject it.
func (s *Source) sampleRecord(raw []byte, rec record) (Record, bool) {
	fields := s.sc.fields(raw, &rec)
	if rec.reject != nil || len(fields) != s.width {
		return Record{}, false
	}
	for i, f := range fields {
		if f != nil {
			fields[i] = bytes.Clone(f)
		}
	}
	return Record{Raw: bytes.Clone(raw), Fields: fields}, true
}
