package sqlite

import (
	"strings"

	"vigil/internal/store/sqlcore"
)

// searchHooks match through the FTS5 table over search_entries, ranked by
// bm25 with the title weighing ten times the body (lower is better).
var searchHooks = sqlcore.SearchHooks{
	From:  `search_fts JOIN search_entries e ON e.id = search_fts.rowid WHERE search_fts MATCH ?`,
	Score: `bm25(search_fts, 10.0, 1.0)`,
	Query: func(words []string) string {
		// Each word quoted (it holds only letters and digits) and a
		// prefix; FTS5 requires all of them.
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = `"` + w + `"*`
		}
		return strings.Join(quoted, " ")
	},
}
