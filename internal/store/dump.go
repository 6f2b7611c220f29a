package store

// Copying a whole installation between databases (vigil copy): each adapter
// dumps its tables as neutral rows and loads them back. Rows travel as they
// are stored: sealed fields stay sealed, and every row keeps its ID, since a
// sealed value is bound to its row (secret.AD: "table.column:id") and would
// not open under another ID.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Row is one table row, column name to value, in neutral types whatever the
// database: int64 (KindInt), string (KindText), []byte (KindBytes), bool
// (KindBool), time.Time in UTC (KindInstant; KindDate at midnight UTC), or
// nil for NULL. Dumps give an empty value as a non-nil empty []byte; loads
// take a nil []byte as NULL, as database/sql does.
type Row map[string]any

// ColumnKind is what a column holds, which decides how each database stores
// it: SQLite keeps instants and dates as text and booleans as 0/1, PostgreSQL
// as timestamptz, date and boolean.
type ColumnKind uint8

// The kinds of column.
const (
	KindInt     ColumnKind = iota + 1 // INTEGER / integer, bigint
	KindText                          // TEXT / text
	KindBytes                         // BLOB / bytea
	KindBool                          // INTEGER 0 or 1 / boolean
	KindInstant                       // TEXT 2006-01-02T15:04:05.000Z / timestamptz
	KindDate                          // TEXT 2006-01-02 / date
)

var kindNames = map[string]ColumnKind{
	"int": KindInt, "text": KindText, "bytes": KindBytes, "bool": KindBool, "instant": KindInstant, "date": KindDate,
}

func (k ColumnKind) String() string {
	for name, kind := range kindNames {
		if kind == k {
			return name
		}
	}
	return fmt.Sprintf("ColumnKind(%d)", uint8(k))
}

// SchemaColumn is one column of a table and its kind.
type SchemaColumn struct {
	Name string
	Kind ColumnKind
}

// SchemaTable is one table a copy moves, with every column in the order of
// the migrations.
type SchemaTable struct {
	Name    string
	Columns []SchemaColumn
}

// Kind returns the kind of a column of the table.
func (t SchemaTable) Kind(column string) (ColumnKind, bool) {
	for _, c := range t.Columns {
		if c.Name == column {
			return c.Kind, true
		}
	}
	return 0, false
}

