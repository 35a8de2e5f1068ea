package collector

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// The bad inputs named in the issue, each sent over HTTP into a real store
// on a temp file. For each: the answer is PostHog's (200 with the bad
// events dropped and the good ones kept, 400 with a JSON body naming the
// problem, 413 over size), what was kept is readable through the Source
// methods, and afterwards the file passes PRAGMA integrity_check and the
// store still takes new events.

// badNow is the clock of both the collector and the store: the store also
// reads it, for timestamps it cannot keep.
var badNow = time.Date(2025, 6, 1, 12, 34, 56, 0, time.UTC)

// badRig is a real store behind a real HTTP server.
type badRig struct {
	t     *testing.T
	path  string
	store *embedded.Store
	c     *Collector
	url   string
	after int // follow-up events sent by healthy
}

func newBadRig(t *testing.T) *badRig {
	t.Helper()
	clock := func() time.Time { return badNow }
	path := filepath.Join(t.TempDir(), "ttmon.db")
	store, err := embedded.Open(path, embedded.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
		badIntegrity(t, path)
	})
	c := New(store, WithTokens(testToken), WithClock(clock))
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &badRig{t: t, path: path, store: store, c: c, url: srv.URL}
}

// badAnswer is an HTTP response, read.
type badAnswer struct {
	status int
	body   []byte
}

func (r *badRig) post(route string, body []byte, header ...string) badAnswer {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.url+route, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return badAnswer{res.StatusCode, b}
}

func (a badAnswer) wantOK(t *testing.T) {
	t.Helper()
	if a.status != http.StatusOK || strings.TrimSpace(string(a.body)) != `{"status":"Ok"}` {
		t.Fatalf("answer %d %s, want 200 Ok", a.status, a.body)
	}
}

// wantError checks a refusal: status, PostHog's error shape, and a detail
// that names the problem.
func (a badAnswer) wantError(t *testing.T, status int, code, detail string) {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(a.body, &body); err != nil {
		t.Fatalf("answer %d, body %q: %v", a.status, a.body, err)
	}
	if a.status != status || body.Type != "validation_error" || body.Code != code || !strings.Contains(body.Detail, detail) {
		t.Fatalf("answer %d %+v, want %d %s with detail %q", a.status, body, status, code, detail)
	}
}

// badWide covers every time the store can hold (1970..2106) and then
// some, without buckets.
var badWide = datasource.Query{Range: datasource.Range{Name: "custom",
	From: time.Unix(0, 0).UTC(), To: badNow.AddDate(1, 0, 0)}}

// events returns every stored event, newest first, checking each string.
func (r *badRig) events() []datasource.Event {
	r.t.Helper()
	evs, err := r.store.Events(context.Background(), datasource.EventsQuery{Query: badWide, Limit: 10000})
	if err != nil {
		r.t.Fatal(err)
	}
	badWantUTF8(r.t, "events", evs)
	return evs
}

// badByCase indexes events by their "case" property.
func badByCase(t *testing.T, evs []datasource.Event) map[string]datasource.Event {
	t.Helper()
	out := map[string]datasource.Event{}
	for _, ev := range evs {
		c, _ := ev.Properties["case"].(string)
		if _, dup := out[c]; dup && c != "" {
			t.Fatalf("case %q stored twice", c)
		}
		out[c] = ev
	}
	return out
}

func (r *badRig) snapshot() *datasource.Snapshot {
	r.t.Helper()
	rng, err := datasource.ParseRange("24h", badNow)
	if err != nil {
		r.t.Fatal(err)
	}
	snap, err := r.store.Snapshot(context.Background(), datasource.Query{Range: rng})
	if err != nil {
		r.t.Fatal(err)
	}
	badWantUTF8(r.t, "snapshot", snap)
	return snap
}

// healthy is the check after every bad input: every Source method answers
// with valid UTF-8, and a new event goes in and comes out. The file's
// integrity is checked when the test ends, after the store is closed.
func (r *badRig) healthy() {
	r.t.Helper()
	ctx := context.Background()
	props, err := r.store.Properties(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	badWantUTF8(r.t, "properties", props)
	inst, err := r.store.Installations(ctx, datasource.InstallationsQuery{Query: badWide})
	if err != nil {
		r.t.Fatal(err)
	}
	badWantUTF8(r.t, "installations", inst)
	before := r.snapshot().Totals.Events

	r.after++
	id := fmt.Sprintf("after-%d", r.after)
	r.post("/e/", []byte(eventJSON("after", id))).wantOK(r.t)
	if got := r.snapshot().Totals.Events; got != before+1 {
		r.t.Fatalf("after a new event the snapshot counts %d events, want %d", got, before+1)
	}
	for _, ev := range r.events() {
		if ev.DistinctID == id {
			if !ev.Time.Equal(badNow) || ev.Name != "after" {
				r.t.Fatalf("the new event is stored as %+v", ev)
			}
			return
		}
	}
	r.t.Fatal("the new event is not stored")
}

// badIntegrity runs PRAGMA integrity_check on a read-only connection,
// as e2e's crash test does.
func badIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}

