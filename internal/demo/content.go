// Package demo holds Vigil's demo content: one reference case built on the
// facts of a real urgent action, the actions that go with it, a few open
// standalone actions and some news. Every sentence is our own; only dates,
// numbers, places and names of laws and prisons come from the public record.
package demo

import (
	"slices"
	"time"

	"vigil/internal/model"
)

// Content is the demo data set, in English.
type Content struct {
	Cases   []model.Case   // Timeline, Demands, Updates filled; Actions left empty; Image nil
	Actions []model.Action // CaseSlug set for actions that belong to a case; Targets and Consents filled; Image nil
	News    []News
	Scenes  map[string]string // slug of a case, action or news article -> art scene name

	// Translations are the records' texts in other languages, each keyed
	// to its record by kind and slug (see Translated).
	Translations []Translated
}

// News is a news article with the slugs of the cases it relates to, since
// the article itself refers to cases by ID, which the demo cannot know.
type News struct {
	Article   model.NewsArticle // Image nil
	CaseSlugs []string
}

// Art scene names. Images are generated elsewhere; content only names them.
const (
	SceneCECOT        = "cecot"
	SceneDeportations = "deportations"
	SceneCanada       = "canada"
	SceneUganda       = "uganda"
	SceneNewsVigil    = "news-vigil"
	SceneNewsReturn   = "news-return"
)

// SceneNames lists every art scene name content may refer to.
var SceneNames = []string{SceneCECOT, SceneDeportations, SceneCanada, SceneUganda, SceneNewsVigil, SceneNewsReturn}

// Slugs of the demo content, for code and tests that need to find an item.
const (
	CaseSlug         = "men-expelled-to-el-salvador"
	CaseAppealSlug   = "free-the-men-held-in-cecot"
	DeportationsSlug = "no-mass-deportations"
	CanadaSlug       = "canada-bill-c2"
	UgandaSlug       = "uganda-online-safety"
	NewsReturnSlug   = "venezuelan-men-returned-from-el-salvador"
	NewsVigilSlug    = "one-month-on-hold-a-vigil"
	NewsCourtSlug    = "alien-enemies-act-in-court"
	NewsCanadaSlug   = "bill-c2-what-it-would-change"
	NewsDigitalSlug  = "digital-security-basics-for-lgbtqi-activists"
	NewsOneYearSlug  = "one-year-after-the-expulsions"
)

const (
	lang               = "en"
	tagMigrants        = "migrants and refugees"
	tagDetention       = "detention"
	tagAsylum          = "asylum"
	tagVenezuela       = "Venezuela"
	tagElSalvador      = "El Salvador"
	tagUnitedStates    = "United States"
	tagCanada          = "Canada"
	tagUganda          = "Uganda"
	tagLGBTQI          = "LGBTQI+ rights"
	tagDigitalSecurity = "digital security"
)

// day returns midnight UTC of a calendar day.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// at returns a time of day UTC on a calendar day.
func at(y int, m time.Month, d, hour, minute int) time.Time {
	return time.Date(y, m, d, hour, minute, 0, 0, time.UTC)
}

// deadlineIn returns 23:59 UTC on the day n days after now, so an action
// opened by Load stays open for at least n days.
func deadlineIn(now time.Time, n int) time.Time {
	u := now.UTC()
	return time.Date(u.Year(), u.Month(), u.Day()+n, 23, 59, 0, 0, time.UTC)
}

// Load returns the demo content; open actions get deadlines relative to now so they stay open.
func Load(now time.Time) Content {
	c := Content{
		Cases:   []model.Case{referenceCase()},
		Actions: []model.Action{caseAppeal(), deportationsPetition(now), canadaAppeal(now), ugandaPetition(now)},
		News:    news(),
		Scenes: map[string]string{
			CaseSlug:         SceneCECOT,
			CaseAppealSlug:   SceneCECOT,
			DeportationsSlug: SceneDeportations,
			CanadaSlug:       SceneCanada,
			UgandaSlug:       SceneUganda,
			NewsReturnSlug:   SceneNewsReturn,
			NewsVigilSlug:    SceneNewsVigil,
		},
	}
	for i := range c.Actions {
		if len(c.Actions[i].Consents) == 0 {
			c.Actions[i].Consents = slices.Clone(defaultConsents)
		}
	}
	c.Translations = withSources(c)
	return c
}

