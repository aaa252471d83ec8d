package query

import (
	"reflect"
	"strings"
	"testing"
)

type mapResolver map[string][2]string

func (m mapResolver) Lookup(name string) (kind, id string, ok bool) {
	v, ok := m[strings.ToLower(name)]
	return v[0], v[1], ok
}

var resolver = mapResolver{
	"zelenskiy":            {KindPerson, "Q3874799"},
	"зеленський":           {KindPerson, "Q3874799"},
	"vladimir putin":       {KindPerson, "Q7747"},
	"putin":                {KindPerson, "Q7747"},
	"ukraine":              {KindCountry, "UA"},
	"uae":                  {KindCountry, "ae"},
	"uk":                   {KindCountry, "GB"},
	"united arab emirates": {KindCountry, "AE"},
	"kyiv":                 {KindPlace, "Q1899"},
	"nato":                 {KindOrganization, "Q7184"},
	"kremlin":              {KindOrganization, ""}, // known, no QID
}

func TestExpand(t *testing.T) {
	ent := func(id string) Term { return f(FieldEntity, id) }
	tests := []struct {
		in   string
		want Node
	}{
		{"Zelenskiy", or(w("Zelenskiy"), ent("Q3874799"))},
		{`"Зеленський"`, or(ph("Зеленський"), ent("Q3874799"))},
		{"Ukraine", or(w("Ukraine"), f(FieldCountry, "UA"))},
		{"Kyiv talks", and(or(w("Kyiv"), ent("Q1899")), w("talks"))},
		{"NATO", or(w("NATO"), ent("Q7184"))},
		{"Kremlin", w("Kremlin")},
		{"Vladimir Putin", and(or(and(w("Vladimir"), w("Putin")), ent("Q7747")))},
		{"summit Vladimir Putin Kyiv", and(w("summit"), or(and(w("Vladimir"), w("Putin")), ent("Q7747")), or(w("Kyiv"), ent("Q1899")))},
		{"United Arab Emirates", and(or(and(w("United"), w("Arab"), w("Emirates")), f(FieldCountry, "AE")))},
		{"Putin -Zelenskiy", and(or(w("Putin"), ent("Q7747")), not(or(w("Zelenskiy"), ent("Q3874799"))))},
		{`"Vladimir" Putin`, and(ph("Vladimir"), or(w("Putin"), ent("Q7747")))},
		{"person:Zelenskiy", or(f(FieldPerson, "Zelenskiy"), ent("Q3874799"))},
		{"person:Kyiv", f(FieldPerson, "Kyiv")},
		{"country:ua", f(FieldCountry, "UA")},
		{"country:Ukraine", f(FieldCountry, "UA")},
		{"country:UAE", f(FieldCountry, "AE")},
		{"country:UK", f(FieldCountry, "GB")},
		{`country:"United Arab Emirates"`, f(FieldCountry, "AE")},
		{"country:Kyiv", ent("Q1899")},
		{"country:Atlantis", f(FieldCountry, "Atlantis")},
		{"title:Zelenskiy", f(FieldTitle, "Zelenskiy")},
		{"topic:diplomacy OR *", or(f(FieldTopic, "diplomacy"), All{})},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := Expand(n, resolver)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Expand(%q) = %s, want %s", tt.in, Format(got), Format(tt.want))
			}
			// An expanded query formats and parses back.
			back, err := Parse(Format(got))
			if err != nil || !equal(back, unwrap(got)) && !equal(back, got) {
				t.Fatalf("Parse(Format(Expand(%q)) = %q) = %v, %v", tt.in, Format(got), back, err)
			}
			if nilGot := Expand(n, nil); !reflect.DeepEqual(nilGot, n) {
				t.Fatalf("nil resolver changed %q to %s", tt.in, Format(nilGot))
			}
		})
	}
}

// namingResolver also knows canonical names, as the gazetteer does.
type namingResolver struct {
	mapResolver
	names map[string]string // lower-case spelling -> canonical name
}

func (n namingResolver) CanonicalName(name string) (string, bool) {
	c, ok := n.names[strings.ToLower(name)]
	return c, ok
}

func TestExpandSpeaker(t *testing.T) {
	r := namingResolver{resolver, map[string]string{
		"zelenskiy": "Volodymyr Zelensky", "зеленський": "Volodymyr Zelensky", "putin": "Vladimir Putin",
		"vladimir putin": "Vladimir Putin", "kremlin": "Kremlin", "ukraine": "Ukraine",
	}}
	canon := func(s string) Term { return fp(FieldSpeaker, s) }
	tests := []struct {
		in   string
		want Node
	}{
		{"speaker:Zelenskiy", or(f(FieldSpeaker, "Zelenskiy"), canon("Volodymyr Zelensky"))},
		{"speaker:Зеленський", or(f(FieldSpeaker, "Зеленський"), canon("Volodymyr Zelensky"))},
		{"speaker:putin", or(f(FieldSpeaker, "putin"), canon("Vladimir Putin"))},
		{`speaker:"Vladimir Putin"`, fp(FieldSpeaker, "Vladimir Putin")}, // already the canonical name
		{"speaker:Kremlin", f(FieldSpeaker, "Kremlin")},
		{"speaker:Ukraine", f(FieldSpeaker, "Ukraine")}, // a country does not speak
		{"speaker:Smith", f(FieldSpeaker, "Smith")},
		{"quote:Zelenskiy", f(FieldQuote, "Zelenskiy")},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Expand(n, r); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Expand(%q) = %s, want %s", tt.in, Format(got), Format(tt.want))
		}
		// Without canonical names, speaker: is searched as typed.
		if got := Expand(n, resolver); !reflect.DeepEqual(got, n) {
			t.Errorf("Expand(%q) without a Namer = %s", tt.in, Format(got))
		}
	}
}
