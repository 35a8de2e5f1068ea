package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/datasource"
)

// ErrCohortExists is returned (wrapped) by SaveCohort when the file already
// has a cohort of that name and overwrite is false.
var ErrCohortExists = errors.New("a cohort with that name is already saved")

// SaveCohort writes c into the config file at path, replacing a cohort of
// the same name only when overwrite is true. The rest of the file is kept
// byte for byte where possible (the new entry is spliced into the text at
// the end of the cohorts: list); where the layout is unusual (a flow-style
// list, block scalars) the file is re-encoded from its YAML tree, which
// keeps comments but not blank lines. A missing file is created with
// "version: 1" and mode 0600. The write is atomic: a temporary file in the
// same directory, synced, then renamed over the original (through a
// symlink, the file it points at is replaced).
func SaveCohort(path string, c Cohort, overwrite bool) error {
	if err := checkCohort(c); err != nil {
		return err
	}
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	data, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = []byte(fmt.Sprintf("version: %d\n", CurrentVersion))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
	case err != nil:
		return fmt.Errorf("config %s: %w", path, err)
	default:
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	}
	out, err := AddCohort(data, c, overwrite)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return writeAtomic(path, out, mode)
}

func checkCohort(c Cohort) error {
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		return errors.New("give the cohort a name")
	case name != c.Name || strings.ContainsAny(c.Name, "\n\r\t"):
		return fmt.Errorf("cohort name %q: no leading or trailing spaces, tabs or line breaks", c.Name)
	case len(c.Filters) == 0:
		return fmt.Errorf("cohort %q: there are no filters to save", c.Name)
	}
	for _, f := range c.Filters {
		if _, err := datasource.ParseFilter(f); err != nil {
			return fmt.Errorf("cohort %q: filter %q: %w", c.Name, f, err)
		}
	}
	return nil
}

// AddCohort returns the config file data with c added to its cohorts:
// list (or replacing the one of the same name when overwrite is true).
// The result is checked to read back as the same settings plus c.
func AddCohort(data []byte, c Cohort, overwrite bool) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte(fmt.Sprintf("version: %d\n", CurrentVersion))
	}
	var before Config
	if err := Decode(data, &before); err != nil {
		return nil, fmt.Errorf("%w; fix the file before saving cohorts to it", err)
	}
	want := slicesClone(before.Cohorts)
	replaced := false
	for i, co := range want {
		if co.Name == c.Name {
			if !overwrite {
				return nil, fmt.Errorf("cohort %q: %w", c.Name, ErrCohortExists)
			}
			want[i], replaced = c, true
		}
	}
	if !replaced {
		want = append(want, c)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, friendlyYAML(err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file holds no settings")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("the file is not a YAML mapping of settings")
	}
	if out, ok := splice(data, root, c); ok && readsBack(out, before, want) {
		return out, nil
	}
	out, err := reencode(&doc, root, c)
	if err != nil {
		return nil, err
	}
	if !readsBack(out, before, want) {
		return nil, errors.New("could not add the cohort without changing other settings; add it by hand")
	}
	return out, nil
}

func slicesClone(cs []Cohort) []Cohort { return append([]Cohort(nil), cs...) }

// readsBack reports whether out decodes to before with its cohorts
// replaced by want.
func readsBack(out []byte, before Config, want []Cohort) bool {
	var after Config
	if err := Decode(out, &after); err != nil {
		return false
	}
	before.Cohorts = want
	return reflect.DeepEqual(after, before)
}

// splice edits the text: a new cohorts: key at the end of the file, a new
// item after the last one of a block list, or the lines of the item being
// replaced. ok is false when the layout is not one it handles.
func splice(data []byte, root *yaml.Node, c Cohort) ([]byte, bool) {
	if root.Style&yaml.FlowStyle != 0 {
		return nil, false
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += "\n"
	}
	seq := mapValue(root, "cohorts")
	if seq == nil {
		return []byte(strings.Join(lines, "") + "cohorts:\n" + cohortItem(c, "  ")), true
	}
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 {
		return nil, false
	}
	items := make([]struct{ start, end int }, len(seq.Content))
	indent := ""
	for i, it := range seq.Content {
		if it.Kind != yaml.MappingNode || it.Line < 1 || it.Line > len(lines) || hasBlockScalar(it) {
			return nil, false
		}
		l := lines[it.Line-1]
		pre := l[:min(max(it.Column-1, 0), len(l))]
		dash := strings.TrimRight(pre, " ")
		if !strings.HasSuffix(dash, "-") || strings.TrimLeft(dash, " ") != "-" {
			return nil, false // the dash is not on the item's first line
		}
		if i == 0 {
			indent = dash[:len(dash)-1]
		}
		items[i].start, items[i].end = it.Line-1, lastLine(it)-1
	}
	for i, it := range seq.Content {
		if mapScalar(it, "name") == c.Name {
			out := append(append(slicesCloneS(lines[:items[i].start]), cohortItem(c, indent)), lines[items[i].end+1:]...)
			return []byte(strings.Join(out, "")), true
		}
	}
	at := items[len(items)-1].end + 1
	out := append(append(slicesCloneS(lines[:at]), cohortItem(c, indent)), lines[at:]...)
	return []byte(strings.Join(out, "")), true
}

func slicesCloneS(s []string) []string { return append([]string(nil), s...) }

// cohortItem is one list item in block style at the given indent.
func cohortItem(c Cohort, indent string) string {
	var b strings.Builder
	b.WriteString(indent + "- name: " + scalar(c.Name) + "\n")
	b.WriteString(indent + "  filters:\n")
	for _, f := range c.Filters {
		b.WriteString(indent + "    - " + scalar(f) + "\n")
	}
	return b.String()
}

// scalar writes s as a one-line YAML scalar: plain when YAML allows it,
// quoted otherwise.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	v := strings.TrimSuffix(string(out), "\n")
	if err != nil || strings.Contains(v, "\n") {
		j, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
		return string(j)
	}
	return v
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func mapScalar(m *yaml.Node, key string) string {
	if v := mapValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// lastLine is the last line any node under n starts on.
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

func hasBlockScalar(n *yaml.Node) bool {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return true
	}
	for _, c := range n.Content {
		if hasBlockScalar(c) {
			return true
		}
	}
	return false
}

// reencode edits the YAML tree and writes it out again: comments stay,
// blank lines and custom indentation do not.
func reencode(doc, root *yaml.Node, c Cohort) ([]byte, error) {
	var item yaml.Node
	if err := item.Encode(c); err != nil {
		return nil, err
	}
	item.Style = 0
	seq := mapValue(root, "cohorts")
	switch {
	case seq == nil:
		seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "cohorts"}, seq)
	case seq.Kind != yaml.SequenceNode:
		*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", HeadComment: seq.HeadComment, LineComment: seq.LineComment}
	}
	replaced := false
	for i, it := range seq.Content {
		if mapScalar(it, "name") == c.Name {
			item.HeadComment, item.LineComment, item.FootComment = it.HeadComment, it.LineComment, it.FootComment
			seq.Content[i], replaced = &item, true
		}
	}
	if !replaced {
		seq.Content = append(seq.Content, &item)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeAtomic replaces path with data: a crash leaves the old file or the
// new one, never half of either.
func writeAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("config %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
