package embedded

import (
	"database/sql/driver"
	"strconv"
	"sync"

	"modernc.org/sqlite"

	"github.com/ttmon/ttmon/datasource/embedded/internal/propset"
)

// The propsets_json view (migration 2), which drill fetches read, needs
// a propset's pair ids as JSON, which SQLite cannot decode from the blob:
// a Go function registered on the driver does. The SQL reference engine
// registers its own functions (internal/sqlref).
var registerOnce sync.Once

func registerFuncs() {
	registerOnce.Do(func() {
		sqlite.MustRegisterDeterministicScalarFunction("ttmon_pair_ids", 1, sqlPairIDs)
	})
}

// sqlPairIDs turns a propset's encoded pairs into a JSON array of pair ids,
// so plain SQL (json_each) can join them with the pairs table.
func sqlPairIDs(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	b, ok := args[0].([]byte)
	if !ok {
		return "[]", nil
	}
	ids, err := propset.Decode(nil, b)
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
