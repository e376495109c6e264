package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
)

// lockedBuffer is a bytes.Buffer safe for the drawing goroutine and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTerminal returns the terminal end of a pseudo-terminal, as a display's stderr,
// and what was drawn on it so far.
func newTerminal(t *testing.T) (*os.File, *lockedBuffer) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}))
	out := &lockedBuffer{}
	drained := make(chan struct{})
	go func() { defer close(drained); _, _ = io.Copy(out, ptmx) }()
	t.Cleanup(func() {
		_ = tty.Close()
		_ = ptmx.Close()
		<-drained
	})
	return tty, out
}

// stalledWriter blocks every Write until release, as a terminal that is not read
// (paused with Ctrl-S, or a pty nobody drains) does.
type stalledWriter struct {
	gate chan struct{}
	once sync.Once
}

func (w *stalledWriter) Write(p []byte) (int, error) { <-w.gate; return len(p), nil }
func (w *stalledWriter) release()                    { w.once.Do(func() { close(w.gate) }) }

// prog is the running total after a batch of chunk c.
func prog(c int, written, bytes int64, elapsed time.Duration) pipeline.Progress {
	return pipeline.Progress{Last: pipeline.Result{Chunk: c, Written: written}, Read: written, Written: written,
		Bytes: bytes, Batches: 1, Elapsed: elapsed}
}

var percents = regexp.MustCompile(`(-?\d+)%`)

// checkLine fails on a percentage above 100 (or below 0) and on a negative eta.
func checkLine(t *testing.T, line string) {
	t.Helper()
	for _, m := range percents.FindAllStringSubmatch(line, -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		require.True(t, n >= 0 && n <= 100, "percentage out of range: %q", line)
	}
	require.NotContains(t, line, "eta -", line)
}

// within fails the test when f has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
		return 0
	}
}

// TestLogProgressPercentagesStayWithin100 feeds the log display the byte counts seen
// in issue 14 item 4: decompressed bytes of a .gz against the compressed size (3880%
// and a negative eta before), GeoJSON bytes past the file's size (150%): no line says
// more than 100% or a negative eta, and a line says 100% only at the end.
func TestLogProgressPercentagesStayWithin100(t *testing.T) {
	for _, tc := range []struct {
		name  string
		total int64
		bytes []int64
	}{
		{"gz", 1000, []int64{400, 9000, 38800}},
		{"geojson", 1000, []int64{500, 1000, 1500}},
		{"csv", 1000, []int64{100, 500, 999}},
		{"unknown", 0, []int64{100, 5000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newProgress("log", false, &out, tc.total)
			p.(*display).every = 0 // a line after every batch
			for i, b := range tc.bytes {
				p.update(prog(0, int64(100*(i+1)), b, time.Duration(i+1)*time.Second))
			}
			p.end(nil)
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			require.Len(t, lines, len(tc.bytes)+1, out.String())
			for _, l := range lines {
				checkLine(t, l)
			}
			for _, l := range lines[:len(lines)-1] {
				require.NotContains(t, l, "100%", "100%% before the end: %q", l)
			}
			if tc.total > 0 {
				require.True(t, strings.HasSuffix(lines[len(lines)-1], ", 100% done"), lines[len(lines)-1])
			} else {
				require.True(t, strings.HasSuffix(lines[len(lines)-1], ", done"), lines[len(lines)-1])
				require.NotContains(t, out.String(), "%")
			}
		})
	}
}

// TestLogProgressFinalLineTellsTheOutcome: a small CSV whose header's bytes are never
// counted printed "50% done" as its last line; a finished load ends with "100% done",
// a failed or interrupted one with where it stopped.
func TestLogProgressFinalLineTellsTheOutcome(t *testing.T) {
	last := func(t *testing.T, runErr error) string {
		var out bytes.Buffer
		p := newProgress("log", false, &out, 200)
		p.update(prog(0, 3, 100, time.Second)) // the first update prints a line: 50%
		require.Contains(t, out.String(), ", 50%")
		p.end(runErr)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		require.Len(t, lines, 2, out.String())
		checkLine(t, lines[1])
		return lines[1]
	}
	require.True(t, strings.HasSuffix(last(t, nil), ", 100% done"))
	require.True(t, strings.HasSuffix(last(t, errors.New("interrupted")), ", stopped at 50%"))
}

