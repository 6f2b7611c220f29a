package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// The individuals of the reference case, and a training case.
//
// The reference case's records hold anonymised individuals ("Individual
// 001" … "Individual 252") whose events say only what the campaign page
// itself says of all of them: returned to Venezuela on 18 July 2025. So
// the figures its public page shows are true. Nothing is invented about
// any of the real men.
//
// What happens when one of them is detained again is shown on a separate
// case, clearly fictional and never published, for staff to practise on.

// Individuals is how many individuals the reference case concerns.
const Individuals = 252

// The source of every event of the reference case.
const (
	campaignSource = "The campaign page of this case (UA 28/25)"
	campaignHow    = "Published statement that all 252 men were returned to Venezuela by 18 July 2025"
)

// returnedOn is the day all 252 men were returned to Venezuela.
var returnedOn = time.Date(2025, time.July, 18, 0, 0, 0, 0, time.UTC)

// individuals are the reference case's records, each with its one event,
// which says only what the campaign page states. An organisation
// publishes such a statement once its researchers have checked it, so
// the demo marks the fact corroborated, which lets the figure show; the
// source fields name the page, so a researcher sees where it comes from.
func individuals(caseID int64) []model.Record {
	records := make([]model.Record, Individuals)
	for i := range records {
		records[i] = model.Record{CaseID: caseID, Label: fmt.Sprintf("Individual %03d", i+1), Events: []model.RecordEvent{{
			Kind: model.EventReturned, Date: returnedOn, Precision: model.PrecisionDay, Place: "Venezuela",
			Source: campaignSource, SourceHow: campaignHow, Verification: model.VerifiedCorroborated}}}
	}
	return records
}

// installIndividuals stores the reference case's individuals in one batch
// and publishes the figures they give, as an editor would. The figures
// are as of the day the campaign page states, not of the install: the
// demo knows nothing later.
func installIndividuals(ctx context.Context, st store.Store, caseID int64, now time.Time) error {
	if err := st.AddRecords(ctx, individuals(caseID), now); err != nil {
		return fmt.Errorf("demo: individuals: %w", err)
	}
	counts, err := st.CaseFigures(ctx, caseID)
	if err != nil {
		return fmt.Errorf("demo: figures: %w", err)
	}
	c, err := st.CaseByID(ctx, caseID)
	if err != nil {
		return fmt.Errorf("demo: figures: %w", err)
	}
	figures := model.CaseFigures{AsOf: returnedOn, Total: counts.Total,
		Figures: model.PublicFigures(counts, []model.RecordStatus{model.RecordReturned}, model.MinFigureGroup)}
	if err := st.PublishFigures(ctx, caseID, c.Version, c.FiguresIntro, figures); err != nil {
		return fmt.Errorf("demo: figures: %w", err)
	}
	return nil
}

// TrainingSlug is the fictional case staff practise on. It is never
// published.
const TrainingSlug = "training-fictional-case"

// installTraining stores the training case: a draft appeal to a fictional
// official, six fictional people returned home, and one of them detained
// again, corroborated, which drafted the follow-up action editors find on
// the dashboard.
func installTraining(ctx context.Context, st store.Store, now time.Time) error {
	c := model.Case{Slug: TrainingSlug, Lang: lang, Reference: "TRAINING 01/26",
		Title:   "TRAINING ONLY — a fictional case (never published)",
		Summary: "Everything in this case is invented for staff training: the people, places, officials and events. It concerns no real person and must never be published.",
		Body:    "This case exists so that researchers and editors can practise recording events and reviewing the follow-up action a verified re-detention drafts. Do not publish it.",
		Status:  model.CaseActive, Updated: now}
	if err := st.CreateCase(ctx, &c); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil // there already
		}
		return fmt.Errorf("demo: training case: %w", err)
	}
	appeal := model.Action{Slug: "training-fictional-appeal", CaseID: c.ID, Lang: lang, Kind: model.ActionAppeal,
		Title:   "TRAINING ONLY — appeal to a fictional official",
		Subject: "Release the fictional detainees", Letter: "Dear Minister,\n\nThis letter is a training example.\n",
		Targets: []model.Target{{Name: "Fictional Minister of the Interior", Title: "Minister (fictional)",
			Organisation: "Fictional Ministry", Email: "minister@training.invalid", Lang: lang}}}
	if err := st.CreateAction(ctx, &appeal); err != nil {
		return fmt.Errorf("demo: training appeal: %w", err)
	}
	records := make([]model.Record, 6)
	for i := range records {
		records[i] = model.Record{CaseID: c.ID, Label: fmt.Sprintf("Training person %02d", i+1),
			Name: fmt.Sprintf("Fictional Person %c", 'A'+i), Events: []model.RecordEvent{{
				Kind: model.EventReturned, Date: time.Date(2025, time.August, 1, 0, 0, 0, 0, time.UTC), Precision: model.PrecisionDay,
				Place: "Fictional City", Source: "Training material", SourceHow: "invented", Verification: model.VerifiedCorroborated}}}
	}
	if err := st.AddRecords(ctx, records, now); err != nil {
		return fmt.Errorf("demo: training people: %w", err)
	}
	again := model.RecordEvent{RecordID: records[2].ID, Kind: model.EventReDetained,
		Date: model.PrecisionDay.Truncate(now.AddDate(0, 0, -2)), Precision: model.PrecisionDay,
		Place: "Fictional City police station", Source: "Their fictional sister", SourceHow: "invented, by phone",
		SourceDate: model.PrecisionDay.Truncate(now.AddDate(0, 0, -1)), Verification: model.VerifiedCorroborated,
		Note: "Training example: recorded to show the follow-up action it drafts.", Created: now}
	followUp := &store.FollowUp{Action: model.Action{Slug: "training-fictional-case-further-information-1", CaseID: c.ID,
		Lang: lang, Kind: appeal.Kind, Title: c.Reference + " — further information", Subject: appeal.Subject,
		Letter: appeal.Letter, Targets: appeal.Targets,
		Summary: "Draft: a person of this training case was recorded detained again (corroborated). Training only."}}
	if err := st.AddRecordEvent(ctx, &again, followUp); err != nil {
		return fmt.Errorf("demo: training re-detention: %w", err)
	}
	return nil
}
