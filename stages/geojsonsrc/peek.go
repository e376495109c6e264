package geojsonsrc

import (
	"bufio"
	"io"
)

// newPeekReader wraps r so its first bytes can be inspected (gzip magic) without losing
// them.
func newPeekReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }
