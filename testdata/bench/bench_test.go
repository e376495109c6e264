package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"th":                         "th",
		"select 1":                   "'select 1'",
		"COPY th FROM '/a.csv'":      `"COPY th FROM '/a.csv'"`,
		`\copy th from '/a.csv'`:     `"\copy th from '/a.csv'"`,
		`fields enclosed by '"'`:     `'fields enclosed by '\''"'\'''`,
		"postgres://u:***@h:1/d?x=y": "'postgres://u:***@h:1/d?x=y'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://postgres:bench@127.0.0.1:5432/postgres?sslmode=disable": "postgres://postgres:***@127.0.0.1:5432/postgres?sslmode=disable",
		"postgres://postgres@127.0.0.1/postgres":                            "postgres://postgres@127.0.0.1/postgres",
		"host=h password=secret dbname=d":                                   "host=h password=*** dbname=d",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full, a, b := filepath.Join(dir, "f.csv"), filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	// The line break inside the quoted field near the middle is no record boundary.
	data := "h1,h2\n1,x\n2,\"multi\nline, quoted\"\n3,y\n4,z\n"
	if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := splitCSV(full, a, b); err != nil {
		t.Fatal(err)
	}
	gotA, _ := os.ReadFile(a)
	gotB, _ := os.ReadFile(b)
	if string(gotA) != "h1,h2\n1,x\n2,\"multi\nline, quoted\"\n" || string(gotB) != "h1,h2\n3,y\n4,z\n" {
		t.Errorf("split into %q and %q", gotA, gotB)
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	s := []int{1, 2, 3}
	if got := rotate(s, 4); !slices.Equal(got, []int{2, 3, 1}) {
		t.Errorf("rotate = %v", got)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	if got := commas(20_000_000); got != "20,000,000" {
		t.Errorf("commas = %s", got)
	}
	if got := median([]float64{3, 1, 2, 10}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
	if got := niceStep(0.27e6); got != 0.5e6 {
		t.Errorf("niceStep = %v", got)
	}
}
