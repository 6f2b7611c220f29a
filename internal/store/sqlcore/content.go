package sqlcore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"vigil/internal/model"
)

// Querier is what *sql.DB and *sql.Tx share.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// noLimit is the LIMIT of "all rows", which both databases take.
const noLimit = 1<<31 - 1

func limitOrAll(limit int) int {
	if limit <= 0 {
		return noLimit
	}
	return limit
}

// dateLayout is how calendar dates are written to both databases (text in
// SQLite, date in PostgreSQL).
const dateLayout = "2006-01-02"

// scanDate reads a calendar date, as text or as a time, at midnight UTC.
type scanDate struct{ t *time.Time }

func (s scanDate) Scan(v any) error {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(dateLayout, v); err != nil {
			return err
		}
	case []byte:
		var err error
		if t, err = time.Parse(dateLayout, string(v)); err != nil {
			return err
		}
	case nil:
	default:
		return errors.New("sqlcore: cannot read a date")
	}
	if !t.IsZero() {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	*s.t = t
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func imageID(img *model.Image) int64 {
	if img == nil {
		return 0
	}
	return img.ID
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ---- images and tags

// CreateImage stores an image and its variants once per content hash. The
// insert skips a hash already stored (by another transaction too, which
// PostgreSQL waits for), so two uploads of one picture give one row.
//
// The public ID is 128 random bits, not derived from the picture: a hash
// of the file in its URLs would let anyone holding the file ask whether the
// organisation has it, published or not.
func (c *Core) CreateImage(ctx context.Context, img *model.Image, variants []model.ImageVariant) error {
	if img.Created.IsZero() {
		return c.errorf("create image: %w", errNoTime)
	}
	if img.PublicID == "" {
		var name [16]byte
		rand.Read(name[:]) // crypto/rand: never fails
		img.PublicID = hex.EncodeToString(name[:])
	}
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO images (hash, alt, credit, width, height, format, created_at, public_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING id`),
			img.Hash, img.Alt, img.Credit, img.Width, img.Height, img.Format, c.instant(img.Created), img.PublicID).Scan(&img.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// Already stored: take its ID and name, leave its variants.
			return tx.QueryRowContext(ctx, c.rebind(`SELECT id, public_id FROM images WHERE hash = ?`), img.Hash).Scan(&img.ID, &img.PublicID)
		}
		if err != nil {
			return err
		}
		for _, v := range variants {
			if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO image_variants (image_id, width, content_type, data) VALUES (?, ?, ?, ?)`),
				img.ID, v.Width, v.ContentType, v.Data); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "image.add", "image", img.ID, nil, map[string]any{"hash": img.Hash, "alt": img.Alt, "widths": len(variants)})
	})
	if err != nil {
		return c.errorf("create image: %w", c.d.MapErr(err))
	}
	return nil
}

// ImageVariant returns one stored rendition.
func (c *Core) ImageVariant(ctx context.Context, publicID string, width int) (model.ImageVariant, error) {
	var v model.ImageVariant
	err := c.db.QueryRowContext(ctx, c.rebind(`SELECT v.image_id, v.width, v.content_type, v.data
		FROM image_variants v JOIN images i ON i.id = v.image_id
		WHERE i.public_id = ? AND v.width = ?`), publicID, width).Scan(&v.ImageID, &v.Width, &v.ContentType, &v.Data)
	if err != nil {
		return v, c.errorf("image %s/%d: %w", publicID, width, c.d.MapErr(err))
	}
	return v, nil
}

