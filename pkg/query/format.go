package query

import (
	"strings"
	"time"
)

// Format writes n in the query language, so that Parse(Format(n)) returns n
// for every n that Parse returned. It also writes the nodes Expand adds
// (entity:Q7747), so an expanded query can be logged and parsed again.
func Format(n Node) string {
	var b strings.Builder
	format(&b, n)
	return b.String()
}

func (t Term) String() string   { return Format(t) }
func (a And) String() string    { return Format(a) }
func (o Or) String() string     { return Format(o) }
func (n Not) String() string    { return Format(n) }
func (r Range) String() string  { return Format(r) }
func (p Prefix) String() string { return Format(p) }
func (All) String() string      { return "*" }
func (n Near) String() string   { return Format(n) }

func format(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case All:
		b.WriteString("*")
	case Term:
		formatTerm(b, n)
	case Prefix:
		if n.Field != FieldText {
			b.WriteString(string(n.Field))
			b.WriteString(":")
		}
		b.WriteString(n.Value)
		b.WriteString("*")
	case Range:
		f := n.Field
		if f == "" {
			f = FieldPublished
		}
		b.WriteString(string(f))
		b.WriteString(":[")
		b.WriteString(formatBound(n.From, n.FromNow, false))
		b.WriteString(" TO ")
		b.WriteString(formatBound(n.To, n.ToNow, true))
		b.WriteString("]")
	case Not:
		b.WriteString("NOT ")
		formatChild(b, n.Child, func(c Node) bool { return true })
	case And:
		formatList(b, n.Children, " AND ", func(c Node) bool { return true })
	case Or:
		formatList(b, n.Children, " OR ", func(c Node) bool {
			_, ok := c.(Or)
			return ok
		})
	case Near:
		b.WriteString(nearName(n))
		b.WriteString("(")
		formatOperand(b, n.A)
		b.WriteString(", ")
		formatOperand(b, n.B)
		b.WriteString(")")
	case nil:
		b.WriteString("*")
	}
}

// formatOperand writes o, an operand of NEAR or SENTENCE, where a comma
// ends a word: a word holding one is quoted.
func formatOperand(b *strings.Builder, o Node) {
	switch o := o.(type) {
	case Term:
		if !o.Phrase && strings.Contains(o.Value, ",") {
			o.Phrase = true
		}
		formatTerm(b, o)
	case Or:
		for i, c := range o.Children {
			if i > 0 {
				b.WriteString(" OR ")
			}
			formatOperand(b, c)
		}
	default:
		format(b, o)
	}
}

// unwrap returns the node an And or Or of one child stands for.
func unwrap(n Node) Node {
	for {
		switch c := n.(type) {
		case And:
			if len(c.Children) != 1 {
				return n
			}
			n = c.Children[0]
		case Or:
			if len(c.Children) != 1 {
				return n
			}
			n = c.Children[0]
		default:
			return n
		}
	}
}

func formatList(b *strings.Builder, children []Node, sep string, paren func(Node) bool) {
	if len(children) == 0 {
		b.WriteString("*")
		return
	}
	for i, c := range children {
		if i > 0 {
			b.WriteString(sep)
		}
		formatChild(b, c, paren)
	}
}

// formatChild writes n as an operand, in parentheses when n is an And or
// an Or of several children and paren says that kind needs them here.
func formatChild(b *strings.Builder, n Node, paren func(Node) bool) {
	n = unwrap(n)
	multi := false
	switch c := n.(type) {
	case And:
		multi = len(c.Children) > 1
	case Or:
		multi = len(c.Children) > 1
	}
	if multi && paren(n) {
		b.WriteString("(")
		format(b, n)
		b.WriteString(")")
		return
	}
	format(b, n)
}

func formatTerm(b *strings.Builder, t Term) {
	if t.Field != FieldText {
		b.WriteString(string(t.Field))
		b.WriteString(":")
		if !t.Phrase && fieldValueSafe(t.Field, t.Value) {
			b.WriteString(t.Value)
			return
		}
		quote(b, t.Value)
		return
	}
	if !t.Phrase && bareSafe(t.Value) {
		b.WriteString(t.Value)
		return
	}
	quote(b, t.Value)
}

// bareSafe reports whether v reads back as the same single bare word.
func bareSafe(v string) bool {
	items, err := lex(v)
	if err != nil || len(items) != 2 {
		return false
	}
	t, ok := items[0].node.(Term)
	return ok && items[0].kind == itemTerm && t.Field == FieldText && !t.Phrase && t.Value == v
}

// fieldValueSafe reports whether field:v reads back as the same bare
// term ("title:[x]" does; "published_at:[" would open a range).
func fieldValueSafe(field Field, v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !wordRune(r) {
			return false
		}
	}
	items, err := lex(string(field) + ":" + v)
	if err != nil || len(items) != 2 {
		return false
	}
	t, ok := items[0].node.(Term)
	return ok && items[0].kind == itemTerm && t.Field == field && !t.Phrase && t.Value == v
}

func quote(b *strings.Builder, v string) {
	b.WriteByte('"')
	for _, r := range v {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}

func formatBound(t time.Time, rel *Relative, end bool) string {
	if rel != nil {
		return rel.String()
	}
	return formatDate(t, end)
}

// formatDate writes a bound: "*" when open, YYYY-MM-DD when it is the start
// (or, for To, the end) of a UTC day, else RFC 3339 with nanoseconds.
func formatDate(t time.Time, end bool) string {
	if t.IsZero() {
		return "*"
	}
	t = t.UTC()
	day := t
	if end {
		day = t.Add(time.Nanosecond)
	}
	if day.Hour() == 0 && day.Minute() == 0 && day.Second() == 0 && day.Nanosecond() == 0 && day.Year() >= 0 && day.Year() <= 9999 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}
