// Package csvsrc reads CSV input for tmimport exactly as PostgreSQL's COPY … (FORMAT csv)
// does, so that the bytes of each batch can be sent to the server unchanged.
//
// A [Source] is a [pipeline.Source] of [Record]s. It cuts a sized file into byte ranges
// aligned to record boundaries (even when quoted fields hold newlines) and cuts an unsized
// input (stdin, a gzip stream, any [io.Reader]) into in-memory chunks as it streams.
//
// # Two paths
//
// On the fast path a sink sends [pipeline.Batch.Raw] to the server with
// COPY t (cols) FROM STDIN WITH (FORMAT csv, …): Raw holds the batch's records exactly as
// they appear in the input, contiguous, without the header, and ends with a line
// terminator. Records are delimited with PostgreSQL's own rule (CopyReadLineText in
// src/backend/commands/copyfromparse.c), so the server sees the same records, in the same
// number, as the source.
//
// On the typed path ([Options.ParseFields]) each [Record] also carries its fields, split
// and unquoted as PostgreSQL's CopyReadAttributesCSV does: a NULL field is a nil slice, an
// empty string a non-nil empty one, and bytes are kept exactly (a quoted "\r\n" stays
// "\r\n").
//
// # PostgreSQL's rules, and what the source does about them
//
//   - Line endings are "\n", "\r\n" or a bare "\r", decided like PostgreSQL does from the
//     input's first line (the header when there is one). A record whose line ending
//     differs, or which holds an unquoted carriage return or newline, is one PostgreSQL
//     would refuse ("unquoted carriage return found in data"): it goes to the batch's
//     rejects.
//   - A line holding only \. ends COPY input in PostgreSQL 15, silently dropping the rest
//     of a batch. Such a record goes to the rejects with [ErrEndOfCopyMarker]; it must be
//     quoted ("\.") to be data. \. as the input's last bytes, without a line terminator,
//     is data, as COPY FROM a file reads it: the record comes quoted, Raw "\.", so that
//     the terminator a sink adds does not turn it into the marker.
//   - A quoted field that the input ends in makes the rest of the input one record, as
//     in PostgreSQL, which refuses it: it goes to the rejects ([ErrUnterminatedQuote],
//     "unterminated quoted field starting at line N") and the records before it load.
//     A record longer than [Options.MaxRecordBytes] is an error ([ErrRecordTooLarge])
//     naming the line where it starts: nothing after it can be delimited.
//   - A read error (a truncated gzip stream) is an error naming the last line read; the
//     complete records before it are delivered first.
//   - A UTF-8 byte order mark at the start of the input is skipped (PostgreSQL would keep
//     it as part of the first field). Input is not checked for valid UTF-8: the server
//     does that, and the sink isolates the record it names.
//   - The input must use an encoding in which the delimiter, quote, escape, "\r" and "\n"
//     bytes never occur inside a multi-byte character (UTF-8, LATIN1, …), as PostgreSQL
//     assumes for its server encodings.
//
// # Positions
//
// Each row's [pipeline.Pos] gives the 1-based physical line where it starts (the header
// is line 1; lines end at "\n", or at "\r" in an input with bare "\r" line endings),
// the byte offset of its first byte in the (decompressed) input, BOM included, and an
// Index equal to Line minus the first data line: the record index as long as no earlier
// record holds a quoted line break. (Counting records exactly would mean delimiting
// every record before cutting a file, which costs several times what cutting by quote
// parity does.) When a COPY of a batch fails, PostgreSQL reports "line N" of that COPY
// stream; [Dialect.CopyLineRow] maps N back to the row.
package csvsrc

import (
	"errors"
	"fmt"
	"strings"
)

// Defaults for [Options] fields left zero.
const (
	// ChunkBytesDefault is the default size of the chunks an unsized input is cut into.
	// Memory for an unsized input is about (workers + 2) × ChunkBytes: the chunks being
	// read, the one being cut and the read-ahead. It matches the pipeline's default
	// batch size, so a chunk costs what one batch buffer of a sized file costs.
	ChunkBytesDefault = 16 << 20
	// MaxRecordBytesDefault is the default longest record.
	MaxRecordBytesDefault = 64 << 20
	// maxRecordBytesMax bounds MaxRecordBytes so that batch offsets fit in an int32.
	maxRecordBytesMax = 1 << 30
)