// TestBarEndReturnsPromptly: the old bar was built with a byte total that the counted
// bytes never reach (the CSV header is not counted), so it never completed and the
// process never exited (issue 14 item 1). end, after any outcome and with a known or
// unknown total, returns well within finishBound, and only a finished load shows 100%.
func TestBarEndReturnsPromptly(t *testing.T) {
	for _, runErr := range []error{nil, errors.New("interrupted")} {
		for _, total := range []int64{1000, 0} {
			t.Run(fmt.Sprintf("%v/%d", runErr, total), func(t *testing.T) {
				tty, out := newTerminal(t)
				p := newProgress("auto", false, tty, total)
				require.True(t, p.(*display).bar)
				p.update(prog(0, 10, 600, time.Second))
				p.update(prog(1, 10, 900, 2*time.Second))
				time.Sleep(500 * time.Millisecond) // a redraw or two while running
				d := within(t, 10*time.Second, "end", func() { p.end(runErr) })
				require.Less(t, d, finishBound, "end took %s: it ran into its bound", d)
				require.Eventually(t, func() bool { return strings.Contains(out.String(), "\n") }, 5*time.Second, 10*time.Millisecond)
				checkLine(t, out.String())
				if runErr == nil && total > 0 {
					require.Contains(t, out.String(), "100% done")
				} else {
					require.NotContains(t, out.String(), "100%")
				}
			})
		}
	}
}

// TestBarUpdateAndRedrawDoNotDeadlock: the old display held its mutex while asking mpb
// for a new line, while mpb's render goroutine waited for that mutex: the import
// stopped mid-way (issue 14 item 2). Updates while the bar redraws all finish (run
// with -race), and so does the display.
func TestBarUpdateAndRedrawDoNotDeadlock(t *testing.T) {
	tty, out := newTerminal(t)
	p := newProgress("bar", false, tty, 0)
	within(t, 30*time.Second, "updates", func() {
		start := time.Now()
		for i := 0; time.Since(start) < 1500*time.Millisecond; i++ {
			p.update(prog(i/4, 100, int64(i)*1000, time.Since(start)))
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	})
	within(t, 10*time.Second, "end", func() { p.end(nil) })
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "rows written") }, 5*time.Second, 10*time.Millisecond)
	checkLine(t, out.String())
}

// TestBarStalledTerminalBlocksNeitherImportNorExit: a terminal that is not read blocks
// the bar's writes; updates still return at once, and end returns by its bound.
func TestBarStalledTerminalBlocksNeitherImportNorExit(t *testing.T) {
	w := &stalledWriter{gate: make(chan struct{})}
	defer w.release() // lets the drawing goroutine end
	p := newProgress("bar", false, w, 1000)
	time.Sleep(400 * time.Millisecond) // the first redraw is now stuck in Write
	within(t, 10*time.Second, "updates", func() {
		for i := range 200 {
			p.update(prog(i, 1, int64(i), time.Second))
		}
	})
	d := within(t, finishBound+10*time.Second, "end", func() { p.end(nil) })
	require.GreaterOrEqual(t, d, finishBound/2)
}

// TestAutoPicksTheBarOnlyOnATerminal: under auto, the display's own writer decides
// (as for pv and curl, stdout does not matter): a terminal gets the bar, anything else
// (a pipe, a file, a buffer) and TERM=dumb get log lines.
func TestAutoPicksTheBarOnlyOnATerminal(t *testing.T) {
	var out bytes.Buffer
	require.False(t, newProgress("auto", false, &out, 0).(*display).bar)
	require.IsType(t, noProgress{}, newProgress("auto", true, &out, 0))
	require.IsType(t, noProgress{}, newProgress("none", false, &out, 0))
	tty, _ := newTerminal(t)
	bar := newProgress("auto", false, tty, 0)
	require.True(t, bar.(*display).bar)
	bar.end(nil)
	t.Setenv("TERM", "dumb")
	require.False(t, newProgress("auto", false, tty, 0).(*display).bar)
}
