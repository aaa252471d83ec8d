package indextest

import (
	"fmt"
	"time"

	"github.com/parley-news/parley/pkg/article"
)

// MorphQuery is a query of the labelled set for word forms and names
// across scripts, with the ids of the articles relevant to it.
type MorphQuery struct {
	Q        string
	Relevant []string
}

// The labelling rule (README, Measured figures): an article is relevant to
// a word when its text uses that word in any inflected form, in the
// article's language or as the same-root word of a language of the same
// script (Ukrainian переговори for Russian переговоры, French sanctions for
// English sanction); a translation by another word (German Sanktionen,
// Spanish sanciones for sanction) is not. An article is relevant to a name
// when it names that person, in any script, spelling or grammatical case
// (Лаврова, Lawrow and لافروف for Lavrov); a person with a similar name is
// not. The labels were written with the articles, before any search ran.

// MorphQueries is the labelled query set over MorphArticles.
var MorphQueries = []MorphQuery{
	{"sanction", []string{"m01", "m02", "m21"}},
	{"negotiation", []string{"m01", "m03"}},
	{"négociation", []string{"m21", "m22"}},
	{"Verhandlung", []string{"m23", "m24"}},
	{"sanción", []string{"m25"}},
	{"переговоры", []string{"m10", "m11", "m14", "m17", "m19"}},
	{"санкции", []string{"m12", "m13", "m18"}},
	{"санкціях", []string{"m12", "m13", "m18"}},
	{"مفاوضات", []string{"m27"}},
	{"العقوبات", []string{"m27", "m28"}},
	{"Vershinin", []string{"m03", "m10", "m14", "m19"}},
	{"Вершинина", []string{"m03", "m10", "m14", "m19"}},
	{"Lavrov", []string{"m04", "m11", "m20", "m22", "m24", "m26", "m27"}},
	{"Лавров", []string{"m04", "m11", "m20", "m22", "m24", "m26", "m27"}},
	{"Ryabkov", []string{"m02", "m13"}},
	{"Nebenzia", []string{"m08", "m15"}},
	{"Sybiha", []string{"m17"}},
}

// MorphArticles are short reports written for this set, in English,
// Russian, Ukrainian, French, German, Spanish and Arabic, with articles
// about people whose names look alike (Lavrentiev, Vershbow, Ryabov) and
// words that look alike (sanctuary).
func MorphArticles() []*article.Article {
	texts := []struct{ id, lang, title, body string }{
		{"m01", "en", "EU agrees new sanctions on Russian banks", "The European Union agreed a new package of sanctions on Tuesday. Diplomats said negotiations on the next package would start in March."},
		{"m02", "en", "Washington sanctioned two shipping firms", "The Treasury sanctioned two firms for carrying oil. Deputy Foreign Minister Sergei Ryabkov called the move hostile."},
		{"m03", "en", "Talks on a ceasefire resume in Geneva", "Delegations met for a second day. The negotiation of a prisoner exchange was also discussed, said Sergei Vershinin, Russia's deputy foreign minister."},
		{"m04", "en", "Lavrov meets Chinese counterpart", "Sergei Lavrov met Wang Yi in Beijing to discuss the war."},
		{"m05", "en", "Wildlife sanctuary opens in Kenya", "A new sanctuary for elephants opened near Nairobi."},
		{"m06", "en", "Lavrentiev sees no progress on Syria", "Alexander Lavrentiev, the Russian envoy for Syria, said the meeting in Astana brought no progress."},
		{"m07", "en", "Vershbow urges NATO unity", "Former NATO deputy secretary general Alexander Vershbow said allies must stay united."},
		{"m08", "en", "Nebenzia blocks UN resolution", "Russia's UN ambassador Vasily Nebenzia vetoed the draft."},
		{"m09", "en", "Ryabov wins chess title", "Grandmaster Ivan Ryabov won the national chess title."},
		{"m10", "ru", "Вершинин провёл консультации в Женеве", "Заместитель министра иностранных дел Сергей Вершинин провёл переговоры с представителями ООН."},
		{"m11", "ru", "Лавров прибыл в Анкару", "Глава МИД России Сергей Лавров прибыл в Анкару на переговоры. Встреча с Лавровым продлится два часа."},
		{"m12", "ru", "Новые санкции против российских банков", "Евросоюз утвердил новый пакет санкций. Санкции вступят в силу в марте."},
		{"m13", "ru", "Рябков: ответ на санкции последует", "Замминистра Сергей Рябков заявил, что Москва ответит на санкции."},
		{"m14", "ru", "В переговорах по зерну наступила пауза", "Стороны не договорились о продлении. Источник сообщил о заявлении Вершинина по итогам встречи."},
		{"m15", "ru", "Небензя выступил в Совбезе", "Постпред Василий Небензя выступил на заседании Совета Безопасности."},
		{"m16", "ru", "Лаврентьев посетил Дамаск", "Спецпосланник Александр Лаврентьев провёл встречу в Дамаске."},
		{"m17", "uk", "Сибіга: переговори можливі лише на наших умовах", "Міністр закордонних справ Андрій Сибіга заявив, що переговори з Росією можливі після розмови з партнерами."},
		{"m18", "uk", "ЄС готує нові санкції", "Європейський Союз готує новий пакет санкцій проти Росії. Санкціями займеться Єврокомісія."},
		{"m19", "uk", "Вершинін заявив про готовність до переговорів", "Заступник глави МЗС Росії Сергій Вершинін заявив, що Москва готова до переговорів."},
		{"m20", "uk", "Лавров погрожує Заходу", "Очільник МЗС Росії Сергій Лавров знову погрожував Заходу."},
		{"m21", "fr", "L'UE adopte de nouvelles sanctions", "Les sanctions visent des banques russes. Les négociations reprendront en mars."},
		{"m22", "fr", "Sergueï Lavrov à Genève", "Le ministre russe Sergueï Lavrov est arrivé à Genève pour des négociations."},
		{"m23", "de", "Neue Sanktionen gegen Russland", "Die EU beschloss neue Sanktionen. Die Verhandlungen über ein weiteres Paket beginnen im März."},
		{"m24", "de", "Lawrow trifft Wang Yi", "Der russische Außenminister Sergej Lawrow traf seinen chinesischen Kollegen. Die Verhandlung dauerte drei Stunden."},
		{"m25", "es", "La UE aprueba nuevas sanciones", "Las sanciones afectan a bancos rusos. Las conversaciones continuarán en marzo."},
		{"m26", "es", "Lavrov llega a Ankara", "El canciller ruso Serguéi Lavrov llegó a Ankara para una reunión con Turquía."},
		{"m27", "ar", "استئناف المفاوضات في جنيف", "استؤنفت المفاوضات بين الطرفين في جنيف. وقال لافروف إن العقوبات لن تغير موقف روسيا."},
		{"m28", "ar", "عقوبات أوروبية جديدة", "أقر الاتحاد الأوروبي عقوبات جديدة على المصارف الروسية."},
	}
	arts := make([]*article.Article, len(texts))
	for i, t := range texts {
		p := Start.Add(time.Duration(i) * time.Hour)
		arts[i] = &article.Article{
			ID: t.id, URL: fmt.Sprintf("https://example.org/%s/%s", t.lang, t.id), Source: "Example " + t.lang,
			Language: t.lang, PublishedAt: &p, Title: t.title, Body: t.body,
		}
	}
	return arts
}