// PublicImages lists the public IDs of the images published content shows.
// An action is public when published, whatever its case (as ActionBySlug).
func (c *Core) PublicImages(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT public_id FROM images WHERE id IN (
		SELECT image_id FROM cases WHERE published_at IS NOT NULL
		UNION SELECT image_id FROM actions WHERE published_at IS NOT NULL
		UNION SELECT image_id FROM news WHERE published_at IS NOT NULL)`)
	if err != nil {
		return nil, c.errorf("public images: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, c.errorf("public images: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("public images: %w", err)
	}
	return ids, nil
}

// loadImage reads an image's description and its variant widths; id 0 is
// no image.
func (c *Core) loadImage(ctx context.Context, q Querier, id int64) (*model.Image, error) {
	if id == 0 {
		return nil, nil
	}
	img := &model.Image{ID: id}
	err := q.QueryRowContext(ctx, c.rebind(`SELECT hash, public_id, alt, credit, width, height, format, created_at FROM images WHERE id = ?`), id).
		Scan(&img.Hash, &img.PublicID, &img.Alt, &img.Credit, &img.Width, &img.Height, &img.Format, at(&img.Created))
	if err != nil {
		return nil, c.d.MapErr(err)
	}
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT width FROM image_variants WHERE image_id = ? ORDER BY width`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w int
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		img.Widths = append(img.Widths, w)
	}
	return img, rows.Err()
}

// setTags links the named tags to one row of a link table, creating tags
// that do not exist yet.
func (c *Core) setTags(ctx context.Context, tx *sql.Tx, linkTable, column string, id int64, names []string) error {
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING`), name); err != nil {
			return err
		}
		// linkTable and column are constants chosen by this package.
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO `+linkTable+` (`+column+`, tag_id)
			SELECT ?, id FROM tags WHERE name = ? ON CONFLICT DO NOTHING`), id, name); err != nil {
			return err
		}
	}
	return nil
}

// tagsOf lists the tag names linked to one row in code point order,
// whatever the database's collation.
func (c *Core) tagsOf(ctx context.Context, q Querier, linkTable, column string, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT t.name FROM tags t JOIN `+linkTable+` l ON l.tag_id = t.id
		WHERE l.`+column+` = ? ORDER BY t.name`+c.d.CodePointOrder), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// ---- cases

const caseColumns = `id, slug, lang, title, summary, body, image_id, people_count, status, reference, published_at, updated_at, version`

func (c *Core) scanCase(ctx context.Context, q Querier, row interface{ Scan(...any) error }) (model.Case, error) {
	var cs model.Case
	var image sql.NullInt64
	err := row.Scan(&cs.ID, &cs.Slug, &cs.Lang, &cs.Title, &cs.Summary, &cs.Body, &image, &cs.PeopleCount,
		&cs.Status, &cs.Reference, at(&cs.Published), at(&cs.Updated), &cs.Version)
	if err != nil {
		return cs, c.d.MapErr(err)
	}
	if cs.Image, err = c.loadImage(ctx, q, image.Int64); err != nil {
		return cs, err
	}
	if cs.Tags, err = c.tagsOf(ctx, q, "case_tags", "case_id", cs.ID); err != nil {
		return cs, err
	}
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT code FROM case_countries WHERE case_id = ? ORDER BY position`), cs.ID)
	if err != nil {
		return cs, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return cs, err
		}
		cs.Countries = append(cs.Countries, code)
	}
	return cs, rows.Err()
}

// CaseBySlug returns a published case with everything its page shows.
func (c *Core) CaseBySlug(ctx context.Context, slug string) (model.Case, error) {
	cs, err := c.scanCase(ctx, c.db, c.db.QueryRowContext(ctx, c.rebind(`SELECT `+caseColumns+` FROM cases
		WHERE slug = ? AND published_at IS NOT NULL`), slug))
	if err == nil {
		err = c.loadCaseParts(ctx, c.db, &cs, true)
	}
	if err != nil {
		return cs, c.errorf("case %q: %w", slug, err)
	}
	return cs, nil
}

