package store

import (
	"testing"
	"time"

	"vigil/internal/model"
)

func TestEmailOf(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	ask := ParticipationEmail{MessageID: "m1@vigil.test", Lang: "es"}
	for _, tc := range []struct {
		name  string
		email ParticipationEmail
		res   Participated
		want  model.OutboxMessage
		ok    bool
	}{
		{name: "no email asked", res: Participated{SupporterID: 1, ParticipationID: 2}},
		{name: "a new participation", email: ask, res: Participated{SupporterID: 1, ParticipationID: 2}, ok: true,
			want: model.OutboxMessage{MessageID: "m1@vigil.test", Kind: model.EmailConfirm, State: model.MessageQueued,
				SupporterID: 1, ParticipationID: 2, Lang: "es", CreatedAt: now, NextAttemptAt: now}},
		{name: "a confirmed supporter's new participation", email: ask,
			res: Participated{SupporterID: 1, ParticipationID: 2, Confirmed: true}, ok: true,
			want: model.OutboxMessage{MessageID: "m1@vigil.test", Kind: model.EmailConfirm, State: model.MessageQueued,
				SupporterID: 1, ParticipationID: 2, Lang: "es", CreatedAt: now, NextAttemptAt: now}},
		{name: "a repeat not yet confirmed", email: ask, res: Participated{SupporterID: 1, ParticipationID: 2, Duplicate: true}, ok: true,
			want: model.OutboxMessage{MessageID: "m1@vigil.test", Kind: model.EmailConfirm, State: model.MessageQueued,
				SupporterID: 1, ParticipationID: 2, Lang: "es", CreatedAt: now, NextAttemptAt: now}},
		{name: "a repeat of a confirmed one", email: ask,
			res: Participated{SupporterID: 1, ParticipationID: 2, Duplicate: true, ParticipationConfirmed: true}, ok: true,
			want: model.OutboxMessage{MessageID: "m1@vigil.test", Kind: model.EmailThanksAgain, State: model.MessageQueued,
				SupporterID: 1, ParticipationID: 2, Lang: "es", CreatedAt: now, NextAttemptAt: now}},
	} {
		got, ok := EmailOf(Participate{Email: tc.email, Now: now}, tc.res)
		if ok != tc.ok || got.MessageID != tc.want.MessageID || got.Kind != tc.want.Kind || got.State != tc.want.State ||
			got.SupporterID != tc.want.SupporterID || got.ParticipationID != tc.want.ParticipationID ||
			got.Lang != tc.want.Lang || !got.CreatedAt.Equal(tc.want.CreatedAt) || !got.NextAttemptAt.Equal(tc.want.NextAttemptAt) ||
			!got.Intent() {
			t.Errorf("%s: EmailOf = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
