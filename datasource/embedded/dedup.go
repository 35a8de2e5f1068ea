package embedded

import (
	"cmp"
	"database/sql"
	"encoding/binary"
	"errors"
	"slices"
)

// dedupMax is how many UUID fingerprints the writer keeps across hours
// before it forgets the hours it used least recently (~10 MB; an evicted
// hour is read again from dedup_uuids when an event of it comes). An hour
// the open transaction uses is not forgotten before the transaction ends.
var dedupMax = 1 << 19

// dedupHourMax is how many UUIDs an hour may hold before it is checked on
// disk instead (dedup_big, an index of that hour's UUIDs), so memory stays
// bounded however many events one hour of event time gets: 262,144 is 18
// times a 10M-event month's hourly average. Such an hour costs each event
// an index insert again, as schema 2 did for every hour.
var dedupHourMax = 1 << 18

// dedup decides whether a UUID is already stored in an hour of event time
// (migrate3.go says why this is not an index). Per hour it keeps a set of
// 64-bit fingerprints of the stored UUIDs, loaded from dedup_uuids the first
// time the hour comes up; a fingerprint that matches is confirmed against
// the full UUIDs, so two UUIDs that share one are never taken for each
// other. Every transaction writes the UUIDs it stored, one blob per hour;
// an hour with more than dedupHourMax UUIDs has them in dedup_big too and
// is looked up there.
// Like the writer's other caches it trusts that no other process writes
// the file; after a failed transaction it is purged.
type dedup struct {
	hours map[int64]*dedupHour
	total int   // fingerprints held
	group int64 // the transaction in progress, for forgetting hours
	// Per transaction: the UUIDs it stored, per hour (written at its end,
	// and consulted first), and the full UUIDs of hours read to confirm a
	// match.
	pend map[int64][]byte
	full map[int64]map[[16]byte]struct{}
}

type dedupHour struct {
	fps  map[uint64]struct{} // nil for a big hour
	big  bool                // its UUIDs are in dedup_big
	used int64
}

func newDedup() *dedup {
	d := &dedup{}
	d.purge()
	return d
}

// purge forgets everything: after a failed transaction the sets may hold
// UUIDs that the rollback took back.
func (d *dedup) purge() {
	d.hours = map[int64]*dedupHour{}
	d.total = 0
	d.begin()
}

// begin starts a transaction.
func (d *dedup) begin() {
	d.group++
	d.pend = map[int64][]byte{}
	d.full = nil
}

// uuidPrint mixes both halves of a UUID, so UUIDs that differ only in
// one half or that swap halves still differ.
func uuidPrint(u *[16]byte) uint64 {
	return mix64(binary.LittleEndian.Uint64(u[:8]) ^ mix64(binary.LittleEndian.Uint64(u[8:])))
}

