package query

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// nearName is how the query language writes n's operator: NEAR/5 or
// SENTENCE.
func nearName(n Near) string {
	if n.Sentence {
		return "SENTENCE"
	}
	return "NEAR/" + strconv.Itoa(n.Distance)
}

// nearItem reads w, a word right before "(", as NEAR/n or SENTENCE. ok is
// false for any other word.
func nearItem(w string, pos int) (it item, ok bool, err error) {
	switch {
	case w == "SENTENCE":
		return item{kind: itemNear, pos: pos, node: Near{Sentence: true}}, true, nil
	case w == "NEAR":
		return item{}, false, errorf(pos, "NEAR needs a distance in words: NEAR/5(a, b)")
	case !strings.HasPrefix(w, "NEAR/"):
		return item{}, false, nil
	}
	d := w[len("NEAR/"):]
	n, convErr := strconv.Atoi(d)
	if convErr != nil || d == "" || d[0] < '0' || d[0] > '9' {
		return item{}, false, errorf(pos, "%s: the distance is a number of words, as in NEAR/5(a, b)", w)
	}
	if n < 1 || n > MaxNear {
		return item{}, false, errorf(pos, "%s: the distance must be 1 to %d words", w, MaxNear)
	}
	return item{kind: itemNear, pos: pos, node: Near{Distance: n}}, true, nil
}

// parseNear reads the operands of op, NEAR/n or SENTENCE, from its "(" on.
func (p *parser) parseNear(op item) (Node, error) {
	n := op.node.(Near)
	name := nearName(n)
	p.next() // "(": the lexer reads NEAR/n and SENTENCE only right before one
	usage := fmt.Sprintf("%s takes two operands, as in %s(Putin, Zelensky)", name, name)
	var ops []Node
	for {
		it := p.peek()
		if !startsOperand(it.kind) {
			return nil, errorf(it.pos, "%s", usage)
		}
		o, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := nearOperand(o, name, it.pos); err != nil {
			return nil, err
		}
		ops = append(ops, o)
		switch end := p.next(); {
		case end.kind == itemComma && len(ops) < 2:
		case end.kind == itemRParen && len(ops) == 2:
			n.A, n.B = ops[0], ops[1]
			return n, nil
		case end.kind == itemComma, end.kind == itemRParen:
			return nil, errorf(end.pos, "%s", usage)
		case end.kind == itemEOF:
			return nil, errorf(op.pos, "unbalanced parenthesis after %s", name)
		default:
			return nil, errorf(end.pos, "unexpected %s in %s(…)", describe(end), name)
		}
	}
}

// nearOperand checks that o, an operand of name at pos, is a word, a
// phrase, a prefix, or alternatives (OR) of those.
func nearOperand(o Node, name string, pos int) error {
	switch o := o.(type) {
	case Term:
		if o.Field == FieldText {
			return nil
		}
		return errorf(pos, "%s searches the title, summary and body: its operands cannot be field:value terms (%s)", name, Format(o))
	case Prefix:
		if o.Field == FieldText {
			return nil
		}
		return errorf(pos, "%s searches the title, summary and body: its operands cannot be field:value terms (%s)", name, Format(o))
	case Or:
		for _, c := range o.Children {
			if err := nearOperand(c, name, pos); err != nil {
				return err
			}
		}
		return nil
	case And:
		return errorf(pos, "%s operand %s has several terms: quote a phrase (\"%s\") or give alternatives with OR", name, Format(o), strings.Join(andWords(o), " "))
	case Near:
		return errorf(pos, "%s cannot hold another NEAR or SENTENCE", name)
	case Not:
		return errorf(pos, "%s cannot hold NOT: write NOT outside it", name)
	}
	return errorf(pos, "%s operands are words, \"phrases\", prefixes* or (a OR b), not %s", name, Format(o))
}

func andWords(a And) []string {
	var out []string
	for _, c := range a.Children {
		if t, ok := c.(Term); ok {
			out = append(out, t.Value)
		}
	}
	return out
}

