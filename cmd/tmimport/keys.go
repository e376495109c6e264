package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// resolveKey returns --key, or the table's primary key when --key is empty.
func resolveKey(ctx context.Context, c *pgio.Client, table pgx.Identifier, flag string) ([]string, error) {
	if key := splitList(flag); len(key) > 0 {
		return key, nil
	}
	key, err := c.PrimaryKey(ctx, table)
	if err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, usagef("table %s has no primary key: name the conflict key with --key", table.Sanitize())
	}
	return key, nil
}

// keyIndexes returns the positions of the key columns among the input's columns.
func keyIndexes(cols, key []string) ([]int, error) {
	idx := make([]int, len(key))
	for i, k := range key {
		idx[i] = -1
		for j, c := range cols {
			if c == k {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, usagef("key column %q is not among the input's columns (%s)", k, strings.Join(cols, ", "))
		}
	}
	return idx, nil
}

// FNV-1a, 64 bits: the partition hashes of key affinity.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv mixes byte c into hash h.
func fnv(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

// hashFields hashes the key fields of a record (NULL distinct from empty) for key
// affinity. Records with too few fields hash what they have; the server rejects them.
func hashFields(fields [][]byte, idx []int) uint64 {
	h := uint64(fnvOffset)
	for _, i := range idx {
		if i >= len(fields) || fields[i] == nil {
			h = fnv(h, 0xff)
			continue
		}
		for _, c := range fields[i] {
			h = fnv(h, c)
		}
		h = fnv(h, 0xfe)
	}
	return h
}

// hashInt hashes an integer key's value (its 8 bytes), for key affinity.
func hashInt(v int64) uint64 {
	h := uint64(fnvOffset)
	for i := range 8 {
		h = fnv(h, byte(v>>(8*i)))
	}
	return h
}

// input is what an import reads, as the ledger identifies it: a name and a reader of
// the bytes whose hash binds the import id (a file's content, a table source's plan).
type input struct {
	name string
	open func() (io.ReadCloser, error)
}

// fileInput identifies a file by its content.
func fileInput(path string) input {
	return input{name: path, open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// fingerprint binds an import id to the input's bytes and the run's chunking.
func fingerprint(in input, table pgx.Identifier, f *common, key []string) (pgio.Fingerprint, error) {
	r, err := in.open()
	if err != nil {
		return pgio.Fingerprint{}, err
	}
	defer r.Close()
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(h, r)
	if err != nil {
		return pgio.Fingerprint{}, fmt.Errorf("%s: %w", in.name, err)
	}
	return pgio.Fingerprint{
		Target: table.Sanitize(), Mode: modeName(f), Key: strings.Join(key, ","),
		Input: in.name, InputSize: n, InputHash: hex.EncodeToString(h.Sum(nil)),
		Workers: f.workers, BatchRows: f.batchRows, BatchBytes: pipeline.BatchBytesDefault,
	}, nil
}

// modeName is the mode as the ledger records it, with --atomic.
func modeName(f *common) string {
	if f.atomic {
		return f.mode + "+atomic"
	}
	return f.mode
}
