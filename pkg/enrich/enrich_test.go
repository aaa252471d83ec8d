package enrich

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-news/parley/pkg/article"
)

// loadArticle reads testdata/articles/<name>: the first line is the title,
// the rest the body.
func loadArticle(t testing.TB, name, lang string) *article.Article {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "articles", name))
	if err != nil {
		t.Fatal(err)
	}
	title, body, _ := strings.Cut(string(b), "\n")
	return &article.Article{ID: name, Title: title, Body: strings.TrimSpace(body), Language: lang}
}

func peopleNames(es []article.Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestEnrichArticles(t *testing.T) {
	e := newTestEnricher(t)
	tests := []struct {
		file, lang    string
		countries     []string
		notCountries  []string
		people        []string
		notPeople     []string
		diplomacy     bool
		topics        []string
		quoteSpeakers map[string]string // quote text prefix -> speaker ("" for none)
	}{
		{
			file: "ru_kremlin.txt", lang: "ru",
			countries: []string{"RU", "UA", "US", "AE"},
			people:    []string{"Dmitry Peskov", "Vladimir Putin", "Volodymyr Zelensky", "Sergey Lavrov", "Maria Zakharova", "Andrii Sybiha"},
			diplomacy: true, topics: []string{"talks", "ceasefire"},
			quoteSpeakers: map[string]string{"Президент никогда": "Dmitry Peskov", "нет мандата": "Maria Zakharova"},
		},
		{
			file: "uk_sybiha.txt", lang: "uk",
			countries: []string{"UA", "US", "RU"},
			people:    []string{"Andrii Sybiha", "Marco Rubio", "Volodymyr Zelensky", "Donald Trump"},
			diplomacy: true, topics: []string{"sanctions", "call"},
			quoteSpeakers: map[string]string{"Ми разом": "Andrii Sybiha"},
		},
		{
			file: "sports_transfer.txt", lang: "en",
			notCountries: []string{"JO"},
			diplomacy:    false,
		},
		{
			file: "georgia_state.txt", lang: "en",
			notCountries: []string{"GE", "JO"},
			diplomacy:    false,
		},
		{
			file: "georgia_country.txt", lang: "en",
			countries: []string{"GE", "RU"},
			people:    []string{"Kaja Kallas"},
			diplomacy: true, topics: []string{"talks"},
			quoteSpeakers: map[string]string{"Georgia's path": "Kaja Kallas"},
		},
		{
			file: "jordan_country.txt", lang: "en",
			countries: []string{"JO", "US", "EG", "QA", "IL"},
			people:    []string{"Antony Blinken", "Abdullah II", "Ayman Safadi"},
			diplomacy: true, topics: []string{"talks", "ceasefire", "visit"},
			quoteSpeakers: map[string]string{"immediately": "Ayman Safadi"},
		},
		{
			file: "turkey_recipe.txt", lang: "en",
			notCountries: []string{"TR"},
			diplomacy:    false,
		},
		{
			file: "chad_person.txt", lang: "en",
			notCountries:  []string{"TD"},
			diplomacy:     false,
			quoteSpeakers: map[string]string{"excited to get": ""},
		},
		{
			file: "chad_country.txt", lang: "en",
			countries: []string{"TD", "DE"},
			diplomacy: true, topics: []string{"expulsion"},
		},
		{
			file: "quotes.txt", lang: "en",
			countries: []string{"RU", "UA", "US"},
			people:    []string{"Dmitry Peskov", "Vladimir Putin", "Donald Trump", "Volodymyr Zelensky", "Sergey Lavrov", "Marco Rubio"},
			diplomacy: true, topics: []string{"summit", "sanctions"},
			quoteSpeakers: map[string]string{
				"There is no concrete date":   "Dmitry Peskov",
				"Preparations are continuing": "Dmitry Peskov",
				"We want this war":            "Volodymyr Zelensky",
				"Our land is not":             "Volodymyr Zelensky",
				"the ball is in":              "Sergey Lavrov",
				"We are not there yet":        "US official",
				"serious but slow":            "European diplomat",
				"Everything is on the table":  "Marco Rubio",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			a := loadArticle(t, tc.file, tc.lang)
			e.Enrich(a)
			names := peopleNames(a.Entities.People)
			for _, c := range tc.countries {
				if !slices.Contains(a.Entities.Countries, c) {
					t.Errorf("countries %v: missing %s", a.Entities.Countries, c)
				}
			}
			for _, c := range tc.notCountries {
				if slices.Contains(a.Entities.Countries, c) {
					t.Errorf("countries %v: %s is a false match", a.Entities.Countries, c)
				}
			}
			for _, p := range tc.people {
				if !slices.Contains(names, p) {
					t.Errorf("people %v: missing %s", names, p)
				}
			}
			if got := slices.Contains(a.Topics, TopicDiplomacy); got != tc.diplomacy {
				t.Errorf("topics %v: diplomacy %v, want %v", a.Topics, got, tc.diplomacy)
			}
			for _, tp := range tc.topics {
				if !slices.Contains(a.Topics, tp) {
					t.Errorf("topics %v: missing %s", a.Topics, tp)
				}
			}
			for prefix, speaker := range tc.quoteSpeakers {
				i := slices.IndexFunc(a.Quotes, func(q article.Quote) bool { return strings.HasPrefix(q.Text, prefix) })
				if i < 0 {
					t.Errorf("no quote starting %q in %+v", prefix, a.Quotes)
					continue
				}
				if a.Quotes[i].Speaker != speaker {
					t.Errorf("quote %q: speaker %q, want %q", a.Quotes[i].Text, a.Quotes[i].Speaker, speaker)
				}
			}
			if t.Failed() {
				t.Logf("entities %+v\nquotes %+v\ntopics %v", a.Entities, a.Quotes, a.Topics)
			}
		})
	}
}

func TestQuoteSpeakerIDs(t *testing.T) {
	e := newTestEnricher(t)
	a := loadArticle(t, "quotes.txt", "en")
	e.Enrich(a)
	for _, q := range a.Quotes {
		if q.Speaker == "Volodymyr Zelensky" && q.SpeakerID != "Q3874799" {
			t.Errorf("quote %q: speaker id %q, want Q3874799", q.Text, q.SpeakerID)
		}
		if q.Speaker == "US official" && q.SpeakerID != "" {
			t.Errorf("an unnamed official has no id, got %q", q.SpeakerID)
		}
	}
}

func TestLookup(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kind, id string
	}{
		{"Zelenskiy", KindPerson, "Q3874799"},
		{"Zelensky", KindPerson, "Q3874799"},
		{"zelenskyy", KindPerson, "Q3874799"},
		{"Volodymyr Zelenskyy", KindPerson, "Q3874799"},
		{"Зеленский", KindPerson, "Q3874799"},
		{"Зеленского", KindPerson, "Q3874799"},
		{"Зеленским", KindPerson, "Q3874799"},
		{"Зеленський", KindPerson, "Q3874799"},
		{"Зеленського", KindPerson, "Q3874799"},
		{"Зеленському", KindPerson, "Q3874799"},
		{"Selenskyj", KindPerson, "Q3874799"},
		{"زيلينسكي", KindPerson, "Q3874799"},
		{"Vladimir Putin", KindPerson, "Q7747"},
		{"Путина", KindPerson, "Q7747"},
		{"Владимиром Путиным", KindPerson, "Q7747"},
		{"Poutine", KindPerson, "Q7747"},
		{"Лаврова", KindPerson, "name:Sergey Lavrov"}, // no QID in the data: keyed by canonical name,
		{"Kiev", KindPlace, "Q1899"},
		{"Kyiv", KindPlace, "Q1899"},
		{"Київ", KindPlace, "Q1899"},
		{"Киеве", KindPlace, "Q1899"},
		{"Abu Dhabi", KindPlace, "Q1519"},
		{"the Kremlin", KindPlace, "name:Kremlin"},
		{"UAE", KindCountry, "AE"},
		{"United Arab Emirates", KindCountry, "AE"},
		{"ОАЭ", KindCountry, "AE"},
		{"Emirati", KindCountry, "AE"},
		{"الإمارات", KindCountry, "AE"},
		{"Украины", KindCountry, "UA"},
		{"України", KindCountry, "UA"},
		{"Україною", KindCountry, "UA"},
		{"Russian", KindCountry, "RU"},
		{"российского", KindCountry, "RU"},
		{"Côte d'Ivoire", KindCountry, "CI"},
		{"Cote d’Ivoire", KindCountry, "CI"},
		{"Vereinigte Staaten", KindCountry, "US"},
		{"États-Unis", KindCountry, "US"},
		{"Etats-Unis", KindCountry, "US"},
		{"U.S.", KindCountry, "US"},
		{"NATO", KindOrganization, "Q7184"},
		{"WHO", KindOrganization, "Q7817"},
		{"US", KindCountry, "US"},
		{"eu", KindOrganization, "Q458"},
		{"НАТО", KindOrganization, "Q7184"},
		{"un security council", KindOrganization, "Q37470"},
	}
	for _, tc := range tests {
		kind, id, ok := g.Lookup(tc.name)
		if !ok || kind != tc.kind || id != tc.id {
			t.Errorf("Lookup(%q) = %q, %q, %v; want %q, %q", tc.name, kind, id, ok, tc.kind, tc.id)
		}
	}
	for _, name := range []string{"", "xyzzy", "the", "Peace", "who", "us", "un"} {
		if kind, id, ok := g.Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, %q, true; want not found", name, kind, id)
		}
	}
	if n, ok := g.Country("ae"); !ok || n != "United Arab Emirates" {
		t.Errorf("Country(ae) = %q, %v", n, ok)
	}
	if _, ok := g.Country("ZZ"); ok {
		t.Error("Country(ZZ) found")
	}
	if e, ok := g.Resolve("Peskov"); !ok || e.Name != "Dmitry Peskov" || e.Country != "RU" {
		t.Errorf("Resolve(Peskov) = %+v, %v", e, ok)
	}
}

