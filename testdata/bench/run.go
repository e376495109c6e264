package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Statuses of a tool that did not run.
const (
	statusNA = "n/a (not implemented)"
)

// notImplementedMarks are what the tmimport CLI prints when it lacks a command, flag or
// mode; a tool whose run fails with one of them shows as n/a instead of failing.
var notImplementedMarks = []string{"not supported", "flag provided but not defined", "unknown command"}

// workloadResult is what one workload measured.
type workloadResult struct {
	w        *workload
	data     *dataset // nil when the workload was skipped
	variants []*variantResult
	sections []section // extra report sections from workload.after
}

// section is a titled piece of Markdown.
type section struct{ title, body string }

// variantResult is what one variant measured.
type variantResult struct {
	v       *variant
	ref     checksum      // the reference tool's result
	refWall time.Duration // the reference (warm-up) run's wall time
	tools   []*toolResult
}

// toolResult is the runs of one tool.
type toolResult struct {
	t      *tool
	status string     // "" when it ran, else why not (statusNA, "skipped: … not installed")
	runs   []trial    // in order
	argv   [][]string // its processes, for the report
}

// trial is one timed and verified run of a tool.
type trial struct {
	rep     int
	wall    time.Duration
	rssKiB  int64         // client peak RSS, summed over the tool's processes
	cpu     time.Duration // client CPU time (user + system), summed likewise
	failure string        // why it failed or what it loaded wrongly; "" when it passed
}

// checksum is a table's row count and an order-independent hash of its rows.
type checksum struct{ count, sum int64 }

// runWorkload generates the workload's data and runs its variants and extra checks.
func (b *bench) runWorkload(ctx context.Context, w *workload) (*workloadResult, error) {
	r := &workloadResult{w: w}
	if w.data == nil {
		logf("%s: not written yet, skipped", w.title)
		return r, nil
	}
	var err error
	if r.data, err = w.data(ctx, b); err != nil {
		return nil, err
	}
	for i := range w.variants {
		vr, err := b.runVariant(ctx, &w.variants[i], r.data, b.cfg.reps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.variants[i].title, err)
		}
		r.variants = append(r.variants, vr)
	}
	if w.after != nil {
		err = w.after(ctx, b, r)
	}
	return r, err
}

// runVariant runs the reference once, then reps repetitions of every available tool,
// each repetition in an order rotated by one, so that each tool in turn runs first.
func (b *bench) runVariant(ctx context.Context, v *variant, d *dataset, reps int) (*variantResult, error) {
	vr := &variantResult{v: v}
	for i := range v.tools {
		t := &v.tools[i]
		vr.tools = append(vr.tools, &toolResult{t: t, status: b.availability(ctx, t), argv: t.procs(b, v, d)})
	}
	if err := b.reference(ctx, v, d, vr); err != nil {
		return nil, err
	}
	var todo []*toolResult
	for _, tr := range vr.tools {
		if tr.status == "" {
			todo = append(todo, tr)
		} else {
			logf("[%s] %s (%s): %s", v.title, tr.t.name, tr.t.settings, tr.status)
		}
	}
	for rep := range reps {
		for _, tr := range rotate(todo, rep) {
			if tr.status != "" {
				continue // found n/a in an earlier repetition
			}
			if err := b.measure(ctx, v, d, tr, rep, reps, vr.ref); err != nil {
				return nil, err
			}
		}
	}
	return vr, nil
}

// availability returns why t cannot run here, or "".
func (b *bench) availability(ctx context.Context, t *tool) string {
	if len(b.cfg.tools) > 0 && !slices.Contains(b.cfg.tools, t.key) {
		return "skipped (-tools)"
	}
	if t.needs != "" {
		if _, err := exec.LookPath(t.needs); err != nil {
			return "skipped (" + t.needs + " not installed)"
		}
	}
	if t.kind != ours {
		return ""
	}
	help := b.cliHelp(ctx, t.sub)
	if hasMark(help) {
		return statusNA
	}
	for _, arg := range t.extra {
		name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if strings.HasPrefix(arg, "-") && !regexp.MustCompile(`(?m)^\s+--?`+regexp.QuoteMeta(name)+`\b`).MatchString(help) {
			return statusNA
		}
	}
	return ""
}

