package local

import (
	"strings"

	civicdesk "github.com/civicdesk/civicdesk"
)

// The lexicons: phrases in en, es, fr, vi, zh, ar, ht and tl that make the
// urgency rules and the wants-a-person rules. Phrases are separated by '|';
// see matcher.go for '*', '_', '#' and '#th'. Write them as people do (with
// or without accents: both are folded the same way).

// phrases splits a '|'-separated phrase list.
func phrases(lists ...string) []string {
	var out []string
	for _, list := range lists {
		for _, p := range strings.Split(list, "|") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// combos returns every "a b" for a in as and b in bs.
func combos(as, bs []string) []string {
	var out []string
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+" "+b)
		}
	}
	return out
}

// cat concatenates phrase lists.
func cat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// rule fires when every group in all matches and no group in not does.
type rule struct {
	name  string
	level civicdesk.Urgency // urgency rules; "" for wants-human rules
	all   []string
	not   []string
	// maxWords, if set, limits the rule to texts of at most that many words
	// (not counting politeness such as "please").
	maxWords int
}

var lexGroups = []lexGroup{
	// ---- emergency: danger to life ----
	{"violence", phrases(
		"kill me|kill us|kill her|kill him|kill my kids|kill my children|kill my family|kill my wife|kill my husband|kill my mom|kill my son|kill my daughter|kill the kids|going to kill|gonna kill|threatened to kill|threatening to kill|wants to kill|tried to kill",
		"burn the house down|burn down the house|set the house on fire|burn us|husband hit me|boyfriend hit me|wife hit me|partner hit me|ex hit me|dad hit me|father hit me|hit me and|being beaten|beaten up|is beating|beating her|beating him|shoot himself|shoot herself|shoot myself|hunting rifle|i have a gun|have a gun in|gun in my nightstand|gun in the house|hitting his kids|hitting her kids|hitting the kids|beating his kids|beating her kids|beating the kids|hear them screaming|hear her screaming|hear him screaming|locked me in|took my phone|attacking a child|attacking a kid|attacking someone|attacking people|dog is attacking|dogs attacking|hurt her|hurt him|hurt them|punched me|punched my|punched her|punched him|machete|with a crowbar|on his way here|on her way here|hurt me|hurts me|break it down|break down the door|break down my door|crowbar|pushed me down|pushed me into|threw me|strangling|choking me|with a bat|baseball bat|with a hammer|gun at|gun to|loaded gun|gun ready|a knife|knife at|the knife|with a knife|has a knife|had a knife|pulled a knife|with a gun|has a gun|had a gun|pulled a gun|pointing a gun|man with a gun|someone is shooting|shooting outside|shooting at|shots fired|gunshots|been shot|got shot|was shot|stabbed|stabbing",
		"he hit me|she hit me|hit me again|hits me|hitting me|beat me|beats me|beating me|beat up|choked me|choking me|strangled|attacked me|attacking me|assaulted|raped|rape|sexual assault|sexually assaulted|abuser|abusing me",
		"threatened to hurt|threatening to hurt|threatened to shoot|threatening to shoot|threatened to stab|threatened to beat|threatened my life|threatening my life|slapped me|punched me|punching me|hurting me|hurting my kids|hurting my children|hurting my baby|hurt my kids|hurt the kids|hurt my baby|he is violent|hes violent|getting violent|drunk and violent|afraid for my life|fear for my life|scared for my life|going to hurt me|hurt me again|come back to hurt|will hurt me|followed me|following me|stalking me|stalker|breaking in|trying to break|broke in last night|kidnap*|trafficking|hiding from him|hiding from her|im hiding|i am hiding|i'm hiding",
		"me encerro|me encerraron|me tiene encerrada|me quito el telefono|me esta amenazando|nos esta amenazando|me esta golpeando|me golpeo|me empujo|con un bate|me estrangulo|me ahorca|me esta pegando|nos esta pegando|tiene un arma|me quiere pegar|me lastima|me esta lastimando|me quiere matar|me va a matar|nos va a matar|matarme|matarnos|amenazo con matar|amenaza con matar|me amenazo con un|me amenazo de muerte|amenaza de muerte|amenazas de muerte|cuchillo|pistola|un arma|me pega|me pego|nos pega|me golpea|me golpeo|golpeando|me esta golpeando|me violo|abuso sexual|me esta siguiendo|me siguio|me persigue|hacerme dano|me quiere hacer dano",
		"me tuer|nous tuer|menace de me tuer|me tirer dessus|nous tirer dessus|tirer sur moi|couteau|pistolet|une arme|me frappe|m a frappe|me bat|me suit|menace de mort|agresse|me frapp*|m a frapp*|la frapp*|le frapp*|agressee|m a violee",
		"bị đâm|đâm chém|bị bắn|giết tôi|giết|dọa giết|đánh tôi|đang đánh|đe dọa giết|cầm dao|có súng|cầm súng|theo dõi tôi|hiếp dâm",
		"拿着枪|拿着刀|持枪|带着枪|杀了我|要杀|杀我|打我了|他打我|她打我|被打|拿刀|有刀|有枪|拿枪|威胁我|跟踪我|强奸",
		"تقتل نفسها|يقتل نفسه|تنتحر|ينتحر|يقتلني|بالقتل|سيقتلني|يضربني|ضربني|يضربنا|سكين|مسدس|سلاح|يلاحقني|يتبعني|اغتصاب",
		"touye m|touye mwen|touye nou|bat mwen|ap bat|kouto|zam|menase pou touye|kadejak",
		"papatayin|patayin ako|sinasaktan|sinaktan|binubugbog|bugbog|kutsilyo|baril|sinusundan ako|ginahasa",
	)},
	{"fire question", phrases(
		"is that normal|is it normal|is this normal|each year|every year|every winter|first time i turn|when i first turn|hydrant|hidrante|borne d incendie|bouche d incendie",
	)},
	{"abuse", phrases(
		"restraining order|protective order|order of protection|domestic violence|domestic abuse|abusive husband|abusive boyfriend|abusive partner|abusive ex|my abuser",
		"violencia domestica|violencia familiar|orden de restriccion|orden de proteccion",
		"violence conjugale|violences conjugales|violence domestique",
		"bạo lực gia đình|bị bạo hành",
		"家暴|家庭暴力",
		"عنف اسري|عنف منزلي",
		"vyolans domestik|vyolans nan kay",
		"karahasan sa tahanan|karahasan",
	)},
	{"figurative", phrases(
		"bill is going to kill|bills are going to kill|taxes are going to kill|tax is going to kill|this is going to kill|is killing me|are killing me|going to kill me lol|kill me lol|killing me lol|kill us lol|gonna kill me lol|gonna kill us lol|smell is gonna kill|smell is going to kill|smell is killing|dying to know|dying to find out",
	)},
	// Each figure of speech cancels only the rule whose words it borrows:
	// a message drowning in bills may still tell of a fire.
	{"figurative fire", phrases(
		"on fire lol|explosion in fees|explosion in prices|explosion in costs|explosion in permit|explosion in rent|prices exploded|fees exploded|bill exploded|rent exploded|tire exploded|tire blew",
	)},
	{"figurative medical", phrases(
		"drowning in bills|drowning in debt|drowning in paperwork|drowning in work|drowning in listings|drowning in applications|drowning in emails|drowning in calls|drowning in requests|drowning in forms|drowning in homework",
	)},
	{"figurative collapse", phrases(
		"collapsed financially|financially collapsed|business collapsed|market collapsed",
	)},
	{"awareness", phrases(
		"suicide prevention|prevention walk|awareness walk|awareness month|awareness event|prevention training|prevention month",
	)},
	{"for weeks", phrases(
		"for # weeks|for # months|for weeks|for months|for a week|for a month|for # wks|for over a week|for over a month",
	)},
	{"not tonight", phrases(
		"end of the month|next month|next week|in a few weeks|in two weeks|in a couple of weeks|how does shelter intake work|intake process",
	)},
	{"medical question", phrases(
		"cover it|covers it|does chip|episodes|history of|in the past|used to have|does medicaid cover|does it cover|is it covered|covered by|cover a|cover the|coverage for",
	)},
	{"kicked out", phrases(
		"nowhere to go|no where to go|kicked out|kicked us out|thrown out|threw us out|put out|put us out|locked out|evicted|on the street|on the streets",
		"nos echo|me echo|echo de la casa|echaron|sacaron|desalojaron|en la calle|no tengo a donde ir",
		"mis a la porte|expulse|a la rue",
		"bị đuổi|ra đường",
		"赶出来|赶出|街上",
		"طردنا|طردني|في الشارع",
		"mete nou deyò|mete m deyò",
		"pinalayas|pinaalis",
	)},
	{"tonight", phrases(
		"tonight|right now|this night|now",
		"esta noche|ahora|hoy",
		"ce soir|cette nuit|maintenant",
		"tối nay|đêm nay|bây giờ",
		"今晚|今天晚上|现在",
		"الليله|الان",
		"aswè a|aswe a|kounye a",
		"ngayong gabi|ngayon",
	)},
	{"fear now", phrases(
		"right now|tonight|scared|afraid|hiding|help me|please help|in danger|he is here|hes here|he is outside|hes outside|outside my door|he found me|she found me",
		"ahora|esta noche|tengo miedo|escondida|escondido|ayudame|ayuda por favor|esta aqui|afuera de mi casa",
		"maintenant|ce soir|j ai peur|cachee|aidez moi",
		"bây giờ|tối nay|sợ|trốn",
		"现在|今晚|害怕|躲",
		"الان|الليله|خائفه|خائف|اختبئ",
		"kounye a|aswe a|pe|m pe|kache",
		"ngayon|ngayong gabi|takot|nagtatago",
	)},
	{"self-harm", phrases(
		"no future|sorry for everything|dont see the point anymore|don't see the point anymore|dont see the point in anything|last message im sending|last message i'm sending|this is my last message|bought rope|bought a rope|a noose|hang myself|hanging myself|hang himself|hang herself|my last night|last day alive|take care of my cat|take care of my dog|when im gone|when i'm gone|after im gone|better off without me|better off dead|want it all to stop|want everything to stop|make it all stop|cant take it anymore|can't take it anymore|cant take this anymore|nothing to live for|give up on life|sleep forever|disappear forever|say goodbye to everyone|final goodbye|standing on the roof|on the ledge|edge of the bridge|wish i was dead|wish i were dead|dont want to wake up|not want to wake up|never wake up|no reason to go on|end myself|unalive|kms|take all my pills|take all my meds|kill myself|killing myself|suicide|suicidal|end my life|ending my life|end it all|take my own life|want to die|wanna die|better off dead|dont want to live|not want to live|want to live anymore|want to be alive|be alive anymore|point of living|point in living|reason to live|reason to keep living|keep living|goodbye letter|goodbye letters|wrote letters to|suicide note|note saying goodbye|goodbye note|want to be here anymore|want to hurt myself|going to hurt myself|hurting myself|harm myself|harming myself|cutting myself|cutting herself|cutting himself|cut herself|cut himself|hurting herself|hurting himself|wants to die|wanted to die|ending things|end things|thinking about ending|thoughts of ending|giving my stuff away|giving away my things|give away my stuff|end it tonight|going to end it|end it now|took all my|sleeping pills|took pills|took too many|took a lot of|cant go on|can not go on|see no way out|going to jump|gonna jump|jump off|threatening to jump|jumping off|bottle of pills|locked himself in|locked herself in",
		"quitar la vida|dormir para siempre|desaparecer para siempre|mejor muerto|mejor muerta|mejor sin mi|no tiene sentido vivir|acabar con todo|no quiero seguir|ya no quiero seguir|tengo las pastillas|ya no quiero vivir|se quiere matar|quiere matarse|se va a matar|matarse|me voy a matar|me quiero matar|no quiero despertar|suicid*|tirarme|aventarme del puente|quitarme la vida|matarme|no quiero vivir|no quiero seguir viviendo|quiero morir|me quiero morir|quiero morirme|acabar con mi vida|no vale la pena vivir|hacerme dano",
		"mieux sans moi|plus envie de vivre|dormir pour toujours|disparaitre pour toujours|me suicider|je veux mourir|veux plus vivre|veux pas vivre|envie de mourir|envie d en finir|je veux en finir|en finir avec la vie|mettre fin a mes jours|me faire du mal",
		"tự tử|muốn chết|không muốn sống|tự sát|kết liễu",
		"活着没意思|活着真没意思|不想再拖累|拖累家里人|拖累家人|跳楼|跳下去|结束一切|不想活|想死|自杀|轻生|活不下去|结束生命",
		"افضل بدوني|ينهي حياته|ينهي حياتو|تنهي حياتها|انهي حياتي|اقفز|انتحار|انتحر|اقتل نفسي|اريد ان اموت|لا اريد ان اعيش|لا اريد العيش|انهي حياتي",
		"touye tet mwen|touye tèt mwen|pa ka kontinye anko|pa ka kontinye ankò|m ap bay tout bagay|map bay tout bagay|swisid|mwen vle mouri|vle mouri|pa vle viv ankò|pa vle viv",
		"wala nang saysay ang buhay|tatalon ako|magpakamatay|pagpapakamatay|mamatay na|ayoko nang mabuhay|ayoko na mabuhay|ayoko na pong mabuhay|ayaw ko nang mabuhay|gusto ko nang mamatay|patayin ang sarili",
	)},
	{"medical", phrases(
		"drank bleach|drank some bleach|drank cleaner|drank cleaning|ate detergent|ingested|swallowed bleach|poison control|lips look purple|lips are purple|purple lips|lips look blue|cant speak|can't speak|cannot speak|face is crooked|lips are blue|lips turning blue|gasping|whole bottle|a bottle of|narcan|naloxone|fentanyl|vomiting blood|coughing up blood|throat is closing|throat closing|hit by a car|got hit by a car|fell down the stairs|burned badly|severe burn|think he had a stroke|think she had a stroke|asthma attack|inhaler is empty|no inhaler|out of his inhaler|catch his breath|catch her breath|catch my breath|chest tightness|chest is tight|tight chest|out of my heart|out of his heart|out of her heart|slurring|slurred|face is drooping|drooping|arm is numb|numb on one side|on the floor and|found her on the floor|found him on the floor|found my mom on the floor|found my dad on the floor|fell hours ago|and cant move|and can't move|she cant move|he cant move|seizure medication|seizure meds|had a seizure|had seizures|two seizures|seizures today|pass out|going to pass out|passing out|about to pass out|moaning|calling for help|crying for help|yelling for help|screaming for help|isnt moving|isn't moving|is not moving|hes not moving|shes not moving|lying in the street|lying on the ground|lying on the floor|lying on the sidewalk|and not moving|fell in the pool|in the pool and|drowning|drowned|almost drowned|turning blue|blue lips|fainted|fainting|is bleeding|wont stop bleeding|won't stop bleeding|in labor|my water broke|was poisoned|been poisoned|ate poison|drank poison|swallowed a|swallowed pills|swallowed some|epipen|no pulse|doing cpr|needs cpr|giving cpr|call an ambulance|need an ambulance|send an ambulance|heat stroke|heatstroke|blood sugar is|diabetic emergency|rabid|overdose*|overdosing|od'd|not breathing|stopped breathing|cant breathe|can't breathe|cannot breathe|trouble breathing|unconscious|unresponsive|wont wake up|won't wake up|not waking up|passed out|collapsed|having a seizure|having seizures|is seizing|having a stroke|is having a stroke|stroke symptoms|having a heart attack|chest pain*|bleeding a lot|bleeding badly|bleeding heavily|choking|anaphyla*|allergic reaction|took a bunch of pills|took a lot of pills|took too many pills|swallowed pills|out of insulin|no insulin|insulin left|of insulin left|ran out of insulin|without insulin|no pills left|no medicine left|no medication left|out of his medication|out of her medication|out of my medication|dog attacked|attacked by a dog|bitten by a dog|dog bit|hit her head|hit his head|hit my head|head injury|fell and cant get up|fell and can't get up|fallen and cant get up|call 911|called 911|calling 911|dial 911",
		"tomo cloro|bebio cloro|tomo blanqueador|labios morados|no puede hablar|cara chueca|se le durmio el brazo|tomo un frasco|vomitando sangre|atropell*|no puede respirar|se esta ahogando|convulsionando|sangrando|ambulancia|envenen*|se desmayo|no reacciona|sobredosis|no respira|inconsciente|no despierta|convulsion*|ataque al corazon|infarto|derrame cerebral|dolor de pecho|sangrando mucho|se desmayo|muchas pastillas|tomo pastillas|se le acabo la insulina|sin insulina|no tiene insulina",
		"eau de javel|avale des|levres bleues|ne peut plus parler|renverse par une voiture|surdose|ne respire plus|ne respire pas|inconscient|crise cardiaque|convulsions|saigne beaucoup|plus d insuline|pas d insuline|s est evanoui|avale des medicaments",
		"uống thuốc tẩy|tím tái|không nói được|bị xe tông|không thở|ngất xỉu|bất tỉnh|đau ngực|đột quỵ|co giật|quá liều|hết insulin|khó thở|lên cơn",
		"倒在地上|倒地|不能说话|昏倒|晕过去|喝了漂白剂|误食|嘴唇发紫|说不出话|被车撞|一整瓶|不能呼吸|没有呼吸|昏迷|晕倒|心脏病发作|中风|胸口疼|胸痛|吃了很多药|吃了好多药|过量|抽搐|胰岛素用完|没有胰岛素|喘不过气",
		"شرب مبيض|شرب الكلور|لا يستطيع التنفس|لا تستطيع التنفس|لا يقدر يتنفس|لا يستطيع الكلام|صدمته سياره|لا يتنفس|لا تتنفس|فاقد الوعي|اغمي عليه|اغمي عليها|نوبه قلبيه|جلطه|الم في الصدر|جرعه زائده|تشنجات|نفد الانسولين|لا يوجد انسولين",
		"bwè pwodui|bwe pwodui|bwè klowòks|bwe klowoks|bouch li ble|pa ka pale|machin frape|pa ka respire|pa respire|endispoze|kriz kadyak|konvilsyon|senyen anpil|pa gen ensilin|bwè anpil grenn",
		"nananaksak|sinaksak|saksak|sugatan|binaril|namamaril|nakainom ng chlorine|nakainom ng lason|makahinga|inatake sa puso|nasagasaan|hindi makapagsalita|hindi makahinga|hindi humihinga|nawalan ng malay|atake sa puso|kombulsyon|nag-overdose|ubos na ang insulin|walang insulin|nahimatay",
	)},
	{"fire", phrases(
		"set fire to|set on fire|arson|spreading to|caught fire|catching fire|is spreading|fire is spreading|smell something burning|something is burning|burning inside|outlets are hot|outlet is hot|wall is hot|on fire|house fire|a fire in|a fire at|there's a fire|theres a fire|there is a fire|fire in the|fire broke out|building is burning|house is burning|smoke coming|smoke is coming|smoke everywhere|filled with smoke|full of smoke|smell smoke|smell of smoke|smoke in the|burning smell|electrical fire|outlet is smoking|outlet smoking|smoking outlet|wires burning|melting outlet|flames|explosion|exploded",
		"hay un incendio|incendio|se esta quemando|se quema|fuego|sale humo|mucho humo|hay humo|lleno de humo|olor a quemado|explosion|exploto",
		"incendie|au feu|en feu|le feu|de la fumee|beaucoup de fumee|fumee sort|odeur de brule",
		"cháy nhà|đang cháy|hỏa hoạn|bị cháy|bốc cháy|có khói|nhiều khói|khói bốc|phát nổ|nổ tung",
		"着火|火灾|失火|冒烟|起火|爆炸|烧起来",
		"حريق|النار|دخان|انفجار|تحترق|يحترق",
		"dife|ap boule|lafimen|lafime|eksplozyon",
		"sunog|nasusunog|usok|pagsabog|sumabog",
	)},
	{"gas", phrases(
		"gas is blowing|gas blowing|gas is coming out|gas coming out|gas escaping|escaping gas|smell natural gas|smell of natural gas|smells like natural gas|natural gas smell|natural gas leak|smelling like gas|smelling of gas|smells of gas|gas line hit|hit a gas line|hit the gas line|broke a gas line|gas line broke|gas line break|hissing|gas main|gas leak|gas leaking|leaking gas|smell gas|smells like gas|smell like gas|smelled gas|smell of gas|gas smell|odor of gas|gas odor|rotten egg smell|smell of rotten eggs|smells like rotten eggs|carbon monoxide|co alarm|co detector|monoxide",
		"saliendo el gas|sale gas|se sale el gas|escape de gas|fuga de gas|olor a gas|huele a gas|huele mucho a gas|monoxido",
		"fuite de gaz|odeur de gaz|sent le gaz|ca sent le gaz|monoxyde",
		"rò rỉ gas|rò rỉ ga|mùi gas|mùi ga|mùi khí đốt|rò khí",
		"煤气味|燃气泄漏|煤气泄漏|漏气|天然气味|一氧化碳|燃气味|煤气泄露",
		"تسرب غاز|تسرب الغاز|رائحه غاز|ريحه غاز|رائحه الغاز|ريحه الغاز|ريحه ديال الغاز|ريحه تاع الغاز|اول اكسيد الكربون",
		"sant gaz|fwit gaz|gaz ap koule|monoksid",
		"amoy gas|tagas ng gas|tumatagas na gas|leak ng gas|amoy ng gas",
	)},
	{"detector question", phrases(
		"new battery|needs a battery|low battery|the battery|chirping|for months|for weeks|for years|depuis des mois|depuis des semaines|hace meses|detector battery|battery is dead|battery died|replace the detector|install a detector|need a detector|is the landlord responsible|landlord responsible|does the landlord have to|required to have|free detector|smoke and carbon monoxide detectors",
	)},
	{"live wires", phrases(
		"wires sparking|wire sparking|sparking|sparks|live wire|live wires|power line down|power lines down|powerline down|downed power|downed line|downed wire|wires down|wire down|wires are down|lines are down|hanging wires|exposed wires|electrocut*",
		"cables de luz caidos|cable de luz caido|luz caidos|cables caidos|cable caido|chispas|echando chispas|cable suelto|cables de luz en el suelo|se cayeron los cables",
		"fils electriques tombes|fil electrique tombe|etincelles|cable tombe|fils tombes",
		"dây điện đứt|dây điện rơi|tia lửa điện|tóe lửa|dây điện bị đứt|dây điện rớt",
		"电线掉|电线断|火花|电线杆倒|电线落|电线冒火",
		"اسلاك كهرباء|شراره|شرار|سلك كهرباء|الاسلاك ساقطه|اسلاك الكهرباء",
		"fil kouran|fil elektrik tonbe|etensel|etensèl",
		"kable ng kuryente|nag-aapoy ang kable|naputol na kawad|kislap|nakalaylay na kawad",
	)},
	{"wire", phrases(
		"power line|power lines|powerline|wire|wires|cable|cables|electric line|electrical line|utility line",
		"cable|cables|alambre|linea electrica|cables de luz",
		"fil electrique|fils|cable|ligne electrique",
		"dây điện|đường dây",
		"电线|电缆",
		"سلك|اسلاك|كابل",
		"fil kouran|fil elektrik",
		"kable|kawad|linya ng kuryente",
	)},
	{"wire down", phrases(
		"down|snapped|lying|fallen|fell|buzzing|sparking|across the road|across the street|across the sidewalk|on the ground|on the car|on the fence|on the sidewalk|in the street|in the road",
		"caido|caidos|cayeron|cayo|en el suelo|en la calle|chispas",
		"tombe|tombes|par terre|dans la rue|etincelles",
		"đứt|rơi|rớt|dưới đất|tóe lửa",
		"掉|断|地上|冒火花",
		"ساقط|مقطوع|على الارض|في الشارع",
		"tonbe|atè|nan lari",
		"nahulog|bumagsak|naputol|nasa kalsada",
	)},
	{"wire fine", phrases(
		"hang low|hanging low|hang really low|hangs low|touching|tree branches|branches are|not down|not sparking|no sparks",
	)},
	{"debris", phrases(
		"beams|steel beams|a load of|debris|bricks|brick|concrete|chunks|pieces|facade|stones|masonry|glass panel|window fell|plaster",
		"escombros|ladrillos|pedazos|concreto",
		"debris|briques|morceaux|beton",
		"gạch|mảnh vỡ|bê tông",
		"砖|碎片|水泥块",
		"حجاره|طوب|انقاض",
		"brik|moso",
		"bato|hollow block|piraso",
	)},
	{"dropping", phrases(
		"fell|falling|fall|dropped|dropping|came down|coming down|crashing down",
		"cayo|cayendo|caen|cayeron",
		"tombe|tombent|tombes",
		"rơi|rớt",
		"掉|落",
		"سقط|تسقط|يسقط",
		"tonbe",
		"nahulog|bumabagsak",
	)},
	{"electrical", phrases(
		"outlet|outlets|light fixture|electrical panel|breaker box|breaker panel|wiring|fuse box|electrical box",
		"enchufe|enchufes|tomacorriente|contacto electrico|cableado",
		"prise|prises|tableau electrique",
		"ổ điện|ổ cắm|cầu dao",
		"插座|电箱|电线",
		"مقبس|فيش الكهرباء|لوحه الكهرباء",
		"priz|pliz",
		"saksakan|outlet",
	)},
	{"wet or sparking", phrases(
		"pouring|dripping|leaking|coming through|water coming|water is coming|water in the|water into the|sparks|sparking|smoking|hot to the touch|melting",
		"goteando|chorreando|entra agua|chispas|humo",
		"fuite|coule|etincelles|fumee",
		"rò|chảy nước|tóe lửa",
		"漏|滴水|冒烟|火花",
		"يتسرب|ماء|شرار",
		"koule|etensèl|etensel",
		"tumutulo|tumatagas|kislap",
	)},
	{"not live", phrases(
		"not sparking|no sparks|arent sparking|are not sparking|isnt sparking|not live|hanging low|hang low|telephone|cable tv|internet cable",
	)},
	{"collapse", phrases(
		"collaps*|caving in|cave in|caved in|about to fall|going to fall|gonna fall|going to come down|gonna come down|falling down on|falling into the street|falling into my yard|falling into the road|falling onto|falling on people|falling on the sidewalk|falling on cars|falling on the street|bricks falling|debris falling|falling debris|ceiling fell|just fell in|fell in the hole|no barrier|no barricade|no barriers|ceiling is falling|ceiling is sagging|ceiling sagging|sagging and cracking|leaning over the sidewalk|leaning over the street|leaning toward the sidewalk|leaning toward the street|leaning toward our house|leaning toward my house|swaying|swinging loose|leaning out|leaning over|moved in the wind|moving in the wind|undermining|cracks opening|opening by the minute|foundation is cracking|foundation cracking|house is shifting|building is shifting|building is moving|house is moving|arm is bending|crane is bending|waved everyone away|car fell in|car fell into|almost hit|nearly hit|almost stepped in|nearly fell in|almost fell in|bulging|part of the sidewalk is gone|road is gone|washed out|cover is off|cracked in half|snapped in half|broken in half|leaning over the|pole is leaning|pole leaning|foot trench|deep trench|uncovered trench|no cones|open pit|open ditch|deep hole|tipping over|about to tip|fell in and|fell into the|fell in the hole|fell in a hole|road collapsed|manhole cover missing|missing manhole|open manhole|manhole is open|no manhole cover|open hole|uncovered hole|open trench|unfenced|no fence|open excavation|almost went in|fell into",
		"se esta cayendo|se va a caer|se cayo el techo|derrumbe|derrumba*|se derrumbo|se estan cayendo|socavon|hoyo abierto|alcantarilla sin tapa|alcantarilla abierta|zanja abierta|se hundio la calle",
		"effondre*|effondrement|va tomber|s effondre|plafond tombe|trou beant|bouche d egout ouverte|tranchee ouverte",
		"sập xuống|sắp sập|bị sập|sụt lún|hố tử thần|nắp cống|đổ sập|sắp đổ|mất nắp|mat nap|sap xuong|sap sap|bi sap",
		"倒塌|塌了|要塌|快塌|坍塌|塌陷|天坑|井盖丢|井盖没了|没有井盖|井盖被偷|掉下来",
		"انهيار|ينهار|سينهار|انهار|سقط السقف|السقف يسقط|غطاء المجاري|بالوعه مفتوحه|حفره مفتوحه",
		"plafon an tonbe|miray la pral tonbe|kay la pral tonbe|twou san kouvèti|kraze tonbe",
		"gumuguho|guguho|bumagsak ang kisame|babagsak|lumubog ang kalsada|bumigay",
	)},
	{"ceiling", phrases(
		"ceiling|roof|wall|balcony|railing|stairs|staircase|porch",
		"techo|pared|balcon|escalera",
		"plafond|toit|mur|balcon|escalier",
		"trần nhà|mái nhà|tường|ban công|cầu thang",
		"天花板|屋顶|墙|阳台|楼梯",
		"السقف|الجدار|الشرفه|الدرج",
		"plafon|twati|mi|balkon|eskalye",
		"kisame|bubong|pader|balkonahe|hagdan",
	)},
	{"coming down", phrases(
		"fell in|fell down|just fell|broke off|came off|collapsed|collapsing|caving|caved in|coming down|going to come down|gave way|giving way",
		"se cayo|se esta cayendo|se va a caer|se derrumbo|se esta hundiendo",
		"tombe|est tombe|s effondre|s ecroule|va tomber",
		"sập|rơi xuống|sắp sập",
		"掉下来|塌",
		"سقط|ينهار|يسقط",
		"tonbe|kraze",
		"bumagsak|gumuho|bumibigay",
	)},
	{"sinkhole", phrases(
		"se abrio un hoyo|sinkhole|sink hole|socavon|hundimiento|trou beant|hố tử thần|hố sụt|天坑|塌陷|حفره انهيار|twou ki louvri|lumubog",
	)},
	{"public place", phrases(
		"opened|huge|big|giant|street|road|avenue|ave|highway|car|cars|people|kids|school|sidewalk|intersection|bus|bridge|calle|carretera|carro|personas|ninos|escuela|rue|route|voiture|gens|enfants|đường|xe|trường|街|路|车|学校|الشارع|الطريق|سياره|lari|wout|machin|kalsada|daan|kotse",
	)},
	{"medical device", phrases(
		"oxygen|concentrator|ventilator|cpap|bipap|dialysis machine|medical equipment|nebulizer|feeding pump|oxigeno|concentrador|oxygene|máy thở|bình oxy|氧气|呼吸机|制氧机|اكسجين|الاكسجين|جهاز التنفس|oksijèn|oksijen|oxygen tank",
	)},
	{"sewage exposure", phrases(
		"raw sewage|sewage pouring|sewage is pouring|sewage gushing|sewage everywhere|sewage spilling",
		"aguas negras saliendo|drenaje desbordado",
	)},
	{"children nearby", phrases(
		"playground|kids|children|school|daycare|parque infantil|ninos|escuela",
	)},
	{"bridge", phrases(
		"bridge|overpass|puente|pont|cây cầu|cầu|桥|جسر|kòtòn|pon|tulay",
	)},
	{"failing", phrases(
		"huge crack|big crack|cracked|sagging|collapsing|buckling|crumbling|falling apart|moving|shaking|grieta|agrietado|fissure|nứt|裂缝|شق|fann|bitak",
	)},
	{"pipe burst", phrases(
		"water main|main break|main broke|main burst|pipe burst|burst pipe|broken pipe|pipe broke|pipe broken|busted pipe|pipe busted",
		"tubo roto|se rompio un tubo|se rompio el tubo|tuberia rota|se rompio la tuberia|se reviento|reventon",
		"conduite d eau cassee|canalisation cassee|tuyau casse|conduite principale",
		"vỡ ống nước|bể ống nước|ống nước bị vỡ|ống nước vỡ",
		"水管爆裂|水管破裂|爆管|水管爆|水管破",
		"انفجار ماسوره|كسر في انبوب|ماسوره مكسوره|انبوب مياه مكسور|انفجار انبوب",
		"tiyo dlo ki kase|tiyo kase|tiyo dlo kase|gwo tiyo",
		"pumutok na tubo|sirang tubo|pumutok ang tubo|nasirang tubo",
	)},
	{"flooding", phrases(
		"rushing|into the basement|basement apartments|spraying|scalding|pouring|flooding|flooded|gushing|like a river|into the houses|into houses|into homes|into the homes|into basements|into the basements|into our homes|water everywhere",
		"inundando|inundo|inundacion|entro agua|entrando agua|se esta inundando|a las casas",
		"inonde|inondation|dans les maisons",
		"ngập|tràn vào nhà|nước vào nhà",
		"淹|进水|灌进",
		"فيضان|تغرق|غرقت|دخلت المياه",
		"dlo ap antre|inondasyon|nan kay yo",
		"bumabaha|baha|pumapasok ang tubig",
	)},
	{"home flooding", phrases(
		"filling with water|filling up with water|basement is flooding|flooding fast|taking in water|overflowing onto|river is overflowing|creek is overflowing|flood water is coming|floodwater|water is coming into|water coming into|water is pouring into|water is coming in fast|house is flooding|home is flooding|apartment is flooding|basement is flooding fast|water is rising|flash flood|flooding our house|flooding my house|flooding the house|water up to|water coming into the house|water pouring into",
		"entro a mi casa|entro a la casa|entrando a mi casa|entrando a la casa|agua en la casa|se esta inundando la casa|se inunda la casa|el agua esta subiendo|se esta metiendo el agua",
		"la maison est inondee|l eau monte",
		"nhà bị ngập|nước dâng",
		"家里进水|房子被淹|水在涨",
		"البيت يغرق|المياه ترتفع",
		"kay la ap inonde|dlo ap monte",
		"binabaha ang bahay|tumataas ang tubig",
	)},
	{"no cooling", phrases(
		"no ac|no a c|no air conditioning|no air conditioner|ac broke|ac broken|ac is broken|ac has been broken|ac is out|ac stopped|ac not working|no cooling|air conditioner broke|air conditioner is broken|air conditioning is out",
		"sin aire acondicionado|no hay aire|el aire no funciona",
		"pas de climatisation|clim en panne",
		"không có máy lạnh|máy lạnh hư",
		"没有空调|空调坏",
		"لا يوجد مكيف|المكيف معطل",
		"pa gen klimatizasyon",
		"walang aircon|sira ang aircon",
	)},
	{"heat wave", phrases(
		"heat wave|heatwave|extreme heat|# degrees inside|# degrees in|over # degrees|so hot|very hot|too hot|burning up",
		"ola de calor|mucho calor|hace calor",
		"canicule|trop chaud|tres chaud",
		"nắng nóng|rất nóng|quá nóng",
		"热浪|很热|太热",
		"موجه حر|حر شديد",
		"fe cho anpil|twò cho",
		"sobrang init|napakainit",
	)},
	{"no heat", phrases(
		"turned off the heat|shut off the heat|cut off the heat|heat turned off|heat was turned off|heat has been off|no heat|no heating|without heat|heat is out|heat out|heat went out|heat has been out|heat not working|heat isnt working|heat is not working|heat doesnt work|heat is off|heat off|heat broke|heater broke|heater is broken|heater broken|heater not working|heater doesnt work|furnace out|furnace is out|furnace broke|furnace broken|furnace is broken|furnace not working|furnace died|boiler broke|boiler is broken|boiler broken|no radiator",
		"sin calefaccion|no hay calefaccion|no tenemos calefaccion|no tengo calefaccion|la calefaccion|calentador|sin calor",
		"plus de chauffage|pas de chauffage|sans chauffage|chauffage en panne|chauffage ne marche|chauffage ne fonctionne|le chauffage",
		"không có sưởi|máy sưởi|lò sưởi|không có hệ thống sưởi",
		"没有暖气|暖气坏|没暖气|暖气不热|暖气停",
		"لا توجد تدفئه|لا يوجد تدفئه|بدون تدفئه|التدفئه لا تعمل|التدفئه|المدفاه",
		"pa gen chofaj|chofaj la pa mache|chofaj",
		"wala kaming heater|wala pong heater|walang init|walang heater|sira ang heater|walang heating|sira ang heating",
	)},
	{"freezing", phrases(
		"shivering|freezing|below freezing|below zero|minus #|degrees|degree|snow|snowing|frozen|ice|subzero|minus #|frostbite|so cold|very cold|bitter cold",
		"helando|hiela|bajo cero|congelando|congelado|nieve|nevando|grados|mucho frio|hace frio|frio",
		"gel|gele|glacial|degres|moins #|neige|il fait froid|froid",
		"lạnh|rét|âm độ|tuyết|đóng băng",
		"冷|零下|结冰|下雪|冻",
		"برد|بارد|متجمد|تحت الصفر|ثلج|درجه",
		"fe fret|fè frèt|frèt|fret|nèj|nej|glase",
		"malamig|nagyeyelo|lamig|niyebe",
	)},
	{"vulnerable person", phrases(
		"baby|babies|infant*|newborn*|month old|months old|mo old|week old|weeks old|wk old|toddler*|kid|kids|children|child|son|daughter|elderly|grandmother|grandma|grandfather|grandpa|grandkid*|grandchild*|wheelchair|disabled|oxygen|pregnant|years old|year old|yr old|yrs old|senior|my mom|my mother|my dad|my father",
		"bebe|bebes|bebé|infante|recien nacido|meses|niño|niños|nino|ninos|hijo|hijos|hija|hijas|embarazada|anciano|anciana|abuela|abuelo|discapacitado|años",
		"bébé|nourrisson|enfant|enfants|mois|fils|fille|enceinte|personne agee|grand-mere|grand-pere|ans|mon pere|ma mere|alzheimer",
		"em bé|con tôi|con nhỏ|bị lẫn|bi lan|ba noi|bà nội|ông nội|trẻ|trẻ sơ sinh|tháng tuổi|người già|bà ngoại|ông ngoại|mang thai|tuổi",
		"孩子|婴儿|宝宝|老人|孕妇|个月大|小孩|儿子|女儿|岁|爸爸|妈妈|痴呆",
		"طفل|اطفال|رضيع|كبار السن|حامل|ابني|ابنتي|امي|ابي|عمره",
		"pitit|tibebe|bebe|granmoun|ansent|timoun|manman m|papa m",
		"anak|sanggol|lola|lolo|buntis|bata|matanda|taong gulang|tatay|nanay|papa|mama",
	)},
	{"no shelter tonight", phrases(
		"sleeping at the|station tonight|outside tonight|in the cold tonight|sleep outside tonight|living on the street|living on the streets|living in a tent|sleeping in a tent|where can i sleep tonight|place to stay tonight|somewhere to stay tonight|somewhere to sleep tonight|place to sleep tonight|kicked out tonight|sleeping in the car|sleeping in my car|sleeping in our car|sleeping in a car|sleep in the car|sleep in my car|sleep in our car|sleeping in the car tonight|living in my car|living in our car|living in the car|sleeping outside|sleep outside|slept outside|sleeping on the street|sleep on the street|sleeping in the street|slept on the street|on the street tonight|on the streets tonight|nowhere to sleep|no where to sleep|no place to sleep|nowhere to stay tonight|need a shelter tonight|shelter tonight|shelter for tonight|need shelter|need a shelter|put out on the street|we are on the street|were on the street|im on the street|i am on the street|homeless tonight|sleeping in a park|sleeping in the park|sleeping at the bus station",
		"dormir en la calle|durmiendo en la calle|durmiendo en el carro|dormir en el carro|durmiendo en el auto|en la calle con mis|en la calle con mi|estoy en la calle|estamos en la calle|no tenemos donde dormir|no tengo donde dormir|no tenemos a donde ir esta noche|lugar para dormir hoy|lugar para dormir esta noche|refugio esta noche|refugio para esta noche|necesito un refugio|necesitamos un refugio",
		"dormons dehors|dormir dehors|dors dehors|dehors ce soir|a la rue|dans la rue ce soir|dormir dans la rue|dormir dans la voiture|dort dans la voiture|nulle part ou dormir|pas d endroit pour dormir|hebergement d urgence|un abri pour ce soir",
		"ngủ ngoài đường|ở ngoài đường|không có chỗ ngủ|chỗ ở tạm tối nay|ngủ trong xe|đêm nay không có chỗ|ngủ ngoài trời",
		"睡在外面|睡外面|今晚只能睡|睡在街上|露宿|睡在车里|没有地方睡|今晚没地方|流落街头|没地方睡|住在车里",
		"ماوي الليله|ننام في الشارع|انام في الشارع|ننام في السياره|انام في السياره|بدون ماوي|لا مكان للنوم|ليس لدينا مكان|في الشارع الليله|وامي في الشارع|واطفالي في الشارع|نحن في الشارع|انا في الشارع",
		"dòmi deyò|domi deyo|deyò aswè a|deyo aswe a|nan lari a aswè a|nan lari a aswe a|dòmi nan lari|domi nan lari|dòmi nan machin|domi nan machin|pa gen kote pou n dòmi|pa gen kote pou m dòmi|pa gen kote pou n domi|pa gen kote pou m domi",
		"walang matutulugan|nasa kalye kami|nasa kalye po kami|natutulog sa kalye|natutulog sa kotse|sa labas kami matutulog|nasa labas po kami|nasa labas kami|walang masisilungan",
	)},
	{"locked out", phrases(
		"locked out|lockout|locked outside",
		"me dejaron afuera|nos dejaron afuera|no puedo entrar",
		"enferme dehors|bloque dehors",
		"bị khóa ngoài|không vào nhà được",
		"进不了家|被锁在外面",
		"مقفل علي|لا استطيع الدخول",
		"bloke deyò",
		"naka-lock sa labas",
	)},
	{"missing now", phrases(
		"went missing|has been missing|have been missing|missing since|lost my kid|lost my child|lost my toddler|lost my little|wandered off|wandered away|walked off and|cant find my son|can't find my son|cant find my daughter|can't find my daughter|cant find my mom|can't find my mom|cant find my dad|can't find my dad|cant find him anywhere|can't find him anywhere|cant find her anywhere|can't find her anywhere|nobody has seen him|nobody has seen her",
		"se perdio|se nos perdio|esta desaparecido|esta desaparecida",
		"on le trouve pas|on ne le trouve pas|on la trouve pas|on ne la trouve pas|s est perdu|s est perdue",
		"mất tích|đi lạc|bị lạc|mat tich|di lac|bi lac",
		"走失|走丢|失踪|找不到他|找不到她|找不到孩子",
		"مفقود|مفقوده|اختفى|اختفت|ما لقيناه|ما لقيناها|مش لاقيينه|مش لاقيينها|مش لاقيه|مش لاقيها",
		"disparèt|disparet|pa janm rive lakay|n ap chache l|nap chache l",
		"nawawala si|nawawala po si|nawawala ang anak|naligaw",
	)},
	{"child in danger", phrases(
		"walking alone in the|walking alone on|no parents around|no adult around|without an adult|wandered off|wandered away|walked out of the house|not dressed for the cold|take our daughter|take my daughter|take our son|take my son|take the kids|take my kids|alone in a hot car|grabbed a kid|grabbed a child|grabbed my|abducted|drove off with|took a kid|took a child|wandering alone|walking alone on the highway|alone on the highway|alone on the road|toddler alone|toddler wandering|child wandering|kid wandering|little boy alone|little girl alone|locked in the car|left in the car|left in a hot car|in a hot car|baby in the car|kids in the car alone|child abuse|abusing the kids|abusing his kids|abusing her kids|abusing my kids|abusing the child|left alone|alone for # days|kids alone|child alone|baby alone|children alone|child is missing|kid is missing|son is missing|daughter is missing|missing child|took my child|took my son|took my daughter|kids in danger|children in danger|child in danger|in danger",
		"encerrado en el carro|encerrados en el carro|solo en el carro|abuso infantil|maltrato infantil|maltratando a los ninos|nino solo|ninos solos|dejaron solo|dejaron sola|desaparecio mi hijo|desaparecio mi hija|mi hijo desaparecio|mi hija desaparecio|secuestr*|en peligro",
		"enfant seul|enfants seuls|maltraitance|enfant a disparu|fils a disparu|fille a disparu|enleve|en danger",
		"bỏ con một mình|ở nhà một mình|bạo hành trẻ|mất tích|bắt cóc|gặp nguy hiểm",
		"虐待儿童|孩子丢了|孩子失踪|一个人在家|拐走|有危险",
		"طفل وحده|محبوس في عربيه|محبوس في سياره|محبوس في السياره|مسكر عليه في السياره|اختطاف|خطف|الطفل مفقود|ابني مفقود|ابنتي مفقوده|في خطر",
		"pou kont li|poukont li|disparèt|disparet|kidnape|an danje",
		"nawawala ang anak|naiwang mag-isa|kinidnap|inaabuso ang bata|nasa panganib",
	)},
	{"danger now", phrases(
		"people are hurt|people are injured|someone is hurt|somebody is hurt|is injured|are injured|stuck between floors|stuck in the elevator|trapped in the elevator|stuck in an elevator|havent eaten in #|haven't eaten in #|have not eaten in #|not eaten for #|no formula since|baby has no formula|no milk for the baby|wandering on the|wandering in the|people are running|everyone is running|people are screaming|get killed|gonna die|going to die|someone will die|someone could die|somebody will die|trapped inside|im trapped|we are trapped|were trapped|i am trapped|trapped in the|scared to get out|afraid to get out|cant get out of the house|cant get out of the building",
		"se cayo adentro|un carro se cayo|atrapado|atrapada|alguien se va a morir|se va a matar alguien|no ha comido desde|no a comido desde|casi no se mueve",
		"coince|coinces|piege|quelqu un va mourir",
		"bị kẹt|mắc kẹt",
		"被困|困在",
		"محاصر|محتجز|عالق",
		"bloke anndan|kwense",
		"nakulong|naiipit",
	)},

	// ---- high: deadline and stakes ----
	{"eviction now", phrases(
		"pay or quit|notice to quit|notice to vacate|changed the locks|changed my locks|change the locks|changing the locks|changed the lock|lock us out|locked us out|locked me out of my apartment|locked me out of my home|locked me out of the apartment|sheriff|city marshal|the marshal|a marshal|marshal posted|marshals|writ|eviction notice|eviction papers|eviction hearing|eviction court|evicted|got evicted|getting evicted|being evicted|throw my stuff|throwing my stuff|throw our stuff|condemned|have to leave by|out by|to make me leave|to make us leave|to force us out|to force me out|force me out|force us out",
		"desalojo|desalojan|desalojar|orden de desalojo|carta de desalojo|aviso de desalojo|cambio la chapa|cambiaron la chapa|cambio la cerradura|cambiaron la cerradura|cambio las cerraduras|me sacan|me saca|nos sacan|me echa|me quiere echar|nos quiere echar|tengo que salir|pagar o salir|pagar o irme",
		"expulser|expulsion|expulse|change les serrures|changer les serrures|avis d expulsion",
		"đuổi tôi|đuổi chúng tôi|dọn đi|bắt tôi dọn|bị đuổi",
		"赶我走|赶出去|驱逐|搬走|被赶|换了锁",
		"يطردني|طردي|طردنا|يطردنا|اخلاء|الاخلاء|غير الاقفال",
		"degepi*|dégèpi*|mete m deyò|fòk mwen soti|fok mwen soti|soti nan kay la",
		"pinapaalis|pinaalis|papaalisin|palayasin|pinalayas|pinapalayas",
	)},
	{"eviction", phrases(
		"evict*|eviction|kick me out|kick us out|kicking me out|kicking us out|make us leave|make me leave|landlord court|housing court|court date",
	)},
	{"nowhere to go", phrases(
		"nowhere to go|no where to go|no place to go|nowhere else to go|where will we go|where do we go|nowhere to live",
		"no tengo a donde ir|no tenemos a donde ir|no tengo donde ir|no tenemos donde ir|no tengo donde vivir",
		"nulle part ou aller|ou aller",
		"không biết đi đâu|không có chỗ ở",
		"没有地方去|没地方去|没地方住|没有地方住",
		"لا اعرف اين اذهب|ليس لدي مكان|لا مكان اذهب",
		"pa gen kote pou m ale|pa gen kote pou n ale|pa konn kote pou m ale",
		"walang mapupuntahan|wala kaming mapupuntahan|wala po kaming mapupuntahan|walang matitirhan",
	)},
	{"shut-off", phrases(
		"shutoff|shut off|shut-off|shutting off|shut my|shut our|disconnect*|disconnection|cut off|cutoff|cutting off|shut us off|shut me off|cut us off|cut me off|cut our power|cut my power|cut the power|cut off our power|power cut|power was cut|cut our electricity|shut off our power|shut our power|turned off our power|turned off my|turned off our|turn off my|turn off our|turning off|water was turned off|water turned off|water is off|power is off|turned off the water|turned off the power|terminat*|will stop on|benefits will stop|assistance will stop|will be cut off|will lose my|got stopped|stopped paying|benefits stopped|payments stopped|payment stopped|unemployment stopped|snap stopped|stopped my|stop my benefits|stopped my benefits|lose my coverage|lose coverage|losing my benefits|lose my benefits",
		"cortar|cortaron|corte de agua|corte de luz|aviso de corte|me cortaron|nos cortaron|me van a cortar|suspender el servicio",
		"coupure|couper l eau|couper le courant|eau coupee|electricite coupee|va couper|vont couper",
		"cắt nước|cắt điện|bị cắt|ngưng",
		"停水|断水|停电|断电|切断|取消了",
		"قطع المياه|قطع الماء|قطع الكهرباء",
		"koupe dlo|koupe kouran|koupe|anile",
		"puputulan|putulan|pinutol|puputulin|pinutulan|kinansela",
	)},
	{"not enforcement", phrases(
		"released the lien|lien release|lien was released|lien released|lienholder|lien holder|released lien",
	)},
	{"not a shut-off", phrases(
		"at the curb|vacant|got disconnected|call disconnected|call got cut off|call was cut off|on hold|phone line|stop water service|stop service|shut off valve|shutoff valve|got cut off",
	)},
	{"losing the home", phrases(
		"lien|liens|foreclos*|forclos*|tax sale|auction*|notice of levy|intent to levy|levy on|levied|garnish*|seize|seized|froze my bank|frozen my bank|froze my account|sheriff sale|take my house|take my home|lose my house|lose my home|losing my house|losing my home",
		"remat*|subast*|embarg*|ejecucion hipotecaria|perder mi casa|quitar la casa|quitarme la casa",
		"saisie|saisir|vente aux encheres|perdre ma maison",
		"bán đấu giá|tịch thu|mất nhà",
		"拍卖|查封|冻结",
		"مزاد|حجز على|الحجز على|مصادره|تجميد",
		"vann kay mwen|lavant aux encheres|sezi|pèdi kay mwen",
		"subasta|ilit|kukunin ang bahay|remata",
	)},
	{"without necessities", phrases(
		"no water at all|no water in|no running water|without water|dont have water|don't have water|have no water|no water since|no water for|water off since|water has been off|sewage backing|sewage backed|sewer backed|sewer backing|sewage in my|sewage on|sewage is coming|sewer overflowing|sewage overflowing|overflowing sewer|sewer is overflowing|sewage is overflowing|overflowing into|power out|power outage|power is out|no power|no electricity|without power|no money for food|no food|nothing to eat|nothing to feed|no money for food|cant feed|can't feed|hungry|starving|no formula|no diapers",
		"sin luz|no tenemos luz|sin electricidad|sin agua|no tenemos agua|no tengo agua|no hay agua|aguas negras|no tengo comida|no tenemos comida|sin comida|no hay comida|nada para comer|no tengo para comer|hambre",
		"pas d electricite|plus d electricite|pas de courant|pas d eau|plus d eau|sans eau|rien a manger|pas de nourriture|plus de nourriture|faim|les egouts debordent",
		"mất điện|không có điện|không có nước|mất nước|hết thức ăn|không có gì ăn|không có đồ ăn|bị đói|đói bụng|các con tôi đói|con tôi đói",
		"没有电|停电了|没有水|没水|停水了|没有吃的|没饭吃|饿|挨饿",
		"لا توجد كهرباء|بدون كهرباء|لا يوجد ماء|بدون ماء|لا توجد مياه|ليس عندي طعام|لا يوجد طعام|ليس لدينا طعام|جوع|جائع|جوعانين",
		"pa gen kouran|pa gen dlo|pa gen manje|grangou|pa gen anyen pou m manje",
		"walang kuryente|walang tubig|walang pagkain|wala na kaming pagkain|wala na po kaming pagkain|gutom|nagugutom",
	)},
	{"hot water", phrases(
		"hot water|agua caliente|eau chaude|dlo cho|mainit na tubig|nước nóng|热水|ماء ساخن|مياه ساخنه",
	)},
	{"soon", phrases(
		"today|tonight|tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow|2moro|this afternoon|right now|asap|urgent|urgently|immediately|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|fri|this sat|this sun|this weekend|this week|next week|end of the week|end of this week|end of the month|in # days|in # day|within # days|# days left|# more days|have # days|in # hours|within # hours|# hours left|says # hours|in # weeks|in a week|in two weeks|by the #th|before the #th|til the #th|until the #th|by the #|before the #",
		"hoy|esta noche|manana|pasado manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo|esta semana|la proxima semana|proxima semana|la semana que viene|en # dias|dentro de # dias|quedan # dias|# dias para|hasta el dia #|hasta el #|urgente|ahora mismo|fin de mes",
		"aujourd hui|ce soir|demain|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|cette semaine|semaine prochaine|dans # jours|urgent|tout de suite",
		"hôm nay|tối nay|ngày mai|thứ hai|thứ ba|thứ tư|thứ năm|thứ sáu|thứ bảy|chủ nhật|tuần này|tuần sau|tuần tới|khẩn cấp|kịp",
		"今天|今晚|明天|后天|星期一|星期二|星期三|星期四|星期五|星期六|星期天|星期日|周一|周二|周三|周四|周五|周六|周日|下周|这周|本周|礼拜|马上|紧急",
		"اليوم|الليله|غدا|بكرا|بكره|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد|هذا الاسبوع|الاسبوع القادم|الاسبوع المقبل|عاجل|فورا",
		"jodi a|jodi|aswè a|aswe a|demen|lendi|madi|mèkredi|mekredi|jedi|vandredi|samdi|dimanch|semèn sa a|semen sa a|semèn pwochèn|semen pwochen|ijan",
		"ngayong araw|mamaya|bukas na|bukas ng|po bukas|bukas po|lunes|martes|miyerkules|huwebes|biyernes|sabado|linggo na|sa susunod na linggo|next week|agad|kagyat|ngayon na",
	)},
	{"past", phrases(
		"last monday|last tuesday|last wednesday|last thursday|last friday|last saturday|last sunday|last week|came monday|came tuesday|came wednesday|came thursday|came friday|on monday but|on friday but",
	)},
	{"about time", phrases(
		"what time|your hours|office hours|the hours|hours on|business hours|opening hours|open on|open today|open tomorrow|are you open|office open|closed on|close today|closed today|closed tomorrow|office closed|pickup day|trash day|pickup on|schedule for",
		"a que hora|horario|abren|cierran",
		"horaires|heures d ouverture|ouvert",
		"mấy giờ|mở cửa",
		"几点|开门|营业时间",
		"ساعات العمل|متى تفتح",
		"a ki lè|a ki le|ki lè|ouvri",
		"anong oras|bukas po kayo",
	)},
	{"stakes", phrases(
		"deadline|due|expire*|expiring|expiration|lapse*|ends|end|terminat*|cancel*|close|closes|closing|closed|hearing|court|appeal|penalty|penalties|late|sale|auction|evict*|test|road test|exam|appointment|appt|appts|interview|renew*|renewal|need it|need them|need my|need the|need a|lose|losing|lost|last day|final|notice|before|too late|election|vote|passport|suspend*|work|job|inspection|permit|license|registration|pay|payment|owe|bill|certificate|documents|docs|upload|stop|stopped|shut|off|cut|tow*|boot|impound|charge|charges|fee|fees|rent|coverage|benefits|claim|wedding|event|party|festival|move|moving|tenants|surgery|dialysis|doctor|hospital|school|daycare|formula|insulin|medicine|medication|treat|treatment|unless|or else|or they|or i|or we|kids|hungry|food|fine|ticket|tag|plates|sticker|garnish*|shutoff|disconnect*|lien|sell|sold|dumpster|filming|film|fix",
		"vence*|vencer|vencimiento|plazo|fecha limite|cita|examen|audiencia|corte|multa|recargo|renovacion|renovar|pagar|pago|cortar|perder|pierdo|trabajo|necesito|ayuda|licencia|registro|registracion|permiso|factura|renta|medicaid|cupones|beneficios|desalojo|cambio|cambiar|se puede",
		"echeance|expire|date limite|rendez-vous|tribunal|audience|penalite|payer|paiement|renouvellement|perdre|travail|besoin|aide|permis|facture|loyer",
		"hết hạn|hạn chót|cuộc hẹn|hẹn|tòa|phạt|đóng|trả|gia hạn|mất|cần|giúp|giấy phép|bằng lái|hóa đơn|tiền nhà|cắt",
		"到期|截止|期限|预约|开庭|法院|罚款|交|付|续|失去|需要|帮|执照|驾照|账单|房租|停",
		"تنتهي|ينتهي|انتهاء|موعد|اخر موعد|محكمه|غرامه|دفع|تجديد|افقد|احتاج|مساعده|رخصه|فاتوره|ايجار|قطع",
		"ekspire|dat limit|randevou|tribinal|penalite|peye|renouvle|pèdi|bezwen|ede|lisans|bil|lwaye|koupe",
		"deadline|mag-e-expire|mag-expire|expire|appointment|korte|multa|bayad|magbayad|renew|mawawala|kailangan|tulong|lisensya|bill|upa|puputulan",
	)},
	{"ends", phrases(
		"expire*|expiring|expiration|lapse*|lapsing|ends|will end|ends on|ends in|end on|ends the|runs out|run out|deadline|last day|due by|due on|due in|cut off on|closes in|close my case|case closes|coverage ends",
		"vence|se vence|se me vence|vencimiento|fecha limite|ultimo dia|se acaba",
		"expire|echeance|date limite|dernier jour",
		"hết hạn|hạn chót",
		"到期|截止|过期",
		"تنتهي|ينتهي|اخر موعد|انتهاء",
		"ekspire|dat limit|dènye jou",
		"mag-e-expire|mag-expire|ma-expire|eexpire|e-expire|nag-expire|deadline|huling araw",
	)},
	{"date", phrases(
		"the #th|on #th|#th|on #|by #|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|soon|next month|end of the month|this month",
		"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|pronto|el proximo mes|este mes",
		"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|bientot|ce mois",
		"tháng này|sắp|sắp hết",
		"月底|下个月|快",
		"قريبا|الشهر القادم|هذا الشهر",
		"byento|mwa sa a|mwa pwochen",
		"malapit na|sa katapusan ng buwan|ngayong buwan",
	)},
	{"urgent stop", phrases(
		"stop work order|stop-work order|stop work notice|red tag|red tagged",
		"orden de suspension|orden de paro",
		"ordre d arret",
		"lệnh ngừng thi công",
		"停工令",
		"امر ايقاف العمل",
		"lòd pou sispann travay",
		"stop work order",
	)},
	{"vehicle urgent", phrases(
		"boot on my car|booted|towed|tow yard|impound|impounded|charge by the day|charges by the day|by the day|per day|each day|daily fee|pulled over",
		"remolcaron|me remolcaron|corralon|grua|se llevo mi carro la grua",
		"fourriere|remorque|remorquee",
		"bị kéo|kéo xe",
		"拖走|拖车",
		"سحبوا سيارتي|سحب السياره",
		"remoke|remoke machin",
		"na-tow|hinila ang sasakyan",
	)},
	{"vehicle stakes", phrases(
		"work|job|need it|need my car|for work|per day|by the day|tonight|today|morning|kids|school",
		"trabajo|trabajar|manana|hoy",
		"travail|demain",
		"làm|đi làm",
		"上班|工作",
		"عمل|العمل",
		"travay",
		"trabaho",
	)},

	// ---- wanting a person ----
	{"person asked", phrases(
		"escalate|escalation|a staff member|speak to staff|talk to staff|is there a human|a human agent|live chat with|a person who can help|let me talk to someone|let me speak to someone|want a supervisor|need a supervisor|get a supervisor|supervisor please|a supervisor now|want your supervisor|want a manager|manager please|want an agent|want a human|want a person|agent|agents please|live agent|representative|representive|reprehensive|rep please|a rep|real rep|operator|human|humans|real person|actual person|live person|real human|actual human|person please|a person please|get a person|need a person|want a person|someone real|somebody real|real people|actual people|not a bot|not a robot|not the bot|no bot|no bots|not talk to a bot|not a machine|stop the bot|this bot|the bot|chatbot|a bot|to a machine|to a computer|transfer me|connect me|put me through|someone i can speak|someone i can talk|somebody i can speak|somebody i can talk|speak with directly|talk to directly|speak to directly|a human being",
		"me atienda|que me atienda|atiendame|persona de verdad|una persona de verdad|agente|representante|operador|operadora|humano|persona real|una persona por favor|persona por favor|pasame con|paseme con|paseme a|comunicarme con|comuniqueme con|comunicame con|no quiero un robot|no quiero hablar con un robot|no quiero hablar con una maquina|un humano",
		"un vrai humain|un interlocuteur|une personne reelle|un agent|agent svp|agent s il vous plait|un humain|une vraie personne|vraie personne|un conseiller|une conseillere|conseiller svp|operateur|operatrice|pas un robot|un etre humain",
		"nhân viên thật|tổng đài|nhân viên ơi|gặp nhân viên|gặp người|người thật|tổng đài viên|cho tôi gặp|cần gặp|chuyển cho nhân viên|nhân viên tư vấn|nhân viên hỗ trợ|cần nhân viên|muốn gặp",
		"接线员|人工|真人|转人工|人工客服|找人|跟人说|找工作人员|跟工作人员|和工作人员|需要工作人员|找一个工作人员|跟客服|和客服|找客服|真人客服|客服人员|帮我找|找一个会说|代表|不要机器人|谈谈|转接|人谈|的人说|跟人说话",
		"موظف من فضلك|مع موظف|مع شخص|شخص حقيقي|انسان حقيقي|ممثل خدمه|ممثل|خدمه العملاء|مع احد الموظفين|مع مسؤول|اريد موظف|موظفا",
		"ajan|yon ajan|reprezantan|moun tout bon|yon moun reyèl|yon moun reyel|pa yon robo|yon moun tanpri",
		"agent po|representative po|totoong tao|tunay na tao|tao po|isang tao|hindi robot|hindi bot|ahente",
	)},
	{"talk to someone", combos(
		phrases("put through to|be put through|talk to|talk with|speak to|speak with|chat with|chat to|talking to|speaking to|speaking with|talk w|speak w|call from|call back from|connect me with|connect me to|connected with|connected to|in touch with|transfer me to|put me through to|let me talk to|let me speak to|get me|give me|phone call with|a call with|call with|meeting with|appointment with"),
		phrases("someone|somebody|anyone|anybody|a person|a human|a real caseworker|a real person|a real human|an actual person|an actual human|a live person|a real agent|supervisor|a supervisor|the supervisor|your supervisor|a manager|your manager|the manager|management|a caseworker|my caseworker|the caseworker|my case worker|a case worker|my worker|my case manager|a case manager|an agent|the agent|a rep|a representative|your representative|an inspector|the inspector|a plan reviewer|the plan reviewer|a reviewer|someone in charge|somebody in charge|a specialist|my housing specialist|my specialist|an officer|staff|a staff member|an employee|a worker|a clerk|the assessor|an assessor|someone from|somebody from|someone at|somebody at|someone who|somebody who|a dmv person|someone there|a lawyer|an adjuster|an examiner|an investigator|a counselor|a benefits worker|a worker"),
	)},
	{"talk to someone (other languages)", cat(
		combos(phrases("hablar con|hablar a|platicar con|comunicarme con|comunicar con|me comunica con|comuniqueme con|me comunique con|me pasa con|paseme con|pasame con|me transfiere con|me transfiere a|me conecta con|contactar con|cita con"),
			phrases("alguien|una persona|un agente|agente|un representante|representante|un humano|una persona real|supervisor|un supervisor|el supervisor|gerente|un gerente|el gerente|encargado|el encargado|la encargada|mi trabajadora|mi trabajador|trabajadora social|trabajador social|mi trabajadora social|un trabajador|una trabajadora|un empleado|una empleada|un inspector|el inspector|alguien de|alguien que|un asesor|una asesora|un especialista|mi caseworker")),
		phrases("me pueden llamar|me puede llamar|que me llamen|que alguien me llame|llamenme|llameme|llamarme|me llaman|devolverme la llamada|me regresen la llamada"),
		combos(phrases("parler a|parler avec|discuter avec|en contact avec|en relation avec|me passer|me transferer a|rendez-vous avec"),
			phrases("quelqu un|une personne|un agent|agent|un conseiller|une conseillere|un humain|un responsable|une responsable|un inspecteur|un employe|une employee|un superieur|quelqu un de|un etre humain|mon agent|mon conseiller|une vraie personne")),
		phrases("rappelez moi|appelez moi|me rappeler|m appeler|me telephoner",
			"nói chuyện với nhân viên|noi chuyen voi nhan vien|noi chuyen voi caseworker|nói chuyện với caseworker|noi chuyen voi nguoi|nói chuyện với người|nói chuyện với ai đó|nói chuyện với một người|nói chuyện trực tiếp|gọi lại cho tôi|gọi cho tôi|gọi điện cho tôi|gặp trực tiếp|nói chuyện với người phụ trách|gặp người phụ trách",
			"打电话给我|给我打电话|给我回电话|回电|回个电话|跟负责|找负责|和负责",
			"التحدث الى|التكلم الى|موظف حقيقي|التحدث مع|التكلم مع|اتحدث مع|اتكلم مع|اكلم شخص|اكلم موظف|اكلم احد|احكي مع حدا|بدي احكي مع|احكي مع موظف|نهضر مع|نتكلم مع|ابغى اكلم|ابي اكلم|ابغى اتكلم|ابي اتكلم|اتصلوا بي|اتصل بي|اتصلوا علي|يتصل بي|التواصل مع موظف",
			"pale ak yon|vle pale ak|bezwen pale ak|ka pale ak|pale ak ajan|rele m|rele mwen|relem",
			"pakausap|pakikausap|makausap|kausapin|makipag-usap|makipag usap|tawagan ako|tawagan nyo ako|tawagan po ako|tawagan niyo ako|tumawag sa akin|pakitawagan",
		),
	)},
	{"bare ask", phrases(
		"person|persona|personne|someone|somebody|alguien|quelqu un|staff|supervisor|manager|caseworker|help desk|nhân viên|người|人|员工|شخص|موظف|احد|moun|tao|empleado",
	)},
	{"call me", phrases(
		"call me|call me back|callback|call back|give me a call|someone call me|somebody call me|have someone call|can someone call|could someone call|please call|contact me|reach me at|text me back|phone me",
	)},
	{"not asking for a person", phrases(
		"my agent|real estate agent|insurance agent|travel agent|listing agent|leasing agent|border agent|ice agent|federal agent|agent orange|authorized representative|council representative|state representative|city representative|my representative|representative payee|human services|human resources|human rights|human trafficking|tow operator|crane operator|forklift operator|operator license|operators license|not human|who do i talk to|who should i talk to|who do i call|who should i call|who do i contact|who can i talk to about|call me names|they call me|people call me|dont call me|do not call me|don't call me",
	)},
}

