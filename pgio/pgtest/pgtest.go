// Package pgtest gives tests a real, isolated PostgreSQL/PostGIS database.
//
// [Start] returns a fresh database (created from a PostGIS template, dropped when the
// test ends) on one PostGIS container per test binary, started lazily with
// testcontainers-go and terminated by [Main]. When TMIMPORT_TEST_DSN is set, databases
// are created on that server instead and no container is started (the role needs
// CREATEDB). On such a server PostGIS is installed in the template when the server
// offers it (pg_available_extensions); a server without PostGIS gets a plain template,
// on which tests that need PostGIS fail (.ci/pgmatrix.sh runs only the tests that need
// none on its plain PostgreSQL servers).
//
// The image comes from TMIMPORT_PG_IMAGE (default "tmimport/postgis:15", built offline
// by `make image`). pgtest never pulls: a missing image is an error that says how to
// build it, or set TMIMPORT_PG_IMAGE to an image you have (for example postgis/postgis).
// When Docker is unreachable and no DSN is set, tests are skipped, unless
// TMIMPORT_REQUIRE_DB=1 (set by the Makefile), which turns the skip into a failure.
//
// When the Docker host is a local socket, pgtest defaults TESTCONTAINERS_HOST_OVERRIDE
// to 127.0.0.1 (so containers are always reached on loopback, even inside a container)
// and TESTCONTAINERS_RYUK_DISABLED to true (the reaper would need an image pull; pgtest
// terminates its container itself).
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestImport(t *testing.T) {
//		db := pgtest.Start(t)
//		_, err := db.Pool.Exec(ctx, "create table t (id int)")
//		…
//	}
package pgtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"go.uber.org/goleak"

	"github.com/tmimport/tmimport/pgio"
)

// Environment variables read by pgtest.
const (
	// EnvDSN names an existing server to use instead of a container.
	EnvDSN = "TMIMPORT_TEST_DSN"
	// EnvImage names the container image. Defaults to [ImageDefault].
	EnvImage = "TMIMPORT_PG_IMAGE"
	// EnvRequire, when "1", makes a missing database fail tests instead of skipping.
	EnvRequire = "TMIMPORT_REQUIRE_DB"
	// ImageDefault is the locally built offline PostGIS image.
	ImageDefault = "tmimport/postgis:15"
	// templateDB is the template every test database is copied from (with PostGIS
	// when the server has it).
	templateDB = "tmimport_template"
)

// DB is one test's isolated database.
type DB struct {
	// Name is the database's name.
	Name string
	// DSN connects to the database (with sslmode=disable), for subprocesses and for
	// clients under test.
	DSN string
	// Pool is a pgx pool on the database, closed at cleanup. PostGIS types are
	// registered on its connections.
	Pool *pgxpool.Pool
}

// server is the shared PostgreSQL server of this test binary.
type server struct {
	once     sync.Once
	err      error
	skip     string
	adminDSN string // DSN of the maintenance database
	ctr      *postgres.PostgresContainer
	seq      atomic.Int64
}

var shared server

// Main runs the package's tests, terminates the container pgtest started, if any, and
// then checks with goleak that no goroutine was leaked (pass goleak options, such as
// goleak.IgnoreCurrent(), to tune it). Call it from TestMain; it calls os.Exit.
func Main(m *testing.M, leakOpts ...goleak.Option) { os.Exit(Run(m, leakOpts...)) }

// Run is [Main] without the os.Exit: it returns the exit code, for a TestMain that has
// more to clean up.
func Run(m *testing.M, leakOpts ...goleak.Option) int {
	code := m.Run()
	if err := Shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		code = cmp.Or(code, 1)
	}
	if code == 0 {
		if err := goleak.Find(leakOpts...); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: goroutines leaked:", err)
			code = 1
		}
	}
	return code
}

// Shutdown terminates the container pgtest started, if any. [Main] calls it; call it
// yourself when you write your own TestMain.
func Shutdown() error {
	if shared.ctr == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := shared.ctr.Terminate(ctx)
	shared.ctr = nil
	return err
}

// Start returns a new, empty database (with PostGIS, see the package doc), dropped when
// tb ends. It skips the
// test (or fails it under TMIMPORT_REQUIRE_DB=1) when no server can be had.
func Start(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background())
	if errors.Is(err, errNoServer) {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("pgtest: no database (%s=1): %v", EnvRequire, err)
		}
		tb.Skipf("pgtest: skipping, no database: %v", err)
	}
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return db
}

// errNoServer wraps the reason no server could be had.
var errNoServer = errors.New("no server")

