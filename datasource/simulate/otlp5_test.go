package simulate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRecordJSONIsTimeTrackers compares Record.JSON with bodies that
// Python's json.dumps made from the structure TimeTracker 5.x builds
// (testdata, made with python3: ensure_ascii escapes, ", " separators,
// str() of None and of dicts, repr of floats).
func TestRecordJSONIsTimeTrackers(t *testing.T) {
	for _, tc := range []struct {
		file string
		rec  Record
	}{
		{"timetracker5-identify.json", Record{
			Name: "analytics.identify", Identity: "7", Detailed: true, ServiceVersion: "5.10.0",
			Time: time.Unix(0, 1772355600123456789),
			Props: []Prop{
				{"$set", map[string]any{"is_admin": true, "role": "x'y", "auth_method": "oidc", "last": nil}},
				{"$set_once", map[string]any{"first_login": "2026-03-01T09:00:00"}},
			},
		}},
		{"timetracker5-timer.json", Record{
			Name: "timer.started", Identity: "1", Detailed: true, ServiceVersion: "5.10.0", Environment: "development",
			Time: time.Unix(0, 1772355600000000000),
			Props: []Prop{
				{"project_id", 42}, {"duration", 0.0001}, {"big", 1e16}, {"ratio", 2.0},
				{"note", "Zeit für Café ☕ \"q\" \\ 😀\n"}, {"browser", nil},
				{"install_id", "6f1c2a34-9b7e-4d21-8c55-0e2f3a4b5c6d"},
			},
		}},
	} {
		want, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.rec.JSON(); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.file, got, want)
		}
		if !json.Valid(want) {
			t.Fatalf("%s is not JSON", tc.file)
		}
	}
}

func TestToRecord(t *testing.T) {
	at := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
	install := "6f1c2a34-9b7e-4d21-8c55-0e2f3a4b5c6d"
	props := map[string]any{"app_version": "4.10.0", "platform": "Linux", "environment": "production",
		"deployment_method": "docker", "install_id": install, "timezone": "Europe/Berlin", "python_version": "3.12"}
	hb, ok := ToRecord(Event{Name: EventHeartbeat, DistinctID: install, Properties: props, Timestamp: at})
	if !ok || hb.Identity != install || hb.Detailed || len(hb.Props) != 13 || hb.Props[12] != (Prop{"deployment_type", "docker"}) {
		t.Fatalf("heartbeat %+v", hb)
	}
	if hb.Props[2].Value != "5.10.0" || hb.ServiceVersion != "5.10.0" || props["app_version"] != "4.10.0" {
		t.Fatalf("version %v / %q; model's map %v", hb.Props[2], hb.ServiceVersion, props["app_version"])
	}
	if hb.Props[9].Value != "2026-03-01T03:00:00+00:00" {
		t.Fatalf("last_seen_at %v", hb.Props[9])
	}
	first, _ := ToRecord(Event{Name: EventInstall, DistinctID: "fp", Properties: props, Timestamp: at})
	if first.Name != EventFirstSeen || first.Identity != install {
		t.Fatalf("first seen %+v", first)
	}
	user := map[string]any{"project_id": 3, "install_id": install, "app_version": "5.10.0",
		"deployment_method": "docker", "$current_url": "https://tt/timer", "$os": "Linux"}
	tm, ok := ToRecord(Event{Name: EventTimerStarted, DistinctID: install + ":4", Properties: user, Timestamp: at})
	if !ok || tm.Identity != "4" || !tm.Detailed || tm.Props[0] != (Prop{"project_id", 3}) {
		t.Fatalf("timer %+v", tm)
	}
	body := string(tm.JSON())
	if !strings.Contains(body, `{"key": "current_url", "value": {"stringValue": "https://tt/timer"}}`) ||
		strings.Contains(body, "$current_url") || !strings.Contains(body, `"deployment_method"`) {
		t.Fatalf("timer body %s", body)
	}
	id, ok := ToRecord(Event{Kind: KindIdentify, Name: "$identify", DistinctID: install + ":4",
		Set: map[string]any{"role": "admin"}, Timestamp: at})
	if !ok || id.Name != EventIdentify5 || id.Identity != "4" || strings.Contains(string(id.JSON()), install) {
		t.Fatalf("identify %+v", id)
	}
	for _, e := range []Event{
		{Kind: KindIdentify, Name: "$identify", DistinctID: "fp"},
		{Kind: KindAlias, Name: "$create_alias", DistinctID: "fp"},
		{Kind: KindGroupIdentify, Name: "$groupidentify"},
		{Name: EventException, DistinctID: install + ":4", Properties: user},
	} {
		if r, ok := ToRecord(e); ok {
			t.Errorf("%s sent as %+v", e.Name, r)
		}
	}
}

func TestAuthHeaderAndEndpoint(t *testing.T) {
	for token, want := range map[string]string{
		"id:secret":  "Basic " + base64.StdEncoding.EncodeToString([]byte("id:secret")),
		"Basic abc=": "Basic abc=",
		"tok":        "Basic tok",
	} {
		if got := AuthHeader(token); got != want {
			t.Errorf("AuthHeader(%q) = %q, want %q", token, got, want)
		}
	}
	for base, want := range map[string]string{
		"http://h:8010":          "http://h:8010/v1/logs",
		"http://h:8010/otlp/":    "http://h:8010/otlp/v1/logs",
		"https://h/otlp/v1/logs": "https://h/otlp/v1/logs",
	} {
		if got := LogsEndpoint(base); got != want {
			t.Errorf("LogsEndpoint(%q) = %q, want %q", base, got, want)
		}
	}
}