// Schema lists every table a copy moves, each after the tables it refers to,
// with the kind of every column. The adapters read the columns from the
// database itself and refuse a table or column missing here, so a migration
// that adds one must add it here too (the adapters' tests compare this list
// with their schema, kinds and order of references included). Goose's
// version table is not copied: each database keeps its own.
var Schema = []SchemaTable{
	table("images", "id int, hash text, alt text, credit text, width int, height int, format text, created_at instant, public_id text"),
	table("image_variants", "image_id int, width int, content_type text, data bytes"),
	table("tags", "id int, name text"),
	table("cases", "id int, slug text, lang text, title text, summary text, body text, image_id int, people_count int, "+
		"status text, reference text, published_at instant, updated_at instant, version int, figures_intro text, figures text"),
	table("case_countries", "case_id int, position int, code text"),
	table("case_tags", "case_id int, tag_id int"),
	table("timeline_events", "id int, case_id int, happened_on date, place text, title text, body text, people_count int"),
	table("demands", "id int, case_id int, position int, text text"),
	table("updates", "id int, case_id int, number int, title text, body text, final bool, published_at instant, "+
		"close_actions bool, new_status text, hidden_at instant"),
	table("update_drafts", "case_id int, title text, body text, final bool, close_actions bool, new_status text, saved_at instant"),
	table("targets", "id int, name text, title text, organisation text, address text, email text, salutation text, lang text, "+
		"version int"),
	table("actions", "id int, slug text, case_id int, lang text, kind text, title text, summary text, body text, image_id int, "+
		"goal int, count int, deadline instant, closed bool, closing_text text, delivery text, subject text, letter text, "+
		"published_at instant, send_from_hour int, send_to_hour int, time_zone text, daily_cap int, cc text, bcc text, "+
		"test_recipient text, closed_at instant, version int"),
	table("action_targets", "action_id int, target_id int, position int"),
	table("action_tags", "action_id int, tag_id int"),
	table("action_consents", "id int, action_id int, position int, key text, text text, required bool"),
	table("action_letters", "action_id int, lang text, subject text, letter text"),
	table("news", "id int, slug text, lang text, title text, summary text, body text, image_id int, published_at instant, "+
		"version int"),
	table("news_tags", "news_id int, tag_id int"),
	table("translations", "kind text, record_id int, lang text, texts text, source text, version int, saved_at instant"),
	table("news_cases", "news_id int, case_id int"),
	table("search_entries", "id int, kind text, record_id int, lang text, original bool, slug text, title text, body text, "+
		"folded_title text, folded_body text, published_at instant"),
	table("supporters", "id int, email_index bytes, email_sealed bytes, name_sealed bytes, postal_sealed bytes, "+
		"country text, lang text, created_at instant, confirmed_at instant, unsubscribed_at instant, reminded_at instant, "+
		"erased_at instant, updated_at instant"),
	table("participations", "id int, supporter_id int, action_id int, created_at instant, confirmed_at instant, "+
		"subject_sealed bytes, letter_sealed bytes, comment_sealed bytes, referrer text, share_code text, ip_hash bytes, "+
		"agent_class text, fill_ms int"),
	table("consents", "id int, supporter_id int, participation_id int, key text, text text, given bool, source text, at instant, "+
		"pending bool"),
	table("outbox", "id int, message_id text, kind text, state text, sealed bytes, supporter_id int, participation_id int, "+
		"target_id int, attempts int, next_attempt_at instant, lease_until instant, last_error text, created_at instant, sent_at instant, "+
		"update_id int, lang text"),
	table("update_optouts", "supporter_id int, case_id int, at instant"),
	table("appeal_deliveries", "participation_id int, target_id int, outbox_id int, queued_at instant, delivered_at instant"),
	table("staff_users", "id int, email text, role text, password_hash text, totp_sealed bytes, totp_step int, "+
		"disabled bool, created_at instant, last_login_at instant, lang text"),
	table("staff_sessions", "token_hash bytes, user_id int, verified bool, created_at instant, last_seen_at instant"),
	table("staff_login_failures", "user_id int, network bytes, failures int, locked_until instant, last_failed_at instant"),
	table("audit_log", "id int, at instant, user_id int, user_email text, action text, object_type text, object_id int, "+
		"before text, after text, ip_hash text"),
	table("settings", "key text, value text"),
	table("api_keys", "id int, name text, hash bytes, scopes text, created_at instant, created_by text, last_used_at instant, "+
		"revoked_at instant"),
	table("webhooks", "id int, url text, secret_sealed bytes, events text, created_at instant, created_by text, removed_at instant"),
	table("webhook_deliveries", "id int, webhook_id int, event text, supporter_id int, participation_id int, state text, "+
		"attempts int, next_attempt_at instant, lease_until instant, last_status int, last_error text, created_at instant, sent_at instant"),
	table("stripe_events", "event_id text, type text, received_at instant"),
	table("monthly_gifts", "id int, subscription_id text, customer_id text, amount int, currency text, case_slug text, "+
		"lang text, name_sealed bytes, email_sealed bytes, email_index bytes, supporter_id int, started_at instant, "+
		"ended_at instant, erased_at instant"),
	table("donations", "id int, payment_ref text, session_id text, subscription_id text, customer_id text, amount int, "+
		"currency text, monthly bool, case_slug text, lang text, name_sealed bytes, email_sealed bytes, email_index bytes, "+
		"supporter_id int, paid_at instant, erased_at instant"),
	table("records", "id int, case_id int, name_sealed bytes, version int, created_at instant, updated_at instant, label text"),
	table("record_events", "id int, record_id int, kind text, happened_on date, date_precision text, place_sealed bytes, "+
		"source_sealed bytes, source_how_sealed bytes, source_date date, verification text, note_sealed bytes, legacy_seal bool, "+
		"action_id int, created_at instant"),
}

// table parses "name kind, name kind, …"; a typo panics at start-up, so
// every test catches it.
func table(name, columns string) SchemaTable {
	t := SchemaTable{Name: name}
	for part := range strings.SplitSeq(columns, ",") {
		f := strings.Fields(part)
		if len(f) != 2 || kindNames[f[1]] == 0 {
			panic(fmt.Sprintf("store.Schema: table %s: bad column %q", name, part))
		}
		t.Columns = append(t.Columns, SchemaColumn{Name: f[0], Kind: kindNames[f[1]]})
	}
	return t
}

// SchemaTableNamed returns the table of Schema with this name.
func SchemaTableNamed(name string) (SchemaTable, bool) {
	for _, t := range Schema {
		if t.Name == name {
			return t, true
		}
	}
	return SchemaTable{}, false
}

// SchemaTables lists the names of Schema's tables, in its order.
func SchemaTables() []string {
	names := make([]string, len(Schema))
	for i, t := range Schema {
		names[i] = t.Name
	}
	return names
}

// DumpVersionTable is goose's table of applied migrations: never copied.
const DumpVersionTable = "goose_db_version"

