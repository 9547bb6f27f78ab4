package bot

import "strings"

// phrases are the bot's words in each supported language. Placeholders:
// {agency}, {dept}, {title}, {url}, {summary}.
type phrases struct {
	greet, handoff, handoffHuman, clarify, kbAnswer, glad, emergency string
}

var texts = map[string]phrases{
	"en": {
		greet:        "Hi, I'm the automated assistant of {agency}. A person is one word away: type \"agent\" at any time.",
		handoff:      "I'm connecting you with a person from our {dept} team. They will reply here.",
		handoffHuman: "Of course. I'm connecting you with a person from our {dept} team now.",
		clarify:      "So I can send you to the right team: is this about benefits, taxes, vehicles, permits, housing or utilities? You can also type \"agent\" to reach a person.",
		kbAnswer:     "This article may help: {title} ({url})\n{summary}\nDid this answer your question? If not, just say so, or type \"agent\" and I'll connect you with a person.",
		glad:         "Glad that helped. If you need anything else, write here.",
		emergency:    "If you or someone else is in danger right now, call 911. For a mental health crisis, call or text 988. I'm connecting you with a caseworker first in line.",
	},
	"es": {
		greet:        "Hola, soy el asistente automático de {agency}. Una persona está a una palabra: escriba \"agente\" en cualquier momento.",
		handoff:      "Le comunico con una persona del equipo de {dept}. Le responderá aquí.",
		handoffHuman: "Por supuesto. Le comunico ahora con una persona del equipo de {dept}.",
		clarify:      "Para enviarle al equipo correcto: ¿se trata de beneficios, impuestos, vehículos, permisos, vivienda o servicios públicos? También puede escribir \"agente\" para hablar con una persona.",
		kbAnswer:     "Este artículo puede ayudarle: {title} ({url})\n{summary}\n¿Respondió su pregunta? Si no, dígamelo o escriba \"agente\" y le comunico con una persona.",
		glad:         "Me alegra haberle ayudado. Si necesita algo más, escriba aquí.",
		emergency:    "Si usted u otra persona está en peligro ahora, llame al 911. Para una crisis de salud mental, llame o envíe un mensaje al 988. Le comunico con un trabajador social con prioridad.",
	},
	"fr": {
		greet:        "Bonjour, je suis l'assistant automatique de {agency}. Une personne est à un mot : écrivez « agent » à tout moment.",
		handoff:      "Je vous mets en relation avec une personne de l'équipe {dept}. Elle vous répondra ici.",
		handoffHuman: "Bien sûr. Je vous mets en relation avec une personne de l'équipe {dept}.",
		clarify:      "Pour vous orienter : s'agit-il de prestations, d'impôts, de véhicules, de permis, de logement ou de services publics ? Vous pouvez aussi écrire « agent » pour parler à une personne.",
		glad:         "Ravi d'avoir pu aider. Pour toute autre question, écrivez ici.",
		emergency:    "Si vous ou quelqu'un d'autre êtes en danger, appelez le 911. En cas de crise de santé mentale, appelez ou écrivez au 988. Je vous mets en relation en priorité.",
	},
	"vi": {
		greet:        "Xin chào, tôi là trợ lý tự động của {agency}. Muốn gặp nhân viên, chỉ cần gõ \"agent\" bất cứ lúc nào.",
		handoff:      "Tôi đang chuyển bạn đến một nhân viên của bộ phận {dept}. Họ sẽ trả lời tại đây.",
		handoffHuman: "Vâng. Tôi đang chuyển bạn đến một nhân viên của bộ phận {dept}.",
		clarify:      "Để chuyển đúng bộ phận: việc của bạn liên quan đến trợ cấp, thuế, xe cộ, giấy phép, nhà ở hay điện nước? Bạn cũng có thể gõ \"agent\" để gặp nhân viên.",
		glad:         "Rất vui vì đã giúp được bạn. Nếu cần thêm, hãy viết tại đây.",
		emergency:    "Nếu bạn hoặc ai đó đang gặp nguy hiểm, hãy gọi 911. Khủng hoảng sức khỏe tâm thần: gọi hoặc nhắn 988. Tôi đang chuyển bạn đến nhân viên ưu tiên.",
	},
	"zh": {
		greet:        "您好，我是{agency}的自动助理。随时输入“agent”即可联系工作人员。",
		handoff:      "正在为您转接{dept}团队的工作人员，他们会在这里回复您。",
		handoffHuman: "好的，正在为您转接{dept}团队的工作人员。",
		clarify:      "为了转接到正确的团队：您的问题是关于福利、税务、车辆、许可证、住房还是水电公用事业？您也可以输入“agent”联系工作人员。",
		glad:         "很高兴能帮到您。如有其他问题，请在这里留言。",
		emergency:    "如果您或他人正处于危险中，请立即拨打911。心理健康危机请拨打或发短信至988。正在优先为您转接工作人员。",
	},
	"ar": {
		greet:        "مرحبًا، أنا المساعد الآلي لـ {agency}. للتحدث مع موظف اكتب \"agent\" في أي وقت.",
		handoff:      "أقوم بتحويلك إلى موظف من فريق {dept}. سيرد عليك هنا.",
		handoffHuman: "بالتأكيد. أقوم الآن بتحويلك إلى موظف من فريق {dept}.",
		clarify:      "لتوجيهك إلى الفريق الصحيح: هل يتعلق الأمر بالإعانات أو الضرائب أو المركبات أو التصاريح أو السكن أو المرافق؟ يمكنك أيضًا كتابة \"agent\" للتحدث مع موظف.",
		glad:         "يسعدني أنني ساعدتك. إذا احتجت إلى أي شيء آخر فاكتب هنا.",
		emergency:    "إذا كنت أنت أو شخص آخر في خطر الآن فاتصل بالرقم 911. لأزمة الصحة النفسية اتصل أو أرسل رسالة إلى 988. أقوم بتحويلك إلى موظف بأولوية.",
	},
	"ht": {
		greet:        "Bonjou, mwen se asistan otomatik {agency}. Pou pale ak yon moun, ekri \"agent\" nenpòt ki lè.",
		handoff:      "M ap konekte w ak yon moun nan ekip {dept} la. Y ap reponn ou isit la.",
		handoffHuman: "Dakò. M ap konekte w kounye a ak yon moun nan ekip {dept} la.",
		clarify:      "Pou m voye w bay bon ekip la: èske se pou benefis, taks, machin, pèmi, lojman oswa sèvis dlo/kouran? Ou ka ekri \"agent\" tou pou pale ak yon moun.",
		glad:         "Mwen kontan sa te ede w. Si w bezwen lòt bagay, ekri isit la.",
		emergency:    "Si ou menm oswa yon lòt moun an danje kounye a, rele 911. Pou yon kriz sante mantal, rele oswa ekri 988. M ap konekte w an priyorite.",
	},
	"tl": {
		greet:        "Kumusta, ako ang awtomatikong katulong ng {agency}. Para makausap ang isang tao, i-type ang \"agent\" anumang oras.",
		handoff:      "Ikinokonekta kita sa isang tao mula sa aming {dept} team. Sasagot sila rito.",
		handoffHuman: "Sige. Ikinokonekta na kita sa isang tao mula sa aming {dept} team.",
		clarify:      "Para maipasa kita sa tamang team: tungkol ba ito sa benepisyo, buwis, sasakyan, permit, pabahay o utilities? Maaari mo ring i-type ang \"agent\" para makausap ang isang tao.",
		glad:         "Natutuwa akong nakatulong. Kung may kailangan ka pa, sumulat dito.",
		emergency:    "Kung ikaw o ibang tao ay nasa panganib ngayon, tumawag sa 911. Para sa krisis sa kalusugang pangkaisipan, tumawag o mag-text sa 988. Ikinokonekta kita nang may priyoridad.",
	},
}

