// Command bench is tmimport's benchmark driver. It generates the inputs of BENCH.md
// deterministically, runs tmimport and its baselines against one PostgreSQL server in
// interleaved, verified repetitions, and writes BENCHMARKS.md with a table per workload,
// the targets' PASS/FAIL, the exact commands and an SVG chart.
//
// Run it from the repository root:
//
//	go run ./testdata/bench                            # W1, 2 M rows, 3 repetitions
//	go run ./testdata/bench -rows 200000 -reps 1 -rss-rows 0
//	go run ./testdata/bench -dsn postgres://postgres@127.0.0.1:5432/postgres
//	go run ./testdata/bench -workloads tm -tm-scale 0.1   # tmimport tm on a small TM v4 database
//
// Without -dsn (or $TMIMPORT_BENCH_DSN) it starts a throwaway PostGIS container with
// host networking on a free loopback port (no Docker port proxy in the data path), with
// the data directory mounted at the same absolute path so that server-side
// `COPY … FROM '/abs/path'` works, and removes it at the end, also on error or Ctrl-C.
// A server given by -dsn must see the data directory at the same path, too.
//
// Progress goes to stderr. The exit status is 1 when any run failed or loaded a result
// that differs from the reference; BENCHMARKS.md is written either way.
//
// It lives under testdata/ so that `go build ./...` and `go test ./...` skip it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config holds the command-line flags.
type config struct {
	root      string // repository root (holds go.mod)
	out       string // BENCHMARKS.md path
	dir       string // data directory, absolute
	dsn       string // target server; empty: start a container
	image     string // container image when starting one
	tmimport  string // tmimport binary; empty: build it into dir
	reps      int
	rows      int
	rssRows   int
	seed      uint64
	tmScale   float64 // tmsrc scale of the tm workload's source database
	workloads []string
	tools     []string // only these tool keys (empty: all)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second Ctrl-C kills at once
	err := run(ctx, os.Args[1:])
	stop()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = errors.New("interrupted")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run parses the flags, prepares the server and the client, runs the workloads and
// writes the report.
func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	b, cleanup, err := newBench(ctx, cfg)
	defer cleanup()
	if err != nil {
		return err
	}
	results, err := b.runWorkloads(ctx)
	if err != nil {
		return err
	}
	if err := writeReport(b, results); err != nil {
		return err
	}
	logf("wrote %s", cfg.out)
	if n := len(b.failures); n > 0 {
		logf("!!! %d FAILURE(S):", n)
		for _, f := range b.failures {
			logf("!!!   %s", f)
		}
		return fmt.Errorf("%d run(s) failed or loaded a wrong result (see %s)", n, cfg.out)
	}
	return nil
}

