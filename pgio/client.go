package pgio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults and limits for [Config].
const (
	// ApplicationNameDefault is the application_name reported to the server.
	ApplicationNameDefault = "tmimport"
	// ConnectTimeoutDefault bounds Connect when the caller's context has no deadline.
	ConnectTimeoutDefault = 10 * time.Second
	// MinServerVersion is the oldest PostgreSQL server accepted (server_version_num).
	MinServerVersion = 120000
)

// Config configures a [Client]. A zero field means its default.
type Config struct {
	// DSN is a libpq connection string or URL. Pool settings such as pool_max_conns
	// may be given in it. Required. When neither it, nor PGSSLMODE, nor a service it
	// names sets sslmode, the connection is verify-full (see [SSLModeDefault]), not
	// libpq's prefer. Under verify-full a certificate that names the host only in its
	// common name is accepted, as libpq accepts it.
	DSN string
	// ApplicationName is reported to the server (pg_stat_activity.application_name),
	// unless the DSN sets application_name itself. Defaults to "tmimport".
	ApplicationName string
	// MaxConns caps the pool. Defaults to pool_max_conns from the DSN, else pgxpool's
	// default (the larger of 4 and the CPU count).
	MaxConns int32
	// ConnectTimeout bounds Connect when ctx has no earlier deadline. Defaults to 10s.
	ConnectTimeout time.Duration
	// RuntimeParams are server settings for every connection (for example
	// {"jit": "off"}), unless the DSN sets them itself. Optional.
	RuntimeParams map[string]string
}

// Client is a PostgreSQL connection pool with tmimport's setup: application name,
// PostGIS types registered on every connection, and a checked server version.
// It is safe for concurrent use.
type Client struct {
	cfg      Config
	poolCfg  *pgxpool.Config // nil for wrapped pools
	password string

	mu      sync.Mutex
	pool    *pgxpool.Pool
	owned   bool // Close closes the pool only when the client built it
	closed  bool
	version int
}

// New validates cfg and returns an unconnected client. It does no I/O; an error names
// the offending field and never contains the password.
func New(cfg Config) (*Client, error) {
	cfg.ApplicationName = cmp.Or(cfg.ApplicationName, ApplicationNameDefault)
	cfg.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, ConnectTimeoutDefault)
	switch {
	case strings.TrimSpace(cfg.DSN) == "":
		return nil, fmt.Errorf("%w: Config.DSN is required", ErrConfig)
	case cfg.MaxConns < 0:
		return nil, fmt.Errorf("%w: Config.MaxConns must not be negative, got %d", ErrConfig, cfg.MaxConns)
	case cfg.ConnectTimeout < 0:
		return nil, fmt.Errorf("%w: Config.ConnectTimeout must not be negative, got %s", ErrConfig, cfg.ConnectTimeout)
	}
	pc, err := pgxpool.ParseConfig(withDefaultSSLMode(cfg.DSN))
	if err != nil {
		// pgx's ParseConfigError redacts the password; scrub once more anyway.
		return nil, fmt.Errorf("%w: Config.DSN: %w", ErrConfig, scrub(err, passwordOf(cfg.DSN)))
	}
	libpqVerifyFull(&pc.ConnConfig.Config)
	c := &Client{cfg: cfg, poolCfg: pc, password: pc.ConnConfig.Password}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = cfg.ApplicationName
	}
	for k, v := range cfg.RuntimeParams {
		if _, ok := pc.ConnConfig.RuntimeParams[k]; !ok {
			pc.ConnConfig.RuntimeParams[k] = v
		}
	}
	if pc.ConnConfig.ConnectTimeout == 0 || pc.ConnConfig.ConnectTimeout > cfg.ConnectTimeout {
		pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	}
	pc.AfterConnect = registerTypes
	CancelOnServer(&pc.ConnConfig.Config) // a cancelled statement is cancelled on the server too
	return c, nil
}