// TestGazetteerCoverage checks the data: every ISO country, the core people.
func TestGazetteerCoverage(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	t.Logf("gazetteer: %v", st)
	if st[KindCountry] < 249 {
		t.Errorf("%d countries, want every ISO 3166-1 code", st[KindCountry])
	}
	for _, name := range []string{"Putin", "Zelensky", "Peskov", "Lavrov", "Zakharova", "Sybiha", "Yermak", "Trump", "Rubio", "Witkoff", "MBZ", "MBS", "Xi Jinping", "Macron", "Merz", "Starmer", "Erdogan", "Modi", "Lula"} {
		if e, ok := g.Resolve(name); !ok || e.Kind != KindPerson {
			t.Errorf("person %q not in the gazetteer", name)
		}
	}
	for _, name := range []string{"UN", "NATO", "EU", "OSCE", "IAEA", "WHO", "ICC", "G7", "G20", "BRICS", "OPEC", "GCC", "African Union", "ASEAN"} {
		if e, ok := g.Resolve(name); !ok || e.Kind != KindOrganization {
			t.Errorf("organisation %q not in the gazetteer", name)
		}
	}
}

func TestCaseRules(t *testing.T) {
	e := newTestEnricher(t)
	tests := []struct {
		text string
		want []string // countries
	}{
		{"We ate turkey and the china plates broke.", nil},
		{"Talks between Turkey and Russia resumed in Ankara.", []string{"TR", "RU"}},
		{"He told us the news. Let us go.", nil},
		{"The US and China agreed.", []string{"US", "CN"}},
		{"Who is there? WHO said the outbreak was over.", nil},
		{"She read the Washington Post in New Mexico.", nil},
		{"Officials in Washington said Moscow had not replied.", []string{"US", "RU"}},
		{"Latin America and the Indian Ocean.", nil},
		{"TELL US WHO WON THE GAME", nil},
		{"US AND CHINA AGREE TRADE TRUCE", []string{"CN"}},
	}
	for _, tc := range tests {
		a := &article.Article{Body: tc.text, Language: "en"}
		e.Enrich(a)
		if !slices.Equal(a.Entities.Countries, append([]string{}, tc.want...)) && !(len(tc.want) == 0 && len(a.Entities.Countries) == 0) {
			t.Errorf("%q: countries %v, want %v", tc.text, a.Entities.Countries, tc.want)
		}
	}
	a := &article.Article{Body: "Who is there? WHO said the outbreak was over.", Language: "en"}
	e.Enrich(a)
	if len(a.Entities.Organizations) != 1 || a.Entities.Organizations[0].Name != "World Health Organization" {
		t.Errorf("WHO: organisations %+v", a.Entities.Organizations)
	}
}