// loadCaseParts reads a case's timeline, demands, updates and actions (only
// the published ones when published is set).
func (c *Core) loadCaseParts(ctx context.Context, q Querier, cs *model.Case, published bool) error {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT id, happened_on, place, title, body, people_count
		FROM timeline_events WHERE case_id = ? ORDER BY happened_on, id`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		e := model.TimelineEvent{CaseID: cs.ID}
		if err := rows.Scan(&e.ID, scanDate{&e.Date}, &e.Place, &e.Title, &e.Body, &e.PeopleCount); err != nil {
			rows.Close()
			return err
		}
		cs.Timeline = append(cs.Timeline, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = q.QueryContext(ctx, c.rebind(`SELECT id, position, text FROM demands WHERE case_id = ? ORDER BY position`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		d := model.Demand{CaseID: cs.ID}
		if err := rows.Scan(&d.ID, &d.Position, &d.Text); err != nil {
			rows.Close()
			return err
		}
		cs.Demands = append(cs.Demands, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	visible := ""
	if published {
		visible = ` AND hidden_at IS NULL`
	}
	rows, err = q.QueryContext(ctx, c.rebind(`SELECT id, number, title, body, final, published_at, close_actions, new_status, hidden_at
		FROM updates WHERE case_id = ?`+visible+` ORDER BY number DESC, id DESC`), cs.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		u := model.Update{CaseID: cs.ID}
		if err := rows.Scan(&u.ID, &u.Number, &u.Title, &u.Body, &u.Final, at(&u.Published), &u.CloseActions, &u.Status,
			at(&u.Hidden)); err != nil {
			rows.Close()
			return err
		}
		cs.Updates = append(cs.Updates, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	where := `WHERE a.case_id = ? ORDER BY a.id`
	if published {
		where = `WHERE a.case_id = ? AND a.published_at IS NOT NULL ORDER BY a.id`
	}
	cs.Actions, err = c.QueryActions(ctx, q, where, cs.ID)
	return err
}

// PublishedCases lists published cases without their parts.
func (c *Core) PublishedCases(ctx context.Context) ([]model.Case, error) {
	cases, err := c.queryCases(ctx, `WHERE published_at IS NOT NULL ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, c.errorf("cases: %w", err)
	}
	return cases, nil
}

func (c *Core) queryCases(ctx context.Context, tail string, args ...any) ([]model.Case, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT `+caseColumns+` FROM cases `+tail), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cases []model.Case
	for rows.Next() {
		cs, err := c.scanCase(ctx, c.db, rows)
		if err != nil {
			return nil, err
		}
		cases = append(cases, cs)
	}
	return cases, rows.Err()
}

// CreateCase stores a case and its parts in one transaction.
func (c *Core) CreateCase(ctx context.Context, cs *model.Case) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if cs.Updated.IsZero() {
			return errNoTime
		}
		cs.Version = 1
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO cases (slug, lang, title, summary, body, image_id, people_count,
				status, reference, published_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`),
			cs.Slug, cs.Lang, cs.Title, cs.Summary, cs.Body, nullID(imageID(cs.Image)), cs.PeopleCount, cs.Status, cs.Reference,
			c.instant(cs.Published), c.instant(cs.Updated)).Scan(&cs.ID)
		if err != nil {
			return err
		}
		if err := c.saveCaseParts(ctx, tx, cs); err != nil {
			return err
		}
		for i := range cs.Updates {
			u := &cs.Updates[i]
			u.CaseID = cs.ID
			if err := c.insertUpdate(ctx, tx, u); err != nil {
				return err
			}
		}
		return c.audit(ctx, tx, "case.create", "case", cs.ID, nil, caseView(*cs))
	})
	if err != nil {
		return c.errorf("create case %q: %w", cs.Slug, c.d.MapErr(err))
	}
	return nil
}

