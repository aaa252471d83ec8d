// Package docdate reads the dates written in feeds and pages: one parser,
// with one window of plausible years, for the feed reader and the
// extractor alike.
package docdate

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the regions' zones (regionZones), also where the system has none
	"unicode"

	"github.com/itlightning/dateparse"

	"github.com/parley-news/parley/pkg/internal/panics"
)

// The years a document's date may fall in: earlier is a placeholder or a
// zero time printed ("1970-01-01", "0001-01-01"), later a typo or garbage
// guessed into a date. News before 1990 is not on the web as feeds or
// pages written then.
const (
	MinYear = 1990
	MaxYear = 2200
)

// Valid reports whether t is within the plausible years.
func Valid(t time.Time) bool {
	return !t.IsZero() && t.Year() >= MinYear && t.Year() <= MaxYear
}

var layouts = []string{
	time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.000Z0700",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 -0700 MST", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02", "2006/01/02 15:04:05", "2006/01/02", "20060102", "20060102150405",
	time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, "Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST", "Mon, Jan 2 2006 03:04:05 PM", "Mon, Jan 2 2006 15:04:05",
	"Mon, 2 Jan 2006 03:04:05 PM", "January 2, 2006 15:04 MST", "January 2, 2006 3:04 PM MST",
	"January 2, 2006 3:04 PM", "January 2, 2006", "Jan 2, 2006 3:04 PM", "Jan 2, 2006", "Jan. 2, 2006",
	"2 January 2006 15:04", "2 January 2006", "2 Jan 2006 15:04", "2 Jan 2006", "02.01.2006 15:04", "02.01.2006",
	"Monday, January 2, 2006", "Monday, 2 January 2006", "Mon Jan 2 15:04:05 MST 2006",
}

var isoPrefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`)

// Parse reads a date as feeds and pages write it: fixed layouts first
// (RFC 3339, RFC 822 and their real-world variants, written-out months),
// Unix seconds or milliseconds, the leading ISO date of a longer text, RFC
// 822 with day and month names in the languages of the feeds parley reads,
// dates written out with a month's name in those languages and in
// Russian, Ukrainian, Polish and Arabic, the leading date of a Chinese,
// Japanese or Korean text, and dateparse's format guessing last ("2020/1/10 14:33:00"). Dates
// without a zone are UTC; the result is UTC, and only within the plausible
// years (Valid).
func Parse(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 80 {
		return time.Time{}, false
	}
	t, ok := parse(s)
	if !ok {
		t, ok = lenient(s)
	}
	if !ok || !Valid(t) {
		return time.Time{}, false
	}
	return inNamedZone(t).UTC(), true
}

// Pages and feeds name a time's zone by an abbreviation after it ("6:42 AM
// ET", "08.45 GMT", RFC 822's "EST"). An abbreviation of standard or summer
// time is its fixed offset (RFC 822 reads "EST" as -0500 in any season); a
// region's ("ET", "PT") follows its summer time. Abbreviations two regions
// share (CST, IST) are left out.
var (
	fixedZones = map[string]int{
		"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
		"BST": 1, "WEST": 1, "CET": 1, "MEZ": 1, "CEST": 2, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3,
		"EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
		"PKT": 5, "WIB": 7, "HKT": 8, "SGT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
	}
	regionZones = map[string]string{
		"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver", "PT": "America/Los_Angeles",
	}
)

// zoneOf is the zone an abbreviation names, or nil.
func zoneOf(abbr string) *time.Location {
	abbr = strings.ToUpper(abbr)
	if h, ok := fixedZones[abbr]; ok {
		return time.FixedZone(abbr, h*3600)
	}
	name, ok := regionZones[abbr]
	if !ok {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// inNamedZone puts a time read with a zone's abbreviation into that zone:
// Go's time.Parse gives an abbreviation it does not know a zero offset,
// which would put "06:42:00 EST" at 06:42 UTC.
func inNamedZone(t time.Time) time.Time {
	name, off := t.Zone()
	if off != 0 || name == "" || name == "UTC" {
		return t
	}
	if loc := zoneOf(name); loc != nil {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	}
	return t
}

var (
	// meridiem is "a.m." or "p.m." as newspapers print them.
	meridiem = regexp.MustCompile(`(?i)\b([ap])\.m\.?`)
	// throughYear is a text up to its first year, which is not its start.
	throughYear = regexp.MustCompile(`^.+?\b(?:19|20)\d{2}\b`)
)

// lenient reads a date that parse does not read as a whole: one that ends
// with a time zone's abbreviation ("Mar 18, 2013 6:42 AM ET") is read in
// that zone; otherwise the date up to its year is read without the time
// that follows it ("March 18, 2013, 6:42 a.m.", "Monday, March 18, 2013 -
// 06:42").
func lenient(s string) (time.Time, bool) {
	s = meridiem.ReplaceAllString(s, "${1}M")
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if loc := zoneOf(strings.Trim(s[i+1:], "().")); loc != nil {
			if t, ok := parse(strings.TrimRight(s[:i], " ,")); ok {
				if name, off := t.Zone(); off == 0 && (name == "UTC" || name == "") {
					return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), true
				}
				return t, true
			}
		}
	}
	if m := throughYear.FindString(s); m != "" && m != s {
		return parse(m)
	}
	return time.Time{}, false
}

func parse(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 10 && len(s) <= 13 {
		if len(s) == 13 {
			return time.UnixMilli(n), true
		}
		return time.Unix(n, 0), true
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	if m := isoPrefix.FindString(s); m != "" && m != s {
		return parse(m)
	}
	if t, ok := localizedRFC822(s); ok {
		return t, true
	}
	if t, ok := writtenOut(s); ok {
		return t, true
	}
	if t, ok := cjk(s); ok {
		return t, true
	}
	return guess(s)
}

// guess is dateparse's format guessing. It panics on some texts
// ("000000 000,0000000000", found by FuzzParse), which are no date: a
// feed's or a page's bytes must not fail the feed or the page.
func guess(s string) (time.Time, bool) {
	var (
		t   time.Time
		err error
	)
	if p := panics.Catch(func() { t, err = dateparse.ParseIn(s, time.UTC) }); p != nil || err != nil {
		return time.Time{}, false
	}
	return t, true
}

// localMonths maps month names and abbreviations in the languages of the
// non-English news feeds parley reads (Portuguese, Italian, Spanish,
// French, German, Dutch) to their English abbreviation, for RFC 822 dates
// that servers localise against the standard ("Seg, 24 Set 2018 ...").
var localMonths = func() map[string]string {
	m := map[string]string{}
	add := func(table map[string]string) {
		for en, names := range table {
			for _, n := range strings.Fields(names) {
				m[n] = en
			}
		}
	}
	add(map[string]string{
		"Jan": "jan janeiro gen gennaio ene enero janv janvier januar jänner januari january",
		"Feb": "feb fev fevereiro febbraio febrero févr fevr février fevrier februar februari february",
		"Mar": "mar mär março marco marzo mars märz maerz maart march",
		"Apr": "apr abr abril aprile avr avril april",
		"May": "may mai maio mag maggio mayo mei",
		"Jun": "jun junho giu giugno junio juin juni june",
		"Jul": "jul julho lug luglio julio juil juillet juli july",
		"Aug": "aug ago agosto aoû août aout august augustus",
		"Sep": "sep sept set setembro settembre septiembre septembre september",
		"Oct": "oct out outubro ott ottobre octubre octobre okt oktober october",
		"Nov": "nov novembro novembre noviembre november",
		"Dec": "dec dez dezembro dic dicembre diciembre déc dezember december décembre",
	})
	// Month names in Russian, Ukrainian and Polish, as dates write them
	// ("14 марта 2014", "3 листопада 2012", "5 listopada 2012").
	add(map[string]string{
		"Jan": "январь января янв січень січня styczeń stycznia",
		"Feb": "февраль февраля фев лютий лютого luty lutego",
		"Mar": "март марта березень березня marzec marca",
		"Apr": "апрель апреля апр квітень квітня kwiecień kwietnia",
		"May": "май мая травень травня maj maja",
		"Jun": "июнь июня июн червень червня czerwiec czerwca",
		"Jul": "июль июля июл липень липня lipiec lipca",
		"Aug": "август августа авг серпень серпня sierpień sierpnia",
		"Sep": "сентябрь сентября сен сент вересень вересня wrzesień września",
		"Oct": "октябрь октября окт жовтень жовтня październik października",
		"Nov": "ноябрь ноября ноя нояб листопад листопада listopad listopada",
		"Dec": "декабрь декабря дек грудень грудня grudzień grudnia",
	})
	// Arabic month names of one word, as Egyptian and Gulf papers and the
	// Levant's papers write them ("12 مارس 2024", "3 آذار 2024").
	add(map[string]string{
		"Jan": "يناير", "Feb": "فبراير شباط", "Mar": "مارس آذار", "Apr": "أبريل ابريل نيسان",
		"May": "مايو أيار", "Jun": "يونيو يونيه حزيران", "Jul": "يوليو يوليه تموز", "Aug": "أغسطس اغسطس آب",
		"Sep": "سبتمبر أيلول", "Oct": "أكتوبر اكتوبر", "Nov": "نوفمبر", "Dec": "ديسمبر",
	})
	return m
}()

// HasMonthName reports whether a text has a month's name or abbreviation
// in one of the languages Parse reads ("November", "nov.", "марта"), or a
// month written as in Chinese, Japanese and Korean ("3月", "3월").
func HasMonthName(s string) bool {
	if cjkMonth.MatchString(s) {
		return true
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if _, ok := localMonths[w]; ok {
			return true
		}
	}
	return false
}

// cjkDate is a date as Chinese, Japanese and Korean pages write it
// ("2024年03月12日 15:30", "2024년 3월 12일"), read at the start of a
// longer text ("2024年03月12日 15:30 来源：新华网").
var (
	cjkDate  = regexp.MustCompile(`^(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일](?:\s*(\d{1,2}):(\d{2}))?`)
	cjkMonth = regexp.MustCompile(`\d\s*[月월]`)
)

// cjk reads a date that cjkDate matches.
func cjk(s string) (time.Time, bool) {
	m := cjkDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	return dateOf(m[1], m[2], m[3], m[4], m[5])
}

// dateOf builds a UTC time from figures, refusing days and times that do
// not exist (31 November, 25:20).
func dateOf(year, month, day, hour, minute string) (time.Time, bool) {
	y, _ := strconv.Atoi(year)
	mo, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	h, mi := 0, 0
	if hour != "" {
		h, _ = strconv.Atoi(hour)
		mi, _ = strconv.Atoi(minute)
	}
	if mo < 1 || mo > 12 || h > 23 || mi > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// writtenDate matches a date written out with its month's name, day
// first, as pages print it in other languages, with a weekday before it
// and a time after it or not: "23 novembre 2012 à 18h32", "14 марта
// 2014, 15:20", "23 de noviembre de 2012", "3. März 2026".
var writtenDate = regexp.MustCompile(`^(?:\p{L}+\.?,?\s+)?(\d{1,2})(?:\.|er|º)?\s+(?:de\s+)?(\p{L}+)\.?,?\s+(?:de\s+)?(\d{4})(?:\s*(?:года|г\.?|р\.?|r\.))?(?:,?\s*(?:\p{L}+\s+){0,2}(\d{1,2})[:h.](\d{2}))?$`)

// writtenOut reads a date that writtenDate matches.
func writtenOut(s string) (time.Time, bool) {
	m := writtenDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	en, ok := localMonths[strings.ToLower(m[2])]
	if !ok {
		return time.Time{}, false
	}
	mon, _ := time.Parse("Jan", en)
	return dateOf(m[3], strconv.Itoa(int(mon.Month())), m[1], m[4], m[5])
}

// localDate matches "[Weekday,] 24 Set 2018 19:42:40 [-0300|GMT]" with any
// weekday and month word.
var localDate = regexp.MustCompile(`^(?:\p{L}+\.?,?\s+)?(\d{1,2})\s+(\p{L}+)\.?,?\s+(\d{4})\s+(\d{1,2}:\d{2}(?::\d{2})?)\s*(\S*)$`)

// localizedRFC822 reads an RFC 822 date whose day and month names are
// not English.
func localizedRFC822(s string) (time.Time, bool) {
	m := localDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	mon, ok := localMonths[strings.ToLower(m[2])]
	if !ok {
		return time.Time{}, false
	}
	clock := m[4]
	if strings.Count(clock, ":") == 1 {
		clock += ":00"
	}
	zone := m[5]
	if zone == "" {
		zone = "+0000"
	}
	v := m[1] + " " + mon + " " + m[3] + " " + clock + " " + zone
	for _, layout := range []string{"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 -07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