func referenceCase() model.Case {
	return model.Case{
		Slug:        CaseSlug,
		Lang:        lang,
		Title:       "Venezuelan men expelled from the US to El Salvador",
		Summary:     "In March 2025 the United States flew 252 Venezuelan men to a maximum-security prison in El Salvador, most of them under a wartime law and without a real chance to contest their removal. All of them were sent on to Venezuela on 18 July 2025, where their safety is still a concern.",
		Countries:   []string{"US", "SV", "VE"},
		Tags:        []string{tagMigrants, tagDetention, tagAsylum, tagVenezuela, tagElSalvador, tagUnitedStates},
		PeopleCount: 252,
		Status:      model.CaseActive, // until the final update
		Reference:   "UA 28/25",
		// The figures themselves come from the individuals' events
		// (individuals.go), published as an editor would.
		FiguresIntro: "What we know of the 252 men",
		Published:    at(2025, time.March, 31, 9, 0),
		Updated:      at(2025, time.July, 20, 10, 0),
		Body: `## What happened

On 16 March 2025 the US government relied on the Alien Enemies Act, a law passed in 1798 for times of war, to put 238 Venezuelan men on planes to El Salvador. Two weeks later, on 30 March, 17 more people, Salvadoran and Venezuelan nationals, were sent there too.

Several of the men already had protection in the United States, and others were still waiting for a decision on their asylum claims. They were not given a genuine opportunity to challenge their removal before it took place.

## Held in CECOT

The men were locked up in CECOT, the Terrorism Confinement Centre, a maximum-security prison. It is badly overcrowded and its conditions are extremely harsh. We fear that some detainees were tortured or otherwise ill-treated. For months their families had no way of contacting them and no news of how they were.

## Back in Venezuela, still at risk

On 18 July 2025 all 252 Venezuelan men were flown from El Salvador to Venezuela. Leaving CECOT has not made them safe. The Venezuelan authorities have a long and documented record of persecuting people they see as critics or opponents, and the men could be arrested again or face other abuse in the country many of them had fled.

## What we are following

- how the Venezuelan and US authorities treat the men from now on;
- whether those with asylum claims in the United States can pursue them;
- what the men say about the way they were treated in CECOT.
`,
		Timeline: []model.TimelineEvent{
			{
				Date:        day(2025, time.March, 16),
				Place:       "United States → El Salvador",
				Title:       "238 Venezuelan men expelled to El Salvador",
				Body:        "Invoking the Alien Enemies Act, the US government removes the men to El Salvador, where they are taken to the CECOT maximum-security prison.",
				PeopleCount: 238,
			},
			{
				Date:        day(2025, time.March, 30),
				Place:       "United States → El Salvador",
				Title:       "17 more people sent to El Salvador",
				Body:        "A further group of Salvadoran and Venezuelan nationals is flown from the United States to El Salvador.",
				PeopleCount: 17,
			},
			{
				Date:        day(2025, time.July, 18),
				Place:       "El Salvador → Venezuela",
				Title:       "All 252 Venezuelan men returned to Venezuela",
				Body:        "The men leave CECOT and are flown to Venezuela. Their release from the prison is a relief for their families, but concerns for their safety remain.",
				PeopleCount: 252,
			},
		},
		Demands: []model.Demand{
			{Position: 1, Text: "None of the men is detained again without due process."},
			{Position: 2, Text: "Anyone who wishes to pursue an asylum claim in the United States can go back to do so, and is not detained while the claim is decided."},
			{Position: 3, Text: "The Venezuelan authorities guarantee the men's safety and respect their human rights."},
		},
		Updates: []model.Update{ // newest first
			{
				Number:       1,
				Final:        true,
				CloseActions: true,
				Status:       model.CaseMonitoring,
				Published:    at(2025, time.July, 20, 10, 0),
				Title:        "Final update: the men have been returned to Venezuela",
				Body: `On 18 July 2025 all 252 Venezuelan men who had been held in CECOT were flown to Venezuela. After four months in which they could not be reached, some families have at last been able to see their relatives again.

Their ordeal is not necessarily over. We remain concerned that they could be detained again or face other abuse in Venezuela, and more is likely to come to light in the coming weeks about their treatment in El Salvador. We will keep monitoring how the Venezuelan and US authorities treat them, and we will act again if needed.

**No further action is requested.** We are grateful to everyone who sent an appeal: your letters helped keep these men in view while they were out of reach.
`,
			},
			{
				Number:    0,
				Published: at(2025, time.March, 31, 9, 0),
				Title:     "Urgent action: Venezuelan men held in El Salvador",
				Body: `On 16 March 2025 the United States sent 238 Venezuelan men to El Salvador under the Alien Enemies Act. On 30 March a further 17 Salvadoran and Venezuelan nationals were flown there as well. The men are held in CECOT, a maximum-security prison where we believe they are at risk of torture and other ill-treatment. Their families have had no contact with them.

Many of these men had protection in the United States or were waiting for a decision on their asylum claims.

**Please send an appeal** to Kristi Noem, US Secretary of Homeland Security; Marco Rubio, US Secretary of State; and Milena Mayorga, El Salvador's ambassador to the United States, using the model letter. You are welcome to change it and add your own words; short, polite and personal letters work best.
`,
			},
		},
	}
}

