package query

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is a query the parser cannot read. Pos counts characters
// (runes) from the start of the query, starting at 0.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return e.Msg }

func errorf(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" at %d", pos)}
}

// userFields are the fields users may type, by name. "story" and "entity"
// are accepted too (Format writes entity terms after Expand) but not
// advertised in error messages.
var userFields = map[string]Field{
	"title":        FieldTitle,
	"source":       FieldSource,
	"language":     FieldLanguage,
	"country":      FieldCountry,
	"person":       FieldPerson,
	"topic":        FieldTopic,
	"story":        FieldStory,
	"event":        FieldEvent,
	"entity":       FieldEntity,
	"published_at": FieldPublished,
	"speaker":      FieldSpeaker,
	"quote":        FieldQuote,
}

const fieldList = "title, source, language, country, person, topic, speaker, quote or published_at"

type itemKind int

const (
	itemEOF itemKind = iota
	itemTerm
	itemRange
	itemAll
	itemAnd
	itemOr
	itemNot
	itemMinus
	itemLParen
	itemRParen
	itemNear  // NEAR/n or SENTENCE, right before its "("
	itemComma // between the operands of NEAR/n( and SENTENCE(
)

type item struct {
	kind itemKind
	pos  int
	node Node // itemTerm, itemRange; itemNear: a Near without operands
}

// Parse reads a query of the language of docs/contract.md:
//
//	Putin Zelensky                 both words (implicit AND)
//	Zelensk*                       a word starting with Zelensk (at least MinPrefix letters)
//	"Abu Dhabi" OR Riyadh          a phrase, or a word
//	NOT Trump, -Trump              without a word
//	(talks OR summit) AND Kyiv     grouping; NOT binds tighter than AND, AND than OR
//	title:ceasefire source:"Kyiv Independent" language:en country:UA person:Zelensky topic:diplomacy
//	speaker:Lavrov quote:"red lines"   who is quoted, and words they are quoted saying
//	published_at:[2026-01-01 TO 2026-02-01]   dates (YYYY-MM-DD or RFC 3339, * for open); the To day counts to its end
//	published_at:[now-7d TO now], published_at:now-24h   relative to when the query runs (see Relative)
//	NEAR/5(Putin, Zelensky)        both within 5 words of each other, either order (1 to MaxNear)
//	SENTENCE("Abu Dhabi", talks)   both in one sentence
//
// The operands of NEAR and SENTENCE are words, "phrases", prefixes* or
// alternatives in parentheses ((Putin OR Lavrov)); they search the title,
// summary and body, and cannot hold field:value terms, AND, NOT or another
// NEAR.
//
// Keywords are upper case: "and", "or" and "not" are ordinary words
// (ParseHints says when they stand where an operator would). language: and
// country: values may be names or other codes: language:russian is
// language:ru, country:UK is country:GB (ParseHints says so). A word
// with nothing searchable in it (a lone dash, punctuation) is ignored. "*",
// an empty or a blank query returns All. A query over MaxBytes or MaxTerms
// is a *LimitError; other errors are *SyntaxError, including a query that
// is not valid UTF-8 (Format could only write its bad bytes as U+FFFD,
// three bytes each, so it would neither read back the same nor stay within
// MaxBytes).
func Parse(s string) (Node, error) {
	n, _, err := ParseHints(s)
	return n, err
}

// ParseHints is Parse, and also returns hints for the user: a language: or
// country: value read as a code (language:russian is language:ru), one
// that matches nothing, and lower-case and, or and not standing where an
// operator would (they are searched as words). A query with hints means
// exactly what Parse returns; the hints only say so.
func ParseHints(s string) (Node, []string, error) {
	tooLong := &LimitError{What: "bytes", Got: len(s), Limit: MaxBytes}
	if len(s) > lexLimit {
		return nil, nil, tooLong
	}
	if !utf8.ValidString(s) {
		return nil, nil, invalidUTF8(s)
	}
	items, err := lex(s)
	if err != nil {
		return nil, nil, err
	}
	hints := review(items, s)
	p := &parser{items: items}
	if p.peek().kind == itemEOF {
		if len(s) > MaxBytes {
			return nil, nil, tooLong
		}
		return All{}, hints, nil
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, nil, err
	}
	if it := p.peek(); it.kind != itemEOF {
		if it.kind == itemRParen {
			return nil, nil, errorf(it.pos, "unbalanced parenthesis")
		}
		return nil, nil, errorf(it.pos, "unexpected %s", describe(it))
	}
	// Too many terms is the likelier mistake to name; a long query with
	// few terms is refused by its length.
	if t := Terms(n); t > MaxTerms {
		return nil, nil, &LimitError{What: "terms", Got: t, Limit: MaxTerms}
	}
	if len(s) > MaxBytes {
		return nil, nil, tooLong
	}
	return n, hints, nil
}