// Alternative is one way an operand of NEAR or SENTENCE occurs in a text:
// its analysed words in a row, or with Stem their stems in a row among the
// stems of the text's words (AnalyzeForms: one stem per word, so at the
// words' positions), or with Prefix one word starting with Words[0].
type Alternative struct {
	Words  []string
	Prefix bool
	Stem   bool
}

// Alternatives lists the ways operand o of a Near can occur, each once:
// its words or phrases (as analysed by Analyze), the stems of its unquoted
// words as an unquoted word is looked for (WordForms; not name keys, which
// have no positions among the words), and prefixes, under any number of
// Ors. An operand with nothing searchable has none, and its Near matches
// nothing.
func Alternatives(o Node) []Alternative {
	var out []Alternative
	add := func(alt Alternative) {
		if len(alt.Words) == 0 {
			return
		}
		for _, a := range out {
			if a.Prefix == alt.Prefix && a.Stem == alt.Stem && slices.Equal(a.Words, alt.Words) {
				return
			}
		}
		out = append(out, alt)
	}
	var walk func(Node)
	walk = func(n Node) {
		var alt Alternative
		switch n := n.(type) {
		case Or:
			for _, c := range n.Children {
				walk(c)
			}
			return
		case Term:
			if n.Field != FieldText {
				return
			}
			add(Alternative{Words: terms(n.Value)})
			if !n.Phrase {
				for _, f := range WordForms(n.Value) {
					if !f.Names {
						add(Alternative{Words: f.Terms, Stem: true})
					}
				}
			}
			return
		case Prefix:
			if n.Field != FieldText {
				return
			}
			if alt.Words = terms(n.Value); len(alt.Words) != 1 {
				return
			}
			alt.Prefix = true
		default:
			return
		}
		add(alt)
	}
	walk(o)
	return out
}

// Span is where an Alternative occurs: the positions of its first word
// and of the word after its last, counting words from 0. Sent numbers the
// sentence (or value) it is in, where the caller has several.
type Span struct {
	Sent       int
	Start, End int
}

// Near reports whether spans of the two operands of n match it: for
// SENTENCE, an a and a b in one sentence; for NEAR/n, an a and a b in one
// sentence number (the caller's value) with at most n words between them.
// Overlapping spans count as near (NEAR/3(Putin, "Vladimir Putin") matches
// "Vladimir Putin"), as Elasticsearch's span_near without order counts
// them: the words between are the span's width less both lengths. b must
// be sorted by Sent, then Start; a may come in any order.
func (n Near) Near(a, b []Span) bool {
	maxB := 0
	for _, s := range b {
		maxB = max(maxB, s.End-s.Start)
	}
	for _, x := range a {
		// Only spans of b starting in [x.Start-maxB-d, x.End+d] can be
		// near x (less for SENTENCE: any in its sentence).
		lo := x.Start - maxB - n.Distance
		if n.Sentence {
			lo = math.MinInt
		}
		i, _ := slices.BinarySearchFunc(b, Span{Sent: x.Sent, Start: lo}, compareSpans)
		for ; i < len(b) && b[i].Sent == x.Sent; i++ {
			y := b[i]
			if n.Sentence {
				return true
			}
			if y.Start > x.End+n.Distance {
				break
			}
			width := max(x.End, y.End) - min(x.Start, y.Start)
			if width-(x.End-x.Start)-(y.End-y.Start) <= n.Distance {
				return true
			}
		}
	}
	return false
}

func compareSpans(s, t Span) int {
	if c := cmp.Compare(s.Sent, t.Sent); c != 0 {
		return c
	}
	return cmp.Compare(s.Start, t.Start)
}

// nearText is a text NEAR or SENTENCE looks in: its words and their
// stems, word for word, and with sent the sentence of each word (nil: the
// text is one value, as a title is to NEAR).
type nearText struct {
	toks, stems *value
	sent        []int32
}