// badWantUTF8 fails on any string in v (map keys included) that is not valid
// UTF-8.
func badWantUTF8(t *testing.T, what string, v any) {
	t.Helper()
	var bad []string
	badWalkStrings(reflect.ValueOf(v), func(s string) {
		if !utf8.ValidString(s) {
			bad = append(bad, fmt.Sprintf("%q", s))
		}
	})
	if len(bad) > 0 {
		t.Fatalf("%s holds invalid UTF-8: %s", what, strings.Join(bad[:min(len(bad), 5)], ", "))
	}
}

var badTimeType = reflect.TypeOf(time.Time{})

func badWalkStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			badWalkStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		if v.Type() == badTimeType {
			return
		}
		for i := range v.NumField() {
			badWalkStrings(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			badWalkStrings(v.Index(i), fn)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			badWalkStrings(it.Key(), fn)
			badWalkStrings(it.Value(), fn)
		}
	}
}

// badBatch wraps event objects in posthog-go's /batch/ body.
func badBatch(events ...string) []byte {
	return []byte(`{"api_key":"` + testToken + `","batch":[` + strings.Join(events, ",") + `]}`)
}

// badGood is a valid event told apart by its "case" property.
func badGood(c string) string {
	return `{"event":"good","distinct_id":"fp-good","properties":{"case":"` + c + `"}}`
}

func TestBadInputDeepNesting(t *testing.T) {
	r := newBadRig(t)
	maxDepth := DefaultLimits().MaxDepth
	arrays := func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }
	objects := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	// In {"api_key":..,"batch":[{..,"properties":{"deep":V}}]} the
	// value V opens at level 5, so V may nest maxDepth-4 levels.
	deep := func(c, v string) string {
		return `{"event":"deep","distinct_id":"fp-deep","properties":{"case":"` + c + `","deep":` + v + `}}`
	}
	under := maxDepth - 4

	// At the limit: 200, stored, read back at full depth.
	r.post("/batch/", badBatch(badGood("a1"), deep("arrays", arrays(under)), deep("objects", objects(under)),
		badGood("a2"))).wantOK(t)
	got := badByCase(t, r.events())
	for _, c := range []string{"a1", "a2", "arrays", "objects"} {
		if _, ok := got[c]; !ok {
			t.Fatalf("event %q not stored", c)
		}
	}
	if d := badDepth(got["arrays"].Properties["deep"]); d != under {
		t.Fatalf("arrays read back %d deep, want %d", d, under)
	}
	if d := badDepth(got["objects"].Properties["deep"]); d != under {
		t.Fatalf("objects read back %d deep, want %d", d, under)
	}
	// Brackets inside a string are not nesting.
	brackets := strings.Repeat("[{", 100_000)
	r.post("/batch/", badBatch(`{"event":"deep","distinct_id":"fp-deep","properties":{"case":"string","s":"`+brackets+`"}}`)).wantOK(t)
	if s := badByCase(t, r.events())["string"].Properties["s"]; s != brackets {
		t.Fatalf("string of brackets read back as %.40q...", s)
	}
	stored := len(r.events())

	// One level over the limit, and far over it, refuse the whole body
	// with 400, as PostHog's serde_json does past its recursion limit
	// (128; ours is lower on purpose, see Limits.MaxDepth): the good
	// events next to the deep one are not stored either.
	for name, v := range map[string]string{
		"arrays over":      arrays(under + 1),
		"objects over":     objects(under + 1),
		"100k arrays":      arrays(100_000),
		"100k objects":     objects(100_000),
		"100k unclosed":    strings.Repeat("[", 100_000),
		"100k mixed":       strings.Repeat(`[{"a":`, 50_000) + "1" + strings.Repeat("}]", 50_000),
		"100k in set_once": `1}, "$set_once":{"deep":` + arrays(100_000),
	} {
		a := r.post("/batch/", badBatch(badGood("b1"), deep(name, v), badGood("b2")))
		if a.status != http.StatusBadRequest {
			t.Fatalf("%s: badAnswer %d %s", name, a.status, a.body)
		}
		a.wantError(t, http.StatusBadRequest, "invalid_payload", fmt.Sprintf("JSON nested deeper than %d levels", maxDepth))
	}
	if n := len(r.events()); n != stored {
		t.Fatalf("%d events stored, want %d: a refused body stored some", n, stored)
	}
	if s := r.c.Stats(); s.Rejects["too_deep"] != 7 {
		t.Fatalf("rejects %v", s.Rejects)
	}
	r.healthy()
}

