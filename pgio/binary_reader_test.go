package pgio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestBinaryReaderStreamsTheBatch checks that the reader yields the header, every
// row's tuple in order and the trailer, however the connection reads it, and that a
// row that does not convert fails the stream and is recorded.
func TestBinaryReaderStreamsTheBatch(t *testing.T) {
	tuple := func(row int) []byte { return fmt.Appendf(nil, "<%d>", row) }
	for _, n := range []int{0, 1, binaryRows - 1, binaryRows, 3*binaryRows + 7} {
		rows := make([]int, n)
		want := append([]byte(nil), BinaryHeader...)
		for i := range rows {
			rows[i] = i
			want = append(want, tuple(i)...)
		}
		want = append(want, BinaryTrailer...)
		bad := n / 2
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
				r := s.newBinaryReader(rows)
				got, err := io.ReadAll(wrap(r))
				if fail && n > 0 {
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
}

// TestBinaryReaderAfterRelease checks that a released reader, which pgx may still
// call once, reads nothing more and recycles its buffer.
func TestBinaryReaderAfterRelease(t *testing.T) {
	s := &CopySink[int]{bufs: make(chan []byte, 1), cfg: CopyConfig[int]{BinaryHeader: BinaryHeader, BinaryTrailer: BinaryTrailer,
		Binary: func(rows []int, dst []byte) ([]byte, error) { return append(dst, byte(len(rows))), nil }}}
	r := s.newBinaryReader(make([]int, 3))
	p := make([]byte, 4)
	n, err := r.Read(p)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	r.release()
	n, err = r.Read(p)
	require.Zero(t, n)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, s.bufs, 1, "the buffer went back to the sink")
	again := s.newBinaryReader(nil)
	require.Empty(t, s.bufs, "and the next reader took it")
	again.release()
}
