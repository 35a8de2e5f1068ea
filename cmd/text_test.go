package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Versions come from whoever sends telemetry: `ttmon snapshot`'s text must
// not pass escape sequences in them to the terminal.
func TestSnapshotTextPrintable(t *testing.T) {
	hostile := "\x1b]0;pwned\x07\x1b[2J4.9"
	s := &datasource.Snapshot{
		Query:    datasource.Query{Range: datasource.CustomRange(time.Unix(0, 0), time.Unix(3600, 0))},
		Versions: []datasource.VersionShare{{Version: hostile, Installs: 1, Share: 1, Latest: true}},
		Errors:   datasource.Errors{Total: 1, ByVersion: []datasource.VersionCount{{Version: hostile, Errors: 1}}},
	}
	var out bytes.Buffer
	if err := writeSnapshotText(&out, s, nil, snapshotView{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Fatalf("escape sequence in the text output:\n%q", out.String())
	}
	if !strings.Contains(out.String(), "␛]0;pwned␇␛[2J4.9") {
		t.Fatalf("the version is not shown as text:\n%s", out.String())
	}
}