// badDepth counts the levels of nested arrays and objects in v.
func badDepth(v any) int {
	switch x := v.(type) {
	case []any:
		if len(x) == 1 {
			return 1 + badDepth(x[0])
		}
	case map[string]any:
		if len(x) == 1 {
			for _, e := range x {
				return 1 + badDepth(e)
			}
		}
	}
	return 0
}

func TestBadInputMegabyteValues(t *testing.T) {
	r := newBadRig(t)
	// 1 MiB of text that needs escaping and holds multi-byte runes, so the
	// value is not stored by a shortcut that only plain ASCII takes.
	unit := `ab"c\d/é€😀<&>` + "\n\t"
	mib := strings.Repeat(unit, (1<<20)/len(unit)+1)[:1<<20]
	for !utf8.ValidString(mib) {
		mib = mib[:len(mib)-1]
	}
	quoted, err := json.Marshal(mib)
	if err != nil {
		t.Fatal(err)
	}
	big := func(c string) string {
		return `{"event":"big","distinct_id":"fp-big","properties":{"case":"` + c + `","blob":` + string(quoted) + `}}`
	}

	// One event on /e/ (2 MiB limit): its ~1.5 MiB body is under it.
	single := []byte(`{"token":"` + testToken + `",` + big("single")[1:])
	if n := len(single); n >= 2<<20 || n <= 1<<20 {
		t.Fatalf("single body is %d bytes", n)
	}
	r.post("/e/", single).wantOK(t)
	// In a /batch/ (20 MiB) next to small events, three at once: over
	// 2 MiB in all, under 20 MiB.
	r.post("/batch/", badBatch(badGood("g1"), big("batch-1"), badGood("g2"), big("batch-2"), big("batch-3"))).wantOK(t)
	// The same 1 MiB as a person property and as a distinct id: the
	// property is kept, the id cut to 200 characters as PostHog does.
	r.post("/batch/", badBatch(`{"event":"big","distinct_id":`+string(quoted)+
		`,"$set":{"blob":`+string(quoted)+`},"properties":{"case":"as-id"}}`)).wantOK(t)

	got := badByCase(t, r.events())
	for _, c := range []string{"single", "batch-1", "batch-2", "batch-3"} {
		ev, ok := got[c]
		if !ok {
			t.Fatalf("event %q not stored", c)
		}
		if blob, _ := ev.Properties["blob"].(string); blob != mib {
			t.Fatalf("%s: blob read back with %d bytes, want the %d sent", c, len(blob), len(mib))
		}
	}
	if got["g1"].Name != "good" || got["g2"].Name != "good" {
		t.Fatal("the small events next to the big ones were not stored")
	}
	ev := got["as-id"]
	if want := string([]rune(mib)[:200]); ev.DistinctID != want {
		t.Fatalf("distinct id of %d bytes, want the first 200 runes (%d bytes)", len(ev.DistinctID), len(want))
	}
	if set, _ := ev.Properties["$set"].(map[string]any); set["blob"] != mib {
		t.Fatal("the 1 MiB $set value was not read back intact")
	}
	if len(got) != 7 {
		t.Fatalf("%d events stored, want 7", len(got))
	}

	// Over the route's limit: 413, nothing stored.
	over := append(single[:len(single)-2:len(single)-2], []byte(`,"pad":"`+strings.Repeat("x", 2<<20-len(single)+8)+`"}}`)...)
	if len(over) <= 2<<20 {
		t.Fatalf("oversize body is %d bytes", len(over))
	}
	r.post("/e/", over).wantError(t, http.StatusRequestEntityTooLarge, "payload_too_large", "exceeds 2097152 bytes")
	twentyOne := badBatch(strings.Repeat(big("over")+",", 15) + big("over"))
	if len(twentyOne) <= 20<<20 {
		t.Fatalf("oversize batch is %d bytes", len(twentyOne))
	}
	r.post("/batch/", twentyOne).wantError(t, http.StatusRequestEntityTooLarge, "payload_too_large", "exceeds 20971520 bytes")
	// Compressed under the limit, over it once inflated: also 413.
	r.post("/e/", gzipBytes(t, over), "Content-Encoding", "gzip").
		wantError(t, http.StatusRequestEntityTooLarge, "payload_too_large", "decompressed payload exceeds 2097152 bytes")
	if s := r.c.Stats(); s.EventsStored != 7 || s.Rejects["too_large"] != 2 || s.Rejects["decompressed_too_large"] != 1 {
		t.Fatalf("stats %+v", s)
	}
	if n := r.snapshot().Totals.Events; n != 7 {
		t.Fatalf("%d events stored, want 7: an oversize body stored some", n)
	}
	r.healthy()
}

