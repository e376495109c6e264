package pipeline

import "fmt"

// Reject is a record that was refused, with where it came from and why.
type Reject struct {
	// Source names the input (a file name, a table), when known.
	Source string
	// Pos locates the record in its input.
	Pos Pos
	// Raw holds the record's input bytes exactly as read, when known. It may alias a
	// batch buffer: a reject handler that keeps it must copy it.
	Raw []byte
	// SQLState is the PostgreSQL error code when the database refused the record.
	SQLState string
	// Column names the column at fault, when known.
	Column string
	// Err is the reason.
	Err error
}

// Error describes the reject with its position.
func (r Reject) Error() string {
	where := fmt.Sprintf("record %d", r.Pos.Index)
	if r.Pos.Line > 0 {
		where = fmt.Sprintf("line %d", r.Pos.Line)
	}
	if r.Source != "" {
		where = r.Source + " " + where
	}
	if r.Column != "" {
		where += " column " + r.Column
	}
	return fmt.Sprintf("%s: %v", where, r.Err)
}

// Unwrap returns the reason.
func (r Reject) Unwrap() error { return r.Err }
