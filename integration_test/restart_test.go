package integration_test

import (
	"cmp"
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// TestServerRestartDuringALoadEndsExact stops and starts the PostgreSQL container in
// the middle of an import with an import id: in-flight batches fail (the server shuts
// down) and are retried once it is back; the table ends equal to one plain load. The
// client reaches the server through a loopback proxy, re-pointed when the container's
// port changes on restart.
func TestServerRestartDuringALoadEndsExact(t *testing.T) {
	t.Parallel()
	_ = pgtest.Start(t) // skips or fails like every test when there is no Docker
	ctx := context.Background()
	ctr, err := postgres.Run(ctx, pgImage(), postgres.WithDatabase("restart"), postgres.WithUsername("restart"), postgres.WithPassword("restart"), postgres.BasicWaitStrategies())
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	direct, err := ctr.ConnectionString(ctx, "sslmode=disable")
	require.NoError(t, err)
	u, err := url.Parse(direct)
	require.NoError(t, err)
	proxy := proxyTo(t, u.Host)
	u.Host = proxy.Listen
	dsn := u.String()

	pool, err := pgxpool.New(ctx, direct)
	require.NoError(t, err)
	path, want := reference(t, pool, gen.CSVOptions{Rows: 200_000, Seed: 13, Multiline: true})
	mustExec(t, pool, "create table th "+gen.TaskHistoryDDL)
	pool.Close()

	var restarted atomic.Bool
	restartDone := make(chan error, 1)
	var out strings.Builder
	_, done := startCLI(t, func(_ *exec.Cmd, line string) {
		out.WriteString(line + "\n")
		if strings.Contains(line, "committed chunk") && restarted.CompareAndSwap(false, true) {
			go func() { restartDone <- restart(ctx, ctr, proxy) }()
		}
	}, "csv", "--to", dsn, "--table", "th", "--workers", "2", "--batch-rows", "2000", "--import-id", "restart",
		"--retries", "10", "--progress", "none", "-v", path)
	select {
	case err := <-done:
		require.NoError(t, err, out.String())
	case <-time.After(4 * time.Minute):
		t.Fatal("the import did not end")
	}
	require.True(t, restarted.Load())
	require.NoError(t, <-restartDone)
	require.Contains(t, out.String(), "retrying", "the restart was noticed")

	direct, err = ctr.ConnectionString(ctx, "sslmode=disable")
	require.NoError(t, err)
	pool, err = pgxpool.New(ctx, direct)
	require.NoError(t, err)
	defer pool.Close()
	require.Equal(t, want, stateOf(t, pool, pgx.Identifier{"th"}))
}

// pgImage is the image pgtest runs, for a test that needs a server of its own.
func pgImage() string { return cmp.Or(os.Getenv(pgtest.EnvImage), pgtest.ImageDefault) }

// restart stops the container (a fast shutdown: backends are terminated), starts it
// again and points the proxy at its new port.
func restart(ctx context.Context, ctr *postgres.PostgresContainer, proxy *toxiproxy.Proxy) error {
	timeout := 10 * time.Second
	if err := ctr.Stop(ctx, &timeout); err != nil {
		return err
	}
	if err := ctr.Start(ctx); err != nil {
		return err
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		return err
	}
	port, err := ctr.MappedPort(ctx, "5432/tcp")
	if err != nil {
		return err
	}
	proxy.Stop()
	proxy.Upstream = host + ":" + port.Port()
	return proxy.Start()
}