// Sentinel errors. An error about one place of the input is a *[ParseError] that wraps
// one of them; the reason of a rejected record wraps one too, so errors.Is works on
// both.
var (
	// ErrOptions wraps every invalid option.
	ErrOptions = errors.New("csvsrc: invalid options")
	// ErrUnterminatedQuote means the input ended inside a quoted field.
	ErrUnterminatedQuote = errors.New("csvsrc: unterminated CSV quoted field")
	// ErrRecordTooLarge means a record is longer than Options.MaxRecordBytes, often
	// the sign of a stray quote.
	ErrRecordTooLarge = errors.New("csvsrc: record too large")
	// ErrEndOfCopyMarker rejects a record whose text is only \. (the end-of-data marker
	// of COPY FROM STDIN).
	ErrEndOfCopyMarker = errors.New("csvsrc: end-of-copy marker in data")
	// ErrLineEnding rejects a record with an unquoted carriage return or newline that
	// is not its line terminator, or with a line terminator of another style than the
	// input's first line: PostgreSQL refuses both.
	ErrLineEnding = errors.New("csvsrc: unquoted line ending in data")
	// ErrFieldCount rejects a record (with Options.ParseFields) whose number of fields
	// differs from the header's.
	ErrFieldCount = errors.New("csvsrc: wrong number of fields")
	// ErrConsumed is returned by Chunks when an unsized input was already read.
	ErrConsumed = errors.New("csvsrc: input already read")
	// ErrHeader wraps every error of [MapHeader].
	ErrHeader = errors.New("csvsrc: header does not match the table")
)

// Dialect is the CSV format, with PostgreSQL's COPY options of the same names.
// A zero field means its default.
type Dialect struct {
	// Delimiter separates fields. Defaults to ','.
	Delimiter byte
	// Quote starts and ends a quoted section of a field. Defaults to '"'.
	Quote byte
	// Escape, inside a quoted section, makes the following quote or escape byte
	// literal. Defaults to Quote, so "" is a literal quote (PostgreSQL's default);
	// '\\' is the usual other choice.
	Escape byte
	// Null is the text of an unquoted field that means NULL. A quoted field is never
	// NULL. Defaults to "" (an unquoted empty field is NULL, a quoted one "" is the
	// empty string), as in PostgreSQL's CSV format.
	Null string
}

// WithDefaults returns d with zero fields set to their defaults.
func (d Dialect) WithDefaults() Dialect {
	if d.Delimiter == 0 {
		d.Delimiter = ','
	}
	if d.Quote == 0 {
		d.Quote = '"'
	}
	if d.Escape == 0 {
		d.Escape = d.Quote
	}
	return d
}

// validate applies PostgreSQL's checks of COPY's CSV options (ProcessCopyOptions) to a
// dialect with defaults.
func (d Dialect) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, args...))
	}
	for _, c := range []struct {
		name string
		b    byte
	}{{"Delimiter", d.Delimiter}, {"Quote", d.Quote}, {"Escape", d.Escape}} {
		switch {
		case c.b == '\r' || c.b == '\n':
			return bad("%s cannot be newline or carriage return", c.name)
		case c.b >= 0x80:
			return bad("%s must be a single-byte ASCII character, got %#x", c.name, c.b)
		}
	}
	switch {
	case d.Delimiter == d.Quote:
		return bad("Delimiter and Quote must be different, both are %q", d.Delimiter)
	case strings.ContainsAny(d.Null, "\r\n"):
		return bad("Null cannot use newline or carriage return")
	case strings.IndexByte(d.Null, d.Delimiter) >= 0:
		return bad("the Delimiter %q must not appear in Null %q", d.Delimiter, d.Null)
	case strings.IndexByte(d.Null, d.Quote) >= 0:
		return bad("the Quote %q must not appear in Null %q", d.Quote, d.Null)
	}
	return nil
}