// saveCaseParts writes a case's countries, tags, timeline and demands,
// replacing any stored before.
func (c *Core) saveCaseParts(ctx context.Context, tx *sql.Tx, cs *model.Case) error {
	for _, table := range []string{"case_countries", "case_tags", "timeline_events", "demands"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE case_id = ?`), cs.ID); err != nil {
			return err
		}
	}
	for i, code := range cs.Countries {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO case_countries (case_id, position, code) VALUES (?, ?, ?)`),
			cs.ID, i, code); err != nil {
			return err
		}
	}
	if err := c.setTags(ctx, tx, "case_tags", "case_id", cs.ID, cs.Tags); err != nil {
		return err
	}
	for i := range cs.Timeline {
		e := &cs.Timeline[i]
		e.CaseID = cs.ID
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO timeline_events (case_id, happened_on, place, title, body, people_count)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), cs.ID, e.Date.Format(dateLayout), e.Place, e.Title, e.Body, e.PeopleCount).
			Scan(&e.ID); err != nil {
			return err
		}
	}
	for i := range cs.Demands {
		d := &cs.Demands[i]
		d.CaseID = cs.ID
		d.Position = i + 1
		if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO demands (case_id, position, text) VALUES (?, ?, ?) RETURNING id`),
			cs.ID, d.Position, d.Text).Scan(&d.ID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Core) insertUpdate(ctx context.Context, tx *sql.Tx, u *model.Update) error {
	return tx.QueryRowContext(ctx, c.rebind(`INSERT INTO updates (case_id, number, title, body, final, published_at, close_actions, new_status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), u.CaseID, u.Number, u.Title, u.Body, u.Final,
		c.instant(u.Published), u.CloseActions, u.Status).Scan(&u.ID)
}

// PublishUpdate adds an update and applies what it says to its case. The
// case row is locked first (where the database locks rows), so two updates
// published at once on one case are numbered one after the other.
func (c *Core) PublishUpdate(ctx context.Context, caseSlug string, u *model.Update) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE slug = ?`+c.d.ForUpdate), caseSlug).Scan(&u.CaseID); err != nil {
			return err
		}
		last, err := c.lastUpdateNumber(ctx, tx, u.CaseID)
		if err != nil {
			return err
		}
		if u.Number == 0 && last >= 0 {
			u.Number = last + 1
		}
		return c.applyUpdate(ctx, tx, u)
	})
	if err != nil {
		return c.errorf("publish update of %q: %w", caseSlug, c.d.MapErr(err))
	}
	return nil
}

// PublishNextUpdate publishes an editor's update as the case's next,
// numbered from 1, if the case is as the editor saw it: the same last
// update number (-1: none) and the same draft (its save time; zero: none).
// Otherwise — published twice, or by two editors at once — it is
// model.ErrStale and nothing changes.
func (c *Core) PublishNextUpdate(ctx context.Context, caseID int64, u *model.Update, seenLast int, seenDraft time.Time) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE id = ?`+c.d.ForUpdate), caseID).Scan(&id); err != nil {
			return err
		}
		last, err := c.lastUpdateNumber(ctx, tx, caseID)
		if err != nil {
			return err
		}
		var draft time.Time
		err = tx.QueryRowContext(ctx, c.rebind(`SELECT saved_at FROM update_drafts WHERE case_id = ?`), caseID).Scan(at(&draft))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if last != seenLast || !draft.Equal(seenDraft.UTC().Truncate(time.Millisecond)) {
			return model.ErrStale
		}
		u.CaseID, u.Number = caseID, max(last+1, 1)
		return c.applyUpdate(ctx, tx, u)
	})
	if err != nil {
		return c.errorf("publish update of case %d: %w", caseID, c.d.MapErr(err))
	}
	return nil
}

// lastUpdateNumber is the highest update number of a case, -1 when it has
// none. Hidden updates count: numbers are never reused.
func (c *Core) lastUpdateNumber(ctx context.Context, tx *sql.Tx, caseID int64) (int, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, c.rebind(`SELECT MAX(number) FROM updates WHERE case_id = ?`), caseID).Scan(&last); err != nil {
		return 0, err
	}
	if !last.Valid {
		return -1, nil
	}
	return int(last.Int64), nil
}

