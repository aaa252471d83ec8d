package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func w(v string) Term            { return Term{Value: v} }
func ph(v string) Term           { return Term{Value: v, Phrase: true} }
func f(fl Field, v string) Term  { return Term{Field: fl, Value: v} }
func fp(fl Field, v string) Term { return Term{Field: fl, Value: v, Phrase: true} }
func and(c ...Node) And          { return And{Children: c} }
func or(c ...Node) Or            { return Or{Children: c} }
func not(c Node) Not             { return Not{Child: c} }
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
func endOfDay(s string) time.Time { return day(s).AddDate(0, 0, 1).Add(-time.Nanosecond) }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Node
	}{
		{"", All{}},
		{"   ", All{}},
		{"*", All{}},
		{"Putin", w("Putin")},
		{"Putin Zelensky", and(w("Putin"), w("Zelensky"))},
		{"Putin AND Zelensky", and(w("Putin"), w("Zelensky"))},
		{"Putin and Zelensky", and(w("Putin"), w("and"), w("Zelensky"))},
		{"Putin or Zelensky", and(w("Putin"), w("or"), w("Zelensky"))},
		{"Putin OR Zelensky", or(w("Putin"), w("Zelensky"))},
		{"NEAR/5(Putin, Zelensky)", Near{A: w("Putin"), B: w("Zelensky"), Distance: 5}},
		{`SENTENCE("Abu Dhabi",talks)`, Near{A: ph("Abu Dhabi"), B: w("talks"), Sentence: true}},
		{"NEAR/50( (Putin OR Lavrov) , Zelensk* ) -Trump", and(Near{A: or(w("Putin"), w("Lavrov")), B: Prefix{Value: "Zelensk"}, Distance: 50}, not(w("Trump")))},
		{"NOT SENTENCE(a, b) OR NEAR/1(c, d)", or(not(Near{A: w("a"), B: w("b"), Sentence: true}), Near{A: w("c"), B: w("d"), Distance: 1})},
		{"Putin, Zelensky NEAR SENTENCE", and(w("Putin,"), w("Zelensky"), w("NEAR"), w("SENTENCE"))},
		{`NEAR/2("a, b", c)`, Near{A: ph("a, b"), B: w("c"), Distance: 2}},
		{`"Abu Dhabi" talks`, and(ph("Abu Dhabi"), w("talks"))},
		{"a OR b c", or(w("a"), and(w("b"), w("c")))},
		{"a b OR c", or(and(w("a"), w("b")), w("c"))},
		{"NOT a b", and(not(w("a")), w("b"))},
		{"NOT a OR b", or(not(w("a")), w("b"))},
		{"-Trump", not(w("Trump"))},
		{`-"White House"`, not(ph("White House"))},
		{"-(a OR b)", not(or(w("a"), w("b")))},
		{"Putin - Zelensky", and(w("Putin"), w("Zelensky"))},
		{"al-Sisi", w("al-Sisi")},
		{"NOT NOT a", not(not(w("a")))},
		{"(Putin AND Zelensky) AND (summit OR meeting)", and(and(w("Putin"), w("Zelensky")), or(w("summit"), w("meeting")))},
		{"((a OR (b c)) NOT d)", and(or(w("a"), and(w("b"), w("c"))), not(w("d")))},
		{"title:ceasefire", f(FieldTitle, "ceasefire")},
		{`title:"peace talks"`, fp(FieldTitle, "peace talks")},
		{`source:"Kyiv Independent"`, fp(FieldSource, "Kyiv Independent")},
		{"Language:en country:ua", and(f(FieldLanguage, "en"), f(FieldCountry, "ua"))},
		{"person:Zelensky topic:diplomacy story:abc:1", and(f(FieldPerson, "Zelensky"), f(FieldTopic, "diplomacy"), f(FieldStory, "abc:1"))},
		{"event:0123abcd country:ru", and(f(FieldEvent, "0123abcd"), f(FieldCountry, "ru"))},
		{"entity:Q7747", f(FieldEntity, "Q7747")},
		{"Zelensk*", Prefix{Value: "Zelensk"}},
		{"Зеленськ* OR Zelensk**", or(Prefix{Value: "Зеленськ"}, Prefix{Value: "Zelensk"})},
		{"title:cease* -truc*", and(Prefix{Field: FieldTitle, Value: "cease"}, not(Prefix{Value: "truc"}))},
		{"abc*", Prefix{Value: "abc"}},
		{"Ze*sk", w("Ze*sk")},
		{`"Zelensk*"`, ph("Zelensk*")},
		{`speaker:Lavrov quote:"red lines"`, and(f(FieldSpeaker, "Lavrov"), fp(FieldQuote, "red lines"))},
		{`speaker:"Sergey Lavrov" OR quote:ceasefire`, or(fp(FieldSpeaker, "Sergey Lavrov"), f(FieldQuote, "ceasefire"))},
		{"(country:UA)", f(FieldCountry, "UA")},
		{"10:30", w("10:30")},
		{`"say \"no\" \\ here"`, ph(`say "no" \ here`)},
		{"published_at:[2026-01-01 TO 2026-02-01]", Range{Field: FieldPublished, From: day("2026-01-01"), To: endOfDay("2026-02-01")}},
		{"published_at:[* TO 2026-02-01]", Range{Field: FieldPublished, To: endOfDay("2026-02-01")}},
		{"published_at:[2026-01-01T10:00:00+02:00 TO *]", Range{Field: FieldPublished, From: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}},
		{"published_at:2026-01-05", Range{Field: FieldPublished, From: day("2026-01-05"), To: endOfDay("2026-01-05")}},
		{"published_at:[now-7d TO now]", Range{Field: FieldPublished, FromNow: &Relative{Amount: -7, Unit: Day}, ToNow: &Relative{}}},
		{"published_at:now-24h", Range{Field: FieldPublished, FromNow: &Relative{Amount: -24, Unit: Hour}, ToNow: &Relative{}}},
		{"published_at:[now-1M/M TO now/d]", Range{Field: FieldPublished, FromNow: &Relative{Amount: -1, Unit: Month, Round: Month}, ToNow: &Relative{Round: Day}}},
		{"published_at:[2026-01-01 TO now+2H]", Range{Field: FieldPublished, From: day("2026-01-01"), ToNow: &Relative{Amount: 2, Unit: Hour}}},
		{"published_at:[now-1y TO *] Putin", and(Range{Field: FieldPublished, FromNow: &Relative{Amount: -1, Unit: Year}}, w("Putin"))},
		{"a *", and(w("a"), All{})},
		{"Зеленський", w("Зеленський")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			back, err := Parse(Format(got))
			if err != nil {
				t.Fatalf("Parse(Format(%q) = %q): %v", tt.in, Format(got), err)
			}
			if !equal(back, got) {
				t.Fatalf("round trip of %q through %q = %#v", tt.in, Format(got), back)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string
	}{
		{"(Putin OR Zelensky", 0, "unbalanced parenthesis at 0"},
		{"Putin OR Zelensky)", 17, "unbalanced parenthesis at 17"},
		{"(a (b)", 0, "unbalanced parenthesis at 0"},
		{"()", 0, "empty parentheses at 0"},
		{"foo:bar", 0, `unknown field "foo" at 0: use title, source, language, country, person, topic, speaker, quote or published_at`},
		{"Putin AND", 6, "AND needs a term after it at 6"},
		{"Putin OR", 6, "OR needs a term after it at 6"},
		{"AND Putin", 0, "AND needs a term before it at 0"},
		{"a OR OR b", 2, "OR needs a term after it at 2"},
		{"NOT", 0, "NOT needs a term after it at 0"},
		{`"Abu Dhabi`, 0, "unclosed quote at 0"},
		{"title:", 0, `title: needs a word or a "phrase" at 0`},
		{"published_at:[2026-01-01 TO", 13, "unclosed [ at 13"},
		{"published_at:[2026-01-01 2026-02-01]", 13, "a date range looks like published_at:[2026-01-01 TO 2026-02-01] or published_at:[now-7d TO now] at 13"},
		{"published_at:[2026-13-01 TO *]", 13, `invalid date "2026-13-01": use YYYY-MM-DD, RFC 3339 (2026-01-02T15:04:05Z), now-7d or * at 13`},
		{"published_at:[now-7x TO now]", 13, `invalid relative date "now-7x": unknown unit 'x'; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:now-d", 13, `invalid relative date "now-d": a number must follow + or -; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:[now-7 TO now]", 13, `invalid relative date "now-7": a unit must follow the number; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:[now/dd TO now]", 13, `invalid relative date "now/dd": one unit must follow /; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:nowish", 13, `invalid relative date "nowish": unexpected "ish"; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:now-9999999d", 13, `invalid relative date "now-9999999d": the amount must be at most 1000000; write now, now-7d, now-24h, now-1M or now-7d/d with units y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds) at 13`},
		{"published_at:[2026-02-01 TO 2026-01-01]", 13, "date range starts after it ends at 13"},
		{strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), 100, "query nested too deeply (more than 100 levels) at 100"},
		{"Кыв\xffа", 3, "query is not valid UTF-8: byte 0xff at 3"},
		{"talks \xc3", 6, "query is not valid UTF-8: byte 0xc3 at 6"},
		{strings.Repeat("a\xff\xfe", 700), 1, "query is not valid UTF-8: byte 0xff at 1"},
		{"Ze*", 0, "prefix Ze* is too short: a prefix needs at least 3 letters before the * at 0"},
		{"talks title:ab*", 6, "prefix ab* is too short: a prefix needs at least 3 letters before the * at 6"},
		{"al-Sis*", 0, "prefix al-Sis* must be one word (letters and digits) before the * at 0"},
		{"language:en*", 0, "language: takes whole values; a prefix such as en* works on words at 0"},
		{strings.Repeat("NOT ", 101) + "a", 400, "query nested too deeply (more than 100 levels) at 400"},
		{"NEAR(a, b)", 0, "NEAR needs a distance in words: NEAR/5(a, b) at 0"},
		{"x NEAR/five(a, b)", 2, "NEAR/five: the distance is a number of words, as in NEAR/5(a, b) at 2"},
		{"NEAR/+5(a, b)", 0, "NEAR/+5: the distance is a number of words, as in NEAR/5(a, b) at 0"},
		{"NEAR/0(a, b)", 0, "NEAR/0: the distance must be 1 to 50 words at 0"},
		{"NEAR/51(a, b)", 0, "NEAR/51: the distance must be 1 to 50 words at 0"},
		{"NEAR/99999999999999999999(a, b)", 0, "NEAR/99999999999999999999: the distance is a number of words, as in NEAR/5(a, b) at 0"},
		{"NEAR/5(a)", 8, "NEAR/5 takes two operands, as in NEAR/5(Putin, Zelensky) at 8"},
		{"NEAR/5(a, b, c)", 11, "NEAR/5 takes two operands, as in NEAR/5(Putin, Zelensky) at 11"},
		{"SENTENCE()", 9, "SENTENCE takes two operands, as in SENTENCE(Putin, Zelensky) at 9"},
		{"SENTENCE(, b)", 9, "SENTENCE takes two operands, as in SENTENCE(Putin, Zelensky) at 9"},
		{"NEAR/5(a, b", 0, "unbalanced parenthesis after NEAR/5 at 0"},
		{"NEAR/5(Vladimir Putin, b)", 7, `NEAR/5 operand Vladimir AND Putin has several terms: quote a phrase ("Vladimir Putin") or give alternatives with OR at 7`},
		{"NEAR/5(person:Putin, b)", 7, "NEAR/5 searches the title, summary and body: its operands cannot be field:value terms (person:Putin) at 7"},
		{"NEAR/5(a, NOT b)", 10, "NEAR/5 cannot hold NOT: write NOT outside it at 10"},
		{"NEAR/5(a, SENTENCE(b, c))", 10, "NEAR/5 cannot hold another NEAR or SENTENCE at 10"},
		{"NEAR/5(a, *)", 10, "NEAR/5 operands are words, \"phrases\", prefixes* or (a OR b), not * at 10"},
		{"a, b)", 4, "unbalanced parenthesis at 4"},
		{"NEAR/5((a, b), c)", 7, "unbalanced parenthesis at 7"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos || se.Error() != tt.msg {
				t.Fatalf("Parse(%q) = {%d %q}, want {%d %q}", tt.in, se.Pos, se.Error(), tt.pos, tt.msg)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   Node
		want string
	}{
		{and(or(w("a"), w("b")), w("c")), "(a OR b) AND c"},
		{or(and(w("a"), w("b")), w("c")), "a AND b OR c"},
		{not(or(w("a"), w("b"))), "NOT (a OR b)"},
		{or(w("Zelenskiy"), f(FieldEntity, "Q3874799")), "Zelenskiy OR entity:Q3874799"},
		{fp(FieldTitle, `he said "no"`), `title:"he said \"no\""`},
		{w("AND"), `"AND"`},
		{Range{Field: FieldPublished, From: day("2026-01-01"), To: endOfDay("2026-02-01")}, "published_at:[2026-01-01 TO 2026-02-01]"},
		{Range{Field: FieldPublished, FromNow: &Relative{Amount: -7, Unit: Day, Round: Day}, ToNow: &Relative{}}, "published_at:[now-7d/d TO now]"},
		{Range{Field: FieldPublished, FromNow: &Relative{Amount: 0, Unit: Hour}}, "published_at:[now+0h TO *]"},
		{All{}, "*"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// equal compares two parsed queries; times by instant.
func equal(a, b Node) bool {
	switch a := a.(type) {
	case Range:
		b, ok := b.(Range)
		return ok && a.Field == b.Field && a.From.Equal(b.From) && a.To.Equal(b.To) &&
			reflect.DeepEqual(a.FromNow, b.FromNow) && reflect.DeepEqual(a.ToNow, b.ToNow)
	case And:
		b, ok := b.(And)
		return ok && equalList(a.Children, b.Children)
	case Or:
		b, ok := b.(Or)
		return ok && equalList(a.Children, b.Children)
	case Not:
		b, ok := b.(Not)
		return ok && equal(a.Child, b.Child)
	case Near:
		b, ok := b.(Near)
		return ok && a.Distance == b.Distance && a.Sentence == b.Sentence && equal(a.A, b.A) && equal(a.B, b.B)
	}
	return reflect.DeepEqual(a, b)
}

func equalList(a, b []Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "*", "Putin", `"Abu Dhabi" talks`, "(Putin AND Zelensky) AND (summit OR meeting)",
		"-Trump NOT Biden", "title:ceasefire source:\"Kyiv Independent\" language:en",
		"published_at:[2026-01-01 TO *]", "published_at:2026-01-05T10:00:00Z", "NEAR/5(Putin, \"Abu Dhabi\") OR SENTENCE(a OR b*, c)", "NEAR/3((a OR \"b, c\"), d*) -SENTENCE(x,y)", "SENTENCE(a,b,c)", "near/5(a, (b, c))", "NEAR/5(a, NEAR/2(b, c))", "published_at:[now-7d/d TO now]", "published_at:now-1M", "country:UA OR person:Зеленський",
		`"say \"no\""`, "a OR (b -c)", "foo:bar", "((", "al-Sisi 10:30 --x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if le := (*LimitError)(nil); errors.As(err, &le) {
				return
			}
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) returned %T, want *SyntaxError or *LimitError", s, err)
			}
			if strings.TrimSpace(se.Msg) == "" {
				t.Fatalf("Parse(%q): empty error message", s)
			}
			return
		}
		text := Format(n)
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but Parse(Format = %q): %v", s, text, err)
		}
		if !equal(back, n) {
			t.Fatalf("Parse(%q) = %#v; Format = %q parses to %#v", s, n, text, back)
		}
	})
}

