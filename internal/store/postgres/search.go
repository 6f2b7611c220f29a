package postgres

import (
	"strings"

	"vigil/internal/store/sqlcore"
)

// searchHooks match each entry's document (search_vector, under the
// configuration of the entry's language, stored and indexed by GIN) against
// the query read under every configuration an entry can have, joined by
// OR: one query for every row, so the index serves it. Ranked by ts_rank
// (higher is better, so negated).
var searchHooks = sqlcore.SearchHooks{
	From: `search_entries e CROSS JOIN (SELECT
			to_tsquery('pg_catalog.english', w) || to_tsquery('pg_catalog.spanish', w) ||
			to_tsquery('pg_catalog.french', w) || to_tsquery('pg_catalog.simple', w) AS q
		FROM (SELECT CAST(? AS text) AS w) typed) sq
		WHERE e.document @@ sq.q`,
	Score: `-ts_rank(e.document, sq.q)`,
	Query: func(words []string) string {
		// Words hold only letters and digits: no operator of
		// to_tsquery can be among them.
		prefixed := make([]string, len(words))
		for i, w := range words {
			prefixed[i] = w + ":*"
		}
		return strings.Join(prefixed, " & ")
	},
}
