package alert

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/enrich"
	"github.com/parley-news/parley/pkg/internal/sharedtest"
	"github.com/parley-news/parley/pkg/query"
)

var (
	gazOnce sync.Once
	gaz     *enrich.Gazetteer
	gazErr  error
)

func gazetteer(tb testing.TB) *enrich.Gazetteer {
	tb.Helper()
	gazOnce.Do(func() { gaz, gazErr = enrich.NewGazetteer() })
	if gazErr != nil {
		tb.Fatal(gazErr)
	}
	return gaz
}

var (
	enOnce sync.Once
	en     *enrich.Enricher
	enErr  error
)

func enricher(tb testing.TB) *enrich.Enricher {
	tb.Helper()
	g := gazetteer(tb)
	enOnce.Do(func() { en, enErr = enrich.New(enrich.Config{Logger: slog.New(slog.DiscardHandler)}, g) })
	if enErr != nil {
		tb.Fatal(enErr)
	}
	return en
}

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// handArticles are small articles written for the cases rules turn on:
// spellings, phrases, fields, dates, wire copies.
func handArticles() []*article.Article {
	return []*article.Article{
		{ID: "h1", URL: "https://wire.example/1", Source: "Reuters", Language: "en", StoryID: "s-summit",
			Title: "Putin and Zelensky to meet at Abu Dhabi summit", PublishedAt: day("2026-01-24"),
			Body: "KYIV, Jan 24 (Reuters) - Ukrainian President Volodymyr Zelenskiy said on Saturday that talks with Russia in Abu Dhabi were constructive."},
		{ID: "h2", URL: "https://paper.example/2", Source: "Kyiv Independent", Language: "en", StoryID: "s-summit",
			Title: "Zelensky: Abu Dhabi talks constructive", PublishedAt: day("2026-01-24"),
			Body: "Volodymyr Zelensky said the trilateral talks in the United Arab Emirates were constructive."},
		{ID: "h3", URL: "https://tass.example/3", Source: "TASS", Language: "ru", StoryID: "s-peskov",
			Title: "Песков: переговоры продолжатся", PublishedAt: day("2026-02-03"),
			Body: "Пресс-секретарь президента России Дмитрий Песков заявил, что переговоры в Абу-Даби продолжатся."},
		{ID: "h4", URL: "https://news.example/4", Source: "Al Jazeera", Language: "en", StoryID: "s-gaza",
			Title: "Ceasefire holds in Gaza", PublishedAt: day("2025-11-02"),
			Body: "A ceasefire brokered by Egypt and Qatar held for a third day. Abdel Fattah al-Sisi welcomed the truce.", Topics: []string{"ceasefire"}},
		{ID: "h5", URL: "https://sport.example/5", Source: "Sports Daily", Language: "en",
			Title: "Late goal wins the derby", Body: "A late goal settled the derby on Sunday evening."},
		{ID: "h6", URL: "https://nodate.example/6", Source: "Blog", Language: "",
			Title: "Kiev or Kyiv: a note on spelling", Body: "The capital of Ukraine is spelled Kyiv in English now."},
	}
}

// corpus returns the hand-written articles, the seed article and, when the
// shared folder is there, up to max bodies of the extraction benchmark,
// all enriched by the real enricher (entities, topics) so rules meet
// articles as the pipeline produces them.
func corpus(tb testing.TB, max int) []*article.Article {
	tb.Helper()
	arts := handArticles()
	if p, ok := sharedtest.Find("seeds/abu-dhabi-talks.txt"); ok {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		title, body, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
		arts = append(arts, &article.Article{ID: "seed", URL: "https://seed.example/abu-dhabi", Source: "Seed Wire", Language: "en",
			Title: strings.TrimSpace(title), Body: strings.TrimSpace(body), PublishedAt: day("2026-01-25")})
	}
	if p, ok := sharedtest.Find("bench/extraction/ground-truth.json"); ok {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var gt map[string]struct {
			Body string `json:"articleBody"`
			URL  string `json:"url"`
		}
		if err := json.Unmarshal(data, &gt); err != nil {
			tb.Fatal(err)
		}
		keys := make([]string, 0, len(gt))
		for k := range gt {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sources := []string{"Reuters", "AP", "BBC News", "The Guardian", "Kyiv Independent", "Al Jazeera"}
		for i, k := range keys {
			if max > 0 && i >= max {
				break
			}
			body := gt[k].Body
			title, _, _ := strings.Cut(body, ".")
			arts = append(arts, &article.Article{
				ID: "gt-" + k[:16], URL: gt[k].URL, Source: sources[i%len(sources)], Language: "en",
				Title: article.Snippet(title, 100), Body: body,
				PublishedAt: day(fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%28)),
			})
		}
	}
	en := enricher(tb)
	for _, a := range arts {
		topics := a.Topics
		en.Enrich(a)
		a.Topics = append(a.Topics, topics...)
	}
	return arts
}

var yamlName = regexp.MustCompile(`(?m)^- \{name: "?([^,"}]+)"?`)

// names reads the canonical names of the gazetteer's data file.
func names(tb testing.TB, file string) []string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "enrich", "data", file))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, m := range yamlName.FindAllStringSubmatch(string(data), -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	if len(out) == 0 {
		tb.Fatalf("no names in %s", file)
	}
	return out
}