func TestParseLimits(t *testing.T) {
	words := func(n int, w string) string { return strings.TrimSpace(strings.Repeat(w+" ", n)) }
	tests := []struct {
		name, q string
		want    string // the error; "" for none
	}{
		{"256 words", words(256, "a"), ""},
		{"257 words", words(257, "a"), "query has 257 terms; the limit is 256"},
		{"3,001 words", words(3001, "a"), "query has 3,001 terms; the limit is 256"},
		{"3,000 negated words", words(3000, "-w"), "query has 3,000 terms; the limit is 256"},
		{"words of a phrase count", `"` + words(300, "x") + `"`, "query has 300 terms; the limit is 256"},
		{"keyword values count", words(257, "language:en"), "query has 257 terms; the limit is 256"},
		{"date ranges count", words(257, "published_at:2026-01-01"), "query has 257 terms; the limit is 256"},
		{"operators do not count", words(200, "(a OR NOT b)"), "query has 400 terms; the limit is 256"},
		{"4,096 bytes", strings.Repeat("x", 4096), ""},
		{"4,097 bytes", strings.Repeat("x", 4097), "query is 4,097 bytes long; the limit is 4,096"},
		{"900 KB", strings.Repeat("Zelensky ", 100_000), "query is 900,000 bytes long; the limit is 4,096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.q)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tt.want == "":
			case err == nil:
				t.Fatalf("Parse accepted it, want %q", tt.want)
			case err.Error() != tt.want:
				t.Fatalf("err = %q, want %q", err, tt.want)
			default:
				var le *LimitError
				if !errors.As(err, &le) {
					t.Fatalf("err %T is not a *LimitError", err)
				}
			}
		})
	}
}
