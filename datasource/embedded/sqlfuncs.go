package embedded

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/jsonfast"
)

// The SQL engine needs two things SQLite cannot do the way the port defines
// them: the canonical string of a JSON value (datasource.ValueString, e.g.
// numbers as Go formats them) and the hour of day in an IANA zone. Both are
// Go functions registered on the driver, so the SQL engine compares exactly
// what the index compares.
var registerOnce sync.Once

func registerFuncs() {
	registerOnce.Do(func() {
		sqlite.MustRegisterDeterministicScalarFunction("ttmon_value", 2, sqlValue)
		sqlite.MustRegisterDeterministicScalarFunction("ttmon_hour", 2, sqlHour)
		sqlite.MustRegisterDeterministicScalarFunction("ttmon_pair_ids", 1, sqlPairIDs)
	})
}

// decodedProps maps each key of a JSON object to its canonical value;
// null values are left out, because a filter treats them as not set.
type decodedProps map[string]string

func decodeProps(raw []byte, in jsonfast.Interner) decodedProps {
	m, ok := jsonfast.Object(raw, 10000, in)
	if !ok {
		if err := json.Unmarshal(raw, &m); err != nil {
			return decodedProps{}
		}
	}
	out := make(decodedProps, len(m))
	for k, v := range m {
		if s, ok := datasource.ValueString(v); ok {
			out[k] = s
		}
	}
	return out
}

// propMemo caches decoded JSON by its text: a propset's text reaches
// ttmon_value once per event row that joins it.
var propMemo = struct {
	sync.Mutex
	m map[string]decodedProps
}{m: map[string]decodedProps{}}

func memoDecode(raw string) decodedProps {
	propMemo.Lock()
	d, ok := propMemo.m[raw]
	propMemo.Unlock()
	if ok {
		return d
	}
	d = decodeProps([]byte(raw), nil)
	propMemo.Lock()
	if len(propMemo.m) >= 8192 {
		clear(propMemo.m)
	}
	propMemo.m[strings.Clone(raw)] = d
	propMemo.Unlock()
	return d
}

func sqlValue(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	raw, ok := textArg(args[0])
	if !ok {
		return nil, nil
	}
	key, _ := textArg(args[1])
	if v, ok := memoDecode(raw)[key]; ok {
		return v, nil
	}
	return nil, nil
}

func textArg(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

var zones sync.Map // tz name -> *time.Location

func loadZone(tz string) (*time.Location, error) {
	if l, ok := zones.Load(tz); ok {
		return l.(*time.Location), nil
	}
	l, err := datasource.Query{TZ: tz}.Location()
	if err != nil {
		return nil, err
	}
	zones.Store(tz, l)
	return l, nil
}

func sqlHour(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	ms, ok := args[0].(int64)
	if !ok {
		return nil, fmt.Errorf("ttmon_hour: timestamp %T", args[0])
	}
	tz, _ := textArg(args[1])
	loc, err := loadZone(tz)
	if err != nil {
		return nil, err
	}
	return int64(time.UnixMilli(ms).In(loc).Hour()), nil
}

// sqlPairIDs turns a propset's encoded pairs into a JSON array of pair ids,
// so plain SQL (json_each) can join them with the pairs table.
func sqlPairIDs(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	b, ok := args[0].([]byte)
	if !ok {
		return "[]", nil
	}
	ids, err := decodePairs(nil, b)
	if err != nil {
		return nil, err
	}
	out := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(id), 10)
	}
	return string(append(out, ']')), nil
}
