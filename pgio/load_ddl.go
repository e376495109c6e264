package pgio

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// evolve adds the input's missing columns (add) and widens still-empty columns (widen).
func (c *Client) evolve(ctx context.Context, table pgx.Identifier, want []Column, add, widen bool) ([]string, error) {
	added, widened, err := c.EvolveTable(ctx, table, want)
	return append(added, widened...), err
}