func TestEnrichConcurrent(t *testing.T) {
	e := newTestEnricher(t)
	files := []string{"ru_kremlin.txt", "quotes.txt", "jordan_country.txt", "sports_transfer.txt"}
	want := map[string][]string{}
	for _, f := range files {
		a := loadArticle(t, f, "")
		e.Enrich(a)
		want[f] = peopleNames(a.Entities.People)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, f := range files {
				a := loadArticle(t, f, "")
				e.Enrich(a)
				if got := peopleNames(a.Entities.People); !slices.Equal(got, want[f]) {
					t.Errorf("%s: concurrent people %v, want %v", f, got, want[f])
				}
			}
		})
	}
	wg.Wait()
}

func TestConfigValidate(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{DiplomacyMinEvidence: -1}, g); err == nil {
		t.Error("negative DiplomacyMinEvidence accepted")
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("nil gazetteer accepted")
	}
}

// TestShortCyrillicNames checks names whose stem is shorter than four
// letters: they match their inflected forms, not words sharing the stem.
func TestShortCyrillicNames(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, id string }{
		{"Газа", "Q39760"}, {"Газы", "Q39760"}, {"Газе", "Q39760"},
		{"Женева", "Q71"}, {"Женеве", "Q71"},
		{"Росія", "RU"}, {"Росії", "RU"}, {"Росією", "RU"},
		{"Рим", "Q220"}, {"Рима", "Q220"},
		{"Индия", "IN"}, {"Индии", "IN"},
		{"Перу", "PE"}, {"Мали", "ML"},
	} {
		if _, id, ok := g.Lookup(tc.name); !ok || id != tc.id {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tc.name, id, ok, tc.id)
		}
	}
	for _, word := range []string{"Газ", "Жена", "Мало", "Мода", "Пера", "Мила"} {
		if kind, id, ok := g.Lookup(word); ok {
			t.Errorf("Lookup(%q) = %s %s: a common word taken for a name", word, kind, id)
		}
	}
	// Того is Togo, and "of that": in text it is never taken for Togo.
	e, err := New(Config{}, g)
	if err != nil {
		t.Fatal(err)
	}
	a := &article.Article{Body: "Того же мнения придерживается Песков. Мало кто верит в перемирие.", Language: "ru"}
	e.Enrich(a)
	if len(a.Entities.Countries) != 0 {
		t.Errorf("countries %v, want none", a.Entities.Countries)
	}
}

