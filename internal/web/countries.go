package web

import (
	"sort"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"vigil/internal/model"
)

// country is one choice in the country list.
type country struct {
	Code string
	Name string
}

var (
	countryCodes = model.CountryCodes
	countryLists sync.Map // lang -> []country
)

// validCountry reports whether code is one of the listed ISO codes.
func validCountry(code string) bool { return model.ValidCountry(code) }

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