// TestBadInputInvalidUTF8: raw bytes that are not UTF-8 and \u escapes of
// lone surrogates, in event names, distinct ids, property keys and values.
// The collector does what encoding/json does, and what PostHog's capture
// does for surrogates (rust/capture's invalid-surrogates pass): each invalid
// byte and each lone surrogate becomes U+FFFD, and the event is kept. The
// stored strings and the figures are the same whatever the encoding of the
// body, and nothing the store returns is invalid UTF-8.
func TestBadInputInvalidUTF8(t *testing.T) {
	// {FF} and friends are the raw bytes; \ud800 is JSON's escape.
	raw := strings.NewReplacer("{FF}", "\xff", "{FE}", "\xfe", "{C3}", "\xc3", "{C0}", "\xc0",
		"{ED A0 80}", "\xed\xa0\x80").Replace
	events := []string{
		raw(`{"event":"bad{FF}name","distinct_id":"fp-{FE}{FF}","properties":{"case":"raw","k{FF}":"v{C3}(","{FF}":"{ED A0 80}"}}`),
		`{"event":"sur\ud800name","distinct_id":"fp-\udc00","properties":{"case":"escaped","k\ud800":"v\ud800\u0041","pair":"\ud83d\ude00","rev":"\udc00\ud800"}}`,
		raw(`{"event":"telemetry.health","distinct_id":"fp-hb{FF}","properties":{"case":"heartbeat","app_version":"4.2.{FF}","platform":"Lin\ud800ux","deployment_method":"dock{C0}er"},"$set":{"role{FF}":"adm\udfffin"}}`),
		raw(`{"event":"error_occurred","distinct_id":"fp-hb{FF}","properties":{"case":"error","app_version":"4.2.{FF}","error_type":"{FF}{FE}"}}`),
		badGood("good"),
	}
	const rep = "\uFFFD"
	want := map[string]struct {
		name, id string
		props    map[string]string
	}{
		"raw": {"bad" + rep + "name", "fp-" + rep + rep,
			map[string]string{"k" + rep: "v" + rep + "(", rep: rep + rep + rep}},
		"escaped": {"sur" + rep + "name", "fp-" + rep,
			map[string]string{"k" + rep: "v" + rep + "A", "pair": "\U0001F600", "rev": rep + rep}},
		"heartbeat": {"telemetry.health", "fp-hb" + rep,
			map[string]string{"app_version": "4.2." + rep, "platform": "Lin" + rep + "ux", "deployment_method": "dock" + rep + "er"}},
		"error": {"error_occurred", "fp-hb" + rep,
			map[string]string{"app_version": "4.2." + rep, "error_type": rep + rep}},
		"good": {"good", "fp-good", nil},
	}
	batch := badBatch(events...)
	if utf8.Valid(batch) {
		t.Fatal("the body should hold invalid UTF-8")
	}
	// posthog-python's batch, the same gzipped, and posthog-js's array of
	// events on /e/ with the token in properties.
	array := []byte("[" + strings.ReplaceAll(strings.Join(events, ","),
		`"properties":{`, `"properties":{"token":"`+testToken+`",`) + "]")
	for _, enc := range []struct {
		name, route string
		body        []byte
		header      []string
	}{
		{"batch", "/batch/", batch, nil},
		{"gzip", "/batch/", gzipBytes(t, batch), []string{"Content-Encoding", "gzip"}},
		{"array", "/e/", array, nil},
	} {
		t.Run(enc.name, func(t *testing.T) {
			r := newBadRig(t)
			r.post(enc.route, enc.body, enc.header...).wantOK(t)
			if s := r.c.Stats(); s.EventsReceived != 5 || s.EventsStored != 5 || s.EventsDropped != 0 {
				t.Fatalf("stats %+v", s)
			}
			got := badByCase(t, r.events())
			if len(got) != len(want) {
				t.Fatalf("%d events stored, want %d", len(got), len(want))
			}
			for c, w := range want {
				ev := got[c]
				if ev.Name != w.name || ev.DistinctID != w.id {
					t.Fatalf("%s stored as %q by %q, want %q by %q", c, ev.Name, ev.DistinctID, w.name, w.id)
				}
				for k, v := range w.props {
					if ev.Properties[k] != v {
						t.Fatalf("%s: property %q = %q, want %q (all: %q)", c, k, ev.Properties[k], v, ev.Properties)
					}
				}
			}
			snap := r.snapshot()
			if snap.Installs.Active != 1 || len(snap.Versions) != 1 || snap.Versions[0].Version != "4.2."+rep ||
				snap.Errors.Total != 1 || snap.Errors.ByVersion[0].Version != "4.2."+rep {
				t.Fatalf("snapshot installs %+v versions %+v errors %+v", snap.Installs, snap.Versions, snap.Errors)
			}
			vals, err := r.store.Values(context.Background(), datasource.ValuesQuery{Query: badWide, Key: "role" + rep})
			if err != nil {
				t.Fatal(err)
			}
			badWantUTF8(t, "values", vals)
			if len(vals) != 1 || vals[0].Value != "adm"+rep+"in" {
				t.Fatalf("person property values %+v", vals)
			}
			r.healthy()
		})
	}
}