// TestNoSharedSpellings checks that no spelling names two entities of the
// gazetteer (the first would win silently).
func TestNoSharedSpellings(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]int32{}
	for _, a := range g.aliases {
		if a.blocked {
			continue
		}
		k := strings.Join(a.keys, " ")
		if o, ok := owners[k]; ok && o != a.entry {
			t.Errorf("spelling %q names both %s and %s", k, g.entries[o].Name, g.entries[a.entry].Name)
			continue
		}
		owners[k] = a.entry
	}
}

func TestQuotePatterns(t *testing.T) {
	e := newTestEnricher(t)
	tests := []struct {
		text, quote, speaker string
	}{
		{`“We are ready for talks,” Peskov told reporters.`, "We are ready for talks", "Dmitry Peskov"},
		{`“We are ready for talks,” Kremlin spokesman Dmitry Peskov said on Monday.`, "We are ready for talks", "Dmitry Peskov"},
		{`"We are ready for talks," said Zelenskiy.`, "We are ready for talks", "Volodymyr Zelensky"},
		{`Lavrov said: «Мы готовы к переговорам».`, "Мы готовы к переговорам", "Sergey Lavrov"},
		{`In a statement, the Kremlin said: "The decision is final and binding."`, "The decision is final and binding.", "Kremlin"},
		{`“It is not over yet,” one US official said.`, "It is not over yet", "US official"},
		{`“It is not over yet,” said a senior Russian diplomat.`, "It is not over yet", "Russian diplomat"},
		{`Sybiha met Rubio in Geneva. “We agreed on the next steps,” he said.`, "We agreed on the next steps", ""},
		{`Sybiha arrived in Geneva on Monday. “We agreed on the next steps,” he said.`, "We agreed on the next steps", "Andrii Sybiha"},
		{`Putin called the plan ‘a good basis for talks’ on Friday.`, "a good basis for talks", "Vladimir Putin"},
		{`The ‘coalition of the willing’ met in Paris.`, "coalition of the willing", ""},
		{`Zelensky's office said the sides' positions were "still far apart".`, "still far apart", "Zelensky's office"},
		{`„Wir sind bereit“, sagte Merz.`, "Wir sind bereit", "Friedrich Merz"},
		{`The talks were “useful but difficult”, according to Lavrov.`, "useful but difficult", "Sergey Lavrov"},
	}
	for _, tc := range tests {
		a := &article.Article{Body: tc.text, Language: "en"}
		e.Enrich(a)
		i := slices.IndexFunc(a.Quotes, func(q article.Quote) bool { return q.Text == tc.quote })
		if i < 0 {
			t.Errorf("%s: quote %q not found in %+v", tc.text, tc.quote, a.Quotes)
			continue
		}
		if got := a.Quotes[i].Speaker; got != tc.speaker {
			t.Errorf("%s: speaker %q, want %q", tc.text, got, tc.speaker)
		}
	}
	// Apostrophes are not quotation marks.
	a := &article.Article{Body: "Russia's and Ukraine's delegations met; the ministers' talks went on.", Language: "en"}
	e.Enrich(a)
	if len(a.Quotes) != 0 {
		t.Errorf("apostrophes taken for quotes: %+v", a.Quotes)
	}
}

