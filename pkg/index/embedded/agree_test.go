package embedded

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/index"
	"github.com/parley-news/parley/pkg/index/indextest"
	"github.com/parley-news/parley/pkg/query"
)

// TestRandomQueriesAgree builds random queries from the test articles'
// own words, phrases, keywords and dates and checks that query.Match and
// Search find the same articles for each.
func TestRandomQueriesAgree(t *testing.T) {
	r := testResolver()
	ix := openTest(t, Config{Resolver: r})
	arts := testArticles()
	fill(t, ix, arts)
	docs := make([]*query.Document, len(arts))
	var words []string
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
		for _, tok := range query.Analyze(a.Title + " " + a.Body + " " + a.Source) {
			words = append(words, tok.Text)
		}
	}
	var quoteWords []string
	for _, a := range arts {
		for _, q := range a.Quotes {
			for _, tok := range query.Analyze(q.Speaker + " " + q.Text) {
				quoteWords = append(quoteWords, tok.Text)
			}
		}
	}
	words = append(words, "Zelenskiy", "Kiev", "UAE", "Ukraine", "Vladimir", "Putin", "nothing", "al-Sisi", "U.S.",
		// Inflected forms and names in the other script (stems and name keys).
		"talk", "meetings", "delegation", "переговорах", "Зеленського", "Zelenskyy", "Путина", "Украина")
	keywords := map[query.Field][]string{
		query.FieldLanguage: {"en", "uk", "FR", "de"},
		query.FieldCountry:  {"UA", "ru", "AE", "Ukraine", "UAE", "EG", "xx"},
		query.FieldTopic:    {"diplomacy", "economy", "middle-east", "sport"},
		query.FieldStory:    {"s1", "s3", "s7", "none"},
		query.FieldEvent:    {"e1", "e3", "E1", "none"},
		query.FieldEntity:   {qZelensky, qKyiv, "Q85", "Q1"},
	}
	rnd := rand.New(rand.NewSource(7))
	pick := func(s []string) string { return s[rnd.Intn(len(s))] }
	day := func() time.Time {
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rnd.Intn(500*24)) * time.Hour)
	}
	var gen func(depth int) query.Node
	gen = func(depth int) query.Node {
		k := rnd.Intn(10)
		if depth > 2 {
			k = rnd.Intn(5)
		}
		switch k {
		case 0, 1:
			return query.Term{Value: pick(words)}
		case 2:
			i := rnd.Intn(len(words) - 2)
			return query.Term{Value: words[i] + " " + words[i+1], Phrase: true}
		case 3:
			fields := []query.Field{query.FieldLanguage, query.FieldCountry, query.FieldTopic, query.FieldStory, query.FieldEvent, query.FieldEntity}
			f := fields[rnd.Intn(len(fields))]
			return query.Term{Field: f, Value: pick(keywords[f])}
		case 4:
			fields := []query.Field{query.FieldTitle, query.FieldSource, query.FieldPerson, query.FieldQuote, query.FieldSpeaker}
			f := fields[rnd.Intn(len(fields))]
			if (f == query.FieldQuote || f == query.FieldSpeaker) && rnd.Intn(2) == 0 {
				return query.Term{Field: f, Value: pick(quoteWords)}
			}
			return query.Term{Field: f, Value: pick(words)}
		case 5:
			from, to := day(), day()
			if from.After(to) {
				from, to = to, from
			}
			if rnd.Intn(3) == 0 {
				from = time.Time{}
			}
			if rnd.Intn(3) == 0 {
				// Relative to now, rounded to days so that the instants
				// of Search and Match cannot fall on either side of a
				// bound (the articles are from 2025 and 2026).
				since := time.Since(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
				ago := -rnd.Intn(int(since.Hours()/24) + 30)
				return query.Range{Field: query.FieldPublished,
					FromNow: &query.Relative{Amount: ago, Unit: query.Day, Round: query.Day}, ToNow: &query.Relative{}}
			}
			return query.Range{Field: query.FieldPublished, From: from, To: to}
		case 6:
			return query.Not{Child: gen(depth + 1)}
		case 7, 8:
			return query.And{Children: []query.Node{gen(depth + 1), gen(depth + 1)}}
		default:
			return query.Or{Children: []query.Node{gen(depth + 1), gen(depth + 1), gen(depth + 1)}}
		}
	}
	partial := 0
	for range 400 {
		n := gen(0)
		res := search(t, ix, index.Request{Query: n, Size: 100})
		var matched []string
		expanded := query.Expand(n, r)
		for i, d := range docs {
			if query.Match(expanded, d) {
				matched = append(matched, arts[i].ID)
			}
		}
		if got := sorted(ids(res.Hits)); !slices.Equal(got, sorted(matched)) {
			t.Errorf("%s: Search = %v, Match = %v", query.Format(n), got, matched)
		}
		if len(matched) > 0 && len(matched) < len(arts) {
			partial++
		}
	}
	// The comparison says little if most queries match all or nothing.
	if partial < 100 {
		t.Errorf("only %d of 400 random queries matched some but not all articles", partial)
	}
	t.Logf("%d of 400 random queries matched some but not all articles", partial)
}

