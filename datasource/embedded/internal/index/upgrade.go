package index

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
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
	sets, err := readSets(ctx, tx)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.num == upgradeFail {
			return errors.New("migration 4 interrupted (test)")
		}
		if err := upgradeChunk(ctx, tx, s.num, s.format, sets, keyOf); err != nil {
			return err
		}
	}
	return nil
}

func upgradeChunk(ctx context.Context, tx *sql.Tx, num int64, format int, sets *setArena, keyOf map[uint32]uint32) error {
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
	err := rowsOf(ctx, tx, `SELECT id, propset_id FROM events WHERE id BETWEEN ? AND ?`, []any{first, first + chunkSize - 1},
		func(r *sql.Rows) error {
			var id int64
			var ps uint32
			if err := r.Scan(&id, &ps); err != nil {
				return err
			}
			for _, pair := range sets.pairs(ps) {
				if key := keyOf[pair]; key != 0 {
					pb.add(int(id-first), key, pair)
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return SaveBlob(ctx, tx, rows.blob(keys, pb.postings()))
}

// setArena is every propset's encoded pair ids, read once in id order:
// the migration then reads each chunk's events without a join that would
// look up their propsets one by one (minutes at 10M events). Kept encoded
// (about 20 bytes a propset), 2.6M propsets take ~60 MB.
type setArena struct {
	off  []uint32 // propset id -> start in data; off[id+1] is its end
	data []byte
	buf  []uint32
}

func readSets(ctx context.Context, tx *sql.Tx) (*setArena, error) {
	var maxID, size int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0), COALESCE(sum(length(pairs)), 0) FROM propsets`).Scan(&maxID, &size)
	if err != nil {
		return nil, err
	}
	a := &setArena{off: make([]uint32, 0, maxID+2), data: make([]byte, 0, size)}
	err = rowsOf(ctx, tx, `SELECT id, pairs FROM propsets ORDER BY id`, nil, func(r *sql.Rows) error {
		var id int64
		var blob sql.RawBytes
		if err := r.Scan(&id, &blob); err != nil {
			return err
		}
		for int64(len(a.off)) <= id {
			a.off = append(a.off, uint32(len(a.data))) // ids with no row are empty sets
		}
		a.data = append(a.data, blob...)
		a.off = append(a.off, uint32(len(a.data)))
		return nil
	})
	return a, err
}

// pairs is propset ps's pair ids (none for an unknown id), in a buffer
// the next call reuses.
func (a *setArena) pairs(ps uint32) []uint32 {
	if int(ps)+1 >= len(a.off) {
		return nil
	}
	a.buf, _ = propset.Decode(a.buf[:0], a.data[a.off[ps]:a.off[ps+1]])
	return a.buf
}
