package pgio_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
)

// FuzzParseTableName checks that table names from the command line never panic, that
// every accepted part is a valid identifier, and that the quoted form of a parsed name
// parses back to the same parts.
func FuzzParseTableName(f *testing.F) {
	for _, s := range []string{"tasks", `"My Schema"."T"`, `a";DROP TABLE x;--`, `"a""b".c`, "a.b.c", `"`, "", "ñ.✓", `"x.y"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := pgio.ParseTableName(s)
		if err != nil {
			return
		}
		if len(id) < 1 || len(id) > 2 {
			t.Fatalf("%q parsed into %d parts", s, len(id))
		}
		for _, part := range id {
			if err := pgio.CheckIdentifier(part); err != nil {
				t.Fatalf("%q gave an invalid part: %v", s, err)
			}
		}
		again, err := pgio.ParseTableName(pgx.Identifier(id).Sanitize())
		if err != nil || len(again) != len(id) {
			t.Fatalf("%q → %q → %q, %v", s, id.Sanitize(), again, err)
		}
		for i := range id {
			if again[i] != id[i] {
				t.Fatalf("%q → %q → %q", s, id.Sanitize(), again)
			}
		}
	})
}