// cliHelp returns the output of `tmimport sub -h` (which exits non-zero), cached.
func (b *bench) cliHelp(ctx context.Context, sub string) string {
	if h, ok := b.help[sub]; ok {
		return h
	}
	out, _ := exec.CommandContext(ctx, b.tmimport, sub, "-h").CombinedOutput()
	b.help[sub] = string(out)
	return b.help[sub]
}

// reference runs the variant's reference tool once (also the warm-up) and records the
// count and checksum every other run must reproduce.
func (b *bench) reference(ctx context.Context, v *variant, d *dataset, vr *variantResult) error {
	t, ok := v.tool(v.reference)
	if !ok {
		return fmt.Errorf("reference tool %q is not among the variant's tools", v.reference)
	}
	logf("[%s] reference and warm-up run: %s", v.title, t.name)
	if err := b.srv.exec(ctx, v.setupSQL(d)...); err != nil {
		return err
	}
	wall, _, err := runProcs(ctx, t.procs(b, v, d))
	if err != nil {
		return fmt.Errorf("reference run (%s): %w", t.name, err)
	}
	if vr.ref, err = b.checksum(ctx, v); err != nil {
		return err
	}
	want := d.rows
	if v.stored != nil {
		want = v.stored(d)
	}
	if vr.ref.count != want {
		return fmt.Errorf("reference run (%s) stored %d rows, want %d", t.name, vr.ref.count, want)
	}
	vr.refWall = wall
	logf("[%s] reference: %d rows, checksum %d, %.2f s", v.title, vr.ref.count, vr.ref.sum, wall.Seconds())
	return nil
}

// measure runs tool tr once on a fresh table after a CHECKPOINT, verifies the result
// against want and records the run. Only infrastructure errors are returned; a failed
// or wrong run is recorded and reported loudly.
func (b *bench) measure(ctx context.Context, v *variant, d *dataset, tr *toolResult, rep, reps int, want checksum) error {
	if err := b.srv.exec(ctx, v.setupSQL(d)...); err != nil {
		return err
	}
	wall, outs, err := runProcs(ctx, tr.t.procs(b, v, d))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && tr.t.kind == ours && slices.ContainsFunc(outs, func(o *procOut) bool { return hasMark(o.stderr.String()) }) {
		tr.status = statusNA
		logf("[%s] %s (%s): %s: %v", v.title, tr.t.name, tr.t.settings, statusNA, err)
		return nil
	}
	r := trial{rep: rep, wall: wall}
	for _, o := range outs {
		r.rssKiB += o.rssKiB
		r.cpu += o.cpu
	}
	if err != nil {
		r.failure = "failed: " + err.Error()
	} else if r.failure, err = b.verify(ctx, v, d, tr.t, outs, want); err != nil {
		return err
	}
	tr.runs = append(tr.runs, r)
	logRun(v, tr.t, rep, reps, r, d)
	if r.failure != "" {
		b.fail("%s, %s (%s), repetition %d: %s", v.title, tr.t.name, tr.t.settings, rep+1, r.failure)
	}
	return nil
}

// verify compares the table with want and, for tmimport, its JSON report's row count.
// It returns what is wrong, or "".
func (b *bench) verify(ctx context.Context, v *variant, d *dataset, t *tool, outs []*procOut, want checksum) (string, error) {
	got, err := b.checksum(ctx, v)
	if err != nil {
		return "", err
	}
	if got != want {
		return fmt.Sprintf("WRONG RESULT: %d rows, checksum %d; the reference has %d rows, checksum %d",
			got.count, got.sum, want.count, want.sum), nil
	}
	if t.kind == ours && v.report != nil {
		return v.report(outs[0].stdout.Bytes(), d), nil
	}
	if t.kind == ours {
		written := want.count
		if v.written != nil {
			written = v.written(d)
		}
		return checkReport(outs[0].stdout.Bytes(), written), nil
	}
	return "", nil
}

