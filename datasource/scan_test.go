package datasource

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

// scanInputs are finished filters ParseFilter accepts, in every form the
// grammar has.
var scanInputs = []string{
	"deployment_method=docker",
	"  deployment_method = docker  ",
	"k==v",
	"person.is_admin != true",
	`event.app_version in (4.2.0, "4.2.1")`,
	"auth_method NOT IN (ldap,both)",
	"current_version is set",
	"current_version IS NOT SET",
	"current_version is latest",
	"person.current_version Is Not Latest",
	`error_message = "Database is locked"`,
	`error_message = Database is locked`,
	`error_message='it\'s "x"'`,
	`k=""`,
	`k in ("a, b", 'c)')`,
	`$os=Linux`,
	`person."odd key"=1`,
	`"person.literal"=1`,
	`inverted=in`,
	`ünïcode=日本`,
	`cohort != 12`,
}

// TestScanAgreesWithParser: over every finished filter, the scan's
// tokens say what ParseFilter reads: the key and its scope, the operator,
// the values.
func TestScanAgreesWithParser(t *testing.T) {
	for _, in := range scanInputs {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", in, err)
		}
		sc := ScanFilter(in, utf8.RuneCountInString(in))
		var key, op string
		var values []string
		for _, tk := range sc.Tokens {
			switch tk.Kind {
			case TokKey:
				key = tk.Text
			case TokOp:
				op = tk.Text
			default:
				values = append(values, tk.Text)
			}
		}
		wantKey, wantValues := f.Key, f.Values
		switch f.Scope {
		case ScopePerson:
			wantKey = "person." + f.Key
		case ScopeEvent:
			wantKey = "event." + f.Key
		case ScopeCohort: // cohort=ID: the grammar's key and value
			wantKey, wantValues = "cohort", []string{f.Key}
		}
		if key != wantKey || op != f.Op.String() || !reflect.DeepEqual(values, wantValues) {
			t.Errorf("ScanFilter(%q) read %q %q %q, the parser %q %q %q", in, key, op, values, wantKey, f.Op, wantValues)
		}
	}
}

// TestScanCaret: the caret's context in filters being typed. Offsets are
// runes.
func TestScanCaret(t *testing.T) {
	for _, tc := range []struct {
		in     string
		caret  int // -1: the end
		want   Caret
		tokens []TokenKind
	}{
		{"", -1, Caret{Context: InKey}, []TokenKind{TokKey}},
		{"dep", -1, Caret{Context: InKey, End: 3, Prefix: "dep"}, []TokenKind{TokKey}},
		{"deployment_method=docker", 3, Caret{Context: InKey, End: 17, Prefix: "dep"}, []TokenKind{TokKey, TokOp, TokValue}},
		{"platform ", -1, Caret{Context: InOp, Start: 9, End: 9, Key: "platform"}, []TokenKind{TokKey}},
		{"platform  =x", 9, Caret{Context: InOp, Start: 9, End: 9, Key: "platform"}, []TokenKind{TokKey, TokOp, TokValue}},
		{"platform not i", -1, Caret{Context: InOp, Start: 9, End: 14, Prefix: "not i", Key: "platform"}, []TokenKind{TokKey, TokOp}},
		{"k is la", -1, Caret{Context: InOp, Start: 2, End: 7, Prefix: "is la", Key: "k"}, []TokenKind{TokKey, TokOp}},
		{"event.app_version != 4", -1, Caret{Context: InValue, Start: 21, End: 22, Prefix: "4", Scope: ScopeEvent, Key: "app_version"}, []TokenKind{TokKey, TokOp, TokValue}},
		{`environment="self h`, -1, Caret{Context: InValue, Start: 12, End: 19, Prefix: "self h", Key: "environment", Quote: '"'}, []TokenKind{TokKey, TokOp, TokValue}},
		{`person."odd k`, -1, Caret{Context: InKey, End: 13, Prefix: `person."odd k`, Quote: '"'}, []TokenKind{TokKey}},
		{`person."odd key"=`, -1, Caret{Context: InValue, Start: 17, End: 17, Scope: ScopePerson, Key: "odd key"}, []TokenKind{TokKey, TokOp, TokValue}},
		{"ünï in (日本, 4.", -1, Caret{Context: InItem, Start: 12, End: 14, Prefix: "4.", Key: "ünï"}, []TokenKind{TokKey, TokOp, TokItem, TokItem}},
		{"v in (4.2.0, 4.3.0)", 8, Caret{Context: InItem, Start: 6, End: 11, Prefix: "4.", Key: "v"}, []TokenKind{TokKey, TokOp, TokItem, TokItem}},
		{"v not in ('a b', x", -1, Caret{Context: InItem, Start: 17, End: 18, Prefix: "x", Key: "v"}, []TokenKind{TokKey, TokOp, TokItem, TokItem}},
		{"k is not latest ", -1, Caret{}, []TokenKind{TokKey, TokOp}},
		{"k in (a) ", -1, Caret{}, []TokenKind{TokKey, TokOp, TokItem}},
		{"k in a", -1, Caret{}, []TokenKind{TokKey, TokOp}},
		{"k is set x", -1, Caret{}, []TokenKind{TokKey, TokOp}},
	} {
		caret := tc.caret
		if caret < 0 {
			caret = utf8.RuneCountInString(tc.in)
		}
		sc := ScanFilter(tc.in, caret)
		if sc.At != tc.want {
			t.Errorf("ScanFilter(%q, %d).At = %+v, want %+v", tc.in, caret, sc.At, tc.want)
		}
		var kinds []TokenKind
		for _, tk := range sc.Tokens {
			kinds = append(kinds, tk.Kind)
		}
		if !reflect.DeepEqual(kinds, tc.tokens) {
			t.Errorf("ScanFilter(%q) tokens %+v, want kinds %v", tc.in, sc.Tokens, tc.tokens)
		}
	}
}

