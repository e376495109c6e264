package pgio

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterTypes registers PostGIS geometry and geography on conn so that values travel
// as EWKB bytes: a []byte (or orb's ewkb.Value) is sent unchanged in binary COPY and in
// query parameters, and result columns come back binary, ready for an EWKB decoder.
// Databases without PostGIS are left alone. Clients built by [New] run it on every new
// connection; use it as pgxpool.Config.AfterConnect for pools passed to [Wrap].
func RegisterTypes(ctx context.Context, conn *pgx.Conn) error { return registerTypes(ctx, conn) }

func registerTypes(ctx context.Context, conn *pgx.Conn) error {
	// The OIDs differ per database, so look them up per connection.
	var geom, geog uint32
	err := conn.QueryRow(ctx, `select coalesce(to_regtype('geometry')::oid, 0), coalesce(to_regtype('geography')::oid, 0)`).Scan(&geom, &geog)
	if err != nil {
		return err
	}
	tm := conn.TypeMap()
	if geom != 0 {
		tm.RegisterType(&pgtype.Type{Name: "geometry", OID: geom, Codec: pgtype.ByteaCodec{}})
	}
	if geog != 0 {
		tm.RegisterType(&pgtype.Type{Name: "geography", OID: geog, Codec: pgtype.ByteaCodec{}})
	}
	return nil
}
