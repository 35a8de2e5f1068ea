package sqlref

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// The engine needs two things SQLite cannot do the way the port defines
// them: the canonical string of a JSON value (datasource.ValueString, e.g.
// numbers as Go formats them) and the hour of day in an IANA zone. Both are
// Go functions registered on the driver, so the SQL engine compares exactly
// what the index compares.
//
// The driver adds functions to connections opened after registering, and a
// store opens its pools before a test asks for this engine, so they are
// registered when the package is initialised: only test binaries link it.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("ttmon_value", 2, sqlValue)
	sqlite.MustRegisterDeterministicScalarFunction("ttmon_hour", 2, sqlHour)
}

// propMemo caches decoded JSON by its text: a propset's text reaches
// ttmon_value once per event row that joins it.
var propMemo = struct {
	sync.Mutex
	m map[string]map[string]string
}{m: map[string]map[string]string{}}

func memoDecode(raw string) map[string]string {
	propMemo.Lock()
	d, ok := propMemo.m[raw]
	propMemo.Unlock()
	if ok {
		return d
	}
	d = index.DecodeProps([]byte(raw))
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
