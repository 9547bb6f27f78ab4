package local

import (
	"testing"

	civicdesk "github.com/civicdesk/civicdesk"
)

var testLex = newLexicon()

// byRules returns the urgency the rules alone give text, the rule's name,
// and whether the rules say the citizen asks for a person.
func byRules(text string) (civicdesk.Urgency, string, bool) {
	norm := normalize(text, true)
	toks := tokenize(norm, nil)
	hit := make([]int32, testLex.m.ngroups)
	testLex.m.match(norm, toks, hit)
	words := countWords(toks)
	u, f := testLex.urgencyOf(hit, words)
	name := ""
	if f != nil {
		name = f.rule.name
	}
	h, _ := testLex.wantsHuman(hit, words)
	return u, name, h
}

func TestEmergencyRules(t *testing.T) {
	for _, text := range []string{
		// en
		"hes outside banging on the door saying hes going to kill me",
		"I don't want to live anymore",
		"my son overdosed and is not breathing",
		"smells like gas in the whole building",
		"carbon monoxide alarm going off and we all have headaches",
		"power lines down on Elm and they're sparking",
		"the scaffolding is leaning over the sidewalk and swaying",
		"water main broke and water is pouring into the basements",
		"no heat, it's 10 degrees and I have a 2 month old",
		"me and my kids are sleeping in the car tonight",
		"there's a fire in the apartment next door",
		"manhole cover missing at 5th and Main, open hole in the crosswalk",
		"the ceiling is sagging and I think it's going to come down",
		"my husband hit me and I'm scared to go home",
		"my daughter ran out of insulin and the pharmacy won't refill it",
		"i dont see the point anymore. this is the last message im sending anyone",
		// es
		"mi bebe no a comido desde ayer y casi no se mueve",
		"mi hijo de 6 años se perdio en el parque hace 20 minutos",
		// fr, tl, zh: someone vulnerable missing now; wanting to be no burden
		"mon pere a alzheimer, il est sorti ce matin et on ne le trouve pas",
		"nawawala po si lola simula kaninang umaga, may dementia po siya",
		"活着真没意思，不想再拖累家里人了",
		// fr, ar (Levantine, Egyptian, Maghrebi), ht, vi: threats, ending one's life, a child shut in a car, gas, giving up, an open manhole
		"mon voisin a dit qu'il va venir me tirer dessus ce soir",
		"اخي عم يحكي انه بدو ينهي حياته",
		"في طفل صغير محبوس في عربية في الشمس",
		"كاين ريحة ديال الغاز قوية بزاف فالزنقة",
		"mwen pa ka kontinye anko, m ap bay tout bagay mwen yo",
		"co mot cai ho ga bi mat nap giua duong, xe suyt rot xuong",
		// dangers worded near the figures of speech above
		"there was an explosion in the building next door and smoke is everywhere",
		"i need a shelter tonight, i have nowhere to go",
		"the suicide hotline didnt answer and i want to end my life",
		"im drowning in bills and now my husband collapsed and isnt breathing",
		"traffic lights are out at the exit and cars are almost crashing, someone is gonna get killed",
		"my kids havent eaten for 3 days and the baby wont wake up",
		"mi esposo me pega y tengo miedo",
		"ya no quiero seguir viviendo",
		"huele a gas en la calle",
		"se rompió un tubo y el agua está entrando a las casas",
		"no tenemos calefacción, está helando y tengo un bebé de 2 meses",
		"estamos en la calle con mis hijos, no tenemos donde dormir",
		// fr
		"pas de chauffage, il fait -10 dehors et j'ai un bébé de 6 mois",
		"mon mari me frappe et menace de me tuer",
		"ça sent le gaz très fort dans la rue",
		// vi
		"tôi không muốn sống nữa",
		"toi va con toi khong co cho ngu dem nay",
		// zh
		"我不想活了",
		"街上有很浓的煤气味",
		// ar
		"زوجي يضربني ويهددني بالقتل",
		"أحتاج مأوى الليلة، أنا وأمي في الشارع",
		// ht
		"mari m ap bat mwen e li di l ap touye m",
		"gen yon gwo tiyo dlo ki kase, dlo ap antre nan kay yo",
		// tl
		"sinasaktan po ako ng asawa ko",
		"nasa labas po kami ng mga anak ko, wala kaming matutulugan",
	} {
		if u, rule, _ := byRules(text); u != civicdesk.UrgencyEmergency {
			t.Errorf("%q: rules give %s (%s), want emergency", text, u, rule)
		}
	}
}