func caseAppeal() model.Action {
	return model.Action{
		Slug:     CaseAppealSlug,
		CaseSlug: CaseSlug,
		Lang:     lang,
		Kind:     model.ActionAppeal,
		Title:    "Free the men held in CECOT",
		Summary:  "Write to the US and Salvadoran authorities about the Venezuelan men sent to the CECOT prison, and ask that their rights are respected.",
		Body: `In March 2025 the United States removed Venezuelan men to El Salvador, most of them under the Alien Enemies Act, without a real chance to challenge the decision. They are held in CECOT, a maximum-security prison known for severe overcrowding and harsh conditions, and their families have no news of them.

Letters from people around the world show officials that these men have not been forgotten. Your appeal goes to the authorities who can change their situation.
`,
		Goal:        20000,
		Count:       14382,
		Deadline:    at(2025, time.August, 31, 23, 59),
		ClosingText: "The men were returned to Venezuela on 18 July 2025. No further action is requested. We are grateful to everyone who wrote to the authorities.",
		Delivery:    model.DeliverEach,
		Subject:     "Venezuelan men held in the CECOT prison, El Salvador",
		Letter: `{{salutation}}

I am writing about the Venezuelan men who were sent from the United States to El Salvador on 16 and 30 March 2025 and who are now held in the CECOT prison.

Many of these men had protection in the United States or had asylum claims that were still being decided. Most were removed under the Alien Enemies Act without a genuine opportunity to challenge their removal, and their families have had no news of them since.

CECOT is severely overcrowded, and I am concerned that the men are at risk of torture and other ill-treatment there.

I respectfully urge you to:

- ensure that no one else is removed under the Alien Enemies Act without due process;
- ensure that the men held in CECOT are treated humanely and can contact their families and lawyers;
- let those who want to pursue asylum in the United States go back to do so without being detained.

Thank you for your attention to this matter.

Yours sincerely,`,
		Letters: map[string]model.Letter{
			"es": {
				Subject: "Hombres venezolanos recluidos en el CECOT, El Salvador",
				Text: `{{salutation}}

Le escribo por los hombres venezolanos que fueron enviados desde Estados Unidos a El Salvador el 16 y el 30 de marzo de 2025 y que permanecen en la prisión del CECOT.

Muchos de ellos tenían protección en Estados Unidos o solicitudes de asilo pendientes. La mayoría fue expulsada en virtud de la Ley de Enemigos Extranjeros sin una posibilidad real de impugnar su expulsión, y sus familias no han vuelto a saber de ellos.

El CECOT está gravemente hacinado, y me preocupa que estos hombres corran riesgo de tortura y otros malos tratos.

Le pido respetuosamente que:

- nadie más sea expulsado bajo la Ley de Enemigos Extranjeros sin el debido proceso;
- los hombres recluidos en el CECOT reciban un trato humano y puedan comunicarse con sus familias y abogados;
- quienes deseen continuar su solicitud de asilo en Estados Unidos puedan regresar para hacerlo sin ser detenidos.

Gracias por su atención.

Atentamente,`},
			"fr": letterFR,
			"ar": letterAR,
		},
		Targets: []model.Target{
			{
				Name:         "Kristi Noem",
				Title:        "Secretary of Homeland Security",
				Organisation: "US Department of Homeland Security",
				Address:      "2707 Martin Luther King Jr Ave SE\nWashington, DC 20528\nUnited States",
				Email:        "dhs-secretary@example.org",
				Salutation:   "Dear Secretary Noem,",
				Lang:         lang,
			},
			{
				Name:         "Marco Rubio",
				Title:        "Secretary of State",
				Organisation: "US Department of State",
				Address:      "2201 C Street NW\nWashington, DC 20520\nUnited States",
				Email:        "state-secretary@example.org",
				Salutation:   "Dear Secretary Rubio,",
				Lang:         lang,
			},
			{
				Name:         "Milena Mayorga",
				Title:        "Ambassador of El Salvador to the United States",
				Organisation: "Embassy of El Salvador in the United States",
				Address:      "1400 16th Street NW, Suite 100\nWashington, DC 20036\nUnited States",
				Email:        "el-salvador-ambassador@example.org",
				Salutation:   "Dear Ambassador Mayorga,",
				Lang:         lang,
			},
		},
		Tags:      []string{tagMigrants, tagDetention, tagVenezuela, tagElSalvador, tagUnitedStates},
		Published: at(2025, time.March, 31, 9, 0),
	}
}