// Wrap returns a connected client over a pool the caller built and owns. Close does not
// close that pool. Wrapped pools get no type registration from tmimport: set
// [RegisterTypes] as the pool's AfterConnect hook when geometry values are needed.
func Wrap(pool *pgxpool.Pool) *Client {
	return &Client{pool: pool, cfg: Config{ApplicationName: ApplicationNameDefault}}
}

// Connect dials the pool, checks the server version and registers PostGIS types on
// every connection. It is idempotent: on a connected client it does nothing, and after
// a failure it may be called again. ctx bounds the dialing only (also bounded by
// Config.ConnectTimeout); the pool lives until Close.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.pool != nil:
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConnectTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, c.poolCfg.Copy())
	if err != nil {
		return c.scrub(fmt.Errorf("pgio: connect: %w", err))
	}
	var version int
	if err := pool.QueryRow(ctx, "select current_setting('server_version_num')::int").Scan(&version); err != nil {
		pool.Close()
		return c.scrub(fmt.Errorf("pgio: connect: %w", err))
	}
	if version < MinServerVersion {
		pool.Close()
		return fmt.Errorf("pgio: connect: server version %d is older than the oldest supported, %d", version, MinServerVersion)
	}
	c.pool, c.owned, c.version = pool, true, version
	return nil
}

// Pool returns the connected pool, or a [*NotConnectedError] naming op.
func (c *Client) Pool(op string) (*pgxpool.Pool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pool == nil || c.closed {
		return nil, &NotConnectedError{Op: op, Closed: c.closed}
	}
	return c.pool, nil
}

// ServerVersion returns server_version_num (for example 150018), or 0 before Connect
// and for wrapped pools.
func (c *Client) ServerVersion() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// Close closes the pool if the client built it. It is idempotent and safe to call on a
// client that never connected.
func (c *Client) Close() {
	c.mu.Lock()
	pool, owned := c.pool, c.owned
	c.pool, c.closed = nil, true
	c.mu.Unlock()
	if pool != nil && owned {
		pool.Close()
	}
}

// Exec runs one statement outside any transaction, on a pooled connection.
func (c *Client) Exec(ctx context.Context, sql string, args ...any) error {
	pool, err := c.Pool("exec")
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, sql, args...)
	return c.scrub(err)
}

// QueryRow runs a query expected to return at most one row and scans it into dest.
func (c *Client) QueryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	pool, err := c.Pool("query")
	if err != nil {
		return err
	}
	return c.scrub(pool.QueryRow(ctx, sql, args...).Scan(dest...))
}

// scrub removes the client's password from err's text.
func (c *Client) scrub(err error) error { return scrub(err, c.password) }

// passwordOf extracts the password from a DSN, best effort, for scrubbing only.
func passwordOf(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return ""
	}
	return cfg.Password
}

// ErrConfig wraps every configuration error from [New].
var ErrConfig = errors.New("pgio: invalid config")

// ErrClosed is returned by Connect on a closed client.
var ErrClosed = errors.New("pgio: client is closed")

// ErrNotConnected matches every [*NotConnectedError] with [errors.Is].
var ErrNotConnected = errors.New("pgio: client not connected")

// NotConnectedError reports use of a client before Connect or after Close.
type NotConnectedError struct {
	// Op is the operation attempted.
	Op string
	// Closed is true when the client was closed, false when it never connected.
	Closed bool
}

// Error says what was attempted and what to do.
func (e *NotConnectedError) Error() string {
	if e.Closed {
		return fmt.Sprintf("pgio: %s: client is closed", e.Op)
	}
	return fmt.Sprintf("pgio: %s: client not connected (call Connect first)", e.Op)
}

// Is makes errors.Is(err, ErrNotConnected) true.
func (e *NotConnectedError) Is(target error) bool { return target == ErrNotConnected }

// severity returns e's severity as the server sent it before translation (ERROR, FATAL,
// PANIC), falling back to the possibly localized Severity for servers older than 9.6,
// which send no unlocalized field. Compare severities only through it: a server with
// lc_messages set to another language sends, for example, "FEHLER" in Severity.
func severity(e *pgconn.PgError) string { return cmp.Or(e.SeverityUnlocalized, e.Severity) }
