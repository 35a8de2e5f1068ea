package posthog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// maxRows is PostHog's ceiling on returned rows (and the LIMIT every query
// ttmon sends asks for). An answer that fills it may have been cut.
const maxRows = 50000

// queryResponse is the part of PostHog's HogQLQueryResponse ttmon reads.
type queryResponse struct {
	Results []json.RawMessage `json:"results"`
	Columns []string          `json:"columns"`
	Types   json.RawMessage   `json:"types"` // [[name, ClickHouse type], ...]
	HasMore *bool             `json:"hasMore"`
	Limit   *int              `json:"limit"`
	Error   string            `json:"error"`
}

// table is a decoded answer: rows of cells addressed by column name, so a
// reordering on PostHog's side cannot silently swap figures.
type table struct {
	cols map[string]int
	rows [][]json.RawMessage
}

func decodeTable(body []byte) (*table, *queryResponse, error) {
	var r queryResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, nil, fmt.Errorf("the answer is not the JSON of a query result (%w)", err)
	}
	t := &table{cols: make(map[string]int, len(r.Columns)), rows: make([][]json.RawMessage, len(r.Results))}
	for i, c := range r.Columns {
		t.cols[c] = i
	}
	for i, raw := range r.Results {
		if err := json.Unmarshal(raw, &t.rows[i]); err != nil {
			return nil, nil, fmt.Errorf("result row %d is not a list (%w)", i, err)
		}
		if len(t.rows[i]) != len(r.Columns) {
			return nil, nil, fmt.Errorf("result row %d has %d cells for %d columns", i, len(t.rows[i]), len(r.Columns))
		}
	}
	return t, &r, nil
}

// need returns the indexes of the named columns, or an error naming the
// first one missing.
func (t *table) need(names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		j, ok := t.cols[n]
		if !ok {
			return nil, fmt.Errorf("the answer has no column %q", n)
		}
		out[i] = j
	}
	return out, nil
}

var null = []byte("null")

// str reads a String or Nullable(String) cell; ok is false for NULL.
func str(cell json.RawMessage) (s string, ok bool, err error) {
	if bytes.Equal(cell, null) {
		return "", false, nil
	}
	if err := json.Unmarshal(cell, &s); err != nil {
		return "", false, fmt.Errorf("cell %s is not a string", cell)
	}
	return s, true, nil
}

// num reads an integer cell. 64-bit integers may arrive quoted (ClickHouse
// JSON formats quote them), so both forms are read; NULL is 0.
func num(cell json.RawMessage) (int64, error) {
	if bytes.Equal(cell, null) {
		return 0, nil
	}
	c := cell
	if len(c) >= 2 && c[0] == '"' {
		c = c[1 : len(c)-1]
	}
	n, err := strconv.ParseInt(string(c), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(c), 64)
		if ferr != nil {
			return 0, fmt.Errorf("cell %s is not a number", cell)
		}
		n = int64(f)
	}
	return n, nil
}