func deportationsPetition(now time.Time) model.Action {
	return model.Action{
		Slug:    DeportationsSlug,
		Lang:    lang,
		Kind:    model.ActionPetition,
		Title:   "Tell the President: no mass deportations",
		Summary: "Sign our petition asking the President of the United States to stop mass deportations and to respect the right of every person to seek safety.",
		Body: `The US administration has said it intends to deport people on a very large scale. Removals at that speed and size leave little room for the careful, individual assessment the law requires, and they put people at risk of being sent to places where they could face serious harm.

The expulsions to El Salvador in March 2025 showed what this can mean in practice: men who had protection or pending asylum claims were removed and held in a maximum-security prison without a proper chance to challenge their removal.

Behind every deportation there is a person, and often a family and a community. We are asking the President to end mass deportations, to make sure everyone can have their case heard fairly, and to respect the right to seek asylum.
`,
		Goal:      50000,
		Count:     37415,
		Deadline:  deadlineIn(now, 45),
		Delivery:  model.DeliverEach,
		Tags:      []string{tagMigrants, tagAsylum, tagUnitedStates},
		Published: now.UTC().AddDate(0, 0, -12).Truncate(time.Hour),
	}
}

func canadaAppeal(now time.Time) model.Action {
	return model.Action{
		Slug:    CanadaSlug,
		Lang:    lang,
		Kind:    model.ActionAppeal,
		Title:   "Canada: keep the door open to people seeking safety",
		Summary: "Bill C-2 would stop some people from having their refugee claim heard in full. Ask the ministers responsible to protect the right to seek asylum in Canada.",
		Body: `Bill C-2, the Strong Borders Act, was put before Canada's Parliament in 2025. Among many other measures, it would make some people ineligible to have their refugee claim decided by the Immigration and Refugee Board, Canada's independent tribunal, for example people who ask for protection more than a year after arriving in Canada.

People do not always claim asylum as soon as they arrive. The situation in their home country may change, and fear, trauma or a lack of information and legal help can delay a claim. A fixed cut-off risks sending people back to danger without a full and fair hearing of their case.

Everyone has the right to seek asylum, and no one may be returned to a place where they would face persecution, torture or other serious harm. Please write to Gary Anandasangaree, Minister of Public Safety, and Lena Metlege Diab, Minister of Immigration, Refugees and Citizenship, and ask them to make sure every person who seeks protection in Canada has their claim fairly heard.
`,
		Goal:     10000,
		Count:    3846,
		Deadline: deadlineIn(now, 21),
		Delivery: model.DeliverDigest,
		Subject:  "Bill C-2 and the right to seek asylum in Canada",
		Letter: `{{salutation}}

I am writing to you about Bill C-2, the Strong Borders Act.

I am concerned that the bill would prevent some people from having their refugee claims heard by the Immigration and Refugee Board, including people who ask for protection more than a year after arriving in Canada. People can have good reasons for claiming later: the situation in their home country may have changed, or they may not have known how to apply or had no access to legal advice.

Everyone has the right to seek asylum, and Canada has committed not to send anyone back to a place where they would face persecution, torture or other serious harm. A fair, individual hearing is the surest way to keep that commitment.

I respectfully ask you to remove or amend the provisions of Bill C-2 that limit access to a full refugee hearing, and to ensure that every person who asks Canada for protection has their claim fairly assessed.

Thank you for your attention.

Yours sincerely,`,
		Targets: []model.Target{
			{
				Name:         "Gary Anandasangaree",
				Title:        "Minister of Public Safety",
				Organisation: "Public Safety Canada",
				Address:      "269 Laurier Avenue West\nOttawa, Ontario K1A 0P8\nCanada",
				Email:        "public-safety-minister@example.org",
				Salutation:   "Dear Minister Anandasangaree,",
				Lang:         lang,
			},
			{
				Name:         "Lena Metlege Diab",
				Title:        "Minister of Immigration, Refugees and Citizenship",
				Organisation: "Immigration, Refugees and Citizenship Canada",
				Address:      "House of Commons\nOttawa, Ontario K1A 0A6\nCanada",
				Email:        "immigration-minister@example.org",
				Salutation:   "Dear Minister Metlege Diab,",
				Lang:         lang,
			},
		},
		Tags:      []string{tagMigrants, tagAsylum, tagCanada},
		Published: now.UTC().AddDate(0, 0, -5).Truncate(time.Hour),
	}
}

