package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
)

// TestRecordSignatureHelper records signatures as a partner's tool does:
// the person matched by email, one signature per person and petition,
// the confirmation email as triggers say, consents only as stated.
func TestRecordSignatureHelper(t *testing.T) {
	forEachStore(t, func(t *testing.T, st apiStore) {
		f := newFixture(t, st)
		key := f.keys["write"]
		petition, err := st.ActionBySlug(ctx, demo.UgandaSlug)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/petitions/%d/signatures", petition.ID)
		consentKey := ""
		for _, c := range petition.Consents {
			if !c.Required {
				consentKey = c.Key
			}
		}
		if consentKey == "" {
			t.Fatal("the demo petition asks no optional consent")
		}
		body := `{"person": {"given_name": "Dana", "family_name": "Okello", "email_addresses": [{"address": "Dana@Example.org", "primary": true}],
			"postal_addresses": [{"postal_code": "256", "country": "ug"}], "preferred_language": "fr"},
			"action_date": "2026-11-26T10:00:00Z", "comments": "Stand with them",
			"referrer_data": {"source": "newsletter-nov", "website": "https://partner.example"},
			"vigil:consents": {"` + consentKey + `": true}}`
		status, sig := f.post(t, key, path, body)
		if status != http.StatusOK {
			t.Fatalf("record: %d %v", status, sig)
		}
		person, pet := hrefs(sig, "osdi:person"), hrefs(sig, "osdi:petition")
		if len(person) != 1 || len(pet) != 1 || pet[0] != f.srv.URL+fmt.Sprintf("/api/v1/petitions/%d", petition.ID) ||
			sig["comments"] != "Stand with them" || sig["vigil:confirmed"] != false ||
			sig["referrer_data"].(map[string]any)["website"] != "https://partner.example" {
			t.Fatalf("recorded signature: %v", sig)
		}
		sup, err := st.SupporterByEmail(ctx, "dana@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if sup.Name != "Dana Okello" || sup.Country != "UG" || sup.PostalCode != "256" || sup.Lang != "fr" ||
			!strings.HasSuffix(person[0], fmt.Sprintf("/people/%d", sup.ID)) {
			t.Errorf("supporter %+v, link %s", sup, person[0])
		}
		msgs, err := st.SupporterMessages(ctx, sup.ID, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Kind != model.ParticipationEmail(false, false) {
			t.Errorf("messages after recording: %+v, %v; want the request to confirm", msgs, err)
		}
		// Nothing counts before the mailbox confirms; then once, however
		// often the tool records the same person.
		before := petition.Count
		again := strings.Replace(body, `"comments": "Stand with them"`, `"triggers": {"autoresponse": {"enabled": false}}`, 1)
		status, repeat := f.post(t, key, path, again)
		if status != http.StatusOK || fmt.Sprint(repeat["identifiers"]) != fmt.Sprint(sig["identifiers"]) {
			t.Errorf("the same person again: %d %v, want the same signature", status, repeat)
		}
		id := f.signatureID(t, sig)
		if _, _, err := st.ConfirmParticipation(ctx, id, f.now); err != nil {
			t.Fatal(err)
		}
		// Confirmed, the consents stated take effect: only those.
		consents, err := st.Consents(ctx, sup.ID)
		if err != nil || len(consents) != 1 || consents[0].Key != consentKey || !consents[0].Given ||
			!strings.Contains(consents[0].Source, "key write") || consents[0].Text == "" {
			t.Errorf("consents %+v, %v; want only the one stated, with its text", consents, err)
		}
		f.post(t, key, path, body)
		after, err := st.ActionBySlug(ctx, demo.UgandaSlug)
		if err != nil {
			t.Fatal(err)
		}
		if after.Count != before+1 {
			t.Errorf("count %d after one confirmed signature recorded three times, want %d", after.Count, before+1)
		}
		// With the autoresponse off, nobody is emailed now.
		off := `{"person": {"email_addresses": [{"address": "eli@example.org"}]}, "triggers": {"autoresponse": {"enabled": false}}}`
		if status, doc := f.post(t, key, path, off); status != http.StatusOK {
			t.Fatalf("autoresponse off: %d %v", status, doc)
		}
		eli, err := st.SupporterByEmail(ctx, "eli@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if msgs, err := st.SupporterMessages(ctx, eli.ID, 10); err != nil || len(msgs) != 0 {
			t.Errorf("autoresponse off: messages %+v, %v", msgs, err)
		}
		// An outreach takes the model letter when the tool sends none.
		appeal, err := st.ActionBySlug(ctx, demo.CanadaSlug)
		if err != nil {
			t.Fatal(err)
		}
		status, out := f.post(t, key, fmt.Sprintf("/api/v1/advocacy_campaigns/%d/outreaches", appeal.ID),
			`{"person": {"email_addresses": [{"address": "fay@example.org"}]}}`)
		if status != http.StatusOK || out["subject"] == "" || !strings.Contains(out["message"].(string), strings.Fields(model.LetterBody(appeal.Letter))[0]) ||
			len(hrefs(out, "osdi:advocacy_campaign")) != 1 {
			t.Errorf("outreach: %d %v", status, out)
		}
	})
}

// signatureID reads the id out of a signature's identifiers.
func (f *fixture) signatureID(t *testing.T, doc map[string]any) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(doc["identifiers"].([]any)[0].(string), "vigil:%d", &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestRecordRefusesBadInput: what a tool gets wrong is a 400 saying
// what, and nothing is stored.
func TestRecordRefusesBadInput(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	petition, err := f.st.ActionBySlug(ctx, demo.UgandaSlug)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/petitions/%d/signatures", petition.ID)
	_, total, err := f.st.People(ctx, store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	person := `"person": {"email_addresses": [{"address": "new@example.org"}]}`
	for name, c := range map[string]struct {
		body   string
		status int
		says   string
	}{
		"malformed":            {`{"person": {`, 400, "JSON"},
		"two values":           {`{` + person + `} {}`, 400, "more than one"},
		"unknown field":        {`{` + person + `, "add_tags": ["x"]}`, 400, "add_tags"},
		"no email":             {`{"person": {"given_name": "X"}}`, 400, "email address is required"},
		"bad email":            {`{"person": {"email_addresses": [{"address": "not-an-address"}]}}`, 400, "not an email address"},
		"bad country":          {`{"person": {"email_addresses": [{"address": "new@example.org"}], "postal_addresses": [{"country": "Narnia"}]}}`, 400, "country"},
		"bad date":             {`{` + person + `, "action_date": "yesterday"}`, 400, "action_date"},
		"unknown consent":      {`{` + person + `, "vigil:consents": {"sell_my_data": true}}`, 400, "sell_my_data"},
		"letter on a petition": {`{` + person + `, "message": "Dear"}`, 400, "petition takes no letter"},
		"long comment":         {`{` + person + `, "comments": "` + strings.Repeat("a", model.MaxComment+1) + `"}`, 400, "comments"},
		"over the limit":       {`{` + person + `, "comments": "` + strings.Repeat("a", 70000) + `"}`, 400, "bytes"},
	} {
		status, doc := f.post(t, f.keys["write"], path, c.body)
		msg, _ := doc["error"].(string)
		if status != c.status || !strings.Contains(msg, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", name, status, msg, c.status, c.says)
		}
	}
	if _, after, err := f.st.People(ctx, store.PeopleFilter{}); err != nil || after != total {
		t.Errorf("people %d after refused requests, want %d (%v)", after, total, err)
	}
	// Scopes: reading keys may not write; a write key may not read people.
	if status, _ := f.post(t, f.keys["read,people"], path, `{`+person+`}`); status != http.StatusForbidden {
		t.Errorf("a key without write: %d", status)
	}
	// A closed action takes nothing.
	closed, err := f.st.ActionBySlug(ctx, demo.CaseAppealSlug)
	if err != nil {
		t.Fatal(err)
	}
	status, doc := f.post(t, f.keys["write"], fmt.Sprintf("/api/v1/advocacy_campaigns/%d/outreaches", closed.ID), `{`+person+`}`)
	if status != http.StatusConflict || doc["error"] == nil {
		t.Errorf("a closed action: %d %v", status, doc)
	}
}