// parseFlags parses args into a config with absolute paths.
func parseFlags(args []string) (config, error) {
	root, err := repoRoot()
	if err != nil {
		return config{}, err
	}
	cfg := config{root: root}
	var workloads, tools string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&cfg.out, "out", filepath.Join(root, "BENCHMARKS.md"), "Markdown report to write")
	fs.StringVar(&cfg.dir, "dir", filepath.Join(root, ".bench"), "data directory (generated inputs, tmimport binary)")
	fs.IntVar(&cfg.reps, "reps", 3, "repetitions per workload (each runs every tool once, rotated order)")
	fs.IntVar(&cfg.rows, "rows", 2_000_000, "W1 rows")
	fs.IntVar(&cfg.rssRows, "rss-rows", 20_000_000, "rows of the W1 memory-scaling run (0: skip it)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "data generator seed")
	fs.Float64Var(&cfg.tmScale, "tm-scale", 1, "tm: scale of the synthetic TM v4 source database (testdata/tmsrc; 1 ≈ 2.5 M rows)")
	fs.StringVar(&workloads, "workloads", "w1", "comma-separated workloads: "+strings.Join(workloadKeys(), ", "))
	fs.StringVar(&cfg.dsn, "dsn", os.Getenv("TMIMPORT_BENCH_DSN"), "target server DSN (default $TMIMPORT_BENCH_DSN; empty: start a container)")
	fs.StringVar(&cfg.image, "image", envOr("TMIMPORT_PG_IMAGE", "tmimport/postgis:15"), "image of the container started without -dsn (never pulled)")
	fs.StringVar(&tools, "tools", "", "comma-separated tool keys to run (default: all; e.g. server-copy,tmimport-w2)")
	fs.StringVar(&cfg.tmimport, "tmimport", "", "tmimport binary (default: build ./cmd/tmimport into -dir)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.tools = splitList(tools)
	return cfg.validate(workloads)
}

// validate checks the flags and makes the paths absolute.
func (c config) validate(workloads string) (config, error) {
	switch {
	case c.reps < 1:
		return c, errors.New("-reps must be at least 1")
	case c.rows < 2:
		return c, errors.New("-rows must be at least 2")
	case c.rssRows < 0:
		return c, errors.New("-rss-rows must be 0 (skip) or more")
	case !(c.tmScale > 0):
		return c, errors.New("-tm-scale must be positive")
	}
	for _, w := range splitList(strings.ToLower(workloads)) {
		if _, ok := workloadByKey(w); !ok {
			return c, fmt.Errorf("-workloads: unknown workload %q (have %s)", w, strings.Join(workloadKeys(), ", "))
		}
		c.workloads = append(c.workloads, w)
	}
	var err error
	for _, p := range []*string{&c.out, &c.dir, &c.tmimport} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// repoRoot finds the repository root: the nearest directory upwards holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the tmimport repository")
		}
		dir = parent
	}
}

// bench is the state of one benchmark session.
type bench struct {
	cfg      config
	srv      *server
	psql     string            // psql binary
	tmimport string            // tmimport binary
	help     map[string]string // `tmimport SUB -h` output by subcommand
	failures []string          // failed or wrong runs, for the report and the exit status
	dsns     []string          // DSNs of the server's other databases, redacted in the report like its DSN
	started  time.Time
}

// newBench prepares the data directory, the tmimport binary and the server. cleanup is
// never nil and stops what newBench started.
func newBench(ctx context.Context, cfg config) (b *bench, cleanup func(), err error) {
	b = &bench{cfg: cfg, help: map[string]string{}, started: time.Now()}
	cleanup = func() {}
	if b.psql, err = exec.LookPath("psql"); err != nil {
		return nil, cleanup, errors.New("psql is required (apt-get install postgresql-client)")
	}
	if err = mkdirReadable(cfg.dir); err != nil {
		return nil, cleanup, err
	}
	if b.tmimport, err = buildTmimport(ctx, cfg); err != nil {
		return nil, cleanup, err
	}
	if cfg.dsn != "" {
		b.srv, err = externalServer(ctx, b.psql, cfg.dsn)
	} else {
		b.srv, err = startContainer(ctx, b.psql, cfg.image, cfg.dir)
	}
	if b.srv != nil {
		cleanup = b.srv.stop
	}
	return b, cleanup, err
}

// buildTmimport returns cfg.tmimport, or builds ./cmd/tmimport into the data directory.
func buildTmimport(ctx context.Context, cfg config) (string, error) {
	if cfg.tmimport != "" {
		return cfg.tmimport, nil
	}
	bin := filepath.Join(cfg.dir, "tmimport")
	logf("building %s", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tmimport")
	cmd.Dir = cfg.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/tmimport: %w\n%s", err, out)
	}
	return bin, nil
}

// runWorkloads runs the selected workloads in order.
func (b *bench) runWorkloads(ctx context.Context) ([]*workloadResult, error) {
	var results []*workloadResult
	for _, key := range b.cfg.workloads {
		w, _ := workloadByKey(key)
		r, err := b.runWorkload(ctx, w)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// fail records a failed or wrong run and prints it loudly.
func (b *bench) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.failures = append(b.failures, msg)
	logf("!!! FAILURE: %s", msg)
}

// logf prints a progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// mkdirReadable creates dir so that the server, another user, can read files in it.
func mkdirReadable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755) // MkdirAll is subject to the umask
}
