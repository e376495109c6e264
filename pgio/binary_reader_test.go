package pgio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestBinaryReaderStreamsTheBatch checks that the reader yields the header, every
// row's tuple in order (the batch's, or the order of the indexes it is given) and the
// trailer, however the connection reads it, and that a row that does not convert fails
// the stream and is recorded.
func TestBinaryReaderStreamsTheBatch(t *testing.T) {
	tuple := func(row int) []byte { // one text field
		text := fmt.Appendf(nil, "<%d>", row)
		return append(binary.BigEndian.AppendUint32([]byte{0, 1}, uint32(len(text))), text...)
	}
	for _, n := range []int{0, 1, binaryRows - 1, binaryRows, 3*binaryRows + 7} {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		reversed := make([]int, 0, n) // every other row, last first
		for i := n - 1; i >= 0; i -= 2 {
			reversed = append(reversed, i)
		}
		for _, idx := range [][]int{nil, reversed} {
			testBinaryReader(t, rows, idx, tuple)
		}
	}
}

// testBinaryReader streams rows at idx (nil: all); rows[i] is i.
func testBinaryReader(t *testing.T, rows, idx []int, tuple func(int) []byte) {
	n := len(rows)
	sent := rows
	if idx != nil {
		sent = idx // rows[i] == i
	}
	want := append([]byte(nil), BinaryHeader...)
	for _, i := range sent {
		want = append(want, tuple(i)...)
	}
	want = append(want, BinaryTrailer...)
	bad := -1
	if len(sent) > 0 {
		bad = sent[len(sent)/2]
	}
	for _, fail := range []bool{false, true} {
		s := &CopySink[int]{bufs: make(chan []byte, 1), cfg: CopyConfig[int]{BinaryHeader: BinaryHeader, BinaryTrailer: BinaryTrailer,
			Binary: func(rows []int, dst []byte) ([]byte, error) {
				for _, r := range rows {
					if fail && r == bad {
						return dst, errors.New("not convertible")
					}
					dst = append(dst, tuple(r)...)
				}
				return dst, nil
			}}}
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"whole":    func(r io.Reader) io.Reader { return r },
			"one byte": iotest.OneByteReader,
		} {
			var ord *keyOrder
			if idx != nil {
				ord = &keyOrder{idx: idx}
			}
			r := s.newBinaryReader(rows, ord)
			got, err := io.ReadAll(wrap(r))
			if fail && bad >= 0 {
				require.ErrorContains(t, err, "not convertible", "%d rows, %s", n, name)
				require.True(t, r.convertFailed())
				require.True(t, bytes.HasPrefix(want, got), "what was sent before the failure is a prefix of the stream")
				continue
			}
			require.NoError(t, err, "%d rows, %s", n, name)
			require.False(t, r.convertFailed())
			require.Equal(t, want, got, "%d rows, %s", n, name)
		}
	}
}

// TestBinaryReaderAfterRelease checks that a released reader, which pgx may still
// call once, reads nothing more and recycles its buffer.
func TestBinaryReaderAfterRelease(t *testing.T) {
	s := &CopySink[int]{bufs: make(chan []byte, 1), cfg: CopyConfig[int]{BinaryHeader: BinaryHeader, BinaryTrailer: BinaryTrailer,
		Binary: func(rows []int, dst []byte) ([]byte, error) { return append(dst, byte(len(rows))), nil }}}
	r := s.newBinaryReader(make([]int, 3), nil)
	p := make([]byte, 4)
	n, err := r.Read(p)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	r.release()
	n, err = r.Read(p)
	require.Zero(t, n)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, s.bufs, 1, "the buffer went back to the sink")
	again := s.newBinaryReader(nil, nil)
	require.Empty(t, s.bufs, "and the next reader took it")
	again.release()
}
