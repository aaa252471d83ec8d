package alert

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/query"
)

func TestRequires(t *testing.T) {
	// An unquoted word is also indexed by its stems and its name key
	// (query.WordForms): Putin's stem is putin in every language.
	putin := []key{{spaceText, "putin"}, {spaceStem, "putin"}, {spaceName, "putin"}}
	tests := []struct {
		q      string
		always bool
		keys   []key // nil with always false: matches nothing
	}{
		{"Putin", false, putin},
		{`"Putin"`, false, []key{{spaceText, "putin"}}},
		{"putin", false, []key{{spaceText, "putin"}, {spaceStem, "putin"}}}, // lower case: no name
		{"quote:talks", false, []key{{spaceQuote, "talks"}, {spaceQuoteStem, "talk"}, {spaceQuoteStem, "talks"}}},
		{`"Abu Dhabi"`, false, []key{{spaceText, "dhabi"}}},
		{"title:Ceasefire", false, []key{{spaceText, "ceasefire"}, {spaceStem, "ceasefir"}, {spaceStem, "ceasefire"}, {spaceName, "tseasefir"}}},
		{`source:"Kyiv Independent"`, false, []key{{spaceSource, "independent"}}},
		{"person:Lavrov", false, []key{{spacePerson, "lavrov"}}},
		{`quote:"red lines"`, false, []key{{spaceQuote, "lines"}}},
		{"speaker:Lavrov", false, []key{{spaceSpeaker, "lavrov"}}},
		{"country:ua", false, []key{{spaceCountry, "UA"}}},
		{"language:EN", false, []key{{spaceLanguage, "en"}}},
		{"topic:Diplomacy", false, []key{{spaceTopic, "diplomacy"}}},
		{"entity:q7747", false, []key{{spaceEntity, "Q7747"}}},
		{"story:abc", false, []key{{spaceStory, "abc"}}},
		{"event:abc", false, []key{{spaceEvent, "abc"}}},
		{"Putin AND Zelensky", false, putin},
		{"Putin OR Zelensky", false, append(putin[:3:3], key{spaceText, "zelensky"}, key{spaceStem, "zelenski"}, key{spaceStem, "zelensky"}, key{spaceName, "zelensk"})},
		{"(a OR b) AND country:UA", false, []key{{spaceCountry, "UA"}}},
		{"Putin NOT Trump", false, putin},
		{"NOT Trump", true, nil},
		{"Putin OR NOT Trump", true, nil},
		{"published_at:[2026-01-01 TO 2026-02-01]", true, nil},
		{"Putin published_at:[2026-01-01 TO *]", false, putin},
		{"*", true, nil},
		// NEAR's operands match as they would alone, stems included.
		{"NEAR/5(Putin, Zelensky)", false, putin},
		{`NEAR/5("Putin", "Zelensky")`, false, []key{{spaceText, "putin"}}},
		{"SENTENCE(Zelensk*, (truce OR ceasefire))", false, []key{
			{spaceText, "truce"}, {spaceStem, "truce"}, {spaceStem, "truc"}, {spaceText, "ceasefire"}, {spaceStem, "ceasefir"}, {spaceStem, "ceasefire"}}},
		{"NOT SENTENCE(Putin, Zelensky)", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			n, err := query.Parse(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := requires(n)
			if got.always != tt.always || !reflect.DeepEqual(got.keys, tt.keys) {
				t.Errorf("requires(%q) = %+v, want always=%v keys=%v", tt.q, got, tt.always, tt.keys)
			}
		})
	}
}