// TestNearAgrees checks NEAR/n and SENTENCE, built at random from the test
// articles' own runs of words (so that many match), between query.Match
// and Search: names with several spellings, phrases, prefixes and
// alternatives as operands, distances around the true ones.
func TestNearAgrees(t *testing.T) {
	r := testResolver()
	ix := openTest(t, Config{Resolver: r})
	arts := testArticles()
	fill(t, ix, arts)
	docs := make([]*query.Document, len(arts))
	var runs [][]string // each article's body words, in order
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
		var ws []string
		for _, tok := range query.Analyze(a.Body) {
			ws = append(ws, tok.Text)
		}
		runs = append(runs, ws)
	}
	names := []string{"Zelenskiy", "Зеленський", "Putin", "Kiev", "Ukraine", "UAE", `"Abu Dhabi"`}
	// Other forms of the articles' words: unquoted, they match by stem.
	inflected := []string{"talk", "meetings", "delegation", "переговорах", "says", "leaders", "negotiation", "Зеленського"}
	rnd := rand.New(rand.NewSource(11))
	operand := func(ws []string, i int) string {
		switch rnd.Intn(6) {
		case 0:
			if i+1 < len(ws) {
				return `"` + ws[i] + " " + ws[i+1] + `"`
			}
		case 1:
			if len([]rune(ws[i])) > query.MinPrefix {
				return string([]rune(ws[i])[:query.MinPrefix+1]) + "*"
			}
		case 2:
			return names[rnd.Intn(len(names))]
		case 3:
			return "(" + ws[i] + " OR " + names[rnd.Intn(len(names))] + ")"
		case 4:
			return inflected[rnd.Intn(len(inflected))]
		}
		return ws[i]
	}
	partial := 0
	for range 300 {
		ws := runs[rnd.Intn(len(runs))]
		i := rnd.Intn(len(ws))
		j := min(len(ws)-1, i+rnd.Intn(12))
		op := fmt.Sprintf("NEAR/%d", max(1, j-i-1+rnd.Intn(3)-1))
		if rnd.Intn(3) == 0 {
			op = "SENTENCE"
		}
		qs := fmt.Sprintf("%s(%s, %s)", op, operand(ws, i), operand(ws, j))
		if rnd.Intn(5) == 0 {
			qs = "NOT " + qs
		}
		n, err := query.Parse(qs)
		if err != nil {
			t.Fatalf("Parse(%q): %v", qs, err)
		}
		res := search(t, ix, index.Request{Query: n, Size: 100, Facets: []string{index.FacetSource}})
		var matched []string
		expanded := query.Expand(n, r)
		for k, d := range docs {
			if query.Match(expanded, d) {
				matched = append(matched, arts[k].ID)
			}
		}
		if got := sorted(ids(res.Hits)); !slices.Equal(got, sorted(matched)) || res.Total != len(matched) {
			t.Errorf("%s: Search = %d %v, Match = %v", qs, res.Total, got, matched)
		}
		sources := 0
		for _, f := range res.Facets[index.FacetSource] {
			sources += f.Count
		}
		if sources != len(matched) {
			t.Errorf("%s: source facet counts %d articles, Match %d", qs, sources, len(matched))
		}
		if len(matched) > 0 && len(matched) < len(arts) {
			partial++
		}
	}
	if partial < 100 {
		t.Errorf("only %d of 300 NEAR queries matched some but not all articles", partial)
	}
	t.Logf("%d of 300 NEAR queries matched some but not all articles", partial)
}

// TestWordFormsAgree: over the labelled set of word forms and names across
// scripts (indextest.MorphQueries), each query as typed, quoted (the exact
// forms only), in lower case (a word, not a name) and in combinations
// finds the same articles through Search as through query.Match.
func TestWordFormsAgree(t *testing.T) {
	ix := openTest(t, Config{})
	arts := indextest.MorphArticles()
	fill(t, ix, arts)
	docs := make([]*query.Document, len(arts))
	for i, a := range arts {
		docs[i] = query.NewDocument(a)
	}
	var qs []string
	for _, mq := range indextest.MorphQueries {
		qs = append(qs, mq.Q, `"`+mq.Q+`"`, strings.ToLower(mq.Q), "title:"+mq.Q, "NOT "+mq.Q)
	}
	qs = append(qs, "sanctions AND Lavrov", "Лаврова OR Vershinin", "переговорах -Вершинин", `"Lavrov" санкций`)
	matched := 0
	for _, s := range qs {
		n := mustParse(t, s)
		var want []string
		for i, d := range docs {
			if query.Match(n, d) {
				want = append(want, arts[i].ID)
			}
		}
		got := sorted(ids(search(t, ix, index.Request{Query: n, Size: 100}).Hits))
		if !slices.Equal(got, sorted(want)) {
			t.Errorf("%s: Search %v, query.Match %v", s, got, want)
		}
		if len(want) > 0 && len(want) < len(arts) {
			matched++
		}
	}
	if matched < len(qs)/2 {
		t.Errorf("only %d of %d queries matched some articles and not all", matched, len(qs))
	}
}
