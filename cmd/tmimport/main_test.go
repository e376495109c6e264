package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestRunVersionAndUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"version", []string{"version"}, exitOK, "tmimport dev\n", ""},
		{"help", []string{"help"}, exitOK, "Usage:", ""},
		{"no command", nil, exitUsage, "", "Usage:"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"tm with --table", []string{"tm", "--to", "postgres://x", "--from", "postgres://y", "--table", "t"}, exitUsage, "", "unknown flag --table (tmimport tm does not use it)"},
		{"tm with --key", []string{"tm", "--to", "postgres://x", "--from", "postgres://y", "--key", "foo"}, exitUsage, "", "unknown flag --key"},
		{"geojson with --delimiter", []string{"geojson", "--to", "postgres://x", "--table", "t", "--delimiter", ";", "f.json"}, exitUsage, "", "unknown flag --delimiter"},
		{"types without create", []string{"csv", "--to", "postgres://x", "--table", "t", "--types", "a=int", "f.csv"}, exitUsage, "", "LoadOptions.Types (--types) only matters with"},
		{"help csv", []string{"help", "csv"}, exitOK, "Usage: tmimport csv --to DSN", ""},
		{"csv --help", []string{"csv", "--help"}, exitOK, "Examples:\n  tmimport csv", ""},
		{"help flags have two dashes", []string{"help", "geojson"}, exitOK, "      --geometry-column name ", ""},
		{"tm replace", []string{"tm", "--to", "postgres://x", "--from", "postgres://y", "--mode", "replace"}, exitUsage, "", "--mode replace is not supported by tm"},
		{"tm unknown table", []string{"tm", "--to", "postgres://127.0.0.1:1/x?connect_timeout=1", "--from", "postgres://127.0.0.1:1/y?connect_timeout=1", "--tables", "users,nope"}, exitUsage, "", `unknown table "nope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) || (tc.stdout == "" && out.Len() > 0) {
				t.Fatalf("stdout %q, want %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errb.String(), tc.stderr) || (tc.stderr == "" && errb.Len() > 0) {
				t.Fatalf("stderr %q, want %q", errb.String(), tc.stderr)
			}
		})
	}
}

func TestDSNResolution(t *testing.T) {
	cases := []struct {
		name, flag, env, pghost, want string
		usage                         bool
	}{
		{name: "flag wins", flag: "postgres://a", env: "postgres://b", want: "postgres://a"},
		{name: "environment", env: "postgres://b", want: "postgres://b"},
		{name: "libpq variables", pghost: "db.local", want: "postgres://"},
		{name: "nothing", usage: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"PGDATABASE", "PGSERVICE", "PGUSER", "PGPORT"} {
				t.Setenv(k, "")
			}
			t.Setenv("TMIMPORT_TO", tc.env)
			t.Setenv("PGHOST", tc.pghost)
			got, err := dsn("to", tc.flag, "TMIMPORT_TO")
			var ue *usageError
			if tc.usage != errors.As(err, &ue) || got != tc.want {
				t.Fatalf("dsn = %q, %v; want %q (usage error %v)", got, err, tc.want, tc.usage)
			}
		})
	}
}

// TestJSONReportOnEveryFailure checks that --report json prints exactly one object on
// stdout also when the run fails before loading (no server), naming the table as the
// user wrote it, with the error.
func TestJSONReportOnEveryFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/in.csv"
	if err := os.WriteFile(path, []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"csv", "--to", "postgres://u@127.0.0.1:1/db?connect_timeout=2&sslmode=disable", "--table", "s.th", "--report", "json", "-q", path}, strings.NewReader(""), &out, &errb)
	if code != exitFailure {
		t.Fatalf("exit code %d, want %d (stderr %q)", code, exitFailure, errb.String())
	}
	var rep map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not a JSON object: %v (%q)", err, out.String())
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout: %q", out.String())
	}
	if rep["table"] != "s.th" || rep["error"] == nil || rep["error"] == "" {
		t.Fatalf("report %v: want table s.th and the error", rep)
	}
}
