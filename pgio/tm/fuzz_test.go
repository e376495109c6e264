package tm

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
)

// FuzzStage feeds arbitrary bytes as binary COPY tuples to the stage: it never panics,
// and when it accepts a batch every row it keeps is a well-formed tuple with one field
// fewer.
func FuzzStage(f *testing.F) {
	id := binary.BigEndian.AppendUint32(nil, 7)
	f.Add(tuple(id, textArray("ID", "JOSM"), nil))
	f.Add(tuple(id, nil, []byte("projects id=7: bad")))
	f.Add(tuple(id, textArray(), nil))
	f.Add([]byte{0, 3, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, row []byte) {
		s := &stage{table: "t", source: "t", fields: 3, arrays: []enumArray{{field: 1, oid: 4242}}, notNull: []int{0}, names: []string{"id", "a", "b"}, key: []int{0}, ints: []bool{true}}
		b := &pipeline.Batch[[]byte]{Rows: [][]byte{append([]byte(nil), row...)}}
		if err := s.Process(context.Background(), b); err != nil {
			return
		}
		out := &stage{fields: 2}
		for _, r := range b.Rows {
			if _, err := out.offsets(r, nil); err != nil {
				t.Fatalf("kept a malformed tuple %x from %x: %v", r, row, err)
			}
		}
	})
}