func TestHighUrgencyRules(t *testing.T) {
	for _, text := range []string{
		"marshal posted a notice on the door, we get evicted thursday",
		"got a 3 day pay or quit notice today",
		"landlord changed the locks while i was at work",
		"me van a cortar el agua el viernes",
		"got a shutoff notice for my water, says 48 hours",
		"my registration expires tomorrow",
		"they are going to auction my house for back taxes",
		"someone skimmed my ebt card, nothing to feed my kids tonight",
		"sewage backing up into my basement",
		"me llego una carta de desalojo, la corte es el jueves",
		"Mon propriétaire veut m'expulser la semaine prochaine",
		"وصلتني غرامة وآخر موعد للدفع غدا",
		"房东说这个星期五之前必须搬走",
		"Mèt kay la di m fòk mwen soti avan vandredi",
		"pinapaalis na po kami ng landlord sa Biyernes",
	} {
		if u, rule, _ := byRules(text); u != civicdesk.UrgencyHigh {
			t.Errorf("%q: rules give %s (%s), want high", text, u, rule)
		}
	}
}

// Messages with alarming words that are not emergencies. The full
// triager (rules and model) must not call them emergencies.
func TestNotEmergencies(t *testing.T) {
	tr := triager(t)
	for _, text := range []string{
		"got a ticket for parking next to a fire hydrant",
		"the smoke detector in my hallway keeps chirping",
		"why did my gas bill go up so much",
		"Do I need a permit to sell fireworks?",
		"We want to film a scene with a fake gun in the park, what permits?",
		"Does Medicaid cover insulin pumps?",
		"My dad had a stroke last year, can he get a disabled placard?",
		"I'm falling behind on rent",
		"the wait on your phone line is killing me",
		"I lost my EBT card and my kids need groceries this week",
		"se me perdio la tarjeta de medicaid de mi hijo, como pido otra?",
		"the refund check you mailed me went missing, can you send another?",
		"el hidrante de fuego de la esquina esta goteando desde hace dias",
		// things, not people, gone missing
		"mi pago no aparece y tengo 3 hijos, que paso?",
		"busco el formulario para mi hijo y no lo encuentro en la pagina",
		"tien tro cap chua ve, con toi can sua",
		"我的EBT卡不见了，孩子们需要吃饭",
		"ma carte a disparu et j'ai deux enfants, comment en avoir une autre?",
		"nawawala po ang EBT card ko, may tatlo po akong anak",
		"hindi mahanap ang form para sa anak ko sa website",
		"xin thông tin liên lạc của văn phòng, con tôi cần đăng ký",
		// figures of speech and plans, not dangers
		"We're organizing a suicide prevention awareness walk, what permit do we need?",
		"Was there an explosion in permit fees this year?",
		"Our bakery collapsed financially last year, how do we close the tax account?",
		"How do I report new income for SNAP? I'm drowning in bills as it is.",
		"The heat is stuck at 82, feels like the place is on fire lol",
		"My friend might need a shelter at the end of the month, how does intake work?",
		"nobody picked up the trash today and the smell is gonna kill us lol",
		"I'm a disabled veteran, injured in an explosion in 2009; how do I apply for the exemption?",
		"streetlight out on 4th and walnut for 2 weeks, somebody's gonna get killed crossing there",
		"I'm drowning in listings that say no Section 8, who takes vouchers?",
		"the warehouse that collapsed in 2011, is the lot cleared for building now?",
		"I got a notice of seizure of my bank account for state taxes",
		"how do I apply to be a 911 dispatcher",
		"The carbon monoxide detector battery is dead, is the landlord responsible?",
		"there's a pothole on Carter St",
		"my landlord threatened to evict me if I complain",
		"is there a tax break in this state for solar panels",
		"I'd like records about a fire at my property in 2019",
		"mi factura de gas está muy alta",
		"el detector de humo no funciona",
		"煤气费为什么这么高",
		"hay un bache enorme en la esquina",
		"lapli ap tonbe depi maten",
	} {
		if got := tr.Triage(text, "webchat"); got.Urgency == civicdesk.UrgencyEmergency {
			t.Errorf("%q: emergency (%q)", text, got.Reasons)
		}
	}
}