// say returns the phrase for lang (English when missing) with placeholders
// filled.
func phrase(lang string, pick func(phrases) string, vars map[string]string) string {
	p, ok := texts[baseLang(lang)]
	s := ""
	if ok {
		s = pick(p)
	}
	if s == "" {
		s = pick(texts["en"])
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func baseLang(lang string) string {
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	return lang
}

// isThanks reports whether a short reply just says yes or thanks.
func isThanks(text string) bool {
	words := strings.Fields(strings.ToLower(strings.Trim(text, " .!¡?¿")))
	if len(words) == 0 || len(words) > 6 {
		return false
	}
	for _, w := range words {
		w = strings.Trim(w, ".,!¡?¿")
		switch w {
		case "no", "not", "didn't", "didnt", "doesn't", "nope", "but", "pero", "non", "không", "没有", "不", "لا", "pa", "hindi":
			return false
		}
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, w := range []string{" yes", " yep", " thanks", " thank you", " thx", " ty ", " great", " perfect", " ok ", " okay", " got it", " that helps", " helped",
		" sí", " si ", " gracias", " perfecto", " vale", " merci", " oui", " cảm ơn", " vâng", " 谢谢", " 好的", " شكرا", " mèsi", " wi ", " salamat", " opo"} {
		if strings.Contains(joined, w) {
			return true
		}
	}
	return false
}
