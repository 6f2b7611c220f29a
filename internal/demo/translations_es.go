package demo

import "vigil/internal/model"

// Spanish: Latin American usage, addressing the reader as tú like the
// interface catalogue. The Alien Enemies Act is the Ley de Enemigos
// Extranjeros, as in the appeal's Spanish model letter.

// consentsES are defaultConsents in Spanish.
var consentsES = map[string]string{
	"updates":    "Quiero recibir correos sobre esta acción y sobre lo que ocurra después.",
	"newsletter": "Quiero recibir el boletín mensual sobre otras personas en peligro y sobre cómo ayudarlas.",
}

func spanish() []Translated {
	const es = "es"
	return []Translated{
		{Kind: model.KindCase, Slug: CaseSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"figures_intro": "Lo que sabemos de los 252 hombres",
			"title":         "Hombres venezolanos expulsados de Estados Unidos a El Salvador",
			"summary":       "En marzo de 2025, Estados Unidos trasladó en avión a 252 hombres venezolanos a una prisión de máxima seguridad en El Salvador, la mayoría en virtud de una ley de tiempos de guerra y sin una oportunidad real de impugnar su expulsión. El 18 de julio de 2025 todos ellos fueron enviados a Venezuela, donde su seguridad sigue siendo motivo de preocupación.",
			"body": `## Qué ocurrió

El 16 de marzo de 2025, el gobierno de Estados Unidos recurrió a la Ley de Enemigos Extranjeros, aprobada en 1798 para tiempos de guerra, para subir a 238 hombres venezolanos a aviones con destino a El Salvador. Dos semanas después, el 30 de marzo, otras 17 personas, de nacionalidad salvadoreña y venezolana, también fueron enviadas allí.

Varios de estos hombres ya tenían protección en Estados Unidos, y otros seguían esperando una decisión sobre su solicitud de asilo. No tuvieron una oportunidad real de impugnar su expulsión antes de que se llevara a cabo.

## Recluidos en el CECOT

Los hombres fueron encerrados en el CECOT, el Centro de Confinamiento del Terrorismo, una prisión de máxima seguridad. Está gravemente hacinada y sus condiciones son extremadamente duras. Tememos que algunos detenidos hayan sufrido tortura u otros malos tratos. Durante meses, sus familias no tuvieron forma de comunicarse con ellos ni noticias de cómo estaban.

## De vuelta en Venezuela, todavía en peligro

El 18 de julio de 2025, los 252 hombres venezolanos fueron trasladados en avión de El Salvador a Venezuela. Salir del CECOT no los ha puesto a salvo. Las autoridades venezolanas tienen un largo historial documentado de persecución contra quienes consideran críticos u opositores, y los hombres podrían ser detenidos de nuevo o sufrir otros abusos en el país del que muchos de ellos habían huido.

## Lo que seguimos de cerca

- cómo tratan a los hombres, de ahora en adelante, las autoridades venezolanas y estadounidenses;
- si quienes tienen una solicitud de asilo en Estados Unidos pueden seguir adelante con ella;
- lo que cuentan los hombres sobre el trato que recibieron en el CECOT.
`,
			"timeline.0.title": "238 hombres venezolanos expulsados a El Salvador",
			"timeline.0.body":  "Invocando la Ley de Enemigos Extranjeros, el gobierno de Estados Unidos expulsa a los hombres a El Salvador, donde los llevan a la prisión de máxima seguridad del CECOT.",
			"timeline.0.place": "Estados Unidos → El Salvador",
			"timeline.1.title": "Otras 17 personas enviadas a El Salvador",
			"timeline.1.body":  "Un nuevo grupo de personas de nacionalidad salvadoreña y venezolana es trasladado en avión de Estados Unidos a El Salvador.",
			"timeline.1.place": "Estados Unidos → El Salvador",
			"timeline.2.title": "Los 252 hombres venezolanos, devueltos a Venezuela",
			"timeline.2.body":  "Los hombres salen del CECOT y son trasladados en avión a Venezuela. Que hayan salido de la prisión es un alivio para sus familias, pero persiste la preocupación por su seguridad.",
			"timeline.2.place": "El Salvador → Venezuela",
			"demand.0":         "Que ninguno de los hombres vuelva a ser detenido sin el debido proceso.",
			"demand.1":         "Que quien desee continuar su solicitud de asilo en Estados Unidos pueda regresar para hacerlo, sin ser detenido mientras se resuelve.",
			"demand.2":         "Que las autoridades venezolanas garanticen la seguridad de los hombres y respeten sus derechos humanos.",
		}}},
		{Kind: model.KindUpdate, Slug: CaseSlug, Update: 1, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title": "Actualización final: los hombres han sido devueltos a Venezuela",
			"body": `El 18 de julio de 2025, los 252 hombres venezolanos que habían estado recluidos en el CECOT fueron trasladados en avión a Venezuela. Tras cuatro meses sin que nadie pudiera comunicarse con ellos, algunas familias por fin han podido volver a ver a sus seres queridos.

Su calvario no ha terminado necesariamente. Seguimos preocupados por la posibilidad de que vuelvan a ser detenidos o sufran otros abusos en Venezuela, y es probable que en las próximas semanas se conozca más sobre el trato que recibieron en El Salvador. Seguiremos vigilando cómo los tratan las autoridades venezolanas y estadounidenses, y volveremos a actuar si es necesario.

**No se solicitan más acciones.** Gracias a todas las personas que enviaron un llamamiento: sus cartas ayudaron a que estos hombres no cayeran en el olvido mientras nadie podía llegar hasta ellos.
`,
		}}},
		{Kind: model.KindUpdate, Slug: CaseSlug, Update: 0, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title": "Acción urgente: hombres venezolanos recluidos en El Salvador",
			"body": `El 16 de marzo de 2025, Estados Unidos envió a 238 hombres venezolanos a El Salvador en virtud de la Ley de Enemigos Extranjeros. El 30 de marzo, otras 17 personas de nacionalidad salvadoreña y venezolana también fueron trasladadas allí en avión. Los hombres están recluidos en el CECOT, una prisión de máxima seguridad donde creemos que corren peligro de sufrir tortura y otros malos tratos. Sus familias no han tenido ningún contacto con ellos.

Muchos de estos hombres tenían protección en Estados Unidos o esperaban una decisión sobre su solicitud de asilo.

**Envía un llamamiento** a Kristi Noem, secretaria de Seguridad Nacional de Estados Unidos; a Marco Rubio, secretario de Estado de Estados Unidos, y a Milena Mayorga, embajadora de El Salvador en Estados Unidos, a partir de la carta modelo. Puedes cambiarla y añadir tus propias palabras: las cartas breves, respetuosas y personales son las que mejor funcionan.
`,
		}}},
		{Kind: model.KindAction, Slug: CaseAppealSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Libertad para los hombres recluidos en el CECOT",
			"summary": "Escribe a las autoridades de Estados Unidos y de El Salvador sobre los hombres venezolanos enviados a la prisión del CECOT, y pide que se respeten sus derechos.",
			"body": `En marzo de 2025, Estados Unidos expulsó a hombres venezolanos a El Salvador, la mayoría en virtud de la Ley de Enemigos Extranjeros, sin una oportunidad real de impugnar la decisión. Están recluidos en el CECOT, una prisión de máxima seguridad conocida por su grave hacinamiento y sus duras condiciones, y sus familias no tienen noticias de ellos.

Las cartas de personas de todo el mundo muestran a las autoridades que estos hombres no han sido olvidados. Tu llamamiento llega a quienes pueden cambiar su situación.
`,
			"closing": "Los hombres fueron devueltos a Venezuela el 18 de julio de 2025. No se solicitan más acciones. Gracias a todas las personas que escribieron a las autoridades.",
		}}},
		{Kind: model.KindAction, Slug: DeportationsSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Dile al presidente: no a las deportaciones masivas",
			"summary": "Firma nuestra petición para pedir al presidente de Estados Unidos que detenga las deportaciones masivas y respete el derecho de toda persona a buscar seguridad.",
			"body": `El gobierno de Estados Unidos ha dicho que se propone deportar a personas a muy gran escala. Las expulsiones a ese ritmo y de ese tamaño dejan poco margen para el examen cuidadoso e individual que exige la ley, y ponen a las personas en peligro de ser enviadas a lugares donde podrían sufrir daños graves.

Las expulsiones a El Salvador de marzo de 2025 mostraron lo que esto puede significar en la práctica: hombres que tenían protección o solicitudes de asilo pendientes fueron expulsados y recluidos en una prisión de máxima seguridad sin una oportunidad adecuada de impugnar su expulsión.

Detrás de cada deportación hay una persona, y a menudo una familia y una comunidad. Pedimos al presidente que ponga fin a las deportaciones masivas, que garantice que el caso de cada persona se escuche con justicia y que respete el derecho a solicitar asilo.
`,
		}}},
		{Kind: model.KindAction, Slug: CanadaSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Canadá: que la puerta siga abierta para quienes buscan seguridad",
			"summary": "El proyecto de ley C-2 impediría que algunas personas obtuvieran un examen completo de su solicitud de refugio. Pide a los ministros responsables que protejan el derecho a solicitar asilo en Canadá.",
			"body": `El proyecto de ley C-2, la Ley de Fronteras Fuertes (Strong Borders Act), se presentó ante el Parlamento de Canadá en 2025. Entre muchas otras medidas, haría que algunas personas ya no pudieran obtener una decisión sobre su solicitud de refugio de la Junta de Inmigración y Refugiados, el tribunal independiente de Canadá: por ejemplo, quienes piden protección más de un año después de llegar al país.

Las personas no siempre solicitan asilo en cuanto llegan. La situación en su país de origen puede cambiar, y el miedo, el trauma o la falta de información y de asistencia jurídica pueden retrasar una solicitud. Un plazo fijo corre el riesgo de devolver a personas al peligro sin una audiencia completa y justa de su caso.

Toda persona tiene derecho a solicitar asilo, y nadie puede ser devuelto a un lugar donde sufriría persecución, tortura u otros daños graves. Escribe a Gary Anandasangaree, ministro de Seguridad Pública, y a Lena Metlege Diab, ministra de Inmigración, Refugiados y Ciudadanía, y pídeles que garanticen que toda persona que busca protección en Canadá vea su solicitud examinada con justicia.
`,
		}}},
		{Kind: model.KindAction, Slug: UgandaSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Uganda: proteger a las personas LGBTQI+ de los abusos en internet",
			"summary": "Las personas LGBTQI+ en Uganda sufren acoso, amenazas y exposición en internet. Pide a las autoridades ugandesas que las protejan en lugar de castigarlas.",
			"body": `En 2023, Uganda aprobó la Ley contra la Homosexualidad. Castiga las relaciones consentidas entre personas del mismo sexo con largas penas de prisión y, en algunos casos, con la pena de muerte. También penaliza lo que llama «promoción» de la homosexualidad, lo que hace peligroso alzar la voz, organizarse o compartir información.

Personas LGBTQI+ y defensores y defensoras de los derechos humanos en Uganda han denunciado acoso, amenazas y la revelación de su orientación o identidad en redes sociales, así como encuentros a los que fueron atraídos mediante perfiles falsos en internet. Quienes denuncian estos abusos corren el riesgo de ser tratados a su vez como sospechosos.

Pedimos a las autoridades ugandesas que deroguen la Ley contra la Homosexualidad, que investiguen las amenazas y los ataques en internet contra personas LGBTQI+ y que garanticen que cualquiera pueda denunciar abusos sin ponerse en peligro. También pedimos a las empresas de redes sociales que respondan con rapidez a las denuncias de amenazas y de personas expuestas contra su voluntad.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsOneYearSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Un año después de las expulsiones a El Salvador",
			"summary": "Ha pasado un año desde que 238 hombres venezolanos fueron trasladados en avión de Estados Unidos a la prisión del CECOT. Seguimos atentos a lo que les ocurre.",
			"body": `El 16 de marzo de 2025, el gobierno de Estados Unidos recurrió a la Ley de Enemigos Extranjeros para enviar a 238 hombres venezolanos a El Salvador, donde fueron encerrados en el CECOT. El 30 de marzo los siguieron otras 17 personas de nacionalidad salvadoreña y venezolana.

Los 252 hombres venezolanos fueron devueltos a Venezuela el 18 de julio de 2025. Su salida del CECOT fue un alivio para sus familias, pero no puso fin a nuestra preocupación por ellos.

Seguimos pidiendo que ninguno de los hombres vuelva a ser detenido sin el debido proceso, que quien desee continuar su solicitud de asilo en Estados Unidos pueda regresar sin ser detenido y que las autoridades venezolanas garanticen su seguridad. Seguiremos vigilando y volveremos a actuar si su situación lo requiere.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsDigitalSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Más seguridad en internet: nociones básicas de seguridad digital para activistas LGBTQI+",
			"summary": "Ninguna herramienta protege por completo, pero algunos hábitos pueden reducir los riesgos que corren los y las activistas en internet, sobre todo donde las relaciones entre personas del mismo sexo son delito.",
			"body": `Para activistas LGBTQI+ de países que penalizan las relaciones entre personas del mismo sexo, como Uganda, un mensaje descuidado o un teléfono perdido pueden exponerlos a ellos y a las personas con las que trabajan. No existe la protección perfecta, pero algunos hábitos sencillos reducen el riesgo.

- Bloquea tu teléfono y tu computadora con un código seguro, e instala las actualizaciones sin demora.
- Usa mensajería con cifrado de extremo a extremo, y activa los mensajes temporales en las conversaciones delicadas.
- Protege tus cuentas con la verificación en dos pasos, con una aplicación o una llave de seguridad en lugar de mensajes de texto siempre que puedas.
- Ten cuidado con las personas que conoces en internet: reúnete con ellas en un lugar público y dile a alguien de confianza adónde vas.
- Revisa lo que tus perfiles en redes sociales muestran a desconocidos, y elimina los datos de ubicación de las fotos antes de compartirlas.
- Acuerda de antemano con tu grupo qué hacer si les incautan un teléfono o alguien se apodera de una cuenta.

Las organizaciones especializadas en seguridad digital pueden darte consejos adaptados a tu situación. Nuestra petición pide a las autoridades ugandesas que las personas LGBTQI+ puedan, sencillamente, estar en internet sin peligro.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsReturnSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "252 hombres venezolanos vuelven a su país desde El Salvador",
			"summary": "Los hombres recluidos en la prisión del CECOT desde marzo de 2025 fueron devueltos a Venezuela el 18 de julio. Su seguridad allí sigue siendo motivo de preocupación.",
			"body": `El 18 de julio de 2025, los 252 hombres venezolanos que habían estado recluidos en el CECOT, la prisión de máxima seguridad de El Salvador, fueron trasladados en avión a Venezuela. Estaban allí desde que Estados Unidos los expulsó en marzo, la mayoría en virtud de la Ley de Enemigos Extranjeros.

Para sus familias, esto pone fin a más de cuatro meses sin contacto ni noticias. Para los propios hombres, la seguridad no está garantizada. Las autoridades venezolanas tienen un largo historial de persecución contra quienes consideran opositores, y nos preocupa que algunos de ellos puedan ser detenidos de nuevo o sufrir otros abusos.

Nuestra acción urgente sobre su caso ya está cerrada y no se solicitan más acciones. Gracias a todas las personas que enviaron un llamamiento. Seguiremos vigilando cómo se trata a estos hombres.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsCanadaSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Proyecto de ley C-2: lo que la ley fronteriza de Canadá significa para quienes buscan seguridad",
			"summary": "La Ley de Fronteras Fuertes de Canadá abarca muchos temas. Algunas de sus disposiciones limitarían el acceso a una audiencia completa de refugio.",
			"body": `El proyecto de ley C-2, que el gobierno presentó al Parlamento como Ley de Fronteras Fuertes, reúne una amplia gama de medidas, desde la seguridad en las fronteras hasta las facultades de la policía. Varias de sus disposiciones afectan a las personas que piden protección a Canadá.

Según el texto presentado, algunas personas ya no podrían obtener una decisión de la Junta de Inmigración y Refugiados sobre su solicitud de refugio, entre ellas quienes solicitan asilo más de un año después de llegar a Canadá. Puede haber razones de peso para presentar una solicitud más tarde, y un plazo fijo corre el riesgo de dejar a algunas de estas personas sin una audiencia completa y justa.

Creemos que toda persona que busca protección debe ver su solicitud debidamente examinada. Puedes [escribir a los ministros responsables](/es/actions/canada-bill-c2) y pedirles que mantengan esa puerta abierta.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsCourtSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "La Ley de Enemigos Extranjeros ante los tribunales: por qué importa el debido proceso",
			"summary": "El uso de una ley de guerra de 1798 para expulsar a hombres venezolanos se ha impugnado ante los tribunales de Estados Unidos. En el fondo hay una pregunta sencilla: ¿pueden las personas impugnar su expulsión?",
			"body": `La Ley de Enemigos Extranjeros se aprobó en 1798 y se redactó para tiempos de guerra declarada o de invasión. Su uso en marzo de 2025 para expulsar a 238 hombres venezolanos a El Salvador se impugnó ante los tribunales federales de Estados Unidos, y los casos llegaron a la Corte Suprema.

Nuestra preocupación es elemental. Toda persona que se enfrenta a una expulsión debe ser informada a tiempo, en un idioma que comprenda, y tener una oportunidad real de impugnar la decisión ante un juez. Los tribunales han confirmado que las personas a las que se aplica esta ley tienen derecho a impugnar su expulsión.

Para los hombres que ya estaban recluidos en el CECOT, esa protección llegó demasiado tarde. Seguiremos de cerca estos casos e informaremos sobre lo que significan para las personas en peligro de ser expulsadas.
`,
		}}},
		{Kind: model.KindNews, Slug: NewsVigilSlug, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"title":   "Un mes después: organiza una vigilia por los hombres del CECOT",
			"summary": "Un mes después de las expulsiones a El Salvador, las familias siguen sin noticias. Una vigilia silenciosa es una forma de mostrarles que no están solas.",
			"body": `Ha pasado un mes desde que 238 hombres venezolanos fueron trasladados en avión de Estados Unidos a El Salvador y encerrados en el CECOT. Sus familias siguen sin poder comunicarse con ellos y no saben cómo están.

Una vigilia es una forma sencilla y pacífica de mostrar que estos hombres no han sido olvidados. Si quieres organizar una:

- elige un lugar donde tú y otras personas puedan reunirse con seguridad, y respeta las normas locales;
- que sea silenciosa y respetuosa: bastan unas velas o unas luces;
- comparte fotos solo con el acuerdo de todas las personas que aparezcan en ellas.

Sobre todo, envía nuestro llamamiento a las autoridades de Estados Unidos y de El Salvador, e invita a quienes te acompañen a hacer lo mismo.
`,
		}}},
		{Kind: model.KindImage, Scene: SceneCECOT, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: un largo muro gris de prisión coronado por alambre de cuchillas en zigzag y una torre de vigilancia iluminada bajo un cielo de atardecer, con el sol poniéndose detrás del muro y un pequeño avión cruzando por encima.",
		}}},
		{Kind: model.KindImage, Scene: SceneDeportations, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: una fila de personas en silueta camina por una pista gris hacia la escalerilla de un avión grande, mientras una familia de dos adultos y dos niños permanece aparte en primer plano.",
		}}},
		{Kind: model.KindImage, Scene: SceneCanada, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: una hoja de arce roja sobre una barrera a rayas cerrada que corta una carretera en un puesto fronterizo y, en primer plano, una pequeña bota amarilla de niño abandonada en la hierba junto al agua.",
		}}},
		{Kind: model.KindImage, Scene: SceneUganda, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: un teléfono móvil cuya pantalla muestra un escudo azul con una marca de verificación, rodeado de anillos concéntricos con los colores del arcoíris.",
		}}},
		{Kind: model.KindImage, Scene: SceneNewsVigil, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: una multitud en silueta oscura sostiene velas encendidas contra un cielo nocturno estrellado.",
		}}},
		{Kind: model.KindImage, Scene: SceneNewsReturn, Translation: model.Translation{Lang: es, Texts: map[string]string{
			"alt": "Ilustración: un avión de pasajeros con el tren de aterrizaje desplegado desciende hacia una pista al amanecer, sobre capas de montañas tras las que sale el sol.",
		}}},
	}
}