func (t nearText) span(start, end int) Span {
	if t.sent == nil {
		return Span{Start: start, End: end}
	}
	return Span{Sent: int(t.sent[start]), Start: start, End: end}
}

// spansIn appends to out where alternatives alts occur in t, in no
// particular order. It tries the places of each alternative's rarest word
// in the positions index of t's words or stems, comparing runs as token
// numbers, so a rule of many alternatives costs their words'
// occurrences, not passes over the text.
func spansIn(out []Span, alts []Alternative, t nearText) []Span {
	var want []int32
alts:
	for _, a := range alts {
		v := t.toks
		if a.Stem {
			v = t.stems
		}
		pos := v.positions()
		if a.Prefix {
			for w, ps := range pos {
				if strings.HasPrefix(w, a.Words[0]) {
					for _, p := range ps {
						out = append(out, t.span(int(p), int(p)+1))
					}
				}
			}
			continue
		}
		want, rare := want[:0], 0
		for k, w := range a.Words {
			id, ok := v.idOf[w]
			if !ok {
				continue alts
			}
			want = append(want, id)
			if len(pos[w]) < len(pos[a.Words[rare]]) {
				rare = k
			}
		}
		for _, p := range pos[a.Words[rare]] {
			start := int(p) - rare
			end := start + len(want)
			if start >= 0 && end <= len(v.ids) && slices.Equal(v.ids[start:end], want) && (t.sent == nil || t.sent[start] == t.sent[end-1]) {
				out = append(out, t.span(start, end))
			}
		}
	}
	return out
}

// sortedSpansIn is spansIn sorted as Near wants its second operand's.
func sortedSpansIn(out []Span, alts []Alternative, t nearText) []Span {
	out = spansIn(out, alts, t)
	slices.SortFunc(out, compareSpans)
	return out
}

// matchNear reports whether n matches d (Near).
func (d *Document) matchNear(n Near) bool {
	a, b := Alternatives(n.A), Alternatives(n.B)
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	if n.Sentence {
		t := d.sentences()
		return n.Near(spansIn(nil, a, t), sortedSpansIn(nil, b, t))
	}
	var sa, sb []Span
	for _, f := range [][2][]*value{{d.title, d.titleStem}, {d.summary, d.summaryStem}, {d.body, d.bodyStem}} {
		t := nearText{toks: f[0][0], stems: f[1][0]}
		sa, sb = spansIn(sa[:0], a, t), sortedSpansIn(sb[:0], b, t)
		if n.Near(sa, sb) {
			return true
		}
	}
	return false
}

// sentences are the words and stems of the sentences of the title,
// summary and body (SentenceForms) in a row, with the sentence of each
// word, made on first use: few rules ask for them.
func (d *Document) sentences() nearText {
	if d.sents.toks == nil {
		d.sents = nearText{toks: &value{}, stems: &value{}, sent: []int32{}}
		n := int32(0)
		for _, text := range d.texts {
			for _, s := range SentenceForms(text, d.language) {
				d.sents.toks.toks = append(d.sents.toks.toks, s.Tokens...)
				d.sents.stems.toks = append(d.sents.stems.toks, s.Stems...)
				for range s.Tokens {
					d.sents.sent = append(d.sents.sent, n)
				}
				n++
			}
		}
	}
	return d.sents
}

// Sentence is one sentence of a text, and its words and stems.
type Sentence struct {
	Text string
	Forms
}

// SentenceForms are the sentences of text (Sentences) that have words,
// analysed as AnalyzeForms analyses a text of language lang: what
// SENTENCE(a, b) looks in, the same at index time and in Match.
func SentenceForms(text, lang string) []Sentence {
	var out []Sentence
	for _, s := range Sentences(text) {
		if f := AnalyzeForms(s, lang); len(f.Tokens) > 0 {
			out = append(out, Sentence{Text: s, Forms: f})
		}
	}
	return out
}