// CheckSchema compares a database's tables and their columns (table name
// to column names; the database's own internal tables left out) with
// Schema, and says everything that differs: a table or column copied by
// nobody would be left behind silently. Goose's version table is ignored.
func CheckSchema(columns map[string][]string) error {
	var errs []error
	var names []string
	for name := range columns {
		if name != DumpVersionTable {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := SchemaTableNamed(name); !ok {
			errs = append(errs, fmt.Errorf("table %s is not in store.Schema: add it there, after the tables it refers to", name))
		}
	}
	for _, t := range Schema {
		have, ok := columns[t.Name]
		if !ok {
			errs = append(errs, fmt.Errorf("table %s is missing from the database: is it migrated?", t.Name))
			continue
		}
		for _, name := range have {
			if _, ok := t.Kind(name); !ok {
				errs = append(errs, fmt.Errorf("column %s.%s is not in store.Schema: add it there with its kind", t.Name, name))
			}
		}
		for _, c := range t.Columns {
			if !slices.Contains(have, c.Name) {
				errs = append(errs, fmt.Errorf("column %s.%s is missing from the database: is it migrated?", t.Name, c.Name))
			}
		}
	}
	return errors.Join(errs...)
}

// CheckValue reports a value whose Go type is not the neutral type of kind.
// nil (NULL) fits every kind.
func CheckValue(kind ColumnKind, v any) error {
	ok := false
	switch v.(type) {
	case nil:
		ok = true
	case int64:
		ok = kind == KindInt
	case string:
		ok = kind == KindText
	case []byte:
		ok = kind == KindBytes
	case bool:
		ok = kind == KindBool
	case time.Time:
		ok = kind == KindInstant || kind == KindDate
	}
	if !ok {
		return fmt.Errorf("a %T where a %s belongs", v, kind)
	}
	return nil
}

// ErrNotEmpty is returned by Loader.Load for a database that holds rows
// already: a copy goes into an empty database only.
var ErrNotEmpty = errors.New("the database is not empty")

// Dumper reads a whole database as neutral rows.
type Dumper interface {
	// Dump runs fn on one consistent snapshot of the database (a read-only
	// transaction), which ends when fn returns. Writes made meanwhile are
	// not in it. The database must have exactly the tables and columns of
	// Schema (see CheckSchema).
	Dump(ctx context.Context, fn func(DumpTx) error) error
}

// DumpTx is a snapshot being read.
type DumpTx interface {
	// Tables lists the tables to copy, each after those it refers to.
	Tables() []string
	// CountRows counts the rows of a table.
	CountRows(ctx context.Context, table string) (int64, error)
	// DumpTable calls fn with every row of the table, in primary key order,
	// and stops at fn's first error, which it returns. fn owns each Row.
	DumpTable(ctx context.Context, table string, fn func(Row) error) error
}

// Loader writes neutral rows into an empty database.
type Loader interface {
	// IsEmpty reports whether no table of Schema holds a row.
	IsEmpty(ctx context.Context) (bool, error)
	// Load runs fn in one transaction, committed when fn returns nil: the
	// database ends with all that fn loaded or none of it. It refuses a
	// database that is not empty with ErrNotEmpty. Before committing it
	// moves the database's ID generators past the largest ID loaded, so the
	// next row stored gets a fresh ID.
	Load(ctx context.Context, fn func(LoadTx) error) error
}

// LoadTx is a load in progress.
type LoadTx interface {
	// LoadTable stores every row rows yields into the table, IDs included,
	// and returns how many. Load tables parents first (as DumpTx.Tables
	// orders them). A row must have exactly the table's columns: a missing
	// or an unknown one is an error, never a silent default or drop. When
	// yield returns an error rows must stop and return it.
	LoadTable(ctx context.Context, table string, rows func(yield func(Row) error) error) (int64, error)
}

// Copy copies every table of src into dst, which must be empty: rows are
// read from one snapshot of src and written in one transaction of dst, so
// dst ends with all of it or none. progress, when set, is told of each table
// once it is written.
func Copy(ctx context.Context, dst Loader, src Dumper, progress func(table string, rows int64, took time.Duration)) error {
	return dst.Load(ctx, func(w LoadTx) error {
		return src.Dump(ctx, func(r DumpTx) error {
			for _, table := range r.Tables() {
				start := time.Now()
				n, err := w.LoadTable(ctx, table, func(yield func(Row) error) error {
					return r.DumpTable(ctx, table, yield)
				})
				if err != nil {
					return fmt.Errorf("copy %s: %w", table, err)
				}
				if progress != nil {
					progress(table, n, time.Since(start))
				}
			}
			return nil
		})
	})
}

// CountAll counts the rows of every table of Schema in one snapshot.
func CountAll(ctx context.Context, d Dumper) (map[string]int64, error) {
	counts := map[string]int64{}
	err := d.Dump(ctx, func(tx DumpTx) error {
		for _, table := range tx.Tables() {
			n, err := tx.CountRows(ctx, table)
			if err != nil {
				return fmt.Errorf("count %s: %w", table, err)
			}
			counts[table] = n
		}
		return nil
	})
	return counts, err
}
