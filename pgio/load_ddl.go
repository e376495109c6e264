package pgio

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// evolve adds the input's missing columns (add) and widens still-empty columns (widen).
func (c *Client) evolve(ctx context.Context, table pgx.Identifier, want []Column, add, widen bool) ([]string, error) {
	added, widened, err := c.evolveTable(ctx, table, want, add, widen)
	return append(added, widened...), err
}
