package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tmimport/tmimport/testdata/gen"
)

// dataset is one generated input of a workload.
type dataset struct {
	rows  int64             // data rows the load must store
	seed  uint64            // generator seed
	bytes int64             // size of the main input file
	dir   string            // absolute directory of the files
	files map[string]string // absolute paths by role: "csv" (whole), "a" and "b" (halves)
	// main is the role of the input file the report describes ("csv" when empty), and
	// mainRows its data rows when they differ from rows (W2: the applied file).
	main     string
	mainRows int64
	// desc, when set, replaces the report's data line (inputs that are no file: tm).
	desc string
	// counts are the rows per source table of an input database (tm), else nil.
	counts map[string]int64
}

// taskHistory generates the W1 task_history CSV with rows rows (or reuses it when it is
// already there), and with halves also its two halves, each with the header.
func taskHistory(dataDir string, rows int, seed uint64, halves bool) (*dataset, error) {
	d := &dataset{rows: int64(rows), seed: seed, files: map[string]string{},
		dir: filepath.Join(dataDir, fmt.Sprintf("w1-%d-s%d", rows, seed))}
	if err := mkdirReadable(d.dir); err != nil {
		return nil, err
	}
	d.files["csv"] = filepath.Join(d.dir, "th.csv")
	write := func(w io.Writer) error { return gen.TaskHistoryCSV(w, gen.CSVOptions{Rows: rows, Seed: seed}) }
	prefix := func(w io.Writer) error {
		return gen.TaskHistoryCSV(w, gen.CSVOptions{Rows: min(rows, 1000), Seed: seed})
	}
	if err := ensureFile(d.files["csv"], write, prefix); err != nil {
		return nil, err
	}
	fi, err := os.Stat(d.files["csv"])
	if err != nil {
		return nil, err
	}
	d.bytes = fi.Size()
	if !halves {
		return d, nil
	}
	d.files["a"], d.files["b"] = filepath.Join(d.dir, "th_a.csv"), filepath.Join(d.dir, "th_b.csv")
	return d, splitCSV(d.files["csv"], d.files["a"], d.files["b"])
}

// ensureFile writes path with write unless it exists and starts with what prefix writes
// (so a changed generator invalidates the cached file). It writes to a temporary file
// first, so an interrupted run leaves no partial input behind, and makes the file
// world-readable for the server.
func ensureFile(path string, write, prefix func(io.Writer) error) error {
	var want bytes.Buffer
	if err := prefix(&want); err != nil {
		return err
	}
	if ok, err := hasPrefix(path, want.Bytes()); err != nil || ok {
		return err
	}
	logf("generating %s", path)
	return writeAtomic(path, write)
}

// hasPrefix reports whether the file at path exists and starts with want.
func hasPrefix(path string, want []byte) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer f.Close()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(f, got); err != nil {
		return false, nil // shorter than the prefix: regenerate
	}
	return bytes.Equal(got, want), nil
}

// writeAtomic writes path through write via a temporary file and a rename.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// splitCSV writes the records of the CSV file full into a and b, split at the record
// boundary nearest after the middle, both starting with full's header line. Files newer
// than full are reused.
func splitCSV(full, a, b string) error {
	if newer(a, full) && newer(b, full) {
		return nil
	}
	hdr, mid, size, err := splitPoints(full)
	if err != nil {
		return err
	}
	logf("splitting %s at byte %d of %d", filepath.Base(full), mid, size)
	if err := writeAtomic(a, copyParts(full, [2]int64{0, hdr}, [2]int64{hdr, mid})); err != nil {
		return err
	}
	return writeAtomic(b, copyParts(full, [2]int64{0, hdr}, [2]int64{mid, size}))
}

// splitPoints returns the end of the header record and the end of the first record
// that ends at or after the middle of the file. It follows CSV quoting, so a line
// break inside a quoted field is no record boundary.
func splitPoints(path string) (hdr, mid, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	size = fi.Size()
	r := bufio.NewReaderSize(f, 1<<20)
	quoted := false
	for pos := int64(0); ; pos++ {
		c, err := r.ReadByte()
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: no record boundary after the middle: %w", path, err)
		}
		switch {
		case c == '"':
			quoted = !quoted // "" inside quotes toggles twice
		case c == '\n' && !quoted && hdr == 0:
			hdr = pos + 1
		case c == '\n' && !quoted && pos >= size/2:
			return hdr, pos + 1, size, nil
		}
	}
}

// copyParts returns a writer function that copies the byte ranges [from, to) of path.
func copyParts(path string, parts ...[2]int64) func(io.Writer) error {
	return func(w io.Writer) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		for _, p := range parts {
			if _, err := io.Copy(w, io.NewSectionReader(f, p[0], p[1]-p[0])); err != nil {
				return err
			}
		}
		return nil
	}
}

// newer reports whether path exists and was modified after ref.
func newer(path, ref string) bool {
	a, err1 := os.Stat(path)
	b, err2 := os.Stat(ref)
	return err1 == nil && err2 == nil && a.ModTime().After(b.ModTime())
}

// mainFile returns the path and data rows of the input file the report describes.
func (d *dataset) mainFile() (string, int64) {
	role, rows := d.main, d.mainRows
	if role == "" {
		role = "csv"
	}
	if rows == 0 {
		rows = d.rows
	}
	return d.files[role], rows
}