// invalidUTF8 is the error for s, which is not valid UTF-8: where its
// first bad byte is, in characters as SyntaxError counts them.
func invalidUTF8(s string) *SyntaxError {
	pos := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w <= 1 {
			return errorf(pos, "query is not valid UTF-8: byte 0x%02x", s[i])
		}
		i += w
		pos++
	}
	return errorf(pos, "query is not valid UTF-8")
}

type parser struct {
	items []item
	i     int
	depth int // open parentheses and NOTs around the current item
}

// maxDepth bounds nesting, so that a hostile query cannot make the parser,
// the matcher or a backend recurse without end.
const maxDepth = 100

func (p *parser) peek() item { return p.items[p.i] }
func (p *parser) next() item {
	it := p.items[p.i]
	if it.kind != itemEOF {
		p.i++
	}
	return it
}

func startsOperand(k itemKind) bool {
	switch k {
	case itemTerm, itemRange, itemAll, itemNot, itemMinus, itemLParen, itemNear:
		return true
	}
	return false
}

func describe(it item) string {
	switch it.kind {
	case itemEOF:
		return "end of query"
	case itemAnd:
		return "AND"
	case itemOr:
		return "OR"
	case itemNot:
		return "NOT"
	case itemRParen:
		return "\")\""
	case itemLParen:
		return "\"(\""
	case itemComma:
		return "\",\""
	case itemNear:
		return nearName(it.node.(Near))
	}
	return "term"
}

// operand parses what follows an operator, with an error naming the
// operator when nothing searchable follows it.
func (p *parser) operandAfter(op item, name string) (Node, error) {
	if it := p.peek(); !startsOperand(it.kind) {
		if it.kind == itemRParen && !p.open() {
			return nil, errorf(it.pos, "unbalanced parenthesis")
		}
		return nil, errorf(op.pos, "%s needs a term after it", name)
	}
	return p.parseUnary()
}

// open reports whether a parenthesis is open before the current item.
func (p *parser) open() bool {
	depth := 0
	for _, it := range p.items[:p.i] {
		switch it.kind {
		case itemLParen:
			depth++
		case itemRParen:
			depth--
		}
	}
	return depth > 0
}

