package pgio_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
)

// sentinel is a password that must never appear in any error text.
const sentinel = "S3ntinel-Pa55word-9f2c"

func TestMain(m *testing.M) { pgtest.Main(m, goleak.IgnoreCurrent()) }

func TestNewNamesTheBadField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   pgio.Config
		field string
	}{
		{"empty DSN", pgio.Config{}, "Config.DSN is required"},
		{"blank DSN", pgio.Config{DSN: "  "}, "Config.DSN is required"},
		{"unparsable DSN", pgio.Config{DSN: "postgres://u:" + sentinel + "@h:notaport/db"}, "Config.DSN"},
		{"bad keyword DSN", pgio.Config{DSN: "host=h password=" + sentinel + " sslmode=sometimes"}, "Config.DSN"},
		{"negative MaxConns", pgio.Config{DSN: "host=h", MaxConns: -1}, "Config.MaxConns"},
		{"negative ConnectTimeout", pgio.Config{DSN: "host=h", ConnectTimeout: -time.Second}, "Config.ConnectTimeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := pgio.New(tc.cfg)
			require.Nil(t, c)
			require.ErrorIs(t, err, pgio.ErrConfig)
			require.ErrorContains(t, err, tc.field)
			require.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, err), sentinel)
		})
	}
}

func TestUseBeforeConnectIsATypedError(t *testing.T) {
	t.Parallel()
	c, err := pgio.New(pgio.Config{DSN: "postgres://u:" + sentinel + "@127.0.0.1:1/db"})
	require.NoError(t, err)
	for _, use := range []func() error{
		func() error { _, err := c.Pool("copy"); return err },
		func() error { return c.Exec(context.Background(), "select 1") },
		func() error { var x int; return c.QueryRow(context.Background(), "select 1", nil, &x) },
	} {
		err := use()
		require.ErrorIs(t, err, pgio.ErrNotConnected)
		var nc *pgio.NotConnectedError
		require.ErrorAs(t, err, &nc)
		require.False(t, nc.Closed)
		require.Contains(t, err.Error(), "call Connect first")
	}
	c.Close()
	_, err = c.Pool("copy")
	var nc *pgio.NotConnectedError
	require.ErrorAs(t, err, &nc)
	require.True(t, nc.Closed)
	require.ErrorIs(t, c.Connect(context.Background()), pgio.ErrClosed)
}

func TestConnectToClosedPortFailsFastWithoutPassword(t *testing.T) {
	t.Parallel()
	// Reserve a loopback port, then close it so nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	// A refused connection fails at once, long before the timeout.
	c, err := pgio.New(pgio.Config{DSN: "postgres://tm:" + sentinel + "@" + addr + "/db?sslmode=disable", ConnectTimeout: 30 * time.Second})
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	err = c.Connect(context.Background())
	require.Error(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	require.NotContains(t, fmt.Sprintf("%v|%+v|%#v", err, err, err), sentinel)
	require.Contains(t, err.Error(), "connect")
}

func TestConnectStallingServerHonoursTimeout(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers: the startup handshake stalls.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	c, err := pgio.New(pgio.Config{DSN: "postgres://tm:" + sentinel + "@" + l.Addr().String() + "/db?sslmode=disable", ConnectTimeout: 500 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	err = c.Connect(context.Background())
	require.Error(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	require.NotContains(t, fmt.Sprintf("%v|%+v", err, err), sentinel)
}

func TestClientConnectsChecksServerAndClosesIdempotently(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c, err := pgio.New(pgio.Config{DSN: db.DSN, MaxConns: 3, ApplicationName: "tmimport-test-app"})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Connect(ctx))
	require.NoError(t, c.Connect(ctx), "Connect is idempotent")
	require.GreaterOrEqual(t, c.ServerVersion(), pgio.MinServerVersion)

	pool, err := c.Pool("test")
	require.NoError(t, err)
	require.EqualValues(t, 3, pool.Config().MaxConns)
	var app string
	require.NoError(t, c.QueryRow(ctx, "select current_setting('application_name')", nil, &app))
	require.Equal(t, "tmimport-test-app", app)

	// PostGIS geometry comes back as EWKB bytes thanks to the registered codec.
	var ewkb []byte
	require.NoError(t, c.QueryRow(ctx, "select 'SRID=4326;POINT(1 2)'::geometry", nil, &ewkb))
	require.Equal(t, "0101000020e6100000000000000000f03f0000000000000040", fmt.Sprintf("%x", ewkb))

	c.Close()
	c.Close()
	_, err = c.Pool("after close")
	require.ErrorIs(t, err, pgio.ErrNotConnected)
}

func TestPoolSettingsFromDSN(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	sep := "?"
	if strings.Contains(db.DSN, "?") {
		sep = "&"
	}
	c, err := pgio.New(pgio.Config{DSN: db.DSN + sep + "pool_max_conns=5&application_name=from-dsn"})
	require.NoError(t, err)
	require.NoError(t, c.Connect(context.Background()))
	defer c.Close()
	pool, err := c.Pool("test")
	require.NoError(t, err)
	require.EqualValues(t, 5, pool.Config().MaxConns)
	var app string
	require.NoError(t, c.QueryRow(context.Background(), "select current_setting('application_name')", nil, &app))
	require.Equal(t, "from-dsn", app, "a DSN's application_name wins over the default")
}

func TestWrongPasswordErrorHasNoPassword(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	dsn := strings.Replace(db.DSN, ":pgtest@", ":"+sentinel+"@", 1)
	require.NotEqual(t, db.DSN, dsn)
	c, err := pgio.New(pgio.Config{DSN: dsn})
	require.NoError(t, err)
	defer c.Close()
	err = c.Connect(context.Background())
	require.Error(t, err)
	require.NotContains(t, fmt.Sprintf("%v|%+v|%#v", err, err, err), sentinel)
}