// checkReport checks tmimport's --report json output against the rows it must have
// written (by default the stored row count).
func checkReport(stdout []byte, rows int64) string {
	var rep struct {
		RowsWritten int64  `json:"rows_written"`
		Error       string `json:"error"`
	}
	if err := json.Unmarshal(stdout, &rep); err != nil {
		return fmt.Sprintf("WRONG REPORT: no JSON report on stdout (%v): %.200q", err, stdout)
	}
	if rep.RowsWritten != rows || rep.Error != "" {
		return fmt.Sprintf("WRONG REPORT: rows_written %d (want %d), error %q", rep.RowsWritten, rows, rep.Error)
	}
	return ""
}

// checksumSQL counts a table's rows and sums a hash of their text forms: cheap, and
// independent of the rows' order.
const checksumSQL = "select count(*), coalesce(sum(hashtext(%s)::bigint), 0) from %s t"

// checksum reads a table's checksum.
func (b *bench) checksum(ctx context.Context, v *variant) (checksum, error) {
	out, err := b.srv.query(ctx, fmt.Sprintf(checksumSQL, v.rowExpr(), v.table))
	if err != nil {
		return checksum{}, err
	}
	var c checksum
	if _, err := fmt.Sscanf(out, "%d|%d", &c.count, &c.sum); err != nil {
		return c, fmt.Errorf("checksum: unexpected output %q", out)
	}
	return c, nil
}

// procOut is the captured output and resource use of one process of a run.
type procOut struct {
	stdout, stderr bytes.Buffer
	rssKiB         int64
	cpu            time.Duration
}

// runProcs starts the processes together and waits for all of them. The wall time runs
// from the first start to the last exit.
func runProcs(ctx context.Context, argvs [][]string) (time.Duration, []*procOut, error) {
	outs := make([]*procOut, len(argvs))
	cmds := make([]*exec.Cmd, len(argvs))
	for i, argv := range argvs {
		outs[i] = &procOut{}
		cmds[i] = exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i].stdout, &outs[i].stderr
		cmds[i].WaitDelay = 5 * time.Second
	}
	var errs []error
	start := time.Now()
	started := 0
	for ; started < len(cmds); started++ {
		if err := cmds[started].Start(); err != nil {
			errs = append(errs, err)
			break
		}
	}
	for i, c := range cmds[:started] {
		if err := c.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w: %s", filepath.Base(argvs[i][0]), err, lastLines(outs[i].stderr.String(), 3)))
		}
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			outs[i].rssKiB = ru.Maxrss // KiB on Linux
		}
		outs[i].cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	return time.Since(start), outs, errors.Join(errs...)
}

// rotate returns s rotated left by n.
func rotate[T any](s []T, n int) []T {
	if len(s) == 0 {
		return nil
	}
	n %= len(s)
	return append(slices.Clone(s[n:]), s[:n]...)
}

func hasMark(s string) bool {
	return slices.ContainsFunc(notImplementedMarks, func(m string) bool { return strings.Contains(s, m) })
}

// lastLines returns the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// logRun prints one run's progress line.
func logRun(v *variant, t *tool, rep, reps int, r trial, d *dataset) {
	s := r.wall.Seconds()
	status := "ok"
	if r.failure != "" {
		status = "!!! " + r.failure
	}
	rss := ""
	if !t.server {
		rss = fmt.Sprintf(", client RSS %.0f MB, CPU %.2f s", float64(r.rssKiB)/1024, r.cpu.Seconds())
	}
	logf("[%s %d/%d] %-38s %-30s %6.2f s  %s rows/s  %5.0f MB/s%s  %s", v.title, rep+1, reps, t.name, t.settings,
		s, fmtRate(float64(d.rows)/s), float64(d.bytes)/1e6/s, rss, status)
}
