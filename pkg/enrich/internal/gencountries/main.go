// Command gencountries writes data/country_names.json: the name of every
// ISO 3166-1 country and territory in the languages the gazetteer covers,
// taken from the CLDR tables that golang.org/x/text/language/display carries.
// It runs at development time only (go generate ./enrich), so the tables
// are not linked into parley's binaries.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// codes are the ISO 3166-1 alpha-2 codes (249 officially assigned) plus
// XK, the user-assigned code in common use for Kosovo.
const codes = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK`

var langs = []string{"en", "ru", "uk", "fr", "de", "es", "ar", "pt", "it", "ur"}

type country struct {
	Code  string              `json:"code"`
	Names map[string][]string `json:"names"`
}

func main() {
	out := flag.String("o", "data/country_names.json", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gencountries:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	var list []country
	for _, code := range strings.Fields(codes) {
		r, err := language.ParseRegion(code)
		if err != nil {
			return fmt.Errorf("parse region %s: %w", code, err)
		}
		c := country{Code: code, Names: map[string][]string{}}
		for _, l := range langs {
			tag := language.MustParse(l)
			var names []string
			if n := display.Regions(tag).Name(r); n != "" {
				names = append(names, n)
			}
			c.Names[l] = names
		}
		if len(c.Names["en"]) == 0 {
			return fmt.Errorf("region %s has no English name", code)
		}
		list = append(list, c)
	}
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
