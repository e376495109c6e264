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

// TestTypesFlagRefusesInjectionBeforeAnyDDL gives --types values that carry SQL (a
// second statement, a default, a collation): each run fails naming the column and the
// type, before any DDL, so the victim table keeps its row and no table is created.
// Valid types create the table in the server's spelling.
func TestTypesFlagRefusesInjectionBeforeAnyDDL(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table victim (v text)", "insert into victim values ('still here')")
	victim := stateOf(t, db.Pool, pgx.Identifier{"victim"})
	path := writeFile(t, "k.csv", []byte("id,name\n1,a\n2,b\n"))
	ctx := context.Background()
	for _, typ := range []string{`text); drop table victim; --`, `text default now()`, `text collate "C"`} {
		r := runCLI(t, "csv", "--to", db.DSN, "--table", "k", "--create", "--types", "name="+typ, "-q", path)
		require.NotZero(t, r.code, "%q: %s", typ, r.stderr)
		require.Contains(t, r.stderr, `column "name"`, typ)
		require.Contains(t, r.stderr, fmt.Sprintf("%q", typ))
		require.Equal(t, victim, stateOf(t, db.Pool, pgx.Identifier{"victim"}), "%q: the victim is intact", typ)
		var k *string
		require.NoError(t, db.Pool.QueryRow(ctx, "select to_regclass('k')::text").Scan(&k))
		require.Nil(t, k, "%q: no table was created", typ)
	}
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "k", "--create", "--types", "id=int8,name=varchar(10)", "-q", path)
	require.Zero(t, r.code, r.stderr)
	var types string
	require.NoError(t, db.Pool.QueryRow(ctx, `select string_agg(format_type(atttypid, atttypmod), ',' order by attnum)
		from pg_attribute where attrelid = 'k'::regclass and attnum > 0`).Scan(&types))
	require.Equal(t, "bigint,character varying(10)", types)
}

// TestPGQueryRunsReadOnly gives `tmimport pg --query` queries that would change the
// source: a data-modifying CTE, a function that writes, and nextval (whose effect no
// rollback undoes). Each run fails and the source is unchanged: the query runs in a
// read-only transaction. (The writing function inserts rather than deletes: without
// read-only, the workers' deletes would wait for the snapshot transaction's row locks
// for ever.)
func TestPGQueryRunsReadOnly(t *testing.T) {
	t.Parallel()
	src, dst := pgtest.Start(t), pgtest.Start(t)
	mustExec(t, src.Pool,
		"create table t (id bigint primary key, val text)",
		"insert into t select i, 'v' || i from generate_series(1, 100) i",
		"create sequence s",
		"create table notes (n int)",
		"create function note() returns bigint language sql volatile as 'insert into notes values (1) returning 1'",
	)
	want := stateOf(t, src.Pool, pgx.Identifier{"t"})
	for query, msg := range map[string]string{
		"with d as (delete from t returning *) select * from d": "", // refused inside a subquery anyway
		"select id, val, note() as z from t":                    "read-only transaction",
		"select id, val, nextval('s') as n from t":              "read-only transaction",
	} {
		r := runCLI(t, "pg", "--from", src.DSN, "--to", dst.DSN, "--table", "copied", "--query", query, "--split-by", "id", "--create", "-q")
		require.NotZero(t, r.code, "%q: %s", query, r.stderr)
		require.Contains(t, r.stderr, msg, query)
		require.Equal(t, want, stateOf(t, src.Pool, pgx.Identifier{"t"}), "%q deleted nothing", query)
		var last int64
		var called bool
		require.NoError(t, src.Pool.QueryRow(context.Background(), "select last_value, is_called from s").Scan(&last, &called))
		require.False(t, called, "%q: nextval never ran", query)
		require.Zero(t, stateOf(t, src.Pool, pgx.Identifier{"notes"}).Count)
	}
	r := runCLI(t, "pg", "--from", src.DSN, "--to", dst.DSN, "--table", "copied", "--query", "select id, val from t where id > 50", "--split-by", "id", "--create", "-q")
	require.Zero(t, r.code, r.stderr)
	require.EqualValues(t, 50, stateOf(t, dst.Pool, pgx.Identifier{"copied"}).Count)
}
