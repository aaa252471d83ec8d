package query_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/query"
)

// spellings is a query.Speller over a few names: every spelling of a
// name maps to its entity, which lists them all.
type spellings map[string][]string

func (s spellings) entity(name string) []string {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, all := range s {
		for _, n := range all {
			if strings.ToLower(n) == name {
				return all
			}
		}
	}
	return nil
}

func (s spellings) Lookup(name string) (kind, id string, ok bool) {
	for id, all := range s {
		if e := s.entity(name); len(e) > 0 && e[0] == all[0] {
			return query.KindPerson, id, true
		}
	}
	return "", "", false
}

func (s spellings) Spellings(name string) []string { return s.entity(name) }

var nearNames = spellings{
	"Q3874799": {"Volodymyr Zelensky", "Zelensky", "Zelenskiy", "Зеленський"},
	"Q7747":    {"Vladimir Putin", "Putin", "Путин"},
}

func TestMatchNear(t *testing.T) {
	d := query.NewDocument(&article.Article{
		Language: "en",
		Title:    "Putin and Zelensky to meet",
		Summary:  "A summary that names nobody.",
		Body: "Vladimir Putin said on Tuesday that talks would go on. Zelenskiy answered him in Kyiv.\n\n" +
			"The U.S. envoy Steve Witkoff met Mr. Umerov and Zelensky in Abu Dhabi! Путин said nothing",
	})
	tests := []struct {
		q    string
		want bool
	}{
		{"NEAR/1(Putin, Zelensky)", true}, // the title: one word between
		{"NEAR/1(Zelensky, Putin)", true}, // either order
		{"NEAR/4(Witkoff, Zelensky)", true},
		{"NEAR/3(Witkoff, Zelensky)", false}, // met Mr. Umerov and: four words between
		{"NEAR/3(Zelensky, Witkoff)", false},
		{"NEAR/50(meet, Tuesday)", false},  // title and body: one field each
		{"NEAR/5(talks, Zelenskiy)", true}, // NEAR crosses sentences
		{"SENTENCE(talks, Zelenskiy)", false},
		{"SENTENCE(Zelenskiy, talks)", false},
		{"SENTENCE(Putin, talks)", true},
		{"SENTENCE(envoy, Umerov)", true}, // neither U.S. nor Mr. ends a sentence
		{`SENTENCE(Witkoff, "Abu Dhabi")`, true},
		{`SENTENCE("Abu Dhabi", Путин)`, false}, // ! ends one
		{`NEAR/4("Vladimir Putin", talks)`, true},
		{`NEAR/3("Vladimir Putin", talks)`, false},
		{`NEAR/3(talks, "Vladimir Putin")`, false},
		{`NEAR/1(Putin, "Vladimir Putin")`, true}, // overlapping spans count
		{"NEAR/4(Witk*, Zelensk*)", true},
		{"NEAR/3(Witk*, Zelensk*)", false},
		{"SENTENCE((Lavrov OR Witkoff), Umerov)", true},
		{"SENTENCE(Lavrov OR Rubio, Umerov)", false},
		{"NOT SENTENCE(talks, Zelenskiy)", true},
		{"SENTENCE(Зеленський, Kyiv)", false}, // as typed: no such word
		{"SENTENCE(nobody, summary)", true},
		{"NEAR/5(said, said)", true},
		// Unquoted words match their inflected forms, as elsewhere.
		{"NEAR/5(talk, Zelenskiy)", true},
		{`NEAR/5("talk", Zelenskiy)`, false},
		{"SENTENCE(talk, Putin)", true},
		{"SENTENCE(talk, Zelenskiy)", false},
		{"NEAR/1(Putin, Zelenskys)", true},
		{`NEAR/1(Putin, "Zelenskys")`, false},
		{"NEAR/3(meeting, Zelensky)", true}, // the title: to meet
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
	// Inflected forms in other languages, unquoted.
	uk := query.NewDocument(&article.Article{Language: "uk", Body: "Путін не зустрівся із Зеленським. Офіс Зеленського мовчить."})
	for _, tt := range []struct {
		q    string
		want bool
	}{
		{"NEAR/3(Зеленський, Путін)", true},
		{`NEAR/3("Зеленський", Путін)`, false},
		{"SENTENCE(Зеленський, офіс)", true},
		{"SENTENCE(Зеленського, Путін)", true}, // Зеленським, by its stem
		{`SENTENCE("Зеленського", Путін)`, false},
	} {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := query.Match(n, uk); got != tt.want {
			t.Errorf("Match(%q) in Ukrainian = %v, want %v", tt.q, got, tt.want)
		}
	}
	// Every spelling of a name.
	for _, tt := range []struct {
		q    string
		want bool
	}{
		{"SENTENCE(Зеленський, Kyiv)", true},            // Zelenskiy answered him in Kyiv
		{"SENTENCE(Зеленський, Witkoff)", true},         // Zelensky
		{"NEAR/1(Путин, \"Volodymyr Zelensky\")", true}, // Putin and Zelensky
		{"NEAR/2(Путин, talks)", false},                 // Vladimir Putin said on Tuesday that talks
		{"SENTENCE(Путин, Abu)", false},
	} {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := query.Match(query.Expand(n, nearNames), d); got != tt.want {
			t.Errorf("Match(Expand(%q)) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSentences(t *testing.T) {
	long := strings.Repeat("word ", query.MaxSentenceWords+3) + "end. Next one."
	got := query.Sentences(long)
	if len(got) != 3 || len(query.Analyze(got[0])) != query.MaxSentenceWords || got[1] != "word word word end." || got[2] != " Next one." {
		t.Errorf("Sentences of a long sentence = %d sentences, first %d words, then %q", len(got), len(query.Analyze(got[0])), got[1:])
	}
	many := strings.Repeat("Yes! ", query.MaxSentences+10)
	if n := len(query.Sentences(many)); n != query.MaxSentences {
		t.Errorf("Sentences of %d sentences = %d, want %d", query.MaxSentences+10, n, query.MaxSentences)
	}
}

// TestNearExpansionBounded: an operand of many names gets no more than
// MaxOperandSpellings spellings in all.
func TestNearExpansionBounded(t *testing.T) {
	many := spellings{}
	var names []string
	for i := range 40 {
		id := fmt.Sprintf("Q%d", i)
		var all []string
		for k := range 30 {
			all = append(all, fmt.Sprintf("name%dspelling%d", i, k))
		}
		many[id] = all
		names = append(names, all[0])
	}
	n, err := query.Parse("NEAR/5((" + strings.Join(names, " OR ") + "), talks)")
	if err != nil {
		t.Fatal(err)
	}
	near := query.Expand(n, many).(query.Near)
	got := 0
	for _, a := range query.Alternatives(near.A) {
		if !a.Stem {
			got++
		}
	}
	if want := len(names) + query.MaxOperandSpellings; got != want {
		t.Errorf("%d alternatives, want %d (the names and %d spellings)", got, want, query.MaxOperandSpellings)
	}
}
