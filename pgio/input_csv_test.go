package pgio

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/stages/csvsrc"
)

// keyReaderFor opens a two-column CSV whose first column, the key, has type keyType.
func keyReaderFor(t *testing.T, keyType string) *keyReader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,val\n1,a\n"), 0o644))
	src, err := csvsrc.Open(path, csvsrc.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	return newKeyReader(&sync.Pool{New: func() any { return src.Splitter() }}, []Column{{Name: "id", Type: keyType}, {Name: "val", Type: "text"}}, []int{0})
}

// TestKeyReaderRoutesByTheKeysValue checks that records whose integer keys the server
// reads as one value go to one worker however they spell it, that records without a
// readable key are routed by their text (and staged unsorted), and that a record the
// source parsed gives what its raw bytes give.
func TestKeyReaderRoutesByTheKeysValue(t *testing.T) {
	k := keyReaderFor(t, "bigint")
	intKey := k.intKey()
	require.NotNil(t, intKey)
	rec := func(raw string) csvsrc.Record { return csvsrc.Record{Raw: []byte(raw)} }
	five := k.hash(rec("5,a\n"))
	for _, raw := range []string{"+5,b\n", "\" 5\",c\n", "05,d\r\n", "5"} {
		require.Equal(t, five, k.hash(rec(raw)), raw)
		v, ok := intKey(rec(raw))
		require.True(t, ok, raw)
		require.EqualValues(t, 5, v, raw)
	}
	require.NotEqual(t, five, k.hash(rec("6,a\n")))
	for raw, key := range map[string][]byte{ // the key field as the server reads it
		",a\n":                     nil, // NULL
		"\"\",a\n":                 {},  // the empty string
		"x5,a\n":                   []byte("x5"),
		"99999999999999999999,a\n": []byte("99999999999999999999"),
		"\"1\"\"2\",a\n":           []byte(`1"2`),
	} {
		_, ok := intKey(rec(raw))
		require.False(t, ok, "%q has no integer key", raw)
		require.Equal(t, hashFields([][]byte{key}, []int{0}), k.hash(rec(raw)), "%q is routed by its text", raw)
	}
	require.NotEqual(t, k.hash(rec(",a\n")), k.hash(rec("\"\",a\n")), "NULL and the empty string are different keys")
	parsed := csvsrc.Record{Raw: []byte("7,a\n"), Fields: [][]byte{[]byte("7"), []byte("a")}}
	require.Equal(t, k.hash(rec("7,a\n")), k.hash(parsed))
	v, ok := intKey(parsed)
	require.True(t, ok)
	require.EqualValues(t, 7, v)

	text := keyReaderFor(t, "text")
	require.Nil(t, text.intKey(), "only integer keys are sorted in the client")
	require.Equal(t, hashFields([][]byte{[]byte("5")}, []int{0}), text.hash(rec("5,a\n")))
	require.NotEqual(t, text.hash(rec("5,a\n")), text.hash(rec("+5,a\n")), "a text key is its text")
}
