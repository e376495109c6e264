package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// serverArgs are the PostgreSQL settings of a container started by the driver: BENCH.md's
// machine (default durability, only shared_buffers and max_wal_size changed).
var serverArgs = []string{"-c", "shared_buffers=1GB", "-c", "max_wal_size=4GB"}

// reportedSettings are the server settings recorded in BENCHMARKS.md.
var reportedSettings = []string{"shared_buffers", "max_wal_size", "wal_level", "fsync", "synchronous_commit",
	"full_page_writes", "wal_compression", "wal_buffers", "checkpoint_timeout", "max_parallel_workers_per_gather"}

// server is the PostgreSQL server the benchmark runs against.
type server struct {
	psql      string   // psql binary
	dsn       string   // with the password
	redacted  string   // dsn with the password replaced by ***
	how       string   // how it runs, for BENCHMARKS.md
	container string   // id of the container the driver started, "" for an external server
	runArgs   []string // its `docker run` arguments
	version   string   // server version()
	settings  []string
}

// externalServer connects to the server given by -dsn.
func externalServer(ctx context.Context, psql, dsn string) (*server, error) {
	s := &server{psql: psql, dsn: dsn, redacted: redactDSN(dsn),
		how: "external server from -dsn / $TMIMPORT_BENCH_DSN (" + redactDSN(dsn) + ")"}
	if err := s.waitReady(ctx, 10*time.Second); err != nil {
		return nil, err
	}
	return s, s.describe(ctx)
}

// startContainer starts a throwaway container of image with host networking on a free
// loopback port, with dataDir mounted read-only at the same path. The returned server
// is non-nil whenever a container may have been started, so that stop removes it.
func startContainer(ctx context.Context, psql, image, dataDir string) (*server, error) {
	if err := exec.CommandContext(ctx, "docker", "image", "inspect", image).Run(); err != nil {
		return nil, fmt.Errorf("docker image %s is missing (run `make image`; the driver never pulls): %w", image, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := containerArgs(image, dataDir, port)
	logf("starting %s on 127.0.0.1:%d", image, port)
	// Not tied to ctx: a Ctrl-C during `docker run` must still leave us the id to remove.
	out, err := exec.Command("docker", args...).Output()
	s := &server{psql: psql, container: strings.TrimSpace(string(out)), runArgs: args}
	if err != nil {
		return s, fmt.Errorf("docker run: %w: %s", err, stderrOf(err))
	}
	s.dsn = fmt.Sprintf("postgres://postgres:bench@127.0.0.1:%d/postgres?sslmode=disable", port)
	s.redacted = redactDSN(s.dsn)
	s.how = fmt.Sprintf("Docker container `%s`, `--network host` on 127.0.0.1:%d (no userland port proxy), "+
		"trust auth, data directory mounted read-only at the same path", image, port)
	if err := s.waitReady(ctx, 2*time.Minute); err != nil {
		return s, err
	}
	return s, s.describe(ctx)
}

// containerArgs is the `docker run` argument list of startContainer.
func containerArgs(image, dataDir string, port int) []string {
	args := []string{"run", "-d", "--rm", "--pull", "never", "--network", "host", "--shm-size", "1g",
		"--name", fmt.Sprintf("tmimport-bench-%d", port),
		"-v", dataDir + ":" + dataDir + ":ro",
		"-e", "POSTGRES_PASSWORD=bench", "-e", "POSTGRES_HOST_AUTH_METHOD=trust",
		image, "postgres", "-c", "port=" + strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1"}
	return append(args, serverArgs...)
}

// stop removes the container the driver started, by id.
func (s *server) stop() {
	if s == nil || s.container == "" {
		return
	}
	logf("removing container %.12s", s.container)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "rm", "-f", s.container).CombinedOutput(); err != nil {
		logf("docker rm -f %.12s: %v: %s", s.container, err, out)
	}
	s.container = ""
}

// freePort returns a TCP port that is free on 127.0.0.1 right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the server until it answers a query or the timeout passes. The
// official entrypoint's init-time server listens on no TCP address, so an answer on
// TCP comes from the final server.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := s.query(ctx, "select 1")
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %s not ready after %s: %w", s.redacted, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// describe reads the server's version and settings for the report.
func (s *server) describe(ctx context.Context) error {
	v, err := s.query(ctx, "select version()")
	if err != nil {
		return err
	}
	s.version = v
	q := fmt.Sprintf("select name || '=' || current_setting(name) from pg_settings where name in ('%s') order by name",
		strings.Join(reportedSettings, "','"))
	out, err := s.query(ctx, q)
	s.settings = strings.Split(out, "\n")
	return err
}

// psqlArgs returns the argv of psql running each SQL command in turn on the server.
func (s *server) psqlArgs(sqls ...string) []string {
	args := []string{s.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", s.dsn}
	for _, q := range sqls {
		args = append(args, "-c", q)
	}
	return args
}

// exec runs SQL commands in turn, each in its own transaction.
func (s *server) exec(ctx context.Context, sqls ...string) error {
	_, err := s.run(ctx, s.psqlArgs(sqls...))
	return err
}

// query runs one query and returns its unaligned, tuples-only output.
func (s *server) query(ctx context.Context, sql string) (string, error) {
	return s.run(ctx, s.queryArgs(sql))
}

// queryArgs returns the argv of psql printing a query's result unaligned, tuples only.
func (s *server) queryArgs(sql string) []string {
	argv := s.psqlArgs(sql)
	return append(argv[:1], append([]string{"-A", "-t"}, argv[1:]...)...)
}

// run runs a psql argv and returns its trimmed stdout.
func (s *server) run(ctx context.Context, argv []string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", argv[len(argv)-1], err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// redactDSN replaces the password of a URL or keyword/value DSN with ***.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		pw, ok := u.User.Password()
		if !ok {
			return dsn
		}
		if esc := ":" + url.UserPassword("", pw).String()[1:] + "@"; strings.Contains(dsn, esc) {
			return strings.Replace(dsn, esc, ":***@", 1)
		}
		return u.Redacted()
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if strings.HasPrefix(f, "password=") {
			fields[i] = "password=***"
		}
	}
	return strings.Join(fields, " ")
}

// stderrOf returns the captured stderr of an *exec.ExitError.
func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}
