package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/tmimport/tmimport/pipeline"
)

// progress shows a running import on stderr. update is called after every batch (one
// call at a time, from the pipeline's workers), end once when the load returned, with
// its error (nil: the whole input was read, so the display says 100% if it knows).
// Neither blocks the import for long: on a terminal update only records, and end
// returns within finishBound even when the terminal is not read.
type progress interface {
	update(p pipeline.Progress)
	end(runErr error)
}

// finishBound bounds end on a terminal that does not drain (paused with Ctrl-S, gone):
// the drawing goroutine is left behind rather than the process hanging.
const finishBound = 2 * time.Second

// newProgress picks the display: a bar redrawn in place when mode is "bar", or "auto"
// and w (stderr) is a terminal other than TERM=dumb; a log line every two seconds
// otherwise. Like pv and curl, auto looks at the display's own writer only: stdout piped
// to jq does not matter. total is the input's size in the bytes pipeline.Progress
// counts, or 0 when unknown (then no percentage and no eta are shown).
func newProgress(mode string, quiet bool, w io.Writer, total int64) progress {
	if quiet || mode == "none" {
		return noProgress{}
	}
	bar := mode == "bar" || mode == "auto" && isTerminal(w) && os.Getenv("TERM") != "dumb"
	d := &display{w: w, bar: bar, total: max(total, 0), every: 2 * time.Second}
	if bar {
		d.quit, d.drawn = make(chan struct{}), make(chan struct{})
		go d.redraw(200 * time.Millisecond)
	}
	return d
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type noProgress struct{}

func (noProgress) update(pipeline.Progress) {}
func (noProgress) end(error)                {}

// display is the bar or the log lines. Its numbers never lie: a percentage is never
// above 100% (99% at most while running; 100% only at the end of a load that read its
// whole input), an eta never negative, and neither is shown when the total is unknown or
// turns out not to measure what is counted (more bytes counted than the total, as for
// decompressed input).
type display struct {
	w     io.Writer
	bar   bool
	total int64
	every time.Duration // log lines

	mu    sync.Mutex
	p     pipeline.Progress
	last  time.Time // of the last log line
	final string    // the last line, once end was called
	quit  chan struct{}
	drawn chan struct{} // closed when the bar's last line is drawn
}

func (d *display) update(p pipeline.Progress) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.p = p
	if !d.bar && d.final == "" && time.Since(d.last) >= d.every {
		d.last = time.Now()
		fmt.Fprintln(d.w, d.line(""))
	}
}

// redraw draws the bar line in place until end, then the last line. It writes with no
// lock held, so a terminal that is not read stalls only this goroutine.
func (d *display) redraw(every time.Duration) {
	defer close(d.drawn)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.quit:
			d.mu.Lock()
			line := d.final
			d.mu.Unlock()
			fmt.Fprint(d.w, "\r\x1b[K"+line+"\n")
			return
		case <-t.C:
		}
		d.mu.Lock()
		line := d.line("")
		d.mu.Unlock()
		fmt.Fprint(d.w, "\r\x1b[K"+line)
	}
}

// end prints the last line: "100% done" (or "done") after a load that read its whole
// input, "stopped" with the percentage reached otherwise.
func (d *display) end(runErr error) {
	how := "done"
	if runErr != nil {
		how = "stopped"
	}
	d.mu.Lock()
	if d.final != "" {
		d.mu.Unlock()
		return
	}
	d.final = d.line(how)
	if !d.bar {
		fmt.Fprintln(d.w, d.final)
	}
	d.mu.Unlock()
	if d.bar {
		close(d.quit)
		select {
		case <-d.drawn:
		case <-time.After(finishBound):
		}
	}
}

// line formats the display's line; how is "" while running, "done" or "stopped".
func (d *display) line(how string) string {
	p := d.p
	secs := max(p.Elapsed.Seconds(), 1e-9)
	done, known := p.Done(d.total)
	var b strings.Builder
	if d.bar {
		width := 24
		full := int(done * float64(width))
		if how == "done" && d.total > 0 {
			full, done = width, 1
		}
		if known || how == "done" && d.total > 0 {
			fmt.Fprintf(&b, "[%s%s] ", strings.Repeat("#", full), strings.Repeat(".", width-full))
		}
	} else {
		b.WriteString("tmimport: ")
	}
	fmt.Fprintf(&b, "%d rows written, %d rejected, %d batches, %.0f rows/s, %.1f MB/s",
		p.Written, p.Rejected, p.Batches, float64(p.Written)/secs, float64(p.Bytes)/1e6/secs)
	switch {
	case how == "done" && d.total > 0:
		b.WriteString(", 100% done")
	case how != "" && known:
		fmt.Fprintf(&b, ", %s at %.0f%%", how, 100*done)
	case how != "":
		b.WriteString(", " + how)
	case known:
		fmt.Fprintf(&b, ", %.0f%%", 100*done)
		if eta, ok := p.ETA(d.total); ok {
			fmt.Fprintf(&b, ", eta %s", eta)
		}
	}
	return b.String()
}
