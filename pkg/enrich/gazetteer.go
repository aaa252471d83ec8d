package enrich

import (
	"embed"
	"encoding/json"
	"fmt"
	"github.com/parley-news/parley/pkg/article"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

//go:generate go run ./internal/gencountries -o data/country_names.json

//go:embed data/*.yaml data/*.json
var dataFS embed.FS

// Entity kinds returned by Lookup.
const (
	KindPerson       = "person"
	KindOrganization = "organization"
	KindPlace        = "place"
	KindCountry      = "country"
)

// Entry is one entity of the gazetteer.
type Entry struct {
	Kind string
	// Name is the canonical name (for countries the English short name).
	Name string
	// ID is the Wikidata QID (empty where unknown); for countries the ISO
	// 3166-1 alpha-2 code.
	ID string
	// Country is the ISO code of the entity's country: a person's
	// nationality, a state body's or a place's state.
	Country string
	// Seat is set on places that stand for their state ("the Kremlin",
	// "Washington"): a mention counts as a mention of Country.
	Seat bool
	// Role is a person's office as known when the data was written.
	Role string

	amb *ambiguity
}

// ambiguity says what evidence a name needs when it is also something else.
type ambiguity struct {
	Local   bool     `yaml:"local"`
	For     []string `yaml:"for"`
	Against []string `yaml:"against"`
}

// alias is one spelling of an entry, split into normalised words.
type alias struct {
	entry   int32 // -1 for a blocked phrase
	keys    []string
	caps    []capClass // required capitalisation per word (capNone: any)
	lang    string     // only in articles of this language; "" for any
	blocked bool
}

// Gazetteer resolves names of people, organisations, places and countries
// in any of their known spellings. It is immutable after NewGazetteer and
// safe for concurrent use.
type Gazetteer struct {
	fold    *folder
	entries []Entry
	aliases []alias
	// byFirst maps an alias's first word key to its aliases, longest first.
	byFirst map[string][]int32
	// exact maps the joined keys of an alias to its entry, for Lookup.
	exact     map[string]int32
	countries map[string]int32 // ISO code -> entry
	// spellings are the names each entry was given, as written in the
	// data, for Spellings.
	spellings map[int32][]string
}

type personRec struct {
	Name    string   `yaml:"name"`
	ID      string   `yaml:"id"`
	Country string   `yaml:"country"`
	Role    string   `yaml:"role"`
	Seat    string   `yaml:"seat"`
	Aliases []string `yaml:"aliases"` // "Roma@it": only in articles in Italian
	// Ambiguous: the name is also something else (GCC the compiler).
	Ambiguous *ambiguity `yaml:"ambiguous"`
}

type countryRec struct {
	// Name overrides the CLDR English name as the canonical name.
	Name      string              `yaml:"name"`
	Aliases   []string            `yaml:"aliases"`
	Adj       map[string][]string `yaml:"adj"`
	Ambiguous *ambiguity          `yaml:"ambiguous"`
}

type countriesFile struct {
	Countries map[string]countryRec `yaml:"countries"`
	Blocked   []string              `yaml:"blocked"`
	// LocalNames are CLDR names that are ordinary words or first names in
	// other languages ("Island" is Iceland in German): they count only in
	// articles of the language given.
	LocalNames map[string]string `yaml:"local_names"`
}

type cldrCountry struct {
	Code  string              `json:"code"`
	Names map[string][]string `json:"names"`
}

// NewGazetteer loads the gazetteer embedded in the package (data/).
func NewGazetteer() (*Gazetteer, error) {
	g := &Gazetteer{
		fold:      newFolder(),
		byFirst:   map[string][]int32{},
		exact:     map[string]int32{},
		countries: map[string]int32{},
		spellings: map[int32][]string{},
	}
	if err := g.loadCountries(); err != nil {
		return nil, err
	}
	for _, f := range []struct{ file, kind string }{
		{"data/people.yaml", KindPerson},
		{"data/organizations.yaml", KindOrganization},
		{"data/places.yaml", KindPlace},
	} {
		if err := g.loadEntities(f.file, f.kind); err != nil {
			return nil, err
		}
	}
	for k, list := range g.byFirst {
		slices.SortStableFunc(list, func(a, b int32) int {
			return len(g.aliases[b].keys) - len(g.aliases[a].keys)
		})
		g.byFirst[k] = list
	}
	return g, nil
}

func (g *Gazetteer) loadCountries() error {
	b, err := dataFS.ReadFile("data/country_names.json")
	if err != nil {
		return fmt.Errorf("read country names: %w", err)
	}
	var cldr []cldrCountry
	if err := json.Unmarshal(b, &cldr); err != nil {
		return fmt.Errorf("decode country names: %w", err)
	}
	b, err = dataFS.ReadFile("data/countries.yaml")
	if err != nil {
		return fmt.Errorf("read countries: %w", err)
	}
	var extra countriesFile
	if err := yaml.Unmarshal(b, &extra); err != nil {
		return fmt.Errorf("decode countries.yaml: %w", err)
	}
	// A CLDR spelling shared by two countries (Нигер and Нигерия once
	// stemmed; "Saint-Martin") names neither.
	owners := map[string]map[string]bool{}
	for _, c := range cldr {
		for _, names := range c.Names {
			for _, n := range names {
				for _, v := range cldrVariants(n) {
					k := g.joinedKey(v)
					if owners[k] == nil {
						owners[k] = map[string]bool{}
					}
					owners[k][c.Code] = true
				}
			}
		}
	}
	for _, c := range cldr {
		if len(c.Names["en"]) == 0 {
			return fmt.Errorf("country %s has no English name", c.Code)
		}
		x := extra.Countries[c.Code]
		idx := int32(len(g.entries))
		name := c.Names["en"][0]
		if x.Name != "" {
			name = x.Name
			g.addAlias(idx, name, "")
		}
		g.entries = append(g.entries, Entry{Kind: KindCountry, Name: name, ID: c.Code, Country: c.Code, amb: x.Ambiguous})
		g.countries[c.Code] = idx
		for _, l := range []string{"en", "ru", "uk", "fr", "de", "es", "ar", "pt", "it", "ur"} {
			for _, n := range c.Names[l] {
				for _, v := range cldrVariants(n) {
					if len(owners[g.joinedKey(v)]) == 1 {
						g.addAlias(idx, v, extra.LocalNames[v])
					}
				}
			}
		}
		for _, n := range x.Aliases {
			n, lang := splitLang(n)
			if lang == "" {
				lang = extra.LocalNames[n]
			}
			g.addAlias(idx, n, lang)
		}
		for l, adjs := range x.Adj {
			// Adjectives of other Latin-script languages are ordinary words
			// or parts of names in English ("Deutsche Bank", "chino"): they
			// count only in articles of their language.
			lang := ""
			switch l {
			case "fr", "de", "es", "it", "pt":
				lang = l
			}
			for _, a := range adjs {
				for _, form := range adjectiveForms(l, a) {
					g.addAlias(idx, form, lang)
				}
			}
		}
	}
	for code := range extra.Countries {
		if _, ok := g.countries[code]; !ok {
			return fmt.Errorf("countries.yaml: unknown country code %s", code)
		}
	}
	for _, p := range extra.Blocked {
		g.addBlocked(p)
	}
	return nil
}

func (g *Gazetteer) loadEntities(file, kind string) error {
	b, err := dataFS.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	var recs []personRec
	if err := yaml.Unmarshal(b, &recs); err != nil {
		return fmt.Errorf("decode %s: %w", file, err)
	}
	for _, r := range recs {
		if r.Name == "" {
			return fmt.Errorf("%s: entry without a name", file)
		}
		e := Entry{Kind: kind, Name: r.Name, ID: r.ID, Country: r.Country, Role: r.Role, amb: r.Ambiguous}
		if r.Seat != "" {
			e.Country, e.Seat = r.Seat, true
		}
		for _, c := range []string{e.Country} {
			if _, ok := g.countries[c]; c != "" && !ok {
				return fmt.Errorf("%s: %s: unknown country %s", file, r.Name, c)
			}
		}
		idx := int32(len(g.entries))
		g.entries = append(g.entries, e)
		if !g.owned(r.Name, idx) {
			g.addAlias(idx, r.Name, "")
		}
		for _, a := range r.Aliases {
			a, lang := splitLang(a)
			g.addAlias(idx, a, lang)
		}
	}
	return nil
}

// cldrVariants returns a CLDR name with the spellings news text uses:
// "and" for "&", "Saint" for "St.", without a parenthesis ("Myanmar (Burma)").
// The text in a parenthesis is not a name of the country: in "Внешние
// малые острова (США)" it names another.
func cldrVariants(n string) []string {
	if i := strings.Index(n, " ("); i > 0 {
		n = n[:i]
	}
	out := []string{n}
	if strings.Contains(n, " & ") {
		out = append(out, strings.ReplaceAll(n, " & ", " and "))
	}
	if strings.HasPrefix(n, "St. ") {
		out = append(out, "Saint "+n[4:])
	}
	if strings.HasSuffix(n, " SAR China") {
		out = append(out, strings.TrimSuffix(n, " SAR China"))
	}
	return out
}

// splitLang splits "Roma@it" into the alias and the only language it
// counts in.
func splitLang(a string) (string, string) {
	if i := strings.LastIndexByte(a, '@'); i > 0 && len(a)-i == 3 {
		return a[:i], a[i+1:]
	}
	return a, ""
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// adjectiveForms returns the forms of an adjective or demonym that its
// language inflects and the matcher does not stem: gender and number in
// French, German and Spanish, the plural in English, the article and the
// feminine in Arabic. Russian and Ukrainian forms are reached by stemming.
func adjectiveForms(lang, a string) []string {
	forms := []string{a}
	if strings.ContainsRune(a, ' ') {
		return forms
	}
	add := func(s ...string) { forms = append(forms, s...) }
	switch lang {
	case "en":
		if strings.HasSuffix(a, "an") || strings.HasSuffix(a, "i") {
			add(a + "s")
		}
	case "fr":
		switch {
		case strings.HasSuffix(a, "ien"):
			add(a+"ne", a+"s", a+"nes")
		case strings.HasSuffix(a, "ain") || strings.HasSuffix(a, "ais") || strings.HasSuffix(a, "ois") || strings.HasSuffix(a, "and") || strings.HasSuffix(a, "in"):
			if strings.HasSuffix(a, "s") {
				add(a+"e", a+"es")
			} else {
				add(a+"e", a+"s", a+"es")
			}
		case strings.HasSuffix(a, "e"):
			add(a + "s")
		case strings.HasSuffix(a, "c"):
			add(a+"s", a+"que", a+"ques")
		default:
			add(a+"e", a+"s", a+"es")
		}
	case "de":
		if startsLower(a) {
			add(a+"e", a+"en", a+"er", a+"es", a+"em")
		}
	case "ar":
		// The nisba adjective with the article and in the feminine.
		if !strings.HasPrefix(a, "ال") {
			add("ال"+a, a+"ة", "ال"+a+"ة")
		}
	case "es":
		switch {
		case strings.HasSuffix(a, "o"):
			s := strings.TrimSuffix(a, "o")
			add(s+"a", s+"os", s+"as")
		case strings.HasSuffix(a, "és"):
			s := strings.TrimSuffix(a, "és")
			add(s+"esa", s+"eses", s+"esas")
		case strings.HasSuffix(a, "án"):
			s := strings.TrimSuffix(a, "án")
			add(s+"ana", s+"anes", s+"anas")
		case strings.HasSuffix(a, "e"):
			add(a + "s")
		case strings.HasSuffix(a, "í"):
			add(a+"es", a+"s")
		}
	}
	return forms
}

// split tokenises a name of the data into keys and capitalisation rules.
func (g *Gazetteer) split(name string) ([]string, []capClass) {
	toks := g.tokenize(name, nil)
	keys := make([]string, len(toks))
	caps := make([]capClass, len(toks))
	for i, t := range toks {
		keys[i] = t.key
		switch t.caps {
		case capAll:
			caps[i] = capAll
		case capInit:
			caps[i] = capInit
		}
	}
	return keys, caps
}

func (g *Gazetteer) addAlias(entry int32, name, lang string) {
	keys, caps := g.split(name)
	if len(keys) == 0 {
		return
	}
	if !slices.Contains(g.spellings[entry], name) {
		g.spellings[entry] = append(g.spellings[entry], name)
	}
	// A one-word Cyrillic name whose stem is too short to match by stem
	// matches its inflected forms instead.
	if len(keys) == 1 && caps[0] != capAll {
		if r, _ := utf8.DecodeRuneInString(keys[0]); unicode.Is(unicode.Cyrillic, r) && utf8.RuneCountInString(stemCyrillic(keys[0])) < 4 {
			for _, f := range cyrForms(keys[0]) {
				g.addKeys(entry, []string{f}, caps, lang)
			}
		}
	}
	g.addKeys(entry, keys, caps, lang)
}

func (g *Gazetteer) addKeys(entry int32, keys []string, caps []capClass, lang string) {
	joined := strings.Join(keys, " ")
	if _, dup := g.exact[joined]; !dup {
		g.exact[joined] = entry
	}
	// The same words with the same rules for the same entry add nothing.
	for _, ai := range g.byFirst[keys[0]] {
		a := g.aliases[ai]
		if a.entry == entry && slices.Equal(a.keys, keys) && slices.Equal(a.caps, caps) && a.lang == lang {
			return
		}
	}
	g.aliases = append(g.aliases, alias{entry: entry, keys: keys, caps: caps, lang: lang})
	g.byFirst[keys[0]] = append(g.byFirst[keys[0]], int32(len(g.aliases)-1))
}

// owned reports whether name is already a spelling of an entry other than entry.
func (g *Gazetteer) owned(name string, entry int32) bool {
	o, ok := g.exact[g.joinedKey(name)]
	return ok && o != entry
}

func (g *Gazetteer) joinedKey(name string) string {
	keys, _ := g.split(name)
	return strings.Join(keys, " ")
}

func (g *Gazetteer) addBlocked(name string) {
	keys, caps := g.split(name)
	if len(keys) == 0 {
		return
	}
	g.aliases = append(g.aliases, alias{entry: -1, keys: keys, caps: caps, blocked: true})
	g.byFirst[keys[0]] = append(g.byFirst[keys[0]], int32(len(g.aliases)-1))
}

// Lookup resolves a name in any known spelling (case-insensitive, any
// script, Russian and Ukrainian inflected forms) to the kind of entity
// ("person", "organization", "place", "country") and its id: the Wikidata
// QID, or for a country its ISO 3166-1 alpha-2 code. A known entity whose
// QID is not in the data gets the key the index stores it under instead
// (article.EntityKey: "name:<canonical name>"), so every spelling of it
// still finds it. Lookup implements query.Resolver.
func (g *Gazetteer) Lookup(name string) (kind, id string, ok bool) {
	e, ok := g.Resolve(name)
	if !ok {
		return "", "", false
	}
	if e.Kind == KindCountry {
		return e.Kind, e.ID, true
	}
	return e.Kind, article.EntityKey(article.Entity{Name: e.Name, ID: e.ID}), true
}

// CanonicalName is the canonical name of the entity name stands for, in
// any known spelling: the name the enricher gives a quotation's speaker.
// It implements query.Namer, so speaker:Зеленський finds the quotations
// attributed to Volodymyr Zelensky.
func (g *Gazetteer) CanonicalName(name string) (string, bool) {
	e, ok := g.Resolve(name)
	if !ok {
		return "", false
	}
	return e.Name, true
}

// Resolve is Lookup returning the whole entry (canonical name, country).
func (g *Gazetteer) Resolve(name string) (Entry, bool) {
	i, ok := g.resolve(name)
	if !ok {
		return Entry{}, false
	}
	return g.entries[i], true
}

// Spellings lists the names the gazetteer knows the entity name stands
// for by, as written in its data, the canonical name first (a country's
// include its names in other languages and its adjectives), less the
// acronyms that are also common words once lower-cased ("US" is "us"):
// positions are matched case-insensitively. It implements
// query.Speller, so NEAR/5(Зеленський, Putin) finds "Zelensky" near
// "Putin".
func (g *Gazetteer) Spellings(name string) []string {
	i, ok := g.resolve(name)
	if !ok {
		return nil
	}
	out := []string{g.entries[i].Name}
	for _, s := range g.spellings[i] {
		if s != out[0] && !acronymWords[strings.ToLower(s)] {
			out = append(out, s)
		}
	}
	return out
}

func (g *Gazetteer) resolve(name string) (int32, bool) {
	// A lower-case common word is not the acronym it spells ("who", "us").
	if w := strings.TrimSpace(name); acronymWords[w] {
		return 0, false
	}
	keys, _ := g.split(name)
	if len(keys) == 0 {
		return 0, false
	}
	if len(keys) > 1 && keys[0] == "the" {
		if i, ok := g.exact[strings.Join(keys[1:], " ")]; ok {
			return i, true
		}
	}
	i, ok := g.exact[strings.Join(keys, " ")]
	return i, ok
}

// acronymWords are lower-case words that are also acronyms in the data.
var acronymWords = map[string]bool{"us": true, "who": true, "un": true, "au": true, "ue": true, "cis": true, "sco": true, "rf": true}

// Country returns the English name of the country with ISO 3166-1 alpha-2
// code (case-insensitive).
func (g *Gazetteer) Country(code string) (name string, ok bool) {
	i, ok := g.countries[strings.ToUpper(code)]
	if !ok {
		return "", false
	}
	return g.entries[i].Name, true
}

// Stats counts the gazetteer's entries by kind and its aliases (spellings
// after splitting, before Cyrillic stemming reaches inflected forms).
func (g *Gazetteer) Stats() map[string]int {
	s := map[string]int{"aliases": len(g.aliases)}
	for _, e := range g.entries {
		s[e.Kind]++
		if e.ID != "" && e.Kind != KindCountry {
			s[e.Kind+"_with_qid"]++
		}
	}
	return s
}