// applyUpdate stores an update, drops the case's draft, and does what the
// update says to the case, in the caller's transaction.
func (c *Core) applyUpdate(ctx context.Context, tx *sql.Tx, u *model.Update) error {
	if err := c.insertUpdate(ctx, tx, u); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM update_drafts WHERE case_id = ?`), u.CaseID); err != nil {
		return err
	}
	at := c.instant(u.Published)
	if u.CloseActions {
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE actions SET closed = ?, closed_at = ?, version = version + 1 WHERE case_id = ? AND NOT closed`),
			true, at, u.CaseID); err != nil {
			return err
		}
	}
	if u.Status != "" {
		if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET status = ? WHERE id = ?`), u.Status, u.CaseID); err != nil {
			return err
		}
	}
	// The case changed under any editor who has it open: a new version.
	if _, err := tx.ExecContext(ctx, c.rebind(`UPDATE cases SET version = version + 1,
		updated_at = CASE WHEN updated_at < ? THEN ? ELSE updated_at END WHERE id = ?`), at, at, u.CaseID); err != nil {
		return err
	}
	return c.audit(ctx, tx, "update.publish", "case", u.CaseID, nil, u)
}

// ---- actions

const actionSelect = `SELECT a.id, a.slug, COALESCE(a.case_id, 0), COALESCE(c.slug, ''), a.lang, a.kind, a.title,
	a.summary, a.body, a.image_id, a.goal, a.count, a.deadline, a.closed, a.closing_text, a.delivery,
	a.subject, a.letter, a.published_at, a.send_from_hour, a.send_to_hour, a.time_zone, a.daily_cap, a.cc, a.bcc,
	a.test_recipient, a.version
	FROM actions a LEFT JOIN cases c ON c.id = a.case_id `

// QueryActions runs the action query with a WHERE/ORDER tail (written with
// ? placeholders) on q, and loads each action's image, targets, tags and
// consent requests.
func (c *Core) QueryActions(ctx context.Context, q Querier, tail string, args ...any) ([]model.Action, error) {
	rows, err := q.QueryContext(ctx, c.rebind(actionSelect+tail), args...)
	if err != nil {
		return nil, err
	}
	var actions []model.Action
	var imageIDs []int64
	for rows.Next() {
		var a model.Action
		var image sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Slug, &a.CaseID, &a.CaseSlug, &a.Lang, &a.Kind, &a.Title, &a.Summary, &a.Body,
			&image, &a.Goal, &a.Count, at(&a.Deadline), &a.Closed, &a.ClosingText, &a.Delivery, &a.Subject, &a.Letter,
			at(&a.Published), &a.SendFromHour, &a.SendToHour, &a.TimeZone, &a.DailyCap, &a.CC, &a.BCC, &a.TestRecipient,
			&a.Version); err != nil {
			rows.Close()
			return nil, err
		}
		actions = append(actions, a)
		imageIDs = append(imageIDs, image.Int64)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range actions {
		a := &actions[i]
		if a.Image, err = c.loadImage(ctx, q, imageIDs[i]); err != nil {
			return nil, err
		}
		if a.Tags, err = c.tagsOf(ctx, q, "action_tags", "action_id", a.ID); err != nil {
			return nil, err
		}
		if a.Targets, err = c.targetsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Consents, err = c.consentRequestsOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if a.Letters, err = c.lettersOf(ctx, q, a.ID); err != nil {
			return nil, err
		}
	}
	return actions, nil
}

// lettersOf reads an action's model letter in other languages; nil when
// there are none.
func (c *Core) lettersOf(ctx context.Context, q Querier, actionID int64) (map[string]model.Letter, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT lang, subject, letter FROM action_letters WHERE action_id = ?`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string]model.Letter
	for rows.Next() {
		var lang string
		var l model.Letter
		if err := rows.Scan(&lang, &l.Subject, &l.Text); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]model.Letter{}
		}
		out[lang] = l
	}
	return out, rows.Err()
}