// TestIndexMatchesEveryRule is the index's correctness proof on data:
// over the corpus (hand-written cases, the seed article, the shared
// extraction bodies, all enriched) and thousands of generated rules
// (names, phrases, NOT, ranges, field queries), the indexed matcher finds
// exactly the rules that trying every rule finds.
func TestIndexMatchesEveryRule(t *testing.T) {
	arts := corpus(t, 0)
	rng := rand.New(rand.NewPCG(7, 11))
	n := 2000
	if testing.Short() {
		n = 500
	}
	cfgs := genRules(t, rng, n, arts)
	// The hand-written rules name the cases of handArticles.
	hand := []RuleConfig{
		{Name: "summit", Query: `(Putin AND Zelensky) AND (summit OR meeting)`},
		{Name: "zelensky-any-spelling", Query: `Zelenskyy`},
		{Name: "kiev", Query: `Kiev`},
		{Name: "uae", Query: `country:AE`},
		{Name: "uae-by-name", Query: `country:"United Arab Emirates"`},
		{Name: "peskov-ru", Query: `Песков language:ru`},
		{Name: "not-sport", Query: `NOT derby`},
		{Name: "jan-2026", Query: `published_at:[2026-01-01 TO 2026-01-31]`},
		{Name: "before-2026", Query: `published_at:[* TO 2025-12-31] AND NOT Gaza`},
		{Name: "sisi", Query: `al-Sisi`},
		{Name: "gaza-truce-title", Query: `title:"ceasefire holds"`},
		{Name: "reuters-kyiv", Query: `source:reuters AND Kyiv`},
		{Name: "topic-ceasefire", Query: `topic:ceasefire`},
		{Name: "story", Query: `story:s-summit`},
		{Name: "peskov-said", Query: `speaker:Песков`},
		{Name: "everything", Query: `*`},
		{Name: "nothing", Query: `xyzzyplugh`},
	}
	cfgs = append(cfgs, hand...)
	rules := make([]*Rule, 0, len(cfgs))
	for _, rc := range cfgs {
		r, err := rc.Compile(gazetteer(t))
		if err != nil {
			t.Fatalf("%s %q: %v", rc.Name, rc.Query, err)
		}
		rules = append(rules, r)
	}
	ix := NewIndex(rules)
	total, hits := 0, map[string]int{}
	for _, a := range arts {
		// Every rule tried on the article analysed once, exactly as
		// query.Match sees it (Rule.Match analyses per call).
		doc := query.NewDocument(a)
		var want []*Rule
		for _, r := range rules {
			if query.Match(r.expanded, doc) {
				want = append(want, r)
			}
		}
		if len(want) > 0 && !want[0].Match(a) {
			t.Errorf("article %s: Rule.Match disagrees with query.Match for %s", a.ID, want[0].Name)
		}
		got := ix.Match(a)
		if !reflect.DeepEqual(names2(got), names2(want)) {
			t.Errorf("article %s: index matched %d rules, every-rule %d\n got %v\nwant %v", a.ID, len(got), len(want), names2(got), names2(want))
		}
		total += len(want)
		for _, r := range want {
			hits[r.Name]++
		}
	}
	t.Logf("%d articles, %d rules (%d tried on every article), %d matches", len(arts), len(rules), ix.AlwaysTried(), total)
	// The generated set must exercise matching, not only non-matching.
	if total < len(arts) {
		t.Errorf("only %d matches over %d articles: the rule generator is not realistic", total, len(arts))
	}
	wantHand := map[string]int{
		"summit": 1, "zelensky-any-spelling": 2, "kiev": 2, "peskov-ru": 1, "sisi": 1,
		"gaza-truce-title": 1, "topic-ceasefire": 1, "story": 2, "everything": len(arts), "peskov-said": 1,
	}
	for name, n := range wantHand {
		if hits[name] < n {
			t.Errorf("rule %s matched %d articles, want at least %d", name, hits[name], n)
		}
	}
	if hits["nothing"] != 0 {
		t.Errorf("rule nothing matched %d articles", hits["nothing"])
	}
}

func names2(rs []*Rule) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// A term with no tokens matches nothing, and so does an And holding one.
func TestRequiresNothing(t *testing.T) {
	empty := query.Term{Value: "..."}
	putin := query.Term{Value: "Putin"}
	tests := []struct {
		name   string
		n      query.Node
		always bool
		keys   []key
	}{
		{"empty term", empty, false, nil},
		// Putin unquoted: its token, its stem (the same in every language)
		// and its name key.
		{"empty or word", query.Or{Children: []query.Node{empty, putin}}, false, []key{{spaceText, "putin"}, {spaceStem, "putin"}, {spaceName, "putin"}}},
		{"empty and word", query.And{Children: []query.Node{empty, putin}}, false, nil},
		{"empty or", query.Or{}, false, nil},
		{"empty and", query.And{}, true, nil},
		{"published_at term", query.Term{Field: query.FieldPublished, Value: "2026"}, false, nil},
	}
	for _, tt := range tests {
		got := requires(tt.n)
		if got.always != tt.always || !reflect.DeepEqual(got.keys, tt.keys) {
			t.Errorf("%s: requires = %+v, want always=%v keys=%v", tt.name, got, tt.always, tt.keys)
		}
	}
}

func TestPersonSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Vladimir Putin", "vladimir-putin"},
		{"Recep Tayyip Erdoğan", "recep-tayyip-erdogan"},
		{"Abdel Fattah al-Sisi", "abdel-fattah-al-sisi"},
		{"  Mohammed bin Zayed  Al Nahyan ", "mohammed-bin-zayed-al-nahyan"},
		{"Владимир Путин", ""},
		{"Emmanuel Macron", "emmanuel-macron"},
		{"Putin.*>\x00\r\n", "putin"},
	}
	for _, tt := range tests {
		if got := PersonSlug(tt.in); got != tt.want {
			t.Errorf("PersonSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A name from article text of any length gives a bounded token, and
	// two long names sharing their beginning stay apart.
	long := strings.Repeat("Mohammed bin Zayed ", 300)
	a, b := PersonSlug(long+"Al Nahyan"), PersonSlug(long+"Al Maktoum")
	if len(a) > bus.MaxTokenLen || len(b) > bus.MaxTokenLen || a == b || strings.ContainsAny(a, ".*> ") {
		t.Errorf("long names: %q and %q", a, b)
	}
}

func TestRuleConfigCompile(t *testing.T) {
	tests := []struct {
		rc  RuleConfig
		bad bool
	}{
		{RuleConfig{Name: "putin-zelensky-summit", Query: "(Putin AND Zelensky) AND (summit OR meeting)"}, false},
		{RuleConfig{Name: "UAE_all", Query: "country:AE", Webhook: "https://hooks.example/x"}, false},
		{RuleConfig{Name: "", Query: "a"}, true},
		{RuleConfig{Name: "has space", Query: "a"}, true},
		{RuleConfig{Name: "dots.bad", Query: "a"}, true},
		{RuleConfig{Name: "_edge", Query: "a"}, true},
		{RuleConfig{Name: "ok", Query: ""}, true},
		{RuleConfig{Name: "ok", Query: "(a OR b"}, true},
		{RuleConfig{Name: "ok", Query: "a", Webhook: "ftp://x"}, true},
	}
	for _, tt := range tests {
		_, err := tt.rc.Compile(nil)
		if (err != nil) != tt.bad {
			t.Errorf("Compile(%+v) = %v, want bad=%v", tt.rc, err, tt.bad)
		}
	}
}

// TestRuleHints: a rule whose query has hints is accepted, means what its
// query parses to (language:russian is language:ru; lower-case "or" is a
// word), and keeps the hints for the API.
func TestRuleHints(t *testing.T) {
	ru := &article.Article{ID: "1", Title: "Переговоры в Стамбуле", Language: "ru"}
	en := &article.Article{ID: "2", Title: "Putin or Zelensky: who blinks first", Language: "en"}
	both := &article.Article{ID: "3", Title: "Putin meets envoys; Zelensky waits", Language: "en"}
	tests := []struct {
		query string
		hint  string
		match []*article.Article
	}{
		{"language:russian", "language:russian was read as language:ru", []*article.Article{ru}},
		{"putin or zelensky", "did you mean OR?", []*article.Article{en}},
		{"putin OR zelensky", "", []*article.Article{en, both}},
	}
	for _, tt := range tests {
		r, err := RuleConfig{Name: "r", Query: tt.query}.Compile(nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if got := strings.Join(r.Hints, "; "); !strings.Contains(got, tt.hint) || (tt.hint == "") != (got == "") {
			t.Errorf("%s: hints %q, want one containing %q", tt.query, got, tt.hint)
		}
		for _, a := range []*article.Article{ru, en, both} {
			if want := slices.Contains(tt.match, a); r.Match(a) != want {
				t.Errorf("%s: matches %q = %v, want %v", tt.query, a.Title, !want, want)
			}
		}
	}
}

// TestPrefixRules: a prefix finds every word it starts, through the rule
// index (a prefix has no exact word to index the rule by).
func TestPrefixRules(t *testing.T) {
	var rules []*Rule
	for i, q := range []string{"Zelensk*", "title:Zelensk* AND ceasef*", "Зеленськ*", "NOT Zelensk*", "Zelensky"} {
		r, err := RuleConfig{Name: fmt.Sprintf("r%d", i), Query: q}.Compile(nil)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	ix := NewIndex(rules)
	tests := []struct {
		a    *article.Article
		want string
	}{
		// r4: a capitalised word is a name, found in any spelling and script.
		{&article.Article{ID: "1", Title: "Zelenskyy backs a ceasefire"}, "r0,r1,r4"},
		{&article.Article{ID: "2", Title: "Talks", Body: "Офіс Зеленського заявив"}, "r2,r3,r4"},
		{&article.Article{ID: "3", Title: "Zelensky's envoy"}, "r0"}, // one word: zelensky's
		{&article.Article{ID: "4", Title: "Zelensky's envoy", Body: "ceasefire"}, "r0,r1"},
		{&article.Article{ID: "5", Title: "Zelensky arrives"}, "r0,r4"},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range ix.Match(tt.a) {
			got = append(got, r.Name)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != tt.want {
			t.Errorf("article %s: rules %v, want %s", tt.a.ID, got, tt.want)
		}
	}
}

// TestNearRules: NEAR and SENTENCE rules, with names in every spelling
// the gazetteer knows, through the rule index.
func TestNearRules(t *testing.T) {
	gaz, err := enrich.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	var rules []*Rule
	for i, q := range []string{
		"NEAR/3(Зеленський, Putin)", "SENTENCE(Zelensky, ceasefire)", "NOT SENTENCE(Zelensky, ceasefire)", "NEAR/1(Лавров, Rubio)",
	} {
		r, err := RuleConfig{Name: fmt.Sprintf("r%d", i), Query: q}.Compile(gaz)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	ix := NewIndex(rules)
	tests := []struct {
		a    *article.Article
		want string
	}{
		{&article.Article{ID: "1", Body: "Putin and Zelenskiy spoke. A ceasefire is far off."}, "r0,r2"},
		{&article.Article{ID: "2", Body: "Zelensky said on Monday he wants a ceasefire."}, "r1"},
		// Three words between Zelensky and Vladimir Putin, a spelling of Putin.
		{&article.Article{ID: "3", Title: "Lavrov and Rubio talk", Body: "Zelensky was not there, Vladimir Putin said."}, "r0,r2,r3"},
		{&article.Article{ID: "4", Title: "Sergey Lavrov meets Marco Rubio"}, "r2,r3"}, // Marco Rubio: a spelling of Rubio
		{&article.Article{ID: "5", Title: "Lavrov met with the envoy Rubio"}, "r2"},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range ix.Match(tt.a) {
			got = append(got, r.Name)
		}
		slices.Sort(got)
		if strings.Join(got, ",") != tt.want {
			t.Errorf("article %s: rules %v, want %s", tt.a.ID, got, tt.want)
		}
	}
}

// TestRelativeDatesInRules: a rule's now is the moment it is matched, not
// the moment it was saved.
func TestRelativeDatesInRules(t *testing.T) {
	r, err := RuleConfig{Name: "fresh-summits", Query: "summit AND published_at:[now-24h TO now]"}.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex([]*Rule{r})
	now := time.Now().UTC()
	tests := []struct {
		ago  time.Duration
		want int
	}{
		{time.Hour, 1},
		{23 * time.Hour, 1},
		{25 * time.Hour, 0},
		{-time.Hour, 0}, // dated in the future
	}
	for _, tt := range tests {
		p := now.Add(-tt.ago)
		a := &article.Article{ID: "x", Title: "Summit in Geneva", PublishedAt: &p}
		if got := len(ix.Match(a)); got != tt.want {
			t.Errorf("article %s old: %d rules matched, want %d", tt.ago, got, tt.want)
		}
	}
}

// TestWordFormRules: a rule finds the inflected forms of its words and a
// name in any script and case, through the rule index, and a quoted word
// only its exact form (README, Query language).
func TestWordFormRules(t *testing.T) {
	var rules []*Rule
	for i, q := range []string{"sanction", `"sanction"`, "Vershinin", "Лавров AND переговоры", `"Lavrov"`, "title:negotiation", "санкції"} {
		r, err := RuleConfig{Name: fmt.Sprintf("r%d", i), Query: q}.Compile(nil)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	ix := NewIndex(rules)
	tests := []struct {
		a    *article.Article
		want string
	}{
		{&article.Article{ID: "1", Language: "en", Title: "New sanctions announced", Body: "Sergei Vershinin spoke."}, "r0,r2"},
		{&article.Article{ID: "2", Language: "ru", Title: "Встреча с Лавровым", Body: "В переговорах наступила пауза. Заявление Вершинина и новые санкции."}, "r2,r3,r6"},
		{&article.Article{ID: "3", Language: "en", Title: "Lavrov sanction talk", Body: "A sanctuary opened."}, "r0,r1,r4"},
		{&article.Article{ID: "4", Language: "en", Title: "Negotiations resume", Body: "Lavrentiev and Vershbow met."}, "r5"},
		{&article.Article{ID: "5", Language: "uk", Title: "Лавров про переговори", Body: "ЄС готує пакет санкцій."}, "r3,r6"},
	}
	for _, tt := range tests {
		var got, every []string
		for _, r := range ix.Match(tt.a) {
			got = append(got, r.Name)
		}
		for _, r := range rules {
			if r.Match(tt.a) {
				every = append(every, r.Name)
			}
		}
		slices.Sort(got)
		if strings.Join(got, ",") != tt.want || !slices.Equal(got, every) {
			t.Errorf("article %s: rules %v (every rule tried: %v), want %s", tt.a.ID, got, every, tt.want)
		}
	}
}