// TestScanTokenSpans: token offsets are runes, in order, and cover what
// they read.
func TestScanTokenSpans(t *testing.T) {
	sc := ScanFilter(`ünï not in ("日 本", b)`, 0)
	want := []Token{
		{Kind: TokKey, Start: 0, End: 3, Text: "ünï"},
		{Kind: TokOp, Start: 4, End: 10, Text: "not in"},
		{Kind: TokItem, Start: 12, End: 17, Text: "日 本", Quote: '"'},
		{Kind: TokItem, Start: 19, End: 20, Text: "b"},
	}
	if !reflect.DeepEqual(sc.Tokens, want) {
		t.Errorf("tokens\n%+v\nwant\n%+v", sc.Tokens, want)
	}
}

// TestScanEveryPrefix: whatever has been typed and wherever the caret is,
// the scan stays within the input and its tokens do not overlap.
func TestScanEveryPrefix(t *testing.T) {
	for _, full := range append(scanInputs, `k in ("a\"b`, `k='x\`, "k\tin\t(", "((", "=", `""`) {
		rs := []rune(full)
		for n := 0; n <= len(rs); n++ {
			in := string(rs[:n])
			for caret := -1; caret <= n+1; caret++ {
				sc := ScanFilter(in, caret)
				if a := sc.At; a.Start < 0 || a.Start > a.End || a.End > n {
					t.Fatalf("ScanFilter(%q, %d): span %d..%d of %d runes", in, caret, a.Start, a.End, n)
				}
				end := 0
				for _, tk := range sc.Tokens {
					if tk.Start < end || tk.End < tk.Start || tk.End > n {
						t.Fatalf("ScanFilter(%q, %d): token %+v after %d", in, caret, tk, end)
					}
					end = tk.End
				}
			}
		}
	}
}

func TestOpOf(t *testing.T) {
	for _, o := range Ops() {
		if got, ok := OpOf(o.String()); !ok || got != o {
			t.Errorf("OpOf(%q) = %v %v", o, got, ok)
		}
	}
	if o, ok := OpOf(" Is  NOT latest "); !ok || o != OpNotLatest {
		t.Errorf("spacing and case: %v %v", o, ok)
	}
	if o, ok := OpOf("=="); !ok || o != OpEq {
		t.Errorf("==: %v %v", o, ok)
	}
	if _, ok := OpOf("is"); ok {
		t.Error("half an operator is one")
	}
}

// BenchmarkScanFilter is one keystroke's reading of the prompt: a list
// filter with the caret in its last item.
func BenchmarkScanFilter(b *testing.B) {
	in := `event.app_version not in ("4.2.0", 4.2.1, 4.3`
	n := utf8.RuneCountInString(in)
	b.ReportAllocs()
	for b.Loop() {
		ScanFilter(in, n)
	}
}