func TestWantsHumanRules(t *testing.T) {
	for _, text := range []string{
		"agent", "AGENT", "representative please", "operator", "human pls", "real person",
		"can i talk to a real person about my tax bill",
		"I want to speak to a supervisor",
		"let me talk to somebody",
		"Can I speak to someone in charge?",
		"please have someone call me back",
		"I don't want to talk to a bot",
		"quiero hablar con una persona",
		"necesito hablar con un agente sobre mis placas",
		"me pasa con un representante por favor",
		"Je voudrais parler à quelqu'un",
		"un agent svp",
		"Tôi muốn nói chuyện với nhân viên",
		"أبغى أكلم أحد الحين لو سمحتم",
		"بدي احكي مع حدا بخصوص مساعدة الايجار",
		"بغيت نهضر مع شي واحد على الميديكيد",
		"toi muon noi chuyen voi caseworker",
		"cho toi noi chuyen voi nhan vien",
		"我要人工客服", "转人工", "我要跟真人说话",
		"أريد التحدث مع موظف من فضلك",
		"Mwen vle pale ak yon moun tanpri",
		"Pwede po bang makausap ang agent?",
		"Gusto ko pong makausap ang isang tao",
	} {
		if _, _, h := byRules(text); !h {
			t.Errorf("%q: not recognised as asking for a person", text)
		}
	}
	for _, text := range []string{
		"my caseworker told me to upload my paystubs here",
		"who do i talk to about a problem with my neighbor",
		"my authorized representative is my daughter",
		"My real estate agent said I need a permit",
		"can I pay my water bill in person",
		"the lady at the dmv said i need form MV-82",
		"hello anyone there",
		"Does the Department of Human Services handle SNAP?",
		"no se con quien hablar sobre un problema con mi vecino",
		"Tôi muốn khiếu nại nhân viên ở quầy số 3",
		"我想投诉窗口的工作人员态度很差",
	} {
		if _, _, h := byRules(text); h {
			t.Errorf("%q: taken as asking for a person", text)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher([]lexGroup{
		{"prefix", phrases("evict*")},
		{"any", phrases("in _ days")},
		{"num", phrases("in # hours")},
		{"ord", phrases("by the #th")},
		{"accent", phrases("calefacción")},
		{"han", phrases("人工")},
		{"arabic", phrases("مأوى الليلة")},
		{"elision", phrases("parler à quelqu'un")},
	})
	cases := []struct {
		text string
		want []string
	}{
		{"they evicted us", []string{"prefix"}},
		{"eviction notice in 3 days", []string{"prefix", "any"}},
		{"in a few days", nil},
		{"shutoff in 48 hours", []string{"num"}},
		{"in many hours", nil},
		{"pay by the 15th", []string{"ord"}},
		{"pay by the 2nd", []string{"ord"}},
		{"pay by the way", nil},
		{"no hay calefaccion", []string{"accent"}},
		{"我要人工服务", []string{"han"}},
		{"احتاج ماوى الليله", []string{"arabic"}},
		{"je veux parler a quelqu un", []string{"elision"}},
	}
	hit := make([]int32, m.ngroups)
	for _, c := range cases {
		norm := normalize(c.text, true)
		m.match(norm, tokenize(norm, nil), hit)
		var got []string
		for g, id := range hit {
			if id >= 0 {
				got = append(got, []string{"prefix", "any", "num", "ord", "accent", "han", "arabic", "elision"}[g])
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: groups %v, want %v", c.text, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: groups %v, want %v", c.text, got, c.want)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		in   string
		fold bool
		want string
	}{
		{"Renovación de MEDICAID", true, "renovacion de medicaid"},
		{"Renovación", false, "renovación"},
		{"Tôi muốn gia hạn bằng lái", true, "toi muon gia han bang lai"},
		{"Đường", true, "duong"},
		{"don't can't", true, "dont cant"},
		{"l'eau d'impôt", true, "l eau d impot"},
		{"quelqu'un aujourd'hui", true, "quelqu un aujourd hui"},
		{"Straße Œuvre", true, "strasse oeuvre"},
		{"ＡＢＣ１２３", true, "abc123"},
		{"أحتاج مأوى الليلة", true, "احتاج ماوي الليله"},
		{"غدًا ٣", true, "غدا 3"},
		{"it's -10 outside", true, "its minus 10 outside"},
	} {
		if got := normalize(c.in, c.fold); got != c.want {
			t.Errorf("normalize(%q, %v) = %q, want %q", c.in, c.fold, got, c.want)
		}
	}
	toks := tokenize(normalize("房东 不退押金, ok?", true), nil)
	var got []string
	for _, tk := range toks {
		got = append(got, tk.s)
	}
	if want := "房 东 不 退 押 金 ok"; joinTokens(got) != want {
		t.Errorf("tokens %q, want %q", joinTokens(got), want)
	}
}

func joinTokens(ts []string) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += " "
		}
		s += t
	}
	return s
}