// vocabulary is mid-frequency words of the corpus: the words saved
// searches are made of besides names.
func vocabulary(arts []*article.Article) (words []string, bigrams []string) {
	freq := map[string]int{}
	bi := map[string]int{}
	for _, a := range arts {
		toks := query.Analyze(a.Title + "\n" + a.Body)
		for i, t := range toks {
			if len(t.Text) < 4 {
				continue
			}
			freq[t.Text]++
			if i > 0 && len(toks[i-1].Text) >= 4 {
				bi[toks[i-1].Text+" "+t.Text]++
			}
		}
	}
	for w, n := range freq {
		if n >= 2 && n <= 200 {
			words = append(words, w)
		}
	}
	for b, n := range bi {
		if n >= 2 {
			bigrams = append(bigrams, b)
		}
	}
	sort.Strings(words)
	sort.Strings(bigrams)
	return words, bigrams
}

// genRules makes n realistic saved searches: names of people, places,
// countries and organisations, phrases, AND/OR/NOT combinations, field
// queries and date ranges, with a few rules of NOT only.
func genRules(tb testing.TB, rng *rand.Rand, n int, arts []*article.Article) []RuleConfig {
	tb.Helper()
	people := names(tb, "people.yaml")
	places := names(tb, "places.yaml")
	orgs := names(tb, "organizations.yaml")
	countries := []string{"UA", "RU", "US", "AE", "SA", "QA", "EG", "IL", "CN", "IN", "FR", "DE", "GB", "TR", "IR", "ua", "ae"}
	countryNames := []string{"Ukraine", "Russia", "United States", "UAE", "Saudi Arabia", "Qatar", "Egypt", "Israel", "China", "India", "France", "Germany", "Britain", "Turkey", "Iran"}
	topics := []string{"diplomacy", "talks", "summit", "ceasefire", "sanctions", "treaty", "visit", "call"}
	sources := []string{"Reuters", "AP", "BBC News", "Kyiv Independent", "\"Al Jazeera\"", "TASS"}
	words, bigrams := vocabulary(arts)
	if len(words) == 0 {
		words = []string{"talks", "meeting", "minister", "agreement", "election", "border", "troops", "trade"}
	}
	if len(bigrams) == 0 {
		bigrams = []string{"peace talks", "foreign minister", "prime minister"}
	}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	name := func() string {
		switch rng.IntN(4) {
		case 0, 1:
			return pick(people)
		case 2:
			return pick(places)
		default:
			return pick(orgs)
		}
	}
	quoted := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, ``) + `"` }
	entity := func() string {
		if rng.IntN(2) == 0 {
			return quoted(name())
		}
		return name()
	}
	dateRange := func() string {
		from := time.Date(2025, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, rng.IntN(9), rng.IntN(60))
		return fmt.Sprintf("published_at:[%s TO %s]", from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
	templates := []func() string{
		func() string { return entity() },
		func() string { return quoted(pick(bigrams)) },
		func() string { return entity() + " AND " + pick(words) },
		func() string {
			return "(" + entity() + " OR " + entity() + ") AND (" + pick(words) + " OR " + pick(words) + ")"
		},
		func() string { return "person:" + quoted(pick(people)) },
		func() string { return "country:" + pick(countries) },
		func() string {
			return "country:" + quoted(pick(countryNames)) + " AND " + pick(words) + " NOT " + pick(words)
		},
		func() string { return "title:" + pick(words) },
		func() string { return "source:" + pick(sources) + " AND " + entity() },
		func() string { return "topic:" + pick(topics) + " AND country:" + pick(countries) },
		func() string { return entity() + " AND " + dateRange() },
		func() string { return pick(countryNames) + " " + pick(words) + " -" + pick(words) },
		func() string { return "(" + pick(words) + " OR " + quoted(pick(bigrams)) + ") AND language:en" },
		func() string { return "title:" + quoted(pick(bigrams)) + " OR person:" + quoted(pick(people)) },
		func() string { return entity() + " AND " + entity() },
		func() string { return "(" + entity() + " AND NOT " + pick(words) + ") OR " + quoted(pick(bigrams)) },
		func() string { return "speaker:" + entity() },
		func() string { return "quote:" + pick(words) + " OR speaker:" + quoted(pick(people)) },
		func() string { return "speaker:" + entity() + " AND quote:" + quoted(pick(bigrams)) },
	}
	rare := []func() string{ // tried on every article: keep them few
		func() string { return "NOT " + pick(words) },
		func() string { return dateRange() + " AND NOT " + entity() },
		func() string { return "-(" + pick(words) + " OR " + pick(words) + ")" },
	}
	out := make([]RuleConfig, 0, n)
	for i := range n {
		var q string
		if rng.IntN(200) == 0 {
			q = pick2(rng, rare)()
		} else {
			q = pick2(rng, templates)()
		}
		out = append(out, RuleConfig{Name: fmt.Sprintf("rule-%05d", i), Query: q})
	}
	return out
}

func pick2[T any](rng *rand.Rand, l []T) T { return l[rng.IntN(len(l))] }
