package demo

import "vigil/internal/model"

// French: the reader is addressed as vous. The Alien Enemies Act is named
// as the French press names it, la loi sur les ennemis étrangers.

// consentsFR are defaultConsents in French.
var consentsFR = map[string]string{
	"updates":    "Envoyez-moi des e-mails sur cette action et sur la suite des événements.",
	"newsletter": "Envoyez-moi la lettre d’information mensuelle sur d’autres personnes en danger et sur les moyens de les aider.",
}

// letterFR is the French model letter of the reference case's appeal.
var letterFR = model.Letter{
	Subject: "Hommes vénézuéliens détenus dans la prison du CECOT, au Salvador",
	Text: `{{salutation}}

Je vous écris au sujet des hommes vénézuéliens qui ont été envoyés des États-Unis au Salvador les 16 et 30 mars 2025 et qui sont aujourd’hui détenus dans la prison du CECOT.

Beaucoup d’entre eux bénéficiaient d’une protection aux États-Unis ou avaient une demande d’asile en cours d’examen. La plupart ont été expulsés en vertu de la loi sur les ennemis étrangers (Alien Enemies Act) sans réelle possibilité de contester leur expulsion, et leurs familles sont depuis sans nouvelles d’eux.

Le CECOT est gravement surpeuplé, et je crains que ces hommes n’y soient exposés à la torture et à d’autres mauvais traitements.

Je vous demande respectueusement :

- de veiller à ce que plus personne ne soit expulsé en vertu de cette loi sans procédure régulière ;
- de veiller à ce que les hommes détenus au CECOT soient traités avec humanité et puissent contacter leur famille et leurs avocats ;
- de permettre à ceux qui souhaitent poursuivre leur demande d’asile aux États-Unis d’y retourner pour le faire sans être détenus.

Je vous remercie de l’attention que vous porterez à cette question.

Je vous prie d’agréer l’expression de ma haute considération.`,
}

