package integration_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// roleDSN returns db.DSN for another role and password.
func roleDSN(t *testing.T, db *pgtest.DB, role, password string) string {
	t.Helper()
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	u.User = url.UserPassword(role, password)
	return u.String()
}

// TestLeastPrivilegeAppendsAndRefusesUpsertBeforeWriting uses a role that may only
// INSERT into one table: append works (so tmimport issued no CREATE or TRUNCATE, which
// would have failed), and upsert fails before writing, naming the missing privilege.
func TestLeastPrivilegeAppendsAndRefusesUpsertBeforeWriting(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	role := "inserter_" + strings.ReplaceAll(db.Name, "t_", "")
	mustExec(t, db.Pool,
		"create table lp (id bigint primary key, val text)",
		fmt.Sprintf("create role %s login password 'inserter'", role),
		fmt.Sprintf("revoke all on schema public from %s", role),
		fmt.Sprintf("grant usage on schema public to %s", role),
		fmt.Sprintf("grant insert on lp to %s", role),
	)
	t.Cleanup(func() {
		_, _ = db.Pool.Exec(context.Background(), fmt.Sprintf("drop owned by %s; drop role %s", role, role))
	})
	dsn := roleDSN(t, db, role, "inserter")
	path := writeFile(t, "lp.csv", numbered(0, 5000, false))
	r := runCLI(t, "csv", "--to", dsn, "--table", "lp", "--workers", "2", "--batch-rows", "1000", "-q", path)
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 5000, stateOf(t, db.Pool, pgx.Identifier{"lp"}).Count)

	upd := writeFile(t, "upd.csv", numbered(4000, 6000, false))
	r = runCLI(t, "csv", "--to", dsn, "--table", "lp", "--mode", "upsert", "-q", upd)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "lacks privilege UPDATE")
	require.EqualValues(t, 5000, stateOf(t, db.Pool, pgx.Identifier{"lp"}).Count, "nothing was written")
}

// sentinel is a password that must never be printed.
const sentinelPassword = "Zq9-Sentinel-Secret-4711"

// TestSecretNeverLeaks runs the CLI with a sentinel password in its DSN through
// success, rejects, reports, a wrong password, a closed port and a usage error: the
// password appears in no output, report or reject file.
func TestSecretNeverLeaks(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	role := "secret_" + strings.ReplaceAll(db.Name, "t_", "")
	mustExec(t, db.Pool, "create table s (id bigint, val text)", fmt.Sprintf("create role %s login superuser password '%s'", role, sentinelPassword))
	t.Cleanup(func() { _, _ = db.Pool.Exec(context.Background(), "drop role "+role) })
	dsn := roleDSN(t, db, role, sentinelPassword)
	data := append(numbered(0, 100, false), "x,bad\n"...)
	path := writeFile(t, "s.csv", data)
	rejects := path + ".rejects"

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())
	closedDSN := strings.Replace(dsn, mustHost(t, dsn), closed, 1)
	wrongDSN := roleDSN(t, db, role, sentinelPassword+"-wrong")

	runs := [][]string{
		{"csv", "--to", dsn, "--table", "s", "--max-rejects", "5", "--rejects", rejects, "--report", "json", "-v", path},
		{"csv", "--to", dsn, "--table", "s", "--import-id", "secret", "--report", "json", "-v", path},
		{"csv", "--to", wrongDSN, "--table", "s", "-v", path},
		{"csv", "--to", closedDSN, "--table", "s", "-v", path},
		{"csv", "--to", dsn, "--table", `"bad`, path},
		{"ledger", "list", "--to", dsn},
	}
	for _, args := range runs {
		r := runCLI(t, args...)
		all := r.stdout + r.stderr
		require.NotContains(t, all, sentinelPassword, "%v", args[:3])
		require.NotContains(t, all, strings.ToLower(sentinelPassword))
	}
	rj, err := os.ReadFile(rejects)
	require.NoError(t, err)
	require.NotEmpty(t, rj)
	require.NotContains(t, string(rj), sentinelPassword)
}

func mustHost(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	return u.Host
}
