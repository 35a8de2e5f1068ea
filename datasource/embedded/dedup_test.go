package embedded

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestDedupForgetsAndRereads: with room for a few UUIDs only, the writer
// forgets the hours it used least recently and reads them back from the
// file when their events come again, so a resent batch of any hour is
// still recognised; the same holds after reopening, when nothing is held.
func TestDedupForgetsAndRereads(t *testing.T) {
	old := dedupMax
	dedupMax = 4
	t.Cleanup(func() { dedupMax = old })
	path := filepath.Join(t.TempDir(), "ttmon.db")
	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for h := range 6 {
		for i := range 3 {
			evs = append(evs, Event{UUID: fmt.Sprintf("00000000-0000-4000-8000-%06d%06d", h, i),
				Name: "x", DistinctID: "d", Timestamp: at(h+1, 10+i)})
		}
	}
	for i := 0; i < len(evs); i += 3 {
		if r := mustIngest(t, s, evs[i:i+3]...); r.Stored != 3 {
			t.Fatalf("hour %d: %+v", i/3, r)
		}
	}
	if s.w.dd.total > dedupMax {
		t.Fatalf("holds %d UUIDs, room for %d", s.w.dd.total, dedupMax)
	}
	// Oldest hour first: it was forgotten.
	for i := 0; i < len(evs); i += 3 {
		if r := mustIngest(t, s, evs[i:i+3]...); r.Duplicates != 3 {
			t.Fatalf("resent hour %d: %+v", i/3, r)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// One batch across all hours, and a UUID that is new.
	fresh := Event{UUID: "00000000-0000-4000-8000-999999999999", Name: "x", DistinctID: "d", Timestamp: at(3, 30)}
	if r := mustIngest(t, s, append(evs, fresh, fresh)...); r.Duplicates != len(evs)+1 || r.Stored != 1 {
		t.Fatalf("after reopening: %+v", r)
	}
}

// TestDedupConfirmsFingerprints: a UUID whose fingerprint is already held
// for its hour is only a duplicate if the UUID itself is stored.
func TestDedupConfirmsFingerprints(t *testing.T) {
	s := openTest(t)
	a := Event{UUID: "00000000-0000-4000-8000-000000000001", Name: "x", DistinctID: "d", Timestamp: at(5, 10)}
	b := a
	b.UUID = "00000000-0000-4000-8000-000000000002"
	mustIngest(t, s, a)
	// Make b's fingerprint collide with a's in hour 5.
	var u [16]byte
	copy(u[:], []byte{0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2})
	s.w.dd.hours[at(5, 10).UnixMilli()/3_600_000].fps[uuidPrint(&u)] = struct{}{}
	if r := mustIngest(t, s, b, a); r.Stored != 1 || r.Duplicates != 1 {
		t.Fatalf("%+v", r)
	}
}

// TestDedupBigHour: an hour with more UUIDs than the writer keeps in
// memory for one hour moves to dedup_big, within a transaction or when it
// is read back, and its duplicates are still found there.
func TestDedupBigHour(t *testing.T) {
	old := dedupHourMax
	dedupHourMax = 4
	t.Cleanup(func() { dedupHourMax = old })
	path := filepath.Join(t.TempDir(), "ttmon.db")
	s, err := Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for i := range 10 {
		evs = append(evs, Event{UUID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			Name: "x", DistinctID: "d", Timestamp: at(7, i)})
	}
	// 3 then 7: the second transaction passes the limit halfway, and a
	// UUID repeated after that is found on disk.
	if r := mustIngest(t, s, evs[:3]...); r.Stored != 3 {
		t.Fatalf("%+v", r)
	}
	if r := mustIngest(t, s, append(evs[3:], evs[1], evs[8])...); r.Stored != 7 || r.Duplicates != 2 {
		t.Fatalf("%+v", r)
	}
	if h := s.w.dd.hours[at(7, 0).UnixMilli()/3_600_000]; !h.big || h.fps != nil {
		t.Fatalf("hour not moved to disk: %+v", h)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, WithClock(func() time.Time { return clock0 }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fresh := Event{UUID: "00000000-0000-4000-8000-999999999999", Name: "x", DistinctID: "d", Timestamp: at(7, 30)}
	if r := mustIngest(t, s, append(evs, fresh, fresh)...); r.Duplicates != len(evs)+1 || r.Stored != 1 {
		t.Fatalf("after reopening: %+v", r)
	}
	// Read back with a higher limit it is still a disk hour.
	dedupHourMax = 100
	s.w.dd.purge()
	if r := mustIngest(t, s, evs[4]); r.Duplicates != 1 {
		t.Fatalf("%+v", r)
	}
}