func ugandaPetition(now time.Time) model.Action {
	return model.Action{
		Slug:    UgandaSlug,
		Lang:    lang,
		Kind:    model.ActionPetition,
		Title:   "Uganda: protect LGBTQI+ people from abuse online",
		Summary: "LGBTQI+ people in Uganda face harassment, threats and exposure online. Call on the Ugandan authorities to protect them instead of punishing them.",
		Body: `In 2023 Uganda adopted the Anti-Homosexuality Act. It punishes consensual same-sex relations with long prison sentences and, in some cases, the death penalty. It also criminalises what it calls the "promotion" of homosexuality, which makes it dangerous for people to speak out, organise or share information.

LGBTQI+ people and human rights defenders in Uganda have reported being harassed, threatened and outed on social media, and being lured into meetings through fake online profiles. Those who report such abuse risk being treated as suspects themselves.

We are calling on the Ugandan authorities to repeal the Anti-Homosexuality Act, to investigate online threats and attacks against LGBTQI+ people, and to make sure that anyone can report abuse without putting themselves in danger. We also ask social media companies to respond quickly to reports of threats and of people being exposed against their will.
`,
		Goal:      25000,
		Count:     9120,
		Deadline:  deadlineIn(now, 90),
		Delivery:  model.DeliverEach,
		Tags:      []string{tagLGBTQI, tagUganda, tagDigitalSecurity},
		Published: now.UTC().AddDate(0, 0, -20).Truncate(time.Hour),
	}
}

