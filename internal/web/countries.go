package web

import (
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// isoCountries are the ISO 3166-1 alpha-2 codes a supporter can choose.
const isoCountries = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA
GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH
KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY
MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH
SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS YE YT ZA ZM ZW`

// country is one choice in the country list.
type country struct {
	Code string
	Name string
}

var (
	countryCodes = strings.Fields(isoCountries)
	countrySet   = func() map[string]bool {
		m := map[string]bool{}
		for _, c := range countryCodes {
			m[c] = true
		}
		return m
	}()
	countryLists sync.Map // lang -> []country
)

// validCountry reports whether code is one of the listed ISO codes.
func validCountry(code string) bool { return countrySet[code] }

// countriesIn lists every country named in lang, in that language's order.
func countriesIn(lang string) []country {
	if v, ok := countryLists.Load(lang); ok {
		return v.([]country)
	}
	tag := language.Make(lang)
	namer := display.Regions(tag)
	list := make([]country, 0, len(countryCodes))
	for _, code := range countryCodes {
		name := code
		if r, err := language.ParseRegion(code); err == nil {
			if n := namer.Name(r); n != "" {
				name = n
			}
		}
		list = append(list, country{Code: code, Name: name})
	}
	coll := collate.New(tag)
	sort.SliceStable(list, func(i, j int) bool { return coll.CompareString(list[i].Name, list[j].Name) < 0 })
	countryLists.Store(lang, list)
	return list
}
