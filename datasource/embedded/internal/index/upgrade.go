package index

import (
	"context"
	"database/sql"
	"errors"
)

// UpgradeChunks is the index's part of migration 4, run in its
// transaction: every saved chunk of format 2 is read back into its rows,
// its postings are read from the events, propsets and pairs tables, and
// both are saved in the current format. A blob of any other format, or
// one that does not decode, is deleted: the index rebuilds such a chunk
// from the events table when it first needs it, as it always has.
func UpgradeChunks(ctx context.Context, tx *sql.Tx) error {
	type saved struct {
		num    int64
		format int
	}
	var all []saved
	err := rowsOf(ctx, tx, `SELECT id, format FROM index_chunks ORDER BY id`, nil, func(r *sql.Rows) error {
		var s saved
		err := r.Scan(&s.num, &s.format)
		all = append(all, s)
		return err
	})
	if err != nil || len(all) == 0 {
		return err
	}
	keyOf, err := pairKeys(ctx, tx)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.num == upgradeFail {
			return errors.New("migration 4 interrupted (test)")
		}
		if err := upgradeChunk(ctx, tx, s.num, s.format, keyOf); err != nil {
			return err
		}
	}
	return nil
}

func upgradeChunk(ctx context.Context, tx *sql.Tx, num int64, format int, keyOf map[uint32]uint32) error {
	var rows *chunkRows
	var keys [3]string
	if format == format2 {
		var blob []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM index_chunks WHERE id = ?`, num).Scan(&blob)
		if err != nil {
			return err
		}
		rows, keys, err = decodeRows2(blob, num)
		if err != nil {
			rows = nil
		}
	}
	if rows == nil || int64(rows.len()) != chunkSize {
		_, err := tx.ExecContext(ctx, `DELETE FROM index_chunks WHERE id = ?`, num)
		return err
	}
	var pb postingsBuilder
	first := num*chunkSize + 1
	if err := readPostingsInto(ctx, tx, &pb, first, first+chunkSize-1, keyOf); err != nil {
		return err
	}
	return SaveBlob(ctx, tx, rows.blob(keys, pb.postings()))
}