func french() []Translated {
	const fr = "fr"
	return []Translated{
		{Kind: model.KindCase, Slug: CaseSlug, Translation: model.Translation{Lang: fr, Texts: map[string]string{
			"figures_intro": "Ce que nous savons des 252 hommes",
			"title":         "Des Vénézuéliens expulsés des États-Unis vers le Salvador",
			"summary":       "En mars 2025, les États-Unis ont envoyé par avion 252 hommes vénézuéliens dans une prison de haute sécurité au Salvador, la plupart en vertu d’une loi du temps de guerre et sans réelle possibilité de contester leur expulsion. Tous ont été renvoyés au Venezuela le 18 juillet 2025, où leur sécurité reste préoccupante.",
			"body": `## Ce qui s’est passé

Le 16 mars 2025, le gouvernement des États-Unis s’est appuyé sur la loi sur les ennemis étrangers (Alien Enemies Act), adoptée en 1798 pour les temps de guerre, pour faire monter 238 hommes vénézuéliens dans des avions à destination du Salvador. Deux semaines plus tard, le 30 mars, 17 autres personnes, de nationalité salvadorienne et vénézuélienne, y ont été envoyées à leur tour.

Plusieurs de ces hommes bénéficiaient déjà d’une protection aux États-Unis, et d’autres attendaient encore une décision sur leur demande d’asile. Ils n’ont pas eu de véritable possibilité de contester leur expulsion avant qu’elle ait lieu.

## Détenus au CECOT

Les hommes ont été enfermés au CECOT, le Centre de confinement du terrorisme, une prison de haute sécurité. Elle est gravement surpeuplée et les conditions de détention y sont extrêmement dures. Nous craignons que certains détenus aient été torturés ou autrement maltraités. Pendant des mois, leurs familles n’ont eu aucun moyen de les joindre ni aucune nouvelle d’eux.

## De retour au Venezuela, toujours en danger

Le 18 juillet 2025, les 252 hommes vénézuéliens ont été transférés par avion du Salvador vers le Venezuela. Sortir du CECOT ne les a pas mis en sécurité. Les autorités vénézuéliennes persécutent depuis longtemps, comme cela a été largement documenté, les personnes qu’elles considèrent comme des critiques ou des opposants, et ces hommes pourraient être de nouveau arrêtés ou subir d’autres violations dans le pays que beaucoup d’entre eux avaient fui.

## Ce que nous suivons

- la manière dont les autorités vénézuéliennes et américaines traiteront désormais ces hommes ;
- la possibilité, pour ceux qui ont une demande d’asile aux États-Unis, de la faire aboutir ;
- ce que les hommes racontent du traitement qu’ils ont subi au CECOT.
`,
			"timeline.0.title": "238 Vénézuéliens expulsés vers le Salvador",
			"timeline.0.body":  "Invoquant la loi sur les ennemis étrangers, le gouvernement des États-Unis expulse les hommes vers le Salvador, où ils sont conduits à la prison de haute sécurité du CECOT.",
			"timeline.0.place": "États-Unis → Salvador",
			"timeline.1.title": "17 autres personnes envoyées au Salvador",
			"timeline.1.body":  "Un nouveau groupe de ressortissants salvadoriens et vénézuéliens est transféré par avion des États-Unis vers le Salvador.",
			"timeline.1.place": "États-Unis → Salvador",
			"timeline.2.title": "Les 252 Vénézuéliens renvoyés au Venezuela",
			"timeline.2.body":  "Les hommes quittent le CECOT et sont transférés par avion au Venezuela. Leur sortie de prison soulage leurs familles, mais les craintes pour leur sécurité demeurent.",
			"timeline.2.place": "Salvador → Venezuela",
			"demand.0":         "Qu’aucun de ces hommes ne soit de nouveau détenu sans procédure régulière.",
			"demand.1":         "Que toute personne qui souhaite poursuivre une demande d’asile aux États-Unis puisse y retourner pour le faire, sans être détenue pendant l’examen de sa demande.",
			"demand.2":         "Que les autorités vénézuéliennes garantissent la sécurité de ces hommes et respectent leurs droits humains.",
		}}},
		{Kind: model.KindUpdate, Slug: CaseSlug, Update: 1, Translation: model.Translation{Lang: fr, Texts: map[string]string{
			"title": "Dernière mise à jour : les hommes ont été renvoyés au Venezuela",
			"body": `Le 18 juillet 2025, les 252 hommes vénézuéliens qui étaient détenus au CECOT ont été transférés par avion au Venezuela. Après quatre mois sans que personne puisse les joindre, certaines familles ont enfin pu revoir leurs proches.

Leur épreuve n’est pas forcément terminée. Nous craignons toujours qu’ils soient de nouveau arrêtés ou subissent d’autres violations au Venezuela, et nous en apprendrons sans doute davantage dans les semaines à venir sur la façon dont ils ont été traités au Salvador. Nous continuerons de suivre la manière dont les autorités vénézuéliennes et américaines les traitent, et nous agirons de nouveau si nécessaire.

**Aucune action complémentaire n’est demandée.** Merci à toutes les personnes qui ont envoyé un appel : vos lettres ont aidé à ce que ces hommes ne tombent pas dans l’oubli pendant qu’ils étaient hors d’atteinte.
`,
		}}},
		// Outdated on purpose, so that the translators' workflow has
		// something to show: this French translation was made before the
		// English title gained its "Urgent action:" prefix, so its Source
		// is the fingerprint of that earlier wording and its title still
		// lacks « Action urgente ».
		{Kind: model.KindUpdate, Slug: CaseSlug, Update: 0,
			Earlier: map[string]string{"title": "Venezuelan men held in El Salvador"},
			Translation: model.Translation{Lang: fr, Texts: map[string]string{
				"title": "Des Vénézuéliens détenus au Salvador",
				"body": `Le 16 mars 2025, les États-Unis ont envoyé 238 hommes vénézuéliens au Salvador en vertu de la loi sur les ennemis étrangers. Le 30 mars, 17 autres ressortissants salvadoriens et vénézuéliens y ont également été transférés par avion. Les hommes sont détenus au CECOT, une prison de haute sécurité où, selon nous, ils risquent la torture et d’autres mauvais traitements. Leurs familles n’ont eu aucun contact avec eux.

Beaucoup de ces hommes bénéficiaient d’une protection aux États-Unis ou attendaient une décision sur leur demande d’asile.

**Envoyez un appel** à Kristi Noem, secrétaire à la Sécurité intérieure des États-Unis, à Marco Rubio, secrétaire d’État des États-Unis, et à Milena Mayorga, ambassadrice du Salvador aux États-Unis, à partir de la lettre type. Vous pouvez la modifier et y ajouter vos propres mots : les lettres courtes, courtoises et personnelles sont les plus efficaces.
`,
			}}},
		{Kind: model.KindAction, Slug: CaseAppealSlug, Translation: model.Translation{Lang: fr, Texts: map[string]string{
			"title":   "Libérez les hommes détenus au CECOT",
			"summary": "Écrivez aux autorités américaines et salvadoriennes au sujet des hommes vénézuéliens envoyés à la prison du CECOT, et demandez que leurs droits soient respectés.",
			"body": `En mars 2025, les États-Unis ont expulsé des hommes vénézuéliens vers le Salvador, la plupart en vertu de la loi sur les ennemis étrangers, sans réelle possibilité de contester cette décision. Ils sont détenus au CECOT, une prison de haute sécurité connue pour sa grave surpopulation et ses conditions très dures, et leurs familles n’ont aucune nouvelle d’eux.

Les lettres envoyées par des personnes du monde entier montrent aux responsables que ces hommes ne sont pas oubliés. Votre appel parvient aux autorités qui peuvent changer leur situation.
`,
			"closing": "Les hommes ont été renvoyés au Venezuela le 18 juillet 2025. Aucune action complémentaire n’est demandée. Merci à toutes les personnes qui ont écrit aux autorités.",
		}}},
		{Kind: model.KindImage, Scene: SceneCECOT, Translation: model.Translation{Lang: fr, Texts: map[string]string{
			"alt": "Illustration : un long mur de prison gris surmonté de barbelés tranchants en zigzag et un mirador éclairé sous un ciel de crépuscule, avec le soleil qui se couche derrière le mur et un petit avion qui passe au-dessus.",
		}}},
	}
}
