package tm

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
)

// BenchmarkStageProcess checks a batch of 5,000 tuples (an enum array to retag, a NOT
// NULL key, no problem) the way every migrated table's batches are checked.
func BenchmarkStageProcess(b *testing.B) {
	s := &stage{table: "t", source: "t", fields: 3, arrays: []enumArray{{field: 1, oid: 4242}}, notNull: []int{0}, names: []string{"id", "a", "b"}, key: []int{0}, ints: []bool{true}}
	rows := make([][]byte, 5000)
	for i := range rows {
		rows[i] = tuple(binary.BigEndian.AppendUint32(nil, uint32(i)), textArray("ID", "JOSM"), nil)
	}
	batch := &pipeline.Batch[[]byte]{}
	b.ReportAllocs()
	for b.Loop() {
		batch.Reset()
		for _, r := range rows {
			batch.Rows = append(batch.Rows, r[:len(r):len(r)])
		}
		// Process retags in place and trims: restore the field count it rewrote.
		for _, r := range rows {
			binary.BigEndian.PutUint16(r, 3)
		}
		if err := s.Process(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