// TestBadInputTimestamps: the rule of the package doc (offset, then
// timestamp corrected by sent_at, then timestamp, else now; more than 23 h
// ahead clamps to now; a correction that leaves years 0..9999 gives the
// epoch), then the store's: a time before 1970 or after 2106, which its
// index cannot hold, is stored as the time of arrival, like a missing one.
// Unreadable timestamps never refuse the event.
func TestBadInputTimestamps(t *testing.T) {
	r := newBadRig(t)
	now, epoch := badNow, time.Unix(0, 0).UTC()
	iso := func(tm time.Time) string { return `"` + tm.Format(time.RFC3339Nano) + `"` }
	cases := []struct {
		name, fields string // fields after "timestamp": or the whole field list
		want         time.Time
	}{
		{"year 1", `"timestamp":"0001-01-01T00:00:00Z"`, now},
		{"year 1 in ms", `"timestamp":-62135596800000`, now},
		{"year 0", `"timestamp":"0000-01-01T00:00:00Z"`, now},
		{"year 9999", `"timestamp":"9999-12-31T23:59:59.999Z"`, now},
		{"year 10000", `"timestamp":"10000-01-01T00:00:00Z"`, now},
		{"100 years ahead", `"timestamp":` + iso(now.AddDate(100, 0, 0)), now},
		{"24 h ahead", `"timestamp":` + iso(now.Add(24*time.Hour)), now},
		{"22 h ahead", `"timestamp":` + iso(now.Add(22*time.Hour)), now.Add(22 * time.Hour)},
		{"last uint32 second", `"timestamp":4294967295`, now},
		{"negative unix seconds", `"timestamp":-1000`, now},
		{"negative unix string", `"timestamp":"-86400"`, now},
		{"negative unix ms", `"timestamp":-1700000000000`, now},
		{"just before 1970", `"timestamp":"1969-12-31T23:59:59.999Z"`, now},
		{"epoch", `"timestamp":"1970-01-01T00:00:00Z"`, epoch},
		{"100 years ago", `"timestamp":` + iso(now.AddDate(-100, 0, 0)), now},
		{"50 years ago", `"timestamp":` + iso(now.AddDate(-50, 0, 0)), now.AddDate(-50, 0, 0)},
		{"ms number", `"timestamp":1700000000000`, time.UnixMilli(1700000000000)},
		{"seconds string", `"timestamp":"1700000000"`, time.Unix(1700000000, 0)},
		{"garbage", `"timestamp":"yesterday"`, now},
		{"bad date", `"timestamp":"2024-13-45T99:99:99Z"`, now},
		{"empty", `"timestamp":""`, now},
		{"NaN", `"timestamp":"NaN"`, now},
		{"huge digits", `"timestamp":"` + strings.Repeat("9", 300) + `"`, now},
		{"bool", `"timestamp":true`, now},
		{"object", `"timestamp":{"$date":"2024-01-01"}`, now},
		{"array", `"timestamp":[2024,1,1]`, now},
		{"null", `"timestamp":null`, now},
		// sent_at cancels the client's skew, and the result is bounded too.
		{"skewed clock", `"timestamp":"2030-01-01T00:00:00Z","sent_at":"2030-01-01T01:00:00Z"`, now.Add(-time.Hour)},
		{"skew to year 9999", `"timestamp":"9999-01-01T00:00:00Z","sent_at":"0001-01-01T00:00:00Z"`, now},
		{"skew below year 0", `"timestamp":"0001-01-01T00:00:00Z","sent_at":"9999-12-31T00:00:00Z"`, epoch},
		{"garbage sent_at", `"timestamp":` + iso(now.Add(-time.Hour)) + `,"sent_at":"soon"`, now.Add(-time.Hour)},
		{"offset", `"offset":60000,"timestamp":"0001-01-01T00:00:00Z"`, now.Add(-time.Minute)},
		{"offset ahead", `"offset":-172800000`, now},
		{"offset past 100 years", `"offset":1e13`, now},
		{"offset 60 years", `"offset":1893456000000`, now},
	}
	evs := make([]string, len(cases))
	for i, c := range cases {
		evs[i] = `{"event":"ts","distinct_id":"fp-ts",` + c.fields + `,"properties":{"case":"` + c.name + `"}}`
	}
	r.post("/batch/", badBatch(evs...)).wantOK(t)
	got := badByCase(t, r.events())
	if len(got) != len(cases) {
		t.Fatalf("%d events stored, want %d", len(got), len(cases))
	}
	for _, c := range cases {
		if at := got[c.name].Time; !at.Equal(c.want) {
			t.Errorf("%s: stored at %s, want %s", c.name, at.Format(time.RFC3339Nano), c.want.Format(time.RFC3339Nano))
		}
	}
	r.healthy()
}