// seen reports whether u is stored in hour, by this transaction or an
// earlier one.
func (d *dedup) seen(w *writer, hour int64, u *[16]byte) (bool, error) {
	hs, err := d.load(w, hour)
	if err != nil {
		return false, err
	}
	if hs.big {
		var one int
		err := w.tx.selBig.QueryRow(hour, u[:]).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	if _, ok := hs.fps[uuidPrint(u)]; !ok {
		return false, nil
	}
	for b := d.pend[hour]; len(b) >= 16; b = b[16:] {
		if [16]byte(b) == *u {
			return true, nil
		}
	}
	all, err := d.fullHour(w, hour)
	if err != nil {
		return false, err
	}
	_, ok := all[*u]
	return ok, nil
}

// add records that this transaction stores u in hour, which seen has
// loaded.
func (d *dedup) add(w *writer, hour int64, u *[16]byte) error {
	d.pend[hour] = append(d.pend[hour], u[:]...)
	hs := d.hours[hour]
	if hs.big {
		_, err := w.tx.insBig.Exec(hour, u[:])
		return err
	}
	if _, ok := hs.fps[uuidPrint(u)]; !ok {
		hs.fps[uuidPrint(u)] = struct{}{}
		d.total++
	}
	if len(hs.fps) > dedupHourMax {
		return d.toDisk(w, hour, hs)
	}
	return nil
}

// toDisk moves hour's UUIDs, committed and this transaction's, into
// dedup_big and lets go of its set.
func (d *dedup) toDisk(w *writer, hour int64, hs *dedupHour) error {
	var err error
	put := func(u *[16]byte) {
		if err == nil {
			_, err = w.tx.insBig.Exec(hour, u[:])
		}
	}
	if e := d.eachStored(w, hour, put); e != nil {
		return e
	}
	var u [16]byte
	for b := d.pend[hour]; len(b) >= 16; b = b[16:] {
		copy(u[:], b)
		put(&u)
	}
	d.total -= len(hs.fps)
	hs.fps, hs.big = nil, true
	return err
}

// load returns hour's set, reading it from the file the first time.
func (d *dedup) load(w *writer, hour int64) (*dedupHour, error) {
	if hs, ok := d.hours[hour]; ok {
		hs.used = d.group
		return hs, nil
	}
	hs := &dedupHour{fps: map[uint64]struct{}{}, used: d.group}
	var one int
	switch err := w.tx.isBig.QueryRow(hour).Scan(&one); {
	case err == nil:
		hs.fps, hs.big = nil, true
		d.hours[hour] = hs
		return hs, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	err := d.eachStored(w, hour, func(u *[16]byte) {
		if _, ok := hs.fps[uuidPrint(u)]; !ok {
			hs.fps[uuidPrint(u)] = struct{}{}
			d.total++
		}
	})
	if err != nil {
		return nil, err
	}
	d.hours[hour] = hs
	if len(hs.fps) > dedupHourMax {
		return hs, d.toDisk(w, hour, hs)
	}
	return hs, nil
}

// fullHour reads hour's UUIDs whole, once per transaction: a fingerprint
// matched, which is nearly always a client's retry of a batch.
func (d *dedup) fullHour(w *writer, hour int64) (map[[16]byte]struct{}, error) {
	if all, ok := d.full[hour]; ok {
		return all, nil
	}
	all := map[[16]byte]struct{}{}
	if err := d.eachStored(w, hour, func(u *[16]byte) { all[*u] = struct{}{} }); err != nil {
		return nil, err
	}
	if d.full == nil {
		d.full = map[int64]map[[16]byte]struct{}{}
	}
	d.full[hour] = all
	return all, nil
}

// eachStored calls fn with every UUID committed in hour.
func (d *dedup) eachStored(w *writer, hour int64, fn func(*[16]byte)) error {
	rows, err := w.tx.selDedup.Query(hour)
	if err != nil {
		return err
	}
	defer rows.Close()
	var b []byte
	var u [16]byte
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return err
		}
		for ; len(b) >= 16; b = b[16:] {
			copy(u[:], b)
			fn(&u)
		}
	}
	return rows.Err()
}

// flush writes this transaction's UUIDs, one row per hour.
func (d *dedup) flush(w *writer) error {
	for hour, b := range d.pend {
		if _, err := w.tx.insDedup.Exec(hour, b); err != nil {
			return err
		}
	}
	return nil
}

// trim forgets the least recently used hours, other than this
// transaction's, while more than dedupMax fingerprints are held.
func (d *dedup) trim() {
	if d.total <= dedupMax {
		return
	}
	var old []int64
	for h, hs := range d.hours {
		if hs.used < d.group {
			old = append(old, h)
		}
	}
	slices.SortFunc(old, func(a, b int64) int { return cmp.Compare(d.hours[a].used, d.hours[b].used) })
	for _, h := range old {
		if d.total <= dedupMax {
			return
		}
		d.total -= len(d.hours[h].fps)
		delete(d.hours, h)
	}
}