// Options configures a [Source]. A zero field means its default.
type Options struct {
	// Dialect is the CSV format.
	Dialect
	// NoHeader says the input has no header row. Defaults to false: the first record
	// is a header, as the CLI and PostgreSQL's CSV HEADER option read it.
	NoHeader bool
	// Columns names the fields. Optional. Without a header it is what [Source.Header]
	// returns. With a header it replaces the header's names, and the first record is
	// skipped whatever it holds, as COPY's HEADER option does: a junk first line, or a
	// header with another number of fields, is skipped, and records must have
	// len(Columns) fields. Only a first line that is the end-of-copy marker, or that
	// opens a quoted field the input never closes, is an error.
	Columns []string
	// ParseFields fills Record.Fields. Records whose number of fields differs from the
	// header's (or Columns', or else the first record's) go to the batch's rejects.
	// Defaults to false: only Record.Raw is set (the fast path).
	ParseFields bool
	// Name names the input in errors and rejects. Defaults to the path given to [Open]
	// ("stdin" for "-") or "input" for [NewReader].
	Name string
	// ChunkBytes is the size of the chunks an unsized input is cut into (a chunk ends
	// at the first record boundary past it). Defaults to [ChunkBytesDefault].
	ChunkBytes int
	// MaxRecordBytes is the longest accepted record; a longer one is an error
	// ([ErrRecordTooLarge]). At most 1 GiB, PostgreSQL's own limit. Defaults to
	// [MaxRecordBytesDefault].
	MaxRecordBytes int
}

// WithDefaults returns a copy of o with zero fields set to their defaults. Name stays
// as it is: its default depends on the constructor.
func (o Options) WithDefaults() Options {
	o.Dialect = o.Dialect.WithDefaults()
	if o.ChunkBytes == 0 {
		o.ChunkBytes = ChunkBytesDefault
	}
	if o.MaxRecordBytes == 0 {
		o.MaxRecordBytes = MaxRecordBytesDefault
	}
	return o
}

func (o *Options) validate() error {
	switch {
	case o.ChunkBytes < 1:
		return fmt.Errorf("%w: ChunkBytes must be positive, got %d", ErrOptions, o.ChunkBytes)
	case o.MaxRecordBytes < 1 || o.MaxRecordBytes > maxRecordBytesMax:
		return fmt.Errorf("%w: MaxRecordBytes must be between 1 and %d, got %d", ErrOptions, maxRecordBytesMax, o.MaxRecordBytes)
	}
	return o.Dialect.validate()
}

// ParseError is an error at one place of the input. It wraps one of the package's
// sentinel errors.
type ParseError struct {
	// Name names the input.
	Name string
	// Line is the 1-based line where the record at fault starts.
	Line int64
	// Offset is the byte offset where the record at fault starts.
	Offset int64
	// Err is the cause.
	Err error
}

// Error names the input and the line: "csvsrc: data.csv line 12: unterminated CSV
// quoted field".
func (e *ParseError) Error() string {
	return fmt.Sprintf("csvsrc: %s line %d: %s", e.Name, e.Line, strings.TrimPrefix(e.Err.Error(), "csvsrc: "))
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// reason is the error of a rejected record: its own message (the reject adds the input
// name and line), wrapping a sentinel.
type reason struct {
	kind error
	msg  string
}

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return r.kind }

var (
	errMarker = &reason{ErrEndOfCopyMarker,
		`a line containing only \. ends COPY input; quote it as "\."`}
	errUnquotedCR = &reason{ErrLineEnding,
		"unquoted carriage return found in data; use a quoted CSV field to represent carriage return"}
	errUnquotedLF = &reason{ErrLineEnding,
		"unquoted newline found in data; use a quoted CSV field to represent newline"}
	errMixedCRLF = &reason{ErrLineEnding,
		`the line ends with \r\n but the input's first line with \n; PostgreSQL does not accept mixed line endings`}
	errMixedLF = &reason{ErrLineEnding,
		`the line ends with \n but the input's first line with \r\n; PostgreSQL does not accept mixed line endings`}
	errUnterminated = &reason{ErrUnterminatedQuote, "unterminated CSV quoted field"}
)

// unterminatedAt is the reason of a record whose quoted field the input ends in.
func unterminatedAt(line int64) error {
	return &reason{ErrUnterminatedQuote, fmt.Sprintf("unterminated quoted field starting at line %d; "+
		"the rest of the input is read as this record, as PostgreSQL reads it", line)}
}

// fieldCountError is the reason of a record with the wrong number of fields.
func fieldCountError(want, got int) error {
	return &reason{ErrFieldCount, fmt.Sprintf("expected %d fields, got %d", want, got)}
}
