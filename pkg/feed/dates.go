package feed

import (
	"regexp"
	"strings"
	"time"
)

// localMonths maps month names and abbreviations in the languages of the
// non-English news feeds parley reads (Portuguese, Italian, Spanish,
// French, German, Dutch) to their English abbreviation, for RFC 822 dates
// that servers localise against the standard ("Seg, 24 Set 2018 ...").
var localMonths = func() map[string]string {
	m := map[string]string{}
	for en, names := range map[string]string{
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
	} {
		for _, n := range strings.Fields(names) {
			m[n] = en
		}
	}
	return m
}()

// localDate matches "[Weekday,] 24 Set 2018 19:42:40 [-0300|GMT]" with any
// weekday and month word.
var localDate = regexp.MustCompile(`^(?:\p{L}+\.?,?\s+)?(\d{1,2})\s+(\p{L}+)\.?,?\s+(\d{4})\s+(\d{1,2}:\d{2}(?::\d{2})?)\s*(\S*)$`)

// parseLocalizedRFC822 reads an RFC 822 date whose day and month names are
// not English.
func parseLocalizedRFC822(s string) (time.Time, bool) {
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