const targetColumns = `t.id, t.name, t.title, t.organisation, t.address, t.email, t.salutation, t.lang, t.version`

func scanTarget(row interface{ Scan(...any) error }) (model.Target, error) {
	var t model.Target
	err := row.Scan(&t.ID, &t.Name, &t.Title, &t.Organisation, &t.Address, &t.Email, &t.Salutation, &t.Lang, &t.Version)
	return t, err
}

func (c *Core) targetsOf(ctx context.Context, q Querier, actionID int64) ([]model.Target, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT `+targetColumns+`
		FROM targets t JOIN action_targets at ON at.target_id = t.id
		WHERE at.action_id = ? ORDER BY at.position`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var targets []model.Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, rows.Err()
}

func (c *Core) consentRequestsOf(ctx context.Context, q Querier, actionID int64) ([]model.ConsentRequest, error) {
	rows, err := q.QueryContext(ctx, c.rebind(`SELECT key, text, required FROM action_consents WHERE action_id = ? ORDER BY position`), actionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ConsentRequest
	for rows.Next() {
		var cr model.ConsentRequest
		if err := rows.Scan(&cr.Key, &cr.Text, &cr.Required); err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, rows.Err()
}

// ActionBySlug returns a published action with its targets.
func (c *Core) ActionBySlug(ctx context.Context, slug string) (model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.slug = ? AND a.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.Action{}, c.errorf("action %q: %w", slug, err)
	}
	if len(actions) == 0 {
		return model.Action{}, c.errorf("action %q: %w", slug, model.ErrNotFound)
	}
	return actions[0], nil
}

// OpenActions lists actions that accept participations at now.
func (c *Core) OpenActions(ctx context.Context, now time.Time, limit int) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.published_at IS NOT NULL AND NOT a.closed
		AND (a.deadline IS NULL OR a.deadline > ?)
		ORDER BY a.deadline IS NULL, a.deadline, a.id LIMIT ?`, c.instant(now), limitOrAll(limit))
	if err != nil {
		return nil, c.errorf("open actions: %w", err)
	}
	return actions, nil
}

// PublishedActions lists every published action, newest first.
func (c *Core) PublishedActions(ctx context.Context) ([]model.Action, error) {
	actions, err := c.QueryActions(ctx, c.db, `WHERE a.published_at IS NOT NULL ORDER BY a.published_at DESC, a.id DESC`)
	if err != nil {
		return nil, c.errorf("actions: %w", err)
	}
	return actions, nil
}

