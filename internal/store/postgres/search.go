package postgres

import (
	"strings"

	"vigil/internal/store/sqlcore"
)

// searchHooks match each entry's document (search_vector, indexed by GIN)
// against the query in the entry's own language's configuration, ranked
// by ts_rank (higher is better, so negated).
var searchHooks = sqlcore.SearchHooks{
	From: `search_entries e CROSS JOIN LATERAL (SELECT to_tsquery(search_config(e.lang), ?) AS q) sq
		WHERE search_vector(e.lang, e.folded_title, e.folded_body) @@ sq.q`,
	Score: `-ts_rank(search_vector(e.lang, e.folded_title, e.folded_body), sq.q)`,
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