// Open returns a new, empty database (with PostGIS, see the package doc), for code that has no testing.TB,
// such as Example functions. Close drops it.
func Open(ctx context.Context) (*DB, error) {
	shared.once.Do(func() { shared.start() })
	if shared.skip != "" {
		return nil, fmt.Errorf("%w: %s", errNoServer, shared.skip)
	}
	if shared.err != nil {
		return nil, shared.err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), shared.seq.Add(1))
	if err := adminExec(ctx, fmt.Sprintf("create database %s template %s", name, templateDB)); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	db := &DB{Name: name, DSN: withDatabase(shared.adminDSN, name)}
	c, err := pgio.New(pgio.Config{DSN: db.DSN, ApplicationName: "pgtest"})
	if err == nil {
		err = c.Connect(ctx)
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	db.Pool, _ = c.Pool("pgtest")
	return db, nil
}

// Close closes the pool and drops the database, forcing out leftover sessions (for
// example of a killed subprocess).
func (db *DB) Close() error {
	if db.Pool != nil {
		db.Pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, fmt.Sprintf("drop database if exists %s with (force)", db.Name)); err != nil {
		return fmt.Errorf("drop database %s: %w", db.Name, err)
	}
	return nil
}

// start finds or starts the server and prepares the template database.
func (s *server) start() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		s.adminDSN = dsn
	} else if s.adminDSN, s.err = s.startContainer(ctx); s.err != nil || s.skip != "" {
		return
	}
	s.err = ensureTemplate(ctx, s.adminDSN)
}

// startContainer runs the PostGIS image and returns its DSN.
func (s *server) startContainer(ctx context.Context) (string, error) {
	defaultDockerEnv()
	img := os.Getenv(EnvImage)
	if img == "" {
		img = ImageDefault
	}
	provider, err := testcontainers.NewDockerProvider()
	if err == nil {
		defer provider.Close()
		err = provider.Health(ctx)
	}
	if err != nil {
		s.skip = fmt.Sprintf("docker is not available (%v); run `make docker` or set %s", err, EnvDSN)
		return "", nil
	}
	// Never pull: testcontainers would pull a missing image, and no registry may be reached.
	if _, err := provider.Client().ImageInspect(ctx, img); err != nil {
		return "", fmt.Errorf("image %s is not present locally and pgtest never pulls it: run `make image`, or set %s to an image you have (%v)", img, EnvImage, err)
	}
	ctr, err := postgres.Run(ctx, img,
		postgres.WithDatabase("pgtest"),
		postgres.WithUsername("pgtest"),
		postgres.WithPassword("pgtest"),
		postgres.BasicWaitStrategies(),
	)
	if ctr != nil {
		s.ctr = ctr
	}
	if err != nil {
		return "", fmt.Errorf("start %s: %w", img, err)
	}
	return ctr.ConnectionString(ctx, "sslmode=disable")
}

// defaultDockerEnv keeps testcontainers on loopback and without the reaper when Docker
// is a local socket (see the package doc).
func defaultDockerEnv() {
	host := os.Getenv("DOCKER_HOST")
	if host != "" && !strings.HasPrefix(host, "unix://") {
		return
	}
	for k, v := range map[string]string{
		"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
		"TESTCONTAINERS_RYUK_DISABLED": "true",
	} {
		if _, ok := os.LookupEnv(k); !ok {
			_ = os.Setenv(k, v)
		}
	}
}

// ensureTemplate creates the template database once per server, safely when several
// test binaries race to do it, with PostGIS when the server offers it.
func ensureTemplate(ctx context.Context, adminDSN string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	// A session lock on this dedicated (unpooled) connection serialises binaries.
	if _, err := conn.Exec(ctx, "select pg_advisory_lock(hashtext('tmimport pgtest template'))"); err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRow(ctx, "select exists (select from pg_database where datname = $1)", templateDB).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "create database "+templateDB); err != nil {
			return fmt.Errorf("create template: %w", err)
		}
		var postgis bool
		if err := conn.QueryRow(ctx, "select exists (select from pg_available_extensions where name = 'postgis')").Scan(&postgis); err != nil {
			return err
		}
		if postgis {
			tconn, err := pgx.Connect(ctx, withDatabase(adminDSN, templateDB))
			if err != nil {
				return err
			}
			_, err = tconn.Exec(ctx, "create extension if not exists postgis")
			_ = tconn.Close(ctx)
			if err != nil {
				return fmt.Errorf("template: create extension postgis: %w", err)
			}
		}
	}
	_, err = conn.Exec(ctx, "select pg_advisory_unlock(hashtext('tmimport pgtest template'))")
	return err
}

// adminExec runs one statement on the maintenance database (no transaction, as CREATE
// and DROP DATABASE require).
func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, shared.adminDSN)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn pointing at database name, keeping every other setting.
func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name // key=value form: a later keyword wins
}
