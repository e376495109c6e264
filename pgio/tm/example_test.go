package tm_test

import (
	"context"
	"fmt"
	"log"
	"testing"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pgio/tm"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/testdata/tmsrc"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// connected returns a connected client of db.
func connected(ctx context.Context, db *pgtest.DB) *pgio.Client {
	c, err := pgio.New(pgio.Config{DSN: db.DSN})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Connect(ctx); err != nil {
		log.Fatal(err)
	}
	return c
}

// Example migrates a (synthetic) TM v4 database into the TM-Admin schema, table by
// table: each table's source is read in key ranges of one snapshot and written with
// binary COPY; rows with unknown codes or dangling references would be rejected.
func Example() {
	ctx := context.Background()
	srcDB, err := pgtest.Open(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer srcDB.Close()
	dstDB, err := pgtest.Open(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer dstDB.Close()
	if _, err := tmsrc.Create(ctx, srcDB.Pool, tmsrc.Config{Scale: 0.001, Seed: 1}); err != nil {
		log.Fatal(err)
	}
	source, target := connected(ctx, srcDB), connected(ctx, dstDB)
	defer source.Close()
	defer target.Close()

	m, err := tm.New(source, target, tm.Config{Schema: "tmadmin", Tables: []string{"users", "projects", "tasks"}})
	if err != nil {
		log.Fatal(err)
	}
	if err := m.CreateSchema(ctx); err != nil {
		log.Fatal(err)
	}
	for _, t := range m.Tables() {
		job, err := m.Open(ctx, t, 50_000)
		if err != nil {
			log.Fatal(err)
		}
		sink, err := pgio.NewCopySink(target, pgio.CopyConfig[[]byte]{Table: job.Target, Columns: job.Columns,
			Raw: func(r []byte) []byte { return r }, RawBinary: true})
		if err != nil {
			log.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config[[]byte]{Source: job.Source, Stages: []pipeline.Stage[[]byte]{job.Stage}, Sink: sink})
		if err != nil {
			log.Fatal(err)
		}
		sum, err := p.Run(ctx)
		job.Close()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d rows, %d rejected\n", t.Name, sum.Written, sum.Rejected)
	}
	if err := m.ResetSequences(ctx); err != nil {
		log.Fatal(err)
	}
	var status string
	if err := target.QueryRow(ctx, "select status::text from tmadmin.projects order by id limit 1", nil, &status); err != nil {
		log.Fatal(err)
	}
	fmt.Println("first project:", status)
	// Output:
	// users: 60 rows, 0 rejected
	// projects: 12 rows, 0 rejected
	// tasks: 200 rows, 0 rejected
	// first project: ARCHIVED
}

// ExampleConversion shows a TM code converted by name: TaskStatus 2 is MAPPED in TM,
// TASK_STATUS_MAPPED in TM-Admin (not the label at position 2).
func ExampleConversion() {
	fmt.Println(tm.TaskStatus.Enum().Labels[2])
	fmt.Println(tm.UserRole.Enum().Labels[1])
	// Output:
	// TASK_STATUS_MAPPED
	// SUPER_ADMIN
}
