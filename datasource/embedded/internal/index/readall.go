package index

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// The first load's readers of the persons and distinct ids: SQLite
// concatenates the rows into strings, which cost less than a row at a
// time through database/sql.

// readAllPersons reads every person as "id,length,properties" strings
// SQLite builds, like readAllDIDs, personsPerRead at a time: one string
// of every person (12 MB for the simulated fleet's 25,000) cost more in
// SQLite growing it than the rows did. Each person's properties stay a
// slice of its string.
func readAllPersons(ctx context.Context, tx *sql.Tx, b *tailBatch) error {
	for last := int64(0); ; {
		var all []byte
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(id || ',' || length(CAST(properties AS BLOB)) || ',' ||
			properties, ''), '') FROM (SELECT id, properties FROM persons WHERE id > ? ORDER BY id LIMIT ?)`,
			last, personsPerRead).Scan(&all)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return nil
		}
		if last, err = parsePersons(all, b); err != nil {
			return err
		}
	}
}

// personsPerRead is how many persons readAllPersons reads per statement.
var personsPerRead = 2048

// parsePersons adds the persons of one of readAllPersons' strings to b and
// returns the last one's id.
func parsePersons(all []byte, b *tailBatch) (last int64, err error) {
	for len(all) > 0 {
		id, rest, ok1 := bytes.Cut(all, []byte(","))
		size, rest, ok2 := bytes.Cut(rest, []byte(","))
		v := struct {
			id    int64
			props personProps
		}{}
		n, err1 := strconv.Atoi(string(size))
		var err2 error
		v.id, err2 = strconv.ParseInt(string(id), 10, 64)
		if !ok1 || !ok2 || err1 != nil || err2 != nil || n < 0 || n > len(rest) {
			return 0, fmt.Errorf("embedded: persons: unexpected %.40q", all)
		}
		v.props, all = personProps(rest[:n:n]), rest[n:]
		b.persons = append(b.persons, v)
		last = v.id
	}
	return last, nil
}

// readAllDIDs reads every distinct id's person at the first load as one
// string of "id,person;" pairs that SQLite builds from the (person_id, id)
// index: a row at a time through database/sql costs about a microsecond
// each, 30 ms for the simulated fleet.
func readAllDIDs(ctx context.Context, tx *sql.Tx, b *tailBatch) error {
	var all sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT group_concat(id || ',' || person_id, ';') FROM distinct_ids`).Scan(&all)
	if err != nil {
		return err
	}
	for s := all.String; s != ""; {
		var entry string
		entry, s, _ = strings.Cut(s, ";")
		id, person, ok := strings.Cut(entry, ",")
		v := struct {
			id, person int64
			str        string
		}{}
		var err1, err2 error
		v.id, err1 = strconv.ParseInt(id, 10, 64)
		v.person, err2 = strconv.ParseInt(person, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("embedded: distinct ids: unexpected %q", entry)
		}
		b.dids = append(b.dids, v)
	}
	return nil
}