// urgencyRules decide urgency: the first emergency rule that fires makes
// an emergency, else the first high rule makes it high.
var urgencyRules = []rule{
	{name: "threat of violence", level: civicdesk.UrgencyEmergency, all: []string{"violence"}, not: []string{"figurative"}},
	{name: "abuse and fear now", level: civicdesk.UrgencyEmergency, all: []string{"abuse", "fear now"}},
	{name: "risk of suicide or self-harm", level: civicdesk.UrgencyEmergency, all: []string{"self-harm"}, not: []string{"awareness"}},
	{name: "medical emergency", level: civicdesk.UrgencyEmergency, all: []string{"medical"}, not: []string{"medical question", "c:past", "figurative medical"}},
	{name: "fire or smoke", level: civicdesk.UrgencyEmergency, all: []string{"fire"}, not: []string{"c:past", "fire question", "figurative fire"}},
	{name: "gas leak or carbon monoxide", level: civicdesk.UrgencyEmergency, all: []string{"gas"}, not: []string{"detector question"}},
	{name: "live electrical wires", level: civicdesk.UrgencyEmergency, all: []string{"live wires"}, not: []string{"not live"}},
	{name: "collapse or open hole", level: civicdesk.UrgencyEmergency, all: []string{"collapse"}, not: []string{"figurative collapse", "c:past"}},
	{name: "power line down", level: civicdesk.UrgencyEmergency, all: []string{"wire", "wire down"}, not: []string{"wire fine", "c:past"}},
	{name: "water or sparks at the wiring", level: civicdesk.UrgencyEmergency, all: []string{"electrical", "wet or sparking"}, not: []string{"c:past"}},
	{name: "falling debris", level: civicdesk.UrgencyEmergency, all: []string{"debris", "dropping"}, not: []string{"c:past"}},
	{name: "sinkhole in a public place", level: civicdesk.UrgencyEmergency, all: []string{"sinkhole", "public place"}},
	{name: "bridge failing", level: civicdesk.UrgencyEmergency, all: []string{"bridge", "failing"}},
	{name: "medical device without power", level: civicdesk.UrgencyEmergency, all: []string{"medical device", "shut-off"}, not: []string{"not a shut-off"}},
	{name: "medical device without power", level: civicdesk.UrgencyEmergency, all: []string{"medical device", "without necessities"}, not: []string{"hot water"}},
	{name: "sewage where children are", level: civicdesk.UrgencyEmergency, all: []string{"sewage exposure", "children nearby"}},
	{name: "ceiling or structure coming down", level: civicdesk.UrgencyEmergency, all: []string{"ceiling", "coming down"}},
	{name: "burst main flooding homes", level: civicdesk.UrgencyEmergency, all: []string{"pipe burst", "flooding"}},
	{name: "home flooding now", level: civicdesk.UrgencyEmergency, all: []string{"home flooding"}},
	{name: "no cooling in extreme heat with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"no cooling", "heat wave", "vulnerable person"}},
	{name: "no heat in freezing cold with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"no heat", "freezing", "vulnerable person"}},
	{name: "no shelter tonight", level: civicdesk.UrgencyEmergency, all: []string{"no shelter tonight"}, not: []string{"not tonight"}},
	{name: "put out tonight with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"kicked out", "tonight", "vulnerable person"}},
	{name: "put out tonight in the cold", level: civicdesk.UrgencyEmergency, all: []string{"kicked out", "tonight", "freezing"}},
	{name: "locked out in the cold with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"locked out", "freezing", "vulnerable person"}},
	{name: "child in danger", level: civicdesk.UrgencyEmergency, all: []string{"child in danger"}},
	{name: "someone vulnerable missing now", level: civicdesk.UrgencyEmergency, all: []string{"missing now", "vulnerable person"}, not: []string{"c:past"}},
	{name: "danger to life now", level: civicdesk.UrgencyEmergency, all: []string{"danger now"}, not: []string{"for weeks"}},

	{name: "possible main break", level: civicdesk.UrgencyHigh, all: []string{"pipe burst"}},
	{name: "eviction or lockout", level: civicdesk.UrgencyHigh, all: []string{"eviction now"}},
	{name: "eviction soon", level: civicdesk.UrgencyHigh, all: []string{"eviction", "soon"}},
	{name: "nowhere to go", level: civicdesk.UrgencyHigh, all: []string{"nowhere to go"}},
	{name: "shut-off or loss of benefits", level: civicdesk.UrgencyHigh, all: []string{"shut-off"}, not: []string{"not a shut-off"}},
	{name: "losing the home or money to enforcement", level: civicdesk.UrgencyHigh, all: []string{"losing the home"}, not: []string{"not enforcement"}},
	{name: "without water, power, food or sanitation", level: civicdesk.UrgencyHigh, all: []string{"without necessities"}, not: []string{"hot water"}},
	{name: "stop-work order", level: civicdesk.UrgencyHigh, all: []string{"urgent stop"}},
	{name: "towed or booted vehicle needed", level: civicdesk.UrgencyHigh, all: []string{"vehicle urgent", "vehicle stakes"}},
	{name: "something expires soon", level: civicdesk.UrgencyHigh, all: []string{"ends", "date"}},
	{name: "something expires soon", level: civicdesk.UrgencyHigh, all: []string{"ends", "soon"}},
	{name: "deadline within days", level: civicdesk.UrgencyHigh, all: []string{"soon", "stakes"}, not: []string{"about time", "past"}},
}

// humanRules decide whether the citizen asks for a person.
var humanRules = []rule{
	{name: "asks for a person", all: []string{"person asked"}, not: []string{"not asking for a person"}},
	{name: "asks to talk to someone", all: []string{"talk to someone"}, not: []string{"not asking for a person"}},
	{name: "asks to talk to someone", all: []string{"talk to someone (other languages)"}, not: []string{"not asking for a person"}},
	{name: "asks for a call back", all: []string{"call me"}, not: []string{"not asking for a person"}},
	{name: "names a person alone", all: []string{"bare ask"}, maxWords: 3},
}

// compiledRule is a rule with group indices.
type compiledRule struct {
	rule
	all, not []int
	hash     uint64 // feature hash, for the urgency model
}

// lexicon is the compiled matcher and rules.
type lexicon struct {
	m         *matcher
	groupHash []uint64 // feature hash of each group, for the urgency model
	groupWord []string // how reasons name each group: "[fire]"
	// conceptGroups index the concept groups (concepts.go).
	conceptGroups []int
	// dangerGroups are the concept groups of which one must match for the
	// urgency model alone to call an emergency.
	dangerGroups []int
	// figureGroups are the figures of speech ("the smell is gonna kill us
	// lol"): where one matches, the model alone does not call an emergency.
	figureGroups []int
	urgency      []compiledRule
	human        []compiledRule
}

func newLexicon() *lexicon {
	idx := map[string]int{}
	groups := append(append([]lexGroup(nil), lexGroups...), conceptGroups...)
	for i, g := range groups {
		if _, dup := idx[g.name]; dup {
			panic("local: duplicate lexicon group " + g.name)
		}
		idx[g.name] = i
	}
	// indexes resolves group names; a misspelt one is a programming error.
	indexes := func(names []string, who string) []int {
		var out []int
		for _, n := range names {
			i, ok := idx[n]
			if !ok {
				panic("local: " + who + " names unknown group " + n)
			}
			out = append(out, i)
		}
		return out
	}
	compile := func(rs []rule) []compiledRule {
		var out []compiledRule
		for _, r := range rs {
			out = append(out, compiledRule{rule: r, hash: hashString(hashByte(fnvOffset, 'r'), string(r.level)+r.name),
				all: indexes(r.all, "rule "+r.name), not: indexes(r.not, "rule "+r.name)})
		}
		return out
	}
	lx := &lexicon{m: newMatcher(groups), urgency: compile(urgencyRules), human: compile(humanRules),
		dangerGroups: indexes(dangerConcepts, "dangerConcepts"), figureGroups: indexes(figureGroups, "figureGroups")}
	for i, g := range groups {
		if strings.HasPrefix(g.name, "c:") {
			lx.conceptGroups = append(lx.conceptGroups, i)
		}
		lx.groupHash = append(lx.groupHash, hashString(hashByte(fnvOffset, 'g'), g.name))
		lx.groupWord = append(lx.groupWord, "["+strings.TrimPrefix(g.name, "c:")+"]")
	}
	return lx
}

// firing is a rule that fired, with the phrases that made it.
type firing struct {
	rule    *compiledRule
	phrases []string
}

func (lx *lexicon) fired(r *compiledRule, hit []int32, words int) (firing, bool) {
	if r.maxWords > 0 && words > r.maxWords {
		return firing{}, false
	}
	for _, g := range r.not {
		if hit[g] >= 0 {
			return firing{}, false
		}
	}
	f := firing{rule: r}
	for _, g := range r.all {
		if hit[g] < 0 {
			return firing{}, false
		}
		f.phrases = append(f.phrases, lx.m.phrases[hit[g]].text)
	}
	return f, true
}

// urgency returns the urgency of a text whose lexicon hits are hit, and the
// rule that decided it (nil for normal).
func (lx *lexicon) urgencyOf(hit []int32, words int) (civicdesk.Urgency, *firing) {
	for i := range lx.urgency { // emergency rules come first
		r := &lx.urgency[i]
		if f, ok := lx.fired(r, hit, words); ok {
			return r.level, &f
		}
	}
	return civicdesk.UrgencyNormal, nil
}

// wantsHuman reports whether the text asks for a person, and why.
func (lx *lexicon) wantsHuman(hit []int32, words int) (bool, *firing) {
	for i := range lx.human {
		if f, ok := lx.fired(&lx.human[i], hit, words); ok {
			return true, &f
		}
	}
	return false, nil
}

// features appends the urgency model's lexicon features: one for each
// concept group that matched and one for each rule that fired. (A rule's
// groups alone, such as "tonbe", "falls", are too loose to be evidence.)
func (lx *lexicon) features(hit []int32, words int, dst []feature) []feature {
	for _, g := range lx.conceptGroups {
		if hit[g] >= 0 {
			dst = append(dst, feature{h: lx.groupHash[g], group: gLexicon, word: lx.groupWord[g]})
		}
	}
	for _, rs := range [][]compiledRule{lx.urgency, lx.human} {
		for i := range rs {
			if _, ok := lx.fired(&rs[i], hit, words); ok {
				dst = append(dst, feature{h: rs[i].hash, group: gLexicon, word: "[" + rs[i].name + "]"})
			}
		}
	}
	return dst
}

// dangerConcepts name a danger to life; the urgency model may only call an
// emergency that no rule saw when the text has one of them.
var dangerConcepts = []string{"c:weapon", "c:violence", "c:self-harm", "c:medical", "c:fire", "c:gas", "c:structure", "c:water", "c:cold", "c:exposure", "c:missing"}

// danger reports whether a danger concept matched.
func (lx *lexicon) danger(hit []int32) bool { return anyHit(hit, lx.dangerGroups) }

// figurative says whether the text has a figure of speech borrowing the
// words of danger.
func (lx *lexicon) figurative(hit []int32) bool { return anyHit(hit, lx.figureGroups) }

// figureGroups name the figure-of-speech groups.
var figureGroups = []string{"figurative", "figurative fire", "figurative medical", "figurative collapse"}

func anyHit(hit []int32, groups []int) bool {
	for _, g := range groups {
		if hit[g] >= 0 {
			return true
		}
	}
	return false
}
