package datasource

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TokenKind says what part of a filter expression a Token is.
type TokenKind int

// The parts of a filter expression, in the order they are written.
const (
	TokKey   TokenKind = iota + 1 // the property name, with its person./event. prefix
	TokOp                         // the operator: = != in, not in, is set, ...
	TokValue                      // the value of = or !=
	TokItem                       // one item of an in (...) list
)

// Token is one part of a filter expression as ScanFilter reads it. Start
// and End are rune offsets into the input (End exclusive); Text is what
// the part means: unquoted, and for operators in lower case with single
// spaces ("not in").
type Token struct {
	Kind       TokenKind
	Start, End int
	Text       string
	// Quote is the quote that opened a quoted key, value or item; 0 for
	// a bare one.
	Quote rune
}

// CaretContext is what the caret is on in a filter expression.
type CaretContext int

// Caret contexts. InNothing is anywhere completion cannot help: past a
// finished filter, or where the expression no longer follows the grammar.
const (
	InNothing CaretContext = iota
	InKey                  // the property name
	InOp                   // the operator, or where it goes after the name
	InValue                // the value of = or !=
	InItem                 // an item of an in (...) list
)

// Caret is the context at the caret: what it is on, the rune span a
// completion replaces, the part typed before the caret (unquoted), and for
// operators, values and items the property they belong to.
type Caret struct {
	Context    CaretContext
	Start, End int
	Prefix     string
	Scope      Scope
	Key        string
	// Quote is the opening quote of the value or item at the caret, if
	// one was typed.
	Quote rune
}

// Scan is a tolerant reading of a filter expression, finished or not.
type Scan struct {
	// Tokens are the parts read, in order, up to where the expression
	// stops following the grammar.
	Tokens []Token
	// At is the context at the caret.
	At Caret
}

// ScanFilter reads a filter expression being typed the way ParseFilter
// reads a finished one, but never fails: unclosed quotes and lists, a
// half-typed operator, a missing value are read as far as they go. caret
// is a rune offset into in (clamped to it). Completion uses it, so the
// prompt and the parser cannot disagree about where a key ends or what
// the operators are.
func ScanFilter(in string, caret int) Scan {
	s := &scanner{parser: parser{in: in}, caret: byteOffset(in, caret), tokens: make([]Token, 0, 8)}
	s.scan()
	out := Scan{Tokens: s.tokens, At: s.at}
	for i := range out.Tokens {
		t := &out.Tokens[i]
		t.Start, t.End = runeOffset(in, t.Start), runeOffset(in, t.End)
	}
	out.At.Start, out.At.End = runeOffset(in, out.At.Start), runeOffset(in, out.At.End)
	return out
}

// scanner works in bytes, as the parser does; ScanFilter converts.
type scanner struct {
	parser
	caret  int
	tokens []Token
	at     Caret
	found  bool
}

// place records the caret's context; the first place found is the one.
func (s *scanner) place(c Caret) {
	if !s.found {
		s.at, s.found = c, true
	}
}

// prefix is the part of t typed before the caret from start, without its
// opening quote.
func (s *scanner) prefix(t Token, start int) string {
	p := s.in[start:max(s.caret, start)]
	if t.Quote != 0 {
		p = strings.TrimPrefix(p, string(t.Quote))
	}
	return p
}

func (s *scanner) scan() {
	s.skipSpace()
	k := s.key()
	if s.caret <= k.End {
		start := min(k.Start, s.caret)
		s.place(Caret{Context: InKey, Start: start, End: k.End, Prefix: s.prefix(k, start), Quote: k.Quote})
	}
	key, scope := k.Text, ScopeAuto
	if bare := k.Start >= len(s.in) || (s.in[k.Start] != '"' && s.in[k.Start] != '\''); bare {
		key, scope = splitScope(k.Text) // person."a b" too: the prefix is bare
	}
	at := func(c CaretContext, start, end int) Caret {
		return Caret{Context: c, Start: start, End: end, Prefix: s.in[start:max(s.caret, start)], Scope: scope, Key: key}
	}
	s.skipSpace()
	if s.caret > k.End && s.caret < s.pos {
		s.place(at(InOp, s.caret, s.caret))
	}
	for _, sym := range []string{"!=", "==", "="} {
		if strings.HasPrefix(s.rest(), sym) {
			op, _ := OpOf(sym)
			s.tokens = append(s.tokens, Token{Kind: TokOp, Start: s.pos, End: s.pos + len(sym), Text: op.String()})
			s.pos += len(sym)
			s.value(scope, key)
			return
		}
	}
	op, ok := s.opWords(at)
	switch {
	case ok && op.TakesList():
		s.list(scope, key)
	case ok && op.TakesNoValue() && s.end():
	default:
		s.place(Caret{})
	}
}

// key reads the property name: bare, quoted, or person./event. before a
// quoted name.
func (s *scanner) key() Token {
	t := s.word(TokKey, isKeyRune)
	if t.Quote == 0 && (t.Text == "person." || t.Text == "event.") && s.pos < len(s.in) && (s.in[s.pos] == '"' || s.in[s.pos] == '\'') {
		q := s.word(TokKey, isKeyRune)
		s.tokens = s.tokens[:len(s.tokens)-2]
		t = Token{Kind: TokKey, Start: t.Start, End: q.End, Text: t.Text + q.Text, Quote: q.Quote}
		s.tokens = append(s.tokens, t)
	}
	return t
}

