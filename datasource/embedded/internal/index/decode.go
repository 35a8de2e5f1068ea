package index

import (
	"encoding/json"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/jsonfast"
)

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

// DecodeProps maps each key of the JSON object raw to its canonical value
// (datasource.ValueString), leaving out nulls, as filters compare them; the
// SQL reference engine uses it so both engines read values alike.
func DecodeProps(raw []byte) map[string]string { return decodeProps(raw, nil) }