// CreateAction stores an action with its targets. Targets without an ID
// are created; those with one are linked.
func (c *Core) CreateAction(ctx context.Context, a *model.Action) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		if a.CaseID == 0 && a.CaseSlug != "" {
			if err := tx.QueryRowContext(ctx, c.rebind(`SELECT id FROM cases WHERE slug = ?`), a.CaseSlug).Scan(&a.CaseID); err != nil {
				return c.errorf("case %q: %w", a.CaseSlug, c.d.MapErr(err))
			}
		}
		defaultDelivery(a)
		a.Version = 1
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO actions (slug, case_id, lang, kind, title, summary, body, image_id,
				goal, count, deadline, closed, closing_text, delivery, subject, letter, published_at,
				send_from_hour, send_to_hour, time_zone, daily_cap, cc, bcc, test_recipient, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`),
			a.Slug, nullID(a.CaseID), a.Lang, a.Kind, a.Title, a.Summary, a.Body, nullID(imageID(a.Image)),
			a.Goal, a.Count, c.instant(a.Deadline), a.Closed, a.ClosingText, a.Delivery,
			a.Subject, a.Letter, c.instant(a.Published),
			a.SendFromHour, a.SendToHour, a.TimeZone, a.DailyCap, a.CC, a.BCC, a.TestRecipient).Scan(&a.ID)
		if err != nil {
			return err
		}
		if err := c.saveActionParts(ctx, tx, a); err != nil {
			return err
		}
		return c.audit(ctx, tx, "action.create", "action", a.ID, nil, actionView(*a))
	})
	if err != nil {
		return c.errorf("create action %q: %w", a.Slug, c.d.MapErr(err))
	}
	return nil
}

func defaultDelivery(a *model.Action) {
	if a.Delivery == "" {
		a.Delivery = model.DeliverEach
	}
	if a.SendToHour == 0 {
		a.SendFromHour, a.SendToHour = 8, 18
	}
	if a.TimeZone == "" {
		a.TimeZone = "UTC"
	}
}

// saveActionParts writes an action's targets (creating those without an
// ID), consent requests and tags, replacing the links stored before.
func (c *Core) saveActionParts(ctx context.Context, tx *sql.Tx, a *model.Action) error {
	for _, table := range []string{"action_targets", "action_consents", "action_tags", "action_letters"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE action_id = ?`), a.ID); err != nil {
			return err
		}
	}
	for i := range a.Targets {
		t := &a.Targets[i]
		if t.ID == 0 {
			t.Version = 1
			if err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO targets (name, title, organisation, address, email, salutation, lang, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`), t.Name, t.Title, t.Organisation, t.Address, t.Email,
				t.Salutation, t.Lang).Scan(&t.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_targets (action_id, target_id, position) VALUES (?, ?, ?)`),
			a.ID, t.ID, i); err != nil {
			return err
		}
	}
	for i, cr := range a.Consents {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_consents (action_id, position, key, text, required) VALUES (?, ?, ?, ?, ?)`),
			a.ID, i, cr.Key, cr.Text, cr.Required); err != nil {
			return err
		}
	}
	for lang, l := range a.Letters {
		if lang == a.Lang {
			continue // the action's own letter is a.Subject and a.Letter
		}
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO action_letters (action_id, lang, subject, letter) VALUES (?, ?, ?, ?)`),
			a.ID, lang, l.Subject, l.Text); err != nil {
			return err
		}
	}
	return c.setTags(ctx, tx, "action_tags", "action_id", a.ID, a.Tags)
}

// ---- news

const newsColumns = `n.id, n.slug, n.lang, n.title, n.summary, n.body, n.image_id, n.published_at, n.version`

