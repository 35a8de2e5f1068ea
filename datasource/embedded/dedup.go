package embedded

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// dedupMax is how many UUID fingerprints the writer keeps across hours
// before it forgets the hours it used least recently (~16 MB; an evicted
// hour is read again from dedup_uuids when an event of it comes). An hour
// the open transaction uses is never forgotten, so a single hour holding
// more UUIDs than this keeps them all while it is written.
var dedupMax = 1 << 20

// dedup decides whether a UUID is already stored in an hour of event time
// (migrate3.go says why this is not an index). Per hour it keeps a set of
// 64-bit fingerprints of the stored UUIDs, loaded from dedup_uuids the first
// time the hour comes up; a fingerprint that matches is confirmed against
// the full UUIDs, so two UUIDs that share one are never taken for each
// other. Every transaction writes the UUIDs it stored, one blob per hour.
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
	fps  map[uint64]struct{}
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

// add records that this transaction stores u in hour, which seen has loaded.
func (d *dedup) add(hour int64, u *[16]byte) {
	hs := d.hours[hour]
	if _, ok := hs.fps[uuidPrint(u)]; !ok {
		hs.fps[uuidPrint(u)] = struct{}{}
		d.total++
	}
	d.pend[hour] = append(d.pend[hour], u[:]...)
}

// load returns hour's set, reading it from the file the first time.
func (d *dedup) load(w *writer, hour int64) (*dedupHour, error) {
	if hs, ok := d.hours[hour]; ok {
		hs.used = d.group
		return hs, nil
	}
	hs := &dedupHour{fps: map[uint64]struct{}{}, used: d.group}
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
