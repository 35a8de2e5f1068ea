package shared

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

// keys name questions canonically: two questions with the same key have
// the same answer. Ranges are already aligned to their buckets by
// datasource.ParseRange, so sessions resolving "24h" within the same hour
// ask the same question. Filters AND together, so their order does not
// matter and they are sorted; each is written in the syntax
// datasource.ParseFilter reads back (plus its scope, which "auto" leaves
// unprefixed), so distinct filters cannot collide.

// keyBuilder writes fields separated by a byte no field contains unquoted.
type keyBuilder struct{ strings.Builder }

func newKey(method string) *keyBuilder {
	k := &keyBuilder{}
	k.WriteString(method)
	return k
}

func (k *keyBuilder) str(s string) *keyBuilder {
	k.WriteByte('\x1f')
	k.WriteString(strconv.Quote(s))
	return k
}

func (k *keyBuilder) int(n int64) *keyBuilder {
	k.WriteByte('\x1f')
	k.WriteString(strconv.FormatInt(n, 10))
	return k
}

func (k *keyBuilder) query(q datasource.Query) *keyBuilder {
	r := q.Range
	// The range's name is part of the key because panes label the range
	// from the snapshot's query: "24h" and the same hours written as dates
	// are drawn differently.
	k.str(r.Name).int(r.From.UnixNano()).int(r.To.UnixNano()).int(int64(r.Step)).str(q.TZ)
	fs := make([]string, len(q.Filters))
	for i, f := range q.Filters {
		fs[i] = f.Scope.String() + ":" + f.String()
	}
	slices.Sort(fs)
	k.int(int64(len(fs)))
	for _, f := range fs {
		k.str(f)
	}
	return k
}

// snapshotKey adds the panes asked for: sessions on different dashboards
// ask different questions. The specs are compared whole (as JSON), with
// their resolved ranges.
func snapshotKey(q datasource.Query) string {
	k := newKey("snapshot").query(q)
	if q.PanesOnly {
		k.str("panes-only")
	}
	k.int(int64(len(q.Figures)))
	for _, f := range q.Figures {
		k.str(f)
	}
	k.int(int64(len(q.Panes)))
	for _, p := range q.Panes {
		spec, _ := json.Marshal(p.Spec)
		k.str(string(spec)).int(p.Range.From.UnixNano()).int(p.Range.To.UnixNano()).int(int64(p.Range.Step)).str(p.Range.Name)
	}
	return k.String()
}

func valuesKey(q datasource.ValuesQuery) string {
	return newKey("values").query(q.Query).int(int64(q.Scope)).str(q.Key).int(int64(q.Limit)).String()
}

func eventsKey(q datasource.EventsQuery) string {
	return newKey("events").query(q.Query).int(int64(q.Kind)).int(int64(q.Limit)).String()
}

func installationsKey(q datasource.InstallationsQuery) string {
	return newKey("installations").query(q.Query).int(int64(q.Limit)).String()
}

func breakdownKey(q datasource.BreakdownQuery) string {
	return newKey("breakdown").query(q.Query).int(int64(q.Kind)).int(int64(q.Scope)).
		str(q.Key).int(int64(q.Hour)).int(int64(q.Limit)).String()
}

const (
	propertiesKey = "properties"
	cohortsKey    = "cohorts"
)