// queryNews runs a news query and loads each article's image, tags and cases.
func (c *Core) queryNews(ctx context.Context, query string, args ...any) ([]model.NewsArticle, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	var articles []model.NewsArticle
	var imageIDs []int64
	for rows.Next() {
		var n model.NewsArticle
		var image sql.NullInt64
		if err := rows.Scan(&n.ID, &n.Slug, &n.Lang, &n.Title, &n.Summary, &n.Body, &image, at(&n.Published), &n.Version); err != nil {
			rows.Close()
			return nil, err
		}
		articles = append(articles, n)
		imageIDs = append(imageIDs, image.Int64)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range articles {
		n := &articles[i]
		if n.Image, err = c.loadImage(ctx, c.db, imageIDs[i]); err != nil {
			return nil, err
		}
		if n.Tags, err = c.tagsOf(ctx, c.db, "news_tags", "news_id", n.ID); err != nil {
			return nil, err
		}
		if n.CaseIDs, err = c.caseIDsOf(ctx, n.ID); err != nil {
			return nil, err
		}
	}
	return articles, nil
}

func (c *Core) caseIDsOf(ctx context.Context, newsID int64) ([]int64, error) {
	rows, err := c.db.QueryContext(ctx, c.rebind(`SELECT case_id FROM news_cases WHERE news_id = ? ORDER BY case_id`), newsID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NewsBySlug returns a published article.
func (c *Core) NewsBySlug(ctx context.Context, slug string) (model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.slug = ? AND n.published_at IS NOT NULL`, slug)
	if err != nil {
		return model.NewsArticle{}, c.errorf("news %q: %w", slug, err)
	}
	if len(articles) == 0 {
		return model.NewsArticle{}, c.errorf("news %q: %w", slug, model.ErrNotFound)
	}
	return articles[0], nil
}

// LatestNews lists published articles, newest first.
func (c *Core) LatestNews(ctx context.Context, offset, limit int) ([]model.NewsArticle, error) {
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n WHERE n.published_at IS NOT NULL
		ORDER BY n.published_at DESC, n.id DESC LIMIT ? OFFSET ?`, limitOrAll(limit), offset)
	if err != nil {
		return nil, c.errorf("latest news: %w", err)
	}
	return articles, nil
}

// RelatedNews lists articles linked to the case first, then those sharing
// the most tags: one broad tag in common says less than several.
func (c *Core) RelatedNews(ctx context.Context, caseID int64, tags []string, excludeID int64, limit int) ([]model.NewsArticle, error) {
	shared := "(n.id * 0)" // no tags: a plain 0 would read as a column number
	var tagArgs []any
	if len(tags) > 0 {
		shared = `(SELECT COUNT(*) FROM news_tags nt JOIN tags t ON t.id = nt.tag_id
			WHERE nt.news_id = n.id AND t.name IN (` + placeholders(len(tags)) + `))`
		for _, t := range tags {
			tagArgs = append(tagArgs, t)
		}
	}
	linked := `EXISTS (SELECT 1 FROM news_cases WHERE news_id = n.id AND case_id = ?)`
	args := []any{excludeID, caseID}
	args = append(args, tagArgs...)
	args = append(args, caseID)
	args = append(args, tagArgs...)
	args = append(args, limitOrAll(limit))
	articles, err := c.queryNews(ctx, `SELECT `+newsColumns+` FROM news n
		WHERE n.published_at IS NOT NULL AND n.id <> ? AND (`+linked+` OR `+shared+` > 0)
		ORDER BY `+linked+` DESC, `+shared+` DESC, n.published_at DESC, n.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, c.errorf("related news: %w", err)
	}
	return articles, nil
}

// CreateNews stores an article with its tags and case links.
func (c *Core) CreateNews(ctx context.Context, n *model.NewsArticle) error {
	err := c.d.InTx(ctx, func(tx *sql.Tx) error {
		n.Version = 1
		err := tx.QueryRowContext(ctx, c.rebind(`INSERT INTO news (slug, lang, title, summary, body, image_id, published_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`), n.Slug, n.Lang, n.Title, n.Summary, n.Body,
			nullID(imageID(n.Image)), c.instant(n.Published)).Scan(&n.ID)
		if err != nil {
			return err
		}
		if err := c.saveNewsParts(ctx, tx, n); err != nil {
			return err
		}
		return c.audit(ctx, tx, "news.create", "news", n.ID, nil, newsView(*n))
	})
	if err != nil {
		return c.errorf("create news %q: %w", n.Slug, c.d.MapErr(err))
	}
	return nil
}

func (c *Core) saveNewsParts(ctx context.Context, tx *sql.Tx, n *model.NewsArticle) error {
	for _, table := range []string{"news_cases", "news_tags"} {
		if _, err := tx.ExecContext(ctx, c.rebind(`DELETE FROM `+table+` WHERE news_id = ?`), n.ID); err != nil {
			return err
		}
	}
	for _, caseID := range n.CaseIDs {
		if _, err := tx.ExecContext(ctx, c.rebind(`INSERT INTO news_cases (news_id, case_id) VALUES (?, ?)`), n.ID, caseID); err != nil {
			return err
		}
	}
	return c.setTags(ctx, tx, "news_tags", "news_id", n.ID, n.Tags)
}