func (p *parser) parseOr() (Node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	children := []Node{first}
	for p.peek().kind == itemOr {
		op := p.next()
		if !startsOperand(p.peek().kind) {
			return p.operandAfter(op, "OR")
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		children = append(children, n)
	}
	if len(children) == 1 {
		return first, nil
	}
	return Or{Children: children}, nil
}

func (p *parser) parseAnd() (Node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	children := []Node{first}
	for {
		it := p.peek()
		var n Node
		switch {
		case it.kind == itemAnd:
			op := p.next()
			n, err = p.operandAfter(op, "AND")
		case startsOperand(it.kind):
			n, err = p.parseUnary()
		default:
			if len(children) == 1 {
				return first, nil
			}
			return And{Children: children}, nil
		}
		if err != nil {
			return nil, err
		}
		children = append(children, n)
	}
}

func (p *parser) parseUnary() (Node, error) {
	it := p.next()
	if it.kind == itemNot || it.kind == itemMinus || it.kind == itemLParen || it.kind == itemNear {
		if p.depth >= maxDepth {
			return nil, errorf(it.pos, "query nested too deeply (more than %d levels)", maxDepth)
		}
		p.depth++
		defer func() { p.depth-- }()
	}
	switch it.kind {
	case itemTerm, itemRange:
		return it.node, nil
	case itemAll:
		return All{}, nil
	case itemNot, itemMinus:
		name := "NOT"
		if it.kind == itemMinus {
			name = "-"
		}
		n, err := p.operandAfter(it, name)
		if err != nil {
			return nil, err
		}
		return Not{Child: n}, nil
	case itemLParen:
		if p.peek().kind == itemRParen {
			return nil, errorf(it.pos, "empty parentheses")
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != itemRParen {
			return nil, errorf(it.pos, "unbalanced parenthesis")
		}
		p.next()
		return n, nil
	case itemNear:
		return p.parseNear(it)
	case itemRParen:
		return nil, errorf(it.pos, "unbalanced parenthesis")
	case itemComma:
		return nil, errorf(it.pos, "unexpected \",\": a comma separates the two operands of NEAR/n(a, b) and SENTENCE(a, b)")
	case itemAnd, itemOr:
		return nil, errorf(it.pos, "%s needs a term before it", describe(it))
	}
	return nil, errorf(it.pos, "unexpected end of query")
}

// lex splits a query into items. Field values, phrases and date ranges are
// read here, so the parser only sees terms, operators and parentheses.
func lex(s string) ([]item, error) {
	rs := []rune(s)
	var items []item
	// parens says, for each open parenthesis, whether it holds the
	// operands of a NEAR or SENTENCE; inside one, a comma separates.
	var parens []bool
	near := 0
	i := 0
	for i < len(rs) {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			opens := len(items) > 0 && items[len(items)-1].kind == itemNear
			parens = append(parens, opens)
			if opens {
				near++
			}
			items = append(items, item{kind: itemLParen, pos: i})
			i++
		case c == ')':
			if len(parens) > 0 {
				if parens[len(parens)-1] {
					near--
				}
				parens = parens[:len(parens)-1]
			}
			items = append(items, item{kind: itemRParen, pos: i})
			i++
		case c == ',' && near > 0:
			items = append(items, item{kind: itemComma, pos: i})
			i++
		case c == '"':
			v, end, err := lexPhrase(rs, i)
			if err != nil {
				return nil, err
			}
			if len(terms(v)) > 0 {
				items = append(items, item{kind: itemTerm, pos: i, node: Term{Value: v, Phrase: true}})
			}
			i = end
		case c == '-' && i+1 < len(rs) && minusOperand(rs[i+1]):
			items = append(items, item{kind: itemMinus, pos: i})
			i++
		default:
			it, end, err := lexWord(rs, i, near > 0)
			if err != nil {
				return nil, err
			}
			if it.kind != itemEOF {
				items = append(items, it)
			}
			i = end
		}
	}
	return append(items, item{kind: itemEOF, pos: len(rs)}), nil
}

// minusOperand reports whether a '-' before r negates (-word, -"phrase",
// -(group)) rather than being part of a word such as "-" or "--".
func minusOperand(r rune) bool {
	return r == '(' || r == '"' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func wordRune(r rune) bool {
	return !unicode.IsSpace(r) && r != '(' && r != ')' && r != '"'
}

// wordEnd is where the word starting at rs[i] ends: at a space, a
// parenthesis, a quote, or (inNear: between the operands of a NEAR) a
// comma.
func wordEnd(rs []rune, i int, inNear bool) int {
	for i < len(rs) && wordRune(rs[i]) && !(inNear && rs[i] == ',') {
		i++
	}
	return i
}

// lexPhrase reads a quoted phrase starting at rs[i] == '"'. Inside, \" is a
// quote and \\ a backslash; any other backslash is literal.
func lexPhrase(rs []rune, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(rs); j++ {
		switch rs[j] {
		case '\\':
			if j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
				j++
			}
			b.WriteRune(rs[j])
		case '"':
			return b.String(), j + 1, nil
		default:
			b.WriteRune(rs[j])
		}
	}
	return "", 0, errorf(i, "unclosed quote")
}

// lexWord reads a word, a keyword, "*" or a field:value starting at rs[i].
// It returns an itemEOF item for a bare word with nothing searchable in it.
func lexWord(rs []rune, i int, inNear bool) (item, int, error) {
	// A field name is ASCII letters and '_' followed by ':'.
	k := i
	for k < len(rs) && (rs[k] == '_' || (rs[k] < unicode.MaxASCII && unicode.IsLetter(rs[k]))) {
		k++
	}
	if k > i && k < len(rs) && rs[k] == ':' {
		return lexField(rs, i, k, inNear)
	}
	j := wordEnd(rs, i, inNear)
	w := string(rs[i:j])
	if j < len(rs) && rs[j] == '(' {
		if it, ok, err := nearItem(w, i); ok || err != nil {
			return it, j, err
		}
	}
	switch w {
	case "AND":
		return item{kind: itemAnd, pos: i}, j, nil
	case "OR":
		return item{kind: itemOr, pos: i}, j, nil
	case "NOT":
		return item{kind: itemNot, pos: i}, j, nil
	case "*":
		return item{kind: itemAll, pos: i}, j, nil
	}
	if it, ok, err := prefixItem(FieldText, w, i); ok || err != nil {
		return it, j, err
	}
	if len(terms(w)) == 0 {
		return item{kind: itemEOF}, j, nil
	}
	return item{kind: itemTerm, pos: i, node: Term{Value: w}}, j, nil
}

// prefixItem reads word w of field f, at pos, when it is a prefix query
// (Zelensk*): it ends in '*' and has something searchable before it. That
// must analyse into one word of at least MinPrefix characters, in a text
// field. ok is false for any other word.
func prefixItem(f Field, w string, pos int) (it item, ok bool, err error) {
	base := strings.TrimRight(w, "*")
	if base == w || base == "" {
		return item{}, false, nil
	}
	toks := terms(base)
	switch {
	case len(toks) == 0:
		return item{}, false, nil
	case keywordField(f):
		return item{}, false, errorf(pos, "%s: takes whole values; a prefix such as %s works on words", f, w)
	case len(toks) > 1:
		return item{}, false, errorf(pos, "prefix %s must be one word (letters and digits) before the *", w)
	case utf8.RuneCountInString(toks[0]) < MinPrefix:
		return item{}, false, errorf(pos, "prefix %s is too short: a prefix needs at least %d letters before the *", w, MinPrefix)
	}
	return item{kind: itemTerm, pos: pos, node: Prefix{Field: f, Value: base}}, true, nil
}

// lexField reads field:value where rs[i:k] is the field name and rs[k] ':'.
func lexField(rs []rune, i, k int, inNear bool) (item, int, error) {
	name := strings.ToLower(string(rs[i:k]))
	f, ok := userFields[name]
	if !ok {
		return item{}, 0, &SyntaxError{Pos: i, Msg: fmt.Sprintf("unknown field %q at %d: use %s", name, i, fieldList)}
	}
	v := k + 1
	if v < len(rs) && rs[v] == '"' {
		val, end, err := lexPhrase(rs, v)
		if err != nil {
			return item{}, 0, err
		}
		if f == FieldPublished {
			n, err := parseDay(val, v)
			return item{kind: itemRange, pos: i, node: n}, end, err
		}
		// Keyword fields compare the whole value: quoting only escapes it.
		return item{kind: itemTerm, pos: i, node: Term{Field: f, Value: val, Phrase: !keywordField(f)}}, end, nil
	}
	if f == FieldPublished && v < len(rs) && rs[v] == '[' {
		end := v + 1
		for end < len(rs) && rs[end] != ']' {
			end++
		}
		if end == len(rs) {
			return item{}, 0, errorf(v, "unclosed [")
		}
		n, err := parseRange(string(rs[v+1:end]), v)
		return item{kind: itemRange, pos: i, node: n}, end + 1, err
	}
	j := wordEnd(rs, v, inNear)
	if j == v {
		return item{}, 0, errorf(i, "%s: needs a word or a \"phrase\"", name)
	}
	val := string(rs[v:j])
	if f == FieldPublished {
		n, err := parseDay(val, v)
		return item{kind: itemRange, pos: i, node: n}, j, err
	}
	if it, ok, err := prefixItem(f, val, i); ok || err != nil {
		return it, j, err
	}
	return item{kind: itemTerm, pos: i, node: Term{Field: f, Value: val}}, j, nil
}

const rangeHelp = "a date range looks like published_at:[2026-01-01 TO 2026-02-01] or published_at:[now-7d TO now]"

// parseRange reads the inside of [From TO To].
func parseRange(s string, pos int) (Range, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 || !strings.EqualFold(parts[1], "TO") {
		return Range{}, errorf(pos, "%s", rangeHelp)
	}
	r := Range{Field: FieldPublished}
	var err error
	if r.From, r.FromNow, err = parseBound(parts[0], false, pos); err != nil {
		return Range{}, err
	}
	if r.To, r.ToNow, err = parseBound(parts[2], true, pos); err != nil {
		return Range{}, err
	}
	if !r.From.IsZero() && !r.To.IsZero() && r.From.After(r.To) {
		return Range{}, errorf(pos, "date range starts after it ends")
	}
	return r, nil
}

// parseBound reads one bound of a range: a date (parseDate) or a moment
// relative to now (now-7d).
func parseBound(s string, end bool, pos int) (time.Time, *Relative, error) {
	if isRelative(s) {
		rel, err := parseRelative(s, pos)
		if err != nil {
			return time.Time{}, nil, err
		}
		return time.Time{}, &rel, nil
	}
	t, err := parseDate(s, end, pos)
	return t, nil, err
}

// parseDay reads published_at:DATE, the range of that one day (or
// instant). A relative published_at:now-7d is the range from then to now.
func parseDay(s string, pos int) (Range, error) {
	if isRelative(s) {
		rel, err := parseRelative(s, pos)
		if err != nil {
			return Range{}, err
		}
		return Range{Field: FieldPublished, FromNow: &rel, ToNow: &Relative{}}, nil
	}
	from, err := parseDate(s, false, pos)
	if err != nil {
		return Range{}, err
	}
	to, err := parseDate(s, true, pos)
	if err != nil {
		return Range{}, err
	}
	return Range{Field: FieldPublished, From: from, To: to}, nil
}

// parseDate reads "*" (zero: open), YYYY-MM-DD (midnight UTC; with end, the
// last nanosecond of that day) or RFC 3339 (the instant, in UTC).
func parseDate(s string, end bool, pos int) (time.Time, error) {
	if s == "*" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errorf(pos, "invalid date %q: use YYYY-MM-DD, RFC 3339 (2026-01-02T15:04:05Z), now-7d or *", s)
	}
	return t.UTC(), nil
}

// keywordField reports whether f compares whole values rather than words.
func keywordField(f Field) bool {
	switch f {
	case FieldLanguage, FieldCountry, FieldTopic, FieldStory, FieldEvent, FieldEntity:
		return true
	}
	return false
}
