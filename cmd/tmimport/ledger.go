package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// runLedger implements `tmimport ledger list|forget`.
func runLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var to string
	fs := newFlagSet("ledger", "ledger list|forget --to DSN [IMPORT_ID]",
		"List the imports recorded in tmimport.ledger, or forget one (its rows stay in the target).",
		"tmimport ledger list --to postgres://localhost/db",
		"tmimport ledger forget --to postgres://localhost/db places-2026")
	fs.StringVar(&to, "to", "", "target database `DSN` (default $TMIMPORT_TO)")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	to, err = dsn("to", to, "TMIMPORT_TO")
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "list":
	case len(pos) == 2 && pos[0] == "forget":
	default:
		return usagef("usage: tmimport ledger list --to DSN | tmimport ledger forget --to DSN IMPORT_ID")
	}
	client, err := connect(ctx, to, 1)
	if err != nil {
		return err
	}
	defer client.Close()
	if pos[0] == "forget" {
		ok, err := client.ForgetImport(ctx, pos[1])
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no import %q in the ledger", pos[1])
		}
		fmt.Fprintf(stdout, "forgot import %s (its rows stay in the target)\n", pos[1])
		return nil
	}
	imports, err := client.ListImports(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMPORT ID\tTARGET\tSTARTED\tFINISHED\tBATCHES\tROWS")
	for _, i := range imports {
		finished := "-"
		if i.FinishedAt != nil {
			finished = i.FinishedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", i.ID, i.Target, i.StartedAt.Format("2006-01-02 15:04:05"), finished, i.Batches, i.Rows)
	}
	return tw.Flush()
}