// TestBadInputEventShapes: batch items and fields of the wrong JSON type.
// The rule follows PostHog's capture: the body must decode into its event
// type (an event is an object; properties, $set and $set_once are objects
// or null; batch is an array), else the whole body is a 400 naming the
// field, as PostHog's RawEvent deserialisation refuses it. An event that
// decodes but has no usable name or distinct id is dropped and counted in
// Stats().EventsDropped, and the rest of the batch is stored with a 200.
// Fields nobody reads are ignored.
func TestBadInputEventShapes(t *testing.T) {
	r := newBadRig(t)
	ctx := context.Background()
	stored := 0
	dropped := uint64(0)

	kept := []struct {
		name    string
		bad     string // the odd item, sent between two good events
		dropped bool   // left out; else stored with the good events
		check   func(t *testing.T, ev datasource.Event)
	}{
		{"null item", `null`, true, nil},
		{"empty object", `{}`, true, nil},
		{"no distinct id", `{"event":"e","properties":{"case":"no distinct id"}}`, true, nil},
		{"no event", `{"distinct_id":"u","properties":{"case":"no event"}}`, true, nil},
		{"event is a number", `{"event":42,"distinct_id":"u"}`, true, nil},
		{"event is an object", `{"event":{"name":"e"},"distinct_id":"u"}`, true, nil},
		{"distinct id is null", `{"event":"e","distinct_id":null}`, true, nil},
		{"blank distinct id", `{"event":"e","distinct_id":"  "}`, true, nil},
		{"uuid is a number", `{"event":"e","distinct_id":"u","uuid":7}`, true, nil},
		{"only unknown fields", `{"foo":1,"bar":[{"baz":null}]}`, true, nil},
		{"distinct id is a number", `{"event":"e","distinct_id":1234.5,"properties":{"case":"distinct id is a number"}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if ev.DistinctID != "1234.5" {
					t.Errorf("distinct id %q", ev.DistinctID)
				}
			}},
		{"distinct id is an object", `{"event":"e","distinct_id":{"b":[1],"a":true},"properties":{"case":"distinct id is an object"}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if ev.DistinctID != `{"a":true,"b":[1]}` {
					t.Errorf("distinct id %q", ev.DistinctID)
				}
			}},
		{"distinct id in properties", `{"event":"e","properties":{"distinct_id":"p-id","case":"distinct id in properties"}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if ev.DistinctID != "p-id" {
					t.Errorf("distinct id %q", ev.DistinctID)
				}
			}},
		{"properties null", `{"event":"e","distinct_id":"u-null-props","properties":null}`, false, nil},
		{"set null", `{"event":"e","distinct_id":"u","$set":null,"$set_once":null,"properties":{"case":"set null"}}`, false, nil},
		{"set inside properties not an object", `{"event":"e","distinct_id":"u","properties":{"case":"set inside properties not an object","$set":"admin","$set_once":[1],"$unset":7}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if _, ok := ev.Properties["$set"]; ok {
					t.Errorf("a non-object $set became a person update: %v", ev.Properties)
				}
			}},
		{"unknown fields", `{"event":"e","distinct_id":"u","weird":{"deep":[1,{"x":null}]},"Properties2":1,"properties":{"case":"unknown fields"}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if len(ev.Properties) != 1 {
					t.Errorf("unknown fields reached the properties: %v", ev.Properties)
				}
			}},
		{"odd property values", `{"event":"e","distinct_id":"u","properties":{"case":"odd property values","a":[],"o":{},"n":null,"f":-0.0,"big":1e308,"s":""}}`, false,
			func(t *testing.T, ev datasource.Event) {
				if len(ev.Properties) != 7 || ev.Properties["big"] != 1e308 {
					t.Errorf("properties %v", ev.Properties)
				}
			}},
	}
	for _, k := range kept {
		before := r.c.Stats()
		r.post("/batch/", badBatch(badGood(k.name+" 1"), k.bad, badGood(k.name+" 2"))).wantOK(t)
		after := r.c.Stats()
		want := 3
		if k.dropped {
			want = 2
			dropped++
		}
		stored += want
		if after.EventsStored-before.EventsStored != uint64(want) || after.EventsDropped != dropped {
			t.Fatalf("%s: stats before %+v after %+v", k.name, before, after)
		}
		got := badByCase(t, r.events())
		if len(r.events()) != stored || got[k.name+" 1"].Name != "good" || got[k.name+" 2"].Name != "good" {
			t.Fatalf("%s: the good events next to it were not both stored", k.name)
		}
		if k.check != nil {
			k.check(t, got[k.name])
		}
	}

	// Bodies that do not decode into events: 400, nothing stored, even
	// the good events in them.
	refused := []struct {
		name, body, detail string
	}{
		{"number item", `[GOOD,42]`, "an event must be an object"},
		{"string item", `[GOOD,"event"]`, "an event must be an object"},
		{"bool item", `[GOOD,true]`, "an event must be an object"},
		{"array item", `[GOOD,[GOOD]]`, "an event must be an object"},
		{"number item in batch", `BATCH[GOOD,42]}`, "an event must be an object"},
		{"array item in batch", `BATCH[[GOOD],GOOD]}`, "an event must be an object"},
		{"batch is an object", `BATCH GOOD}`, `field "batch" must be an array`},
		{"batch is a string", `BATCH"[]"}`, `field "batch" must be an array`},
		{"properties is an array", `BATCH[GOOD,{"event":"e","distinct_id":"u","properties":["a"]}]}`, `field "batch.properties" must be an object`},
		{"properties is a string", `BATCH[GOOD,{"event":"e","distinct_id":"u","properties":"a=b"}]}`, `field "batch.properties" must be an object`},
		{"properties is a number", `[GOOD,{"event":"e","distinct_id":"u","properties":1}]`, `field "properties" must be an object`},
		{"$set is a string", `BATCH[GOOD,{"event":"e","distinct_id":"u","$set":"admin"}]}`, `field "batch.$set" must be an object`},
		{"$set is an array", `BATCH[GOOD,{"event":"e","distinct_id":"u","$set":[["role","admin"]]}]}`, `field "batch.$set" must be an object`},
		{"$set_once is a number", `BATCH[GOOD,{"event":"e","distinct_id":"u","$set_once":1}]}`, `field "batch.$set_once" must be an object`},
		{"number out of range", `BATCH[GOOD,{"event":"e","distinct_id":"u","properties":{"n":1e400}}]}`, `number out of range`},
		{"timestamp out of range", `BATCH[GOOD,{"event":"e","distinct_id":"u","timestamp":-1e400}]}`, `number out of range`},
		{"body is a number", `42`, "body is not a JSON object or array"},
		{"body is a string", `"event"`, "body is not a JSON object or array"},
		{"body is null", `null`, "body is not a JSON object or array"},
		{"trailing garbage", `[GOOD] [GOOD]`, "invalid JSON at byte"},
		{"empty batch", `BATCH[]}`, "request holds no event"},
	}
	good := badGood("refused")
	for _, c := range refused {
		body := strings.NewReplacer("GOOD", good, "BATCH", `{"api_key":"`+testToken+`","batch":`).Replace(c.body)
		if !strings.Contains(body, testToken) {
			body = strings.Replace(body, `"properties":{`, `"properties":{"token":"`+testToken+`",`, 1)
		}
		a := r.post("/batch/", []byte(body))
		if a.status != http.StatusBadRequest {
			t.Fatalf("%s: answer %d %s", c.name, a.status, a.body)
		}
		a.wantError(t, http.StatusBadRequest, "invalid_payload", c.detail)
	}
	if n := len(r.events()); n != stored {
		t.Fatalf("%d events stored, want %d: a refused body stored some", n, stored)
	}
	if s := r.c.Stats(); s.Rejects["invalid_json"] != uint64(len(refused)-1) || s.Rejects["empty_batch"] != 1 ||
		s.EventsDropped != dropped {
		t.Fatalf("stats %+v", s)
	}
	// "batch": null is no batch: the wrapper itself is read as one event,
	// which has no name, so it is dropped with a 200.
	r.post("/batch/", []byte(`{"api_key":"`+testToken+`","batch":null}`)).wantOK(t)
	if s := r.c.Stats(); s.EventsDropped != dropped+1 {
		t.Fatalf("stats %+v", s)
	}
	if _, err := r.store.Values(ctx, datasource.ValuesQuery{Query: badWide, Key: "case"}); err != nil {
		t.Fatal(err)
	}
	r.healthy()
}

// TestBadInputMillionValues: one property with a different value on every
// event, a million of them (under -race, which slows SQLite ~50x: 10,000,
// or 50,000 with TTMON_LONG=1).
// Values and Breakdown answer with their bounded default of 100 (or the
// caller's limit), not every value, and Snapshot still works.
func TestBadInputMillionValues(t *testing.T) {
	n := 1_000_000
	if raceOn {
		n = 10_000
		if long() {
			n = 50_000
		}
	}
	const viaHTTP, batch, installs = 1000, 10_000, 1000
	r := newBadRig(t)
	ctx := context.Background()
	value := func(i int) string { return fmt.Sprintf("row-%07d", i) }
	at := func(i int) time.Time { return badNow.Add(-time.Duration(i%80_000) * time.Second) }

	// One batch as posthog-go sends it, the rest straight into the store.
	items := make([]string, viaHTTP)
	for i := range items {
		items[i] = fmt.Sprintf(`{"event":"timer.started","distinct_id":"fp-%d","timestamp":"%s","properties":{"row_id":"%s"}}`,
			i%installs, at(i).Format(time.RFC3339), value(i))
	}
	r.post("/batch/", badBatch(items...)).wantOK(t)
	start := time.Now()
	evs := make([]embedded.Event, 0, batch)
	for i := viaHTTP; i < n; i++ {
		evs = append(evs, embedded.Event{Name: "timer.started", DistinctID: fmt.Sprintf("fp-%d", i%installs),
			Timestamp: at(i), Properties: map[string]any{"row_id": value(i)}})
		if len(evs) == batch || i == n-1 {
			res, err := r.store.Ingest(ctx, evs)
			if err != nil || res.Stored != len(evs) {
				t.Fatalf("ingest: %+v %v", res, err)
			}
			evs = evs[:0]
		}
	}
	t.Logf("%d events with distinct values ingested in %s", n, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	rng, err := datasource.ParseRange("24h", badNow)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: rng}
	vals, err := r.store.Values(ctx, datasource.ValuesQuery{Query: q, Scope: datasource.ScopeEvent, Key: "row_id"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 100 || vals[0] != (datasource.ValueCount{Value: value(0), Count: 1}) || vals[99].Value != value(99) {
		t.Fatalf("Values returned %d values, first %+v", len(vals), vals[:min(len(vals), 1)])
	}
	vals, err = r.store.Values(ctx, datasource.ValuesQuery{Query: q, Key: "row_id", Limit: 1000})
	if err != nil || len(vals) != 1000 {
		t.Fatalf("Values with limit 1000: %d values, %v", len(vals), err)
	}
	bd, err := r.store.Breakdown(ctx, datasource.BreakdownQuery{Query: q, Kind: datasource.KindTimer, Key: "row_id", Hour: -1})
	if err != nil || len(bd) != 100 {
		t.Fatalf("Breakdown: %d values, %v", len(bd), err)
	}
	snap := r.snapshot()
	if snap.Totals.Events != int64(n) || snap.Timers.Total != int64(n) {
		t.Fatalf("snapshot totals %+v timers %d, want %d", snap.Totals, snap.Timers.Total, n)
	}
	t.Logf("Values, Breakdown and Snapshot over %d values in %s", n, time.Since(start).Round(time.Millisecond))
	r.healthy()
}