func TestForeignAdjectivesNeedTheirLanguage(t *testing.T) {
	e := newTestEnricher(t)
	for _, tc := range []struct {
		lang, text string
		want       bool
	}{
		{"es-ES", "El gobierno chino respondió.", true},
		{"en", "He wore chinos to the office.", false},
		{"fr_FR", "La diplomatie russe a répondu.", true},
		{"", "La diplomatie russe a répondu.", false},
	} {
		a := &article.Article{Body: tc.text, Language: tc.lang}
		e.Enrich(a)
		if got := len(a.Entities.Countries) > 0; got != tc.want {
			t.Errorf("%s %q: countries %v", tc.lang, tc.text, a.Entities.Countries)
		}
	}
}

func TestAmbiguousAcronymsAndForeignWords(t *testing.T) {
	e := newTestEnricher(t)
	tests := []struct {
		text, lang string
		orgs       []string
		countries  []string
		places     []string
	}{
		{"GCC does not allow the cleanup attribute; clang does.", "en", nil, nil, nil},
		{"GCC foreign ministers met in Riyadh to discuss Iran.", "en", []string{"Gulf Cooperation Council"}, []string{"SA", "IR"}, []string{"Riyadh"}},
		{"The ICC issued an arrest warrant, the court in The Hague said.", "en", []string{"International Criminal Court"}, nil, []string{"The Hague"}},
		{"India won the ICC T20 final by six wickets.", "en", nil, []string{"IN"}, nil},
		{"Upgrade to UEFI with Legacy Option ROM support.", "en", nil, nil, nil},
		{"We walked across Bainbridge Island and Ellis Island.", "en", nil, nil, nil},
		{"Die Regierung in Island hat gewählt.", "de", nil, []string{"IS"}, nil},
		{"Deutsche Bank and the Red Hot Chili Peppers.", "en", nil, nil, nil},
		{"The Roma community in Hungary.", "en", nil, []string{"HU"}, nil},
		{"Il papa è tornato a Roma.", "it", nil, []string{"IT"}, []string{"Rome"}},
	}
	for _, tc := range tests {
		a := &article.Article{Body: tc.text, Language: tc.lang}
		e.Enrich(a)
		if got := peopleNames(a.Entities.Organizations); !slices.Equal(got, tc.orgs) {
			t.Errorf("%q: organisations %v, want %v", tc.text, got, tc.orgs)
		}
		if got := a.Entities.Countries; !(len(got) == 0 && len(tc.countries) == 0) && !slices.Equal(got, tc.countries) {
			t.Errorf("%q: countries %v, want %v", tc.text, got, tc.countries)
		}
		if got := peopleNames(a.Entities.Places); !slices.Equal(got, tc.places) {
			t.Errorf("%q: places %v, want %v", tc.text, got, tc.places)
		}
	}
}

