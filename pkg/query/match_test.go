package query_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/query"
)

func TestMatch(t *testing.T) {
	pub := time.Date(2026, 1, 24, 23, 30, 0, 0, time.UTC)
	a := &article.Article{
		ID: "a1", Source: "Kyiv Independent", Language: "EN", StoryID: "s-1", EventID: "e-1",
		Title:       "Zelensky meets Witkoff in Abu Dhabi",
		Summary:     "Talks on a ceasefire continue.",
		Body:        "ABU DHABI - Volodymyr Zelensky met U.S. envoy Steve Witkoff.\n\nThe al-Sisi government offered to host further rounds.",
		PublishedAt: &pub,
		Entities: article.Entities{
			People:    []article.Entity{{Name: "Volodymyr Zelensky", ID: "q3874799"}, {Name: "Steve Witkoff"}},
			Places:    []article.Entity{{Name: "Abu Dhabi", ID: "Q1519"}},
			Countries: []string{"ua", "AE"},
		},
		Topics: []string{"Diplomacy"},
	}
	d := query.NewDocument(a)
	tests := []struct {
		q    string
		want bool
	}{
		{"*", true},
		{"zelensky WITKOFF", true},
		{"ceasefire", true},
		{"envoy", true},
		{"Zelenskiy", true},    // a capitalised word is also a name: its spellings fold together
		{`"Zelenskiy"`, false}, // quoted, the exact form only
		{"zelenskiy", false},   // lower case is a word, not a name
		{"meeting", true},      // meets, by its English stem
		{`"meeting"`, false},
		{"talk", true},        // Talks
		{"Зеленский", true},   // the name across scripts
		{"Зеленського", true}, // and in another case
		{"Zelenko", false},
		{"Zelensk*", true},
		{"zelENS*", true},
		{"Zelenskiy*", false},
		{"witk* AND NOT zelenskiy*", true},
		{"title:cease*", false},
		{"summ* OR ceasef*", true},
		{"person:volod*", true},
		{"source:indep*", true},
		{"person:abu*", false},
		{`"Abu Dhabi"`, true},
		{`"Dhabi Volodymyr"`, true}, // punctuation between tokens does not break a phrase
		{`"Volodymyr Dhabi"`, false},
		{`"Witkoff The"`, true}, // nor does a paragraph break, on every backend
		{`"Witkoff the al"`, true},
		{"al-Sisi", true},
		{"Sisi-al", false},
		{"U.S.", true},
		{"US", true}, // a name key drops the dots of U.S.
		{`"US"`, false},
		{"us", false},
		{"title:ceasefire", false},
		{"title:witkoff", true},
		{"source:kyiv", true},
		{`source:"Kyiv Independent"`, true},
		{"language:en", true},
		{"country:UA", true},
		{"country:ae", true},
		{"country:RU", false},
		{"person:witkoff", true},
		{`person:"Zelensky Steve"`, false}, // two values, no phrase across them
		{"topic:diplomacy", true},
		{"story:s-1", true},
		{"story:S-1", false},
		{"event:e-1", true},
		{"event:E-1", false},
		{"event:s-1", false},
		{"entity:Q3874799", true},
		{"NOT country:RU", true},
		{"-envoy", false},
		{"published_at:2026-01-24", true},
		{"published_at:[2026-01-25 TO *]", false},
		{"published_at:[* TO 2026-01-24T23:30:00Z]", true},
		{"published_at:[* TO 2026-01-24T23:29:59Z]", false},
		{"(ceasefire OR truce) AND NOT (Moscow OR Minsk)", true},
	}
	for _, tt := range tests {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := query.Match(n, d); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
	// Relative dates, two days after publication.
	now := pub.Add(48 * time.Hour)
	for _, tt := range []struct {
		q    string
		want bool
	}{
		{"published_at:[now-7d TO now]", true},
		{"published_at:now-7d", true},
		{"published_at:now-24h", false},
		{"published_at:[now-48h TO now]", true},
		{"published_at:[now-47h TO now]", false},
		{"published_at:[now-2d/d TO now-2d/d]", true},
		{"published_at:[now-1d/d TO now]", false},
		{"published_at:[* TO now-1M]", false},
		{"published_at:[now-1M TO now-1d] AND person:witkoff", true},
		{"NOT published_at:now-1w", false},
	} {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := query.MatchAt(n, d, now); got != tt.want {
			t.Errorf("MatchAt(%q, publication + 48h) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if !query.Match(query.And{}, d) || query.Match(query.Or{}, d) {
		t.Errorf("And{} must match, Or{} must not")
	}
	if query.Match(query.Range{Field: query.FieldPublished}, query.NewDocument(&article.Article{ID: "x"})) {
		t.Errorf("an open range matched an undated article")
	}
}

// TestDocumentAgreesWithIndex checks that query.NewDocument keeps the
// keyword values index.NewDocument indexes (query cannot import index).
func TestDocumentAgreesWithIndex(t *testing.T) {
	a := &article.Article{
		ID: "x", Language: " FR ", StoryID: "Story-9",
		Entities: article.Entities{
			People:        []article.Entity{{Name: "A", ID: "q1"}},
			Organizations: []article.Entity{{Name: "B", ID: " Q2 "}},
			Places:        []article.Entity{{Name: "C", ID: "Q3"}},
			Countries:     []string{"fr", " De"},
		},
		Topics: []string{"Diplomacy ", "ECONOMY"},
	}
	d := query.NewDocument(a)
	id := index.NewDocument(a)
	check := func(f query.Field, values []string) {
		for _, v := range values {
			if !query.Match(query.Term{Field: f, Value: v}, d) {
				t.Errorf("%s:%q indexed but not matched", f, v)
			}
		}
	}
	check(query.FieldLanguage, []string{id.Language})
	check(query.FieldCountry, id.Countries)
	check(query.FieldTopic, id.Topics)
	check(query.FieldEntity, id.Entities)
	check(query.FieldStory, []string{id.StoryID})
	if !slices.Equal(index.TextFields, []string{index.DocTitle, index.DocSummary, index.DocBody}) {
		t.Errorf("index.TextFields changed to %v: update query.Match", index.TextFields)
	}
	for _, f := range []query.Field{query.FieldTitle, query.FieldSource, query.FieldPerson} {
		if _, kw := index.FieldFor(f); kw {
			t.Errorf("%s became a keyword field: update query.Match", f)
		}
	}
	for _, f := range []query.Field{query.FieldLanguage, query.FieldCountry, query.FieldTopic, query.FieldEntity, query.FieldStory} {
		if _, kw := index.FieldFor(f); !kw {
			t.Errorf("%s is no longer a keyword field: update query.Match", f)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	a := &article.Article{ID: "a", Title: "Zelensky meets Witkoff in Abu Dhabi", Body: "ABU DHABI - Volodymyr Zelensky met U.S. envoy Steve Witkoff on Saturday for talks on a ceasefire."}
	n, err := query.Parse(`(Putin AND Zelensky) AND (summit OR meeting OR "peace talks") -title:opinion country:UA`)
	if err != nil {
		b.Fatal(err)
	}
	d := query.NewDocument(a)
	b.ResetTimer()
	for b.Loop() {
		query.Match(n, d)
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := query.Parse(`(Putin AND Zelensky) AND (summit OR meeting OR "peace talks") -title:opinion published_at:[2026-01-01 TO *]`); err != nil {
			b.Fatal(err)
		}
	}
}

func TestQuotes(t *testing.T) {
	a := &article.Article{
		ID: "q", Title: "Lavrov and Rubio meet",
		Quotes: []article.Quote{
			{Speaker: "Sergey Lavrov", SpeakerID: "Q80527", Text: "We have our red lines"},
			{Speaker: "Marco Rubio", Text: "The talks were productive"},
			{Text: "nobody said this, red lines"},
		},
	}
	d := query.NewDocument(a)
	tests := []struct {
		q      string
		match  bool
		quotes []string // speakers of MatchingQuotes, "-" for none
	}{
		{"speaker:Lavrov", true, []string{"Sergey Lavrov"}},
		{`speaker:"Sergey Lavrov"`, true, []string{"Sergey Lavrov"}},
		{`speaker:"Lavrov Sergey"`, false, nil},
		{"speaker:lavrov quote:productive", true, nil}, // both in the article, not in one quotation
		{`quote:"red lines"`, true, []string{"Sergey Lavrov", "-"}},
		{`quote:"red lines" speaker:Lavrov`, true, []string{"Sergey Lavrov"}},
		{"quote:productive OR speaker:lavrov", true, []string{"Sergey Lavrov", "Marco Rubio"}},
		{"quote:meet", false, nil}, // a title word, not a quotation's
		{"speaker:meet", false, nil},
		{"Lavrov NOT speaker:Rubio", false, nil},
		{"Lavrov NOT quote:productive", false, nil},
		{"quote:lines NOT speaker:Lavrov", false, []string{"-"}}, // the article has a quotation of Lavrov's
		{"Lavrov", true, nil},
	}
	for _, tt := range tests {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := query.Match(n, d); got != tt.match {
			t.Errorf("Match(%q) = %v, want %v", tt.q, got, tt.match)
		}
		var got []string
		for _, q := range query.MatchingQuotes(n, a.Language, a.Quotes) {
			s := q.Speaker
			if s == "" {
				s = "-"
			}
			got = append(got, s)
		}
		if !slices.Equal(got, tt.quotes) {
			t.Errorf("MatchingQuotes(%q) = %v, want %v", tt.q, got, tt.quotes)
		}
	}
}