// splitScope cuts a person. or event. prefix off a key.
func splitScope(key string) (string, Scope) {
	if k, ok := strings.CutPrefix(key, "person."); ok {
		return k, ScopePerson
	}
	if k, ok := strings.CutPrefix(key, "event."); ok {
		return k, ScopeEvent
	}
	return key, ScopeAuto
}

// value reads the value of = or !=: quoted, or the bare rest of the line.
func (s *scanner) value(scope Scope, key string) {
	s.skipSpace()
	start := s.pos
	var t Token
	if start < len(s.in) && (s.in[start] == '"' || s.in[start] == '\'') {
		t = s.word(TokValue, nil)
	} else {
		t = Token{Kind: TokValue, Start: start, End: len(s.in), Text: strings.TrimRightFunc(s.rest(), unicode.IsSpace)}
		s.pos = len(s.in)
		s.tokens = append(s.tokens, t)
	}
	c := Caret{Context: InValue, Start: min(start, s.caret), End: len(s.in), Scope: scope, Key: key, Quote: t.Quote}
	c.Prefix = s.prefix(t, c.Start)
	s.place(c)
}

// opWords reads an operator written in words (in, not in, is set, ...),
// placing the caret on it while it is being typed.
func (s *scanner) opWords(at func(CaretContext, int, int) Caret) (Op, bool) {
	start := s.pos
	var words []string
	for range 3 {
		ws := s.pos
		for s.pos < len(s.in) {
			r, n := utf8.DecodeRuneInString(s.rest())
			if !unicode.IsLetter(r) {
				break
			}
			s.pos += n
		}
		if s.pos == ws {
			break
		}
		words = append(words, strings.ToLower(s.in[ws:s.pos]))
		if s.caret <= s.pos {
			s.place(at(InOp, start, s.pos))
		}
		if op, ok := OpOf(strings.Join(words, " ")); ok && (op.TakesList() || op.TakesNoValue()) {
			break
		}
		s.skipSpace()
		if s.caret < s.pos {
			s.place(at(InOp, start, s.caret))
		}
	}
	w := strings.Join(words, " ")
	if w != "" {
		end := start + len(strings.TrimRightFunc(s.in[start:s.pos], unicode.IsSpace))
		s.tokens = append(s.tokens, Token{Kind: TokOp, Start: start, End: end, Text: w})
	}
	op, ok := OpOf(w)
	if !ok && s.caret == len(s.in) && s.pos == len(s.in) {
		// Half an operator at the end of the input is one being typed.
		s.place(at(InOp, start, s.caret))
	}
	return op, ok
}

// end reports whether only space is left; the caret there is past a
// finished filter.
func (s *scanner) end() bool {
	s.skipSpace()
	return s.pos == len(s.in)
}

// list reads "(a, b, ...", closed or not.
func (s *scanner) list(scope Scope, key string) {
	s.skipSpace()
	if s.pos >= len(s.in) || s.in[s.pos] != '(' {
		s.place(Caret{})
		return
	}
	s.pos++
	for {
		s.skipSpace()
		t := s.word(TokItem, isListRune)
		if s.caret >= t.Start && s.caret <= t.End {
			s.place(Caret{Context: InItem, Start: t.Start, End: t.End, Prefix: s.prefix(t, t.Start), Scope: scope, Key: key, Quote: t.Quote})
		}
		s.skipSpace()
		if s.caret < t.Start {
			s.place(Caret{})
		}
		if s.pos >= len(s.in) || s.in[s.pos] != ',' {
			s.place(Caret{})
			return
		}
		s.pos++
	}
}

// word reads a quoted string (closed or not) or a run of runes accepted by
// ok, and records it as a token of kind k (an empty bare word too: it is
// where the caret completes).
func (s *scanner) word(k TokenKind, ok func(rune) bool) Token {
	t := Token{Kind: k, Start: s.pos}
	if s.pos < len(s.in) && (s.in[s.pos] == '"' || s.in[s.pos] == '\'') {
		t.Quote = rune(s.in[s.pos])
		if v, err := s.quoted(); err == nil {
			t.Text = v
		} else {
			t.Text, s.pos = unclosed(s.in[t.Start:]), len(s.in)
		}
	} else if ok != nil {
		for s.pos < len(s.in) {
			r, n := utf8.DecodeRuneInString(s.rest())
			if !ok(r) {
				break
			}
			s.pos += n
		}
		t.Text = s.in[t.Start:s.pos]
	}
	t.End = s.pos
	s.tokens = append(s.tokens, t)
	return t
}

// unclosed is the text of a quoted string still being typed: its escapes
// read as far as they go.
func unclosed(q string) string {
	if v, err := strconv.Unquote(q + q[:1]); err == nil && q[0] == '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			i++
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// byteOffset is the byte offset of rune r of s, clamped to s.
func byteOffset(s string, r int) int {
	if r <= 0 {
		return 0
	}
	for i := range s {
		if r == 0 {
			return i
		}
		r--
	}
	return len(s)
}

// runeOffset is the rune offset of byte b of s.
func runeOffset(s string, b int) int { return utf8.RuneCountInString(s[:b]) }