func TestEventTopics(t *testing.T) {
	e := newTestEnricher(t)
	tests := []struct {
		text  string
		want  []string // nil: not diplomacy
		notes string
	}{
		{"The UN General Assembly voted on Thursday to adopt a resolution demanding a ceasefire in Gaza; the United States and Israel voted against the resolution.", []string{"diplomacy", "ceasefire", "un-vote"}, ""},
		{"Russia vetoed a Security Council resolution on Ukraine drafted by the United States and Albania.", []string{"diplomacy", "un-vote"}, ""},
		{"Armenia and Azerbaijan signed a peace treaty in Washington; the accord must be ratified by both parliaments.", []string{"diplomacy", "treaty"}, ""},
		{"Chinese President Xi Jinping began a state visit to France, his first trip to Europe in five years, and will meet Emmanuel Macron.", []string{"diplomacy", "visit"}, ""},
		{"Trump and Putin spoke by phone for two hours, the Kremlin said, discussing Ukraine and a possible summit in Budapest.", []string{"diplomacy", "summit", "call"}, ""},
		{"Poland expelled two Russian diplomats and closed the consulate in Gdansk, the foreign ministry said.", []string{"diplomacy", "expulsion"}, ""},
		{"The EU adopted a 19th package of sanctions against Russia, targeting its shadow fleet and banks in China.", []string{"diplomacy", "sanctions"}, ""},
		{"Apple is in talks with suppliers in China and Vietnam over prices, people familiar with the negotiations said.", nil, "business negotiations"},
		{"UEFA sanctioned the club after fans from Spain and France clashed before the Champions League match; the coach said the team would appeal.", nil, "sport"},
		{"The governor visited flood-hit towns in the state on Monday and promised federal aid.", nil, "domestic visit"},
	}
	for _, tc := range tests {
		a := &article.Article{Body: tc.text, Language: "en"}
		e.Enrich(a)
		if !slices.Equal(a.Topics, tc.want) {
			t.Errorf("%q: topics %v, want %v %s", tc.text, a.Topics, tc.want, tc.notes)
		}
	}
}

func TestIndianInAmerica(t *testing.T) {
	e := newTestEnricher(t)
	a := &article.Article{Body: "Visit the museum at the Port Madison Indian Reservation, home of Indian tribes since the treaty.", Language: "en"}
	e.Enrich(a)
	if slices.Contains(a.Entities.Countries, "IN") {
		t.Errorf("countries %v: an Indian reservation is not India", a.Entities.Countries)
	}
}

// TestUnclosedQuotesStayCheap enriches a long paragraph of unclosed
// quotation marks: it must finish (no quadratic scan) and find nothing.
func TestUnclosedQuotesStayCheap(t *testing.T) {
	e := newTestEnricher(t)
	a := &article.Article{Body: strings.Repeat("“ word ", 30000)}
	e.Enrich(a)
	if len(a.Quotes) != 0 {
		t.Errorf("%d quotes in unclosed marks", len(a.Quotes))
	}
}

func TestSummaryWhenNoBody(t *testing.T) {
	e := newTestEnricher(t)
	a := &article.Article{Title: "Talks resume", Summary: "Lavrov and Rubio met in Riyadh for talks on Ukraine."}
	e.Enrich(a)
	if !slices.Contains(peopleNames(a.Entities.People), "Sergey Lavrov") {
		t.Errorf("people %v: the summary was not read", a.Entities.People)
	}
}
