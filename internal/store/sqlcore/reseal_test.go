package sqlcore

import (
	"errors"
	"testing"

	"vigil/internal/store"
)

// TestResealKnowsEverySealedColumn: a sealed column Reseal does not know
// would keep its values under a key about to be retired.
func TestResealKnowsEverySealedColumn(t *testing.T) {
	if err := checkSealedColumns(store.Schema); err != nil {
		t.Fatal(err)
	}
	extra := append([]store.SchemaTable{}, store.Schema...)
	extra = append(extra, store.SchemaTable{Name: "donations", Columns: []store.SchemaColumn{{Name: "card_sealed", Kind: store.KindBytes}}})
	if err := checkSealedColumns(extra); !errors.Is(err, errUnsealedColumn) {
		t.Errorf("a new sealed column: %v", err)
	}
}