func news() []News {
	return []News{
		{
			CaseSlugs: []string{CaseSlug},
			Article: model.NewsArticle{
				Slug:      NewsOneYearSlug,
				Lang:      lang,
				Title:     "One year after the expulsions to El Salvador",
				Summary:   "A year has passed since 238 Venezuelan men were flown from the United States to the CECOT prison. We are still following what happens to them.",
				Tags:      []string{tagMigrants, tagDetention, tagVenezuela, tagElSalvador, tagUnitedStates},
				Published: at(2026, time.March, 16, 8, 0),
				Body: `On 16 March 2025 the US government used the Alien Enemies Act to send 238 Venezuelan men to El Salvador, where they were locked up in CECOT. On 30 March, 17 more Salvadoran and Venezuelan nationals followed them.

All 252 Venezuelan men were returned to Venezuela on 18 July 2025. Their release from CECOT was a relief for their families, but it did not end our concern for them.

We continue to ask that none of the men is detained again without due process, that anyone who wishes to pursue asylum in the United States can go back without being detained, and that the Venezuelan authorities guarantee their safety. We will keep monitoring and will act again if their situation calls for it.
`,
			},
		},
		{
			CaseSlugs: nil,
			Article: model.NewsArticle{
				Slug:      NewsDigitalSlug,
				Lang:      lang,
				Title:     "Safer online: digital security basics for LGBTQI+ activists",
				Summary:   "No tool offers perfect protection, but a few habits can reduce the risks activists face online, especially where same-sex relations are a crime.",
				Tags:      []string{tagLGBTQI, tagUganda, tagDigitalSecurity},
				Published: at(2026, time.January, 22, 8, 0),
				Body: `For LGBTQI+ activists in countries that criminalise same-sex relations, such as Uganda, one careless message or one lost phone can expose them and the people they work with. There is no perfect protection, but some simple habits lower the risk.

- Lock your phone and computer with a strong passcode, and install updates promptly.
- Use end-to-end encrypted messaging, and turn on disappearing messages for sensitive conversations.
- Protect your accounts with two-step verification, using an app or a security key rather than text messages where you can.
- Be careful with people you meet online: meet in a public place and tell someone you trust where you are going.
- Check what your social media profiles show to strangers, and remove location data from photos before sharing them.
- Agree with your group in advance what to do if a phone is seized or an account is taken over.

Organisations that specialise in digital security can give advice suited to your situation. Our petition asks the Ugandan authorities to make it safe for LGBTQI+ people to be online at all.
`,
			},
		},
		{
			CaseSlugs: []string{CaseSlug},
			Article: model.NewsArticle{
				Slug:      NewsReturnSlug,
				Lang:      lang,
				Title:     "252 Venezuelan men flown home from El Salvador",
				Summary:   "The men held in the CECOT prison since March 2025 were returned to Venezuela on 18 July. Their safety there remains a concern.",
				Tags:      []string{tagMigrants, tagDetention, tagVenezuela, tagElSalvador},
				Published: at(2025, time.July, 21, 8, 0),
				Body: `On 18 July 2025 all 252 Venezuelan men who had been held in CECOT, El Salvador's maximum-security prison, were flown to Venezuela. They had been there since the United States expelled them in March, most under the Alien Enemies Act.

For their families, it ends more than four months without contact or news. For the men themselves, safety is not assured. The Venezuelan authorities have a long record of persecuting people they regard as opponents, and we are concerned that some of the men could be detained again or face other abuse.

Our urgent action on their case is now closed, and no further action is requested. Thank you to everyone who sent an appeal. We will keep monitoring how the men are treated.
`,
			},
		},
		{
			CaseSlugs: nil,
			Article: model.NewsArticle{
				Slug:      NewsCanadaSlug,
				Lang:      lang,
				Title:     "Bill C-2: what Canada's border bill means for people seeking safety",
				Summary:   "Canada's Strong Borders Act covers many subjects. Some of its provisions would limit access to a full refugee hearing.",
				Tags:      []string{tagMigrants, tagAsylum, tagCanada},
				Published: at(2025, time.June, 27, 8, 0),
				Body: `Bill C-2, which the government presented to Parliament as the Strong Borders Act, covers a wide range of measures, from border security to policing powers. Several of its provisions concern people who ask Canada for protection.

Under the bill as introduced, some people would no longer be able to have their refugee claim decided by the Immigration and Refugee Board, including people who claim asylum more than a year after arriving in Canada. People can have sound reasons for claiming later, and a fixed deadline risks leaving some of them without a full and fair hearing.

We believe every person who seeks protection should have their claim properly assessed. You can [write to the ministers responsible](/actions/canada-bill-c2) and ask them to keep that door open.
`,
			},
		},
		{
			CaseSlugs: []string{CaseSlug},
			Article: model.NewsArticle{
				Slug:      NewsCourtSlug,
				Lang:      lang,
				Title:     "The Alien Enemies Act in court: why due process matters",
				Summary:   "The use of a 1798 wartime law to expel Venezuelan men has been challenged in the US courts. At its heart is a simple question: can people contest their removal?",
				Tags:      []string{tagMigrants, tagDetention, tagVenezuela, tagUnitedStates},
				Published: at(2025, time.May, 20, 8, 0),
				Body: `The Alien Enemies Act was passed in 1798 and was written for times of declared war or invasion. Its use in March 2025 to remove 238 Venezuelan men to El Salvador was challenged in the US federal courts, and the cases reached the Supreme Court.

Our concern is a basic one. Anyone facing removal must be told in time, in a language they understand, and must have a real chance to challenge the decision before a judge. Courts have confirmed that people targeted under the Act are entitled to contest their removal.

For the men already held in CECOT, that protection came too late. We will keep following these cases and will report on what they mean for people at risk of expulsion.
`,
			},
		},
		{
			CaseSlugs: []string{CaseSlug},
			Article: model.NewsArticle{
				Slug:      NewsVigilSlug,
				Lang:      lang,
				Title:     "One month on: hold a vigil for the men in CECOT",
				Summary:   "A month after the expulsions to El Salvador, families still have no news. A quiet vigil is one way to show them they are not alone.",
				Tags:      []string{tagMigrants, tagDetention, tagVenezuela, tagElSalvador},
				Published: at(2025, time.April, 16, 8, 0),
				Body: `It is one month since 238 Venezuelan men were flown from the United States to El Salvador and locked up in CECOT. Their families still cannot reach them and do not know how they are.

A vigil is a simple, peaceful way to show that these men are remembered. If you would like to hold one:

- choose a place where you and others can gather safely, and follow local rules;
- keep it quiet and respectful: a few candles or lights are enough;
- only share photos with the agreement of everyone who appears in them.

Above all, please send our appeal to the US and Salvadoran authorities, and invite the people who join you to do the same.
`,
			},
		},
	}
}
