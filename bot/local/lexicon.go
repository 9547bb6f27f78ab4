package local

import (
	"strings"

	civicdesk "github.com/civicdesk/civicdesk"
)

// The lexicons: phrases in en, es, fr, vi, zh, ar, ht and tl that make the
// urgency rules and the wants-a-person rules. Phrases are separated by '|';
// see matcher.go for '*', '_', '#' and '#th'. Write them as people do (with
// or without accents: both are folded the same way).

// L splits a '|'-separated phrase list.
func L(lists ...string) []string {
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
	{"violence", L(
		"kill me|kill us|kill her|kill him|kill my|kill the kids|going to kill|gonna kill|threatened to kill|threatening to kill|will kill|wants to kill|tried to kill",
		"threatened me with|threatening me with|threatened us with|with a knife|has a knife|had a knife|pulled a knife|with a gun|has a gun|had a gun|pulled a gun|pointing a gun|man with a gun|someone is shooting|shooting outside|shooting at|shots fired|gunshots|been shot|got shot|was shot|stabbed|stabbing",
		"he hit me|she hit me|hit me again|hits me|hitting me|beat me|beats me|beating me|beat up|choked me|choking me|strangled|attacked me|attacking me|assaulted|raped|rape|sexual assault|sexually assaulted|domestic violence|abuser|abusing me",
		"afraid for my life|fear for my life|scared for my life|going to hurt me|hurt me again|come back to hurt|will hurt me|followed me|following me|stalking me|stalker|breaking in|trying to break|trying to get in|broke in last night|kidnap*|trafficking|hiding from him|hiding from her|im hiding|i am hiding|i'm hiding",
		"me quiere matar|me va a matar|nos va a matar|matarme|matarnos|amenazo con matar|amenaza con matar|me amenazo|me amenaza|nos amenaza|cuchillo|pistola|un arma|me pega|me pego|nos pega|me golpea|me golpeo|golpeando|me esta golpeando|violencia domestica|me violo|abuso sexual|me esta siguiendo|me siguio|me persigue|hacerme dano|me quiere hacer dano",
		"me tuer|nous tuer|menace de me tuer|couteau|pistolet|une arme|me frappe|m a frappe|me bat|violence conjugale|violences conjugales|me suit|me menace|agresse|agressee|m a violee",
		"giết tôi|giết|dọa giết|đánh tôi|đang đánh|bạo lực gia đình|đe dọa tôi|cầm dao|có súng|cầm súng|theo dõi tôi|hiếp dâm",
		"杀了我|要杀|杀我|打我|家暴|家庭暴力|拿刀|有刀|有枪|拿枪|威胁我|跟踪我|强奸",
		"يقتلني|بالقتل|سيقتلني|يضربني|ضربني|يضربنا|سكين|مسدس|سلاح|عنف اسري|عنف منزلي|يهددني|يلاحقني|يتبعني|اغتصاب",
		"touye m|touye mwen|touye nou|bat mwen|ap bat|kouto|zam|vyolans|menase m|menase mwen|kadejak",
		"papatayin|patayin ako|sinasaktan|sinaktan|binubugbog|bugbog|kutsilyo|baril|karahasan|sinusundan ako|ginahasa",
	)},
	{"self-harm", L(
		"kill myself|killing myself|suicide|suicidal|end my life|ending my life|end it all|take my own life|want to die|wanna die|better off dead|dont want to live|not want to live|want to live anymore|want to be alive|be alive anymore|point of living|point in living|reason to live|want to be here anymore|want to hurt myself|going to hurt myself|hurting myself|harm myself|harming myself|cutting myself|cant go on|can not go on|see no way out",
		"suicid*|quitarme la vida|matarme|no quiero vivir|no quiero seguir viviendo|quiero morir|me quiero morir|quiero morirme|acabar con mi vida|no vale la pena vivir|hacerme dano",
		"me suicider|je veux mourir|veux plus vivre|veux pas vivre|envie de mourir|envie d en finir|je veux en finir|en finir avec la vie|mettre fin a mes jours|me faire du mal",
		"tự tử|muốn chết|không muốn sống|tự sát|kết liễu",
		"不想活|想死|自杀|轻生|活不下去|结束生命",
		"انتحار|انتحر|اقتل نفسي|اريد ان اموت|لا اريد ان اعيش|لا اريد العيش|انهي حياتي",
		"touye tet mwen|touye tèt mwen|swisid|mwen vle mouri|vle mouri|pa vle viv ankò|pa vle viv",
		"magpakamatay|pagpapakamatay|mamatay na|ayoko nang mabuhay|ayoko na mabuhay|ayoko na pong mabuhay|ayaw ko nang mabuhay|gusto ko nang mamatay|patayin ang sarili",
	)},
	{"medical", L(
		"overdose*|overdosing|od'd|not breathing|stopped breathing|cant breathe|can't breathe|cannot breathe|trouble breathing|unconscious|unresponsive|wont wake up|won't wake up|not waking up|passed out|collapsed|seizure|seizures|having a stroke|a stroke|heart attack|chest pain*|bleeding a lot|bleeding badly|bleeding heavily|choking|anaphyla*|allergic reaction|took a bunch of pills|took a lot of pills|took too many pills|swallowed pills|out of insulin|no insulin|insulin left|of insulin left|ran out of insulin|without insulin|no pills left|no medicine left|no medication left|out of his medication|out of her medication|out of my medication|dog attacked|attacked by a dog|bitten by a dog|dog bit|911",
		"sobredosis|no respira|inconsciente|no despierta|convulsion*|ataque al corazon|infarto|derrame cerebral|dolor de pecho|sangrando mucho|se desmayo|muchas pastillas|tomo pastillas|se le acabo la insulina|sin insulina|no tiene insulina",
		"surdose|ne respire plus|ne respire pas|inconscient|crise cardiaque|convulsions|saigne beaucoup|plus d insuline|pas d insuline|s est evanoui|avale des medicaments",
		"không thở|ngất xỉu|bất tỉnh|đau ngực|đột quỵ|co giật|quá liều|hết insulin|khó thở|lên cơn",
		"不能呼吸|没有呼吸|昏迷|晕倒|心脏病发作|中风|胸口疼|胸痛|吃了很多药|吃了好多药|过量|抽搐|胰岛素用完|没有胰岛素|喘不过气",
		"لا يتنفس|لا تتنفس|فاقد الوعي|اغمي عليه|اغمي عليها|نوبه قلبيه|جلطه|الم في الصدر|جرعه زائده|تشنجات|نفد الانسولين|لا يوجد انسولين",
		"pa ka respire|pa respire|endispoze|kriz kadyak|konvilsyon|senyen anpil|pa gen ensilin|bwè anpil grenn",
		"hindi makahinga|hindi humihinga|nawalan ng malay|atake sa puso|kombulsyon|nag-overdose|ubos na ang insulin|walang insulin|nahimatay",
	)},
	{"fire", L(
		"on fire|house fire|a fire in|a fire at|there's a fire|theres a fire|there is a fire|fire in the|fire broke out|building is burning|is burning|smoke coming|smoke is coming|smoke everywhere|filled with smoke|full of smoke|smell smoke|smell of smoke|smoke in the|burning smell|electrical fire|flames|explosion|exploded|exploding",
		"incendio|se esta quemando|se quema|fuego|sale humo|mucho humo|hay humo|lleno de humo|olor a quemado|explosion|exploto",
		"incendie|au feu|en feu|le feu|de la fumee|beaucoup de fumee|fumee sort|odeur de brule",
		"cháy nhà|đang cháy|hỏa hoạn|bị cháy|bốc cháy|có khói|nhiều khói|khói bốc|phát nổ|nổ tung",
		"着火|火灾|失火|冒烟|起火|爆炸|烧起来",
		"حريق|النار|دخان|انفجار|تحترق|يحترق",
		"dife|ap boule|lafimen|lafime|eksplozyon",
		"sunog|nasusunog|usok|pagsabog|sumabog",
	)},
	{"gas", L(
		"gas leak|gas leaking|leaking gas|smell gas|smells like gas|smell like gas|smelled gas|smell of gas|gas smell|odor of gas|gas odor|carbon monoxide|co alarm|co detector|monoxide",
		"fuga de gas|olor a gas|huele a gas|huele mucho a gas|monoxido",
		"fuite de gaz|odeur de gaz|sent le gaz|ca sent le gaz|monoxyde",
		"rò rỉ gas|rò rỉ ga|mùi gas|mùi ga|mùi khí đốt|rò khí",
		"煤气味|燃气泄漏|煤气泄漏|漏气|天然气味|一氧化碳|煤气|燃气味",
		"تسرب غاز|تسرب الغاز|رائحه غاز|ريحه غاز|رائحه الغاز|اول اكسيد الكربون",
		"sant gaz|fwit gaz|gaz ap koule|monoksid",
		"amoy gas|tagas ng gas|tumatagas na gas|leak ng gas|amoy ng gas",
	)},
	{"live wires", L(
		"wires sparking|wire sparking|sparking|sparks|live wire|live wires|power line down|power lines down|powerline down|downed power|downed line|downed wire|wires down|wire down|wires are down|lines are down|hanging wires|wires hanging|wire hanging|exposed wires|electrocut*",
		"cables caidos|cable caido|chispas|echando chispas|cable suelto|cables de luz en el suelo|se cayeron los cables",
		"fils electriques tombes|fil electrique tombe|etincelles|cable tombe|fils tombes",
		"dây điện đứt|dây điện rơi|tia lửa điện|tóe lửa|dây điện bị đứt|dây điện rớt",
		"电线掉|电线断|火花|电线杆倒|电线落|电线冒火",
		"اسلاك كهرباء|شراره|شرار|سلك كهرباء|الاسلاك ساقطه|اسلاك الكهرباء",
		"fil kouran|fil elektrik tonbe|etensel|etensèl",
		"kable ng kuryente|nag-aapoy ang kable|naputol na kawad|kislap|nakalaylay na kawad",
	)},
	{"collapse", L(
		"collaps*|caving in|cave in|caved in|about to fall|going to fall|gonna fall|going to come down|gonna come down|falling down on|falling into|falling onto|falling on|bricks falling|debris falling|falling debris|ceiling fell|ceiling is falling|ceiling is sagging|ceiling sagging|sagging and cracking|leaning over the sidewalk|leaning over the street|leaning toward|swaying|swinging loose|sinkhole|sink hole|road collapsed|manhole cover missing|missing manhole|open manhole|manhole is open|no manhole cover|open hole|uncovered hole|open trench|unfenced|no fence|open excavation|almost went in|fell into",
		"se esta cayendo|se va a caer|se cayo el techo|derrumbe|derrumba*|se derrumbo|se estan cayendo|socavon|hoyo abierto|alcantarilla sin tapa|alcantarilla abierta|zanja abierta|se hundio la calle",
		"effondre*|effondrement|va tomber|s effondre|plafond tombe|trou beant|bouche d egout ouverte|tranchee ouverte",
		"sập xuống|sắp sập|bị sập|sụt lún|hố tử thần|nắp cống|đổ sập|sắp đổ",
		"倒塌|塌了|要塌|快塌|坍塌|塌陷|天坑|井盖|掉下来",
		"انهيار|ينهار|سينهار|انهار|سقط السقف|السقف يسقط|غطاء المجاري|بالوعه مفتوحه|حفره مفتوحه",
		"pral tonbe|ap tonbe|plafon an tonbe|twou san kouvèti|kraze tonbe",
		"gumuguho|guguho|bumagsak ang kisame|babagsak|lumubog ang kalsada|bumigay",
	)},
	{"pipe burst", L(
		"water main|main break|main broke|main burst|pipe burst|burst pipe|broken pipe|pipe broke|pipe broken|busted pipe|pipe busted",
		"tubo roto|se rompio un tubo|se rompio el tubo|tuberia rota|se rompio la tuberia|se reviento|reventon",
		"conduite d eau cassee|canalisation cassee|tuyau casse|conduite principale",
		"vỡ ống nước|bể ống nước|ống nước bị vỡ|ống nước vỡ",
		"水管爆裂|水管破裂|爆管|水管爆|水管破",
		"انفجار ماسوره|كسر في انبوب|ماسوره مكسوره|انبوب مياه مكسور|انفجار انبوب",
		"tiyo dlo ki kase|tiyo kase|tiyo dlo kase|gwo tiyo",
		"pumutok na tubo|sirang tubo|pumutok ang tubo|nasirang tubo",
	)},
	{"flooding", L(
		"pouring|flooding|flooded|gushing|like a river|into the houses|into houses|into homes|into the homes|into basements|into the basements|into our homes|water everywhere",
		"inundando|inundo|inundacion|entro agua|entrando agua|se esta inundando|a las casas",
		"inonde|inondation|dans les maisons",
		"ngập|tràn vào nhà|nước vào nhà",
		"淹|进水|灌进",
		"فيضان|تغرق|غرقت|دخلت المياه",
		"dlo ap antre|inondasyon|nan kay yo",
		"bumabaha|baha|pumapasok ang tubig",
	)},
	{"no heat", L(
		"no heat|no heating|without heat|heat is out|heat out|heat went out|heat has been out|heat not working|heat isnt working|heat is not working|heat doesnt work|heat is off|heat off|heat broke|heater broke|heater is broken|heater broken|heater not working|heater doesnt work|furnace out|furnace is out|furnace broke|furnace broken|furnace is broken|furnace not working|furnace died|boiler broke|boiler is broken|boiler broken|no radiator",
		"sin calefaccion|no hay calefaccion|no tenemos calefaccion|no tengo calefaccion|la calefaccion|calentador|sin calor",
		"pas de chauffage|sans chauffage|chauffage en panne|chauffage ne marche|chauffage ne fonctionne|le chauffage",
		"không có sưởi|máy sưởi|lò sưởi|không có hệ thống sưởi",
		"没有暖气|暖气坏|没暖气|暖气不热|暖气停",
		"لا توجد تدفئه|لا يوجد تدفئه|بدون تدفئه|التدفئه لا تعمل|التدفئه|المدفاه",
		"pa gen chofaj|chofaj la pa mache|chofaj",
		"walang heater|sira ang heater|walang heating|sira ang heating",
	)},
	{"freezing", L(
		"freezing|below freezing|below zero|degrees|degree|snow|snowing|frozen|ice|subzero|minus #|frostbite|so cold|very cold|bitter cold",
		"helando|hiela|bajo cero|congelando|congelado|nieve|nevando|grados|mucho frio|hace frio|frio",
		"gel|gele|glacial|degres|moins #|neige|il fait froid|froid",
		"lạnh|rét|âm độ|tuyết|đóng băng",
		"冷|零下|结冰|下雪|冻",
		"برد|بارد|متجمد|تحت الصفر|ثلج|درجه",
		"fe fret|fè frèt|frèt|fret|nèj|nej|glase",
		"malamig|nagyeyelo|lamig|niyebe",
	)},
	{"vulnerable person", L(
		"baby|babies|infant|infants|newborn|month old|months old|mo old|toddler|kid|kids|children|child|son|daughter|elderly|grandmother|grandma|grandfather|grandpa|disabled|oxygen|pregnant|years old|year old|yr old|yrs old|senior|my mom|my mother|my dad|my father",
		"bebe|bebes|bebé|infante|recien nacido|meses|niño|niños|nino|ninos|hijo|hijos|hija|hijas|embarazada|anciano|anciana|abuela|abuelo|discapacitado|años",
		"bébé|nourrisson|enfant|enfants|mois|fils|fille|enceinte|personne agee|grand-mere|grand-pere|ans",
		"em bé|con tôi|con nhỏ|trẻ|trẻ sơ sinh|tháng tuổi|người già|bà ngoại|ông ngoại|mang thai|tuổi",
		"孩子|婴儿|宝宝|老人|孕妇|个月大|小孩|儿子|女儿|岁",
		"طفل|اطفال|رضيع|كبار السن|حامل|ابني|ابنتي|امي|ابي|عمره",
		"pitit|tibebe|bebe|granmoun|ansent|timoun|manman m",
		"anak|sanggol|lola|lolo|buntis|bata|matanda|taong gulang",
	)},
	{"no shelter tonight", L(
		"sleeping in the car|sleeping in my car|sleeping in our car|sleeping in a car|sleep in the car|sleep in my car|sleep in our car|sleeping in the car tonight|living in my car|living in our car|living in the car|sleeping outside|sleep outside|slept outside|sleeping on the street|sleep on the street|sleeping in the street|slept on the street|on the street tonight|on the streets tonight|nowhere to sleep|no where to sleep|no place to sleep|nowhere to stay tonight|need a shelter tonight|shelter tonight|shelter for tonight|need shelter|need a shelter|put out on the street|we are on the street|were on the street|im on the street|i am on the street|homeless tonight|sleeping in a park|sleeping in the park|sleeping at the bus station",
		"dormir en la calle|durmiendo en la calle|durmiendo en el carro|dormir en el carro|durmiendo en el auto|en la calle con mis|en la calle con mi|estoy en la calle|estamos en la calle|no tenemos donde dormir|no tengo donde dormir|no tenemos a donde ir esta noche|lugar para dormir hoy|lugar para dormir esta noche|refugio esta noche|refugio para esta noche|necesito un refugio|necesitamos un refugio",
		"a la rue|dans la rue ce soir|dormir dans la rue|dormir dans la voiture|dort dans la voiture|nulle part ou dormir|pas d endroit pour dormir|hebergement d urgence|un abri pour ce soir",
		"ngủ ngoài đường|ở ngoài đường|không có chỗ ngủ|chỗ ở tạm tối nay|ngủ trong xe|đêm nay không có chỗ|ngủ ngoài trời",
		"睡在街上|露宿|睡在车里|没有地方睡|今晚没地方|流落街头|没地方睡|住在车里",
		"ماوي الليله|ننام في الشارع|انام في الشارع|ننام في السياره|انام في السياره|بدون ماوي|لا مكان للنوم|ليس لدينا مكان|في الشارع الليله|وامي في الشارع|واطفالي في الشارع|نحن في الشارع|انا في الشارع",
		"nan lari a aswè a|nan lari a aswe a|dòmi nan lari|domi nan lari|dòmi nan machin|domi nan machin|pa gen kote pou n dòmi|pa gen kote pou m dòmi|pa gen kote pou n domi|pa gen kote pou m domi",
		"walang matutulugan|nasa kalye kami|nasa kalye po kami|natutulog sa kalye|natutulog sa kotse|sa labas kami matutulog|nasa labas po kami|nasa labas kami|walang masisilungan",
	)},
	{"locked out", L(
		"locked out|lockout|locked outside",
		"me dejaron afuera|nos dejaron afuera|no puedo entrar",
		"enferme dehors|bloque dehors",
		"bị khóa ngoài|không vào nhà được",
		"进不了家|被锁在外面",
		"مقفل علي|لا استطيع الدخول",
		"bloke deyò",
		"naka-lock sa labas",
	)},
	{"child in danger", L(
		"child abuse|abusing the kids|abusing his kids|abusing her kids|abusing my kids|abusing the child|left alone|home alone|alone for # days|kids alone|child alone|baby alone|children alone|child is missing|kid is missing|son is missing|daughter is missing|missing child|took my child|took my son|took my daughter|kids in danger|children in danger|child in danger|in danger",
		"abuso infantil|maltrato infantil|maltratando a los ninos|nino solo|ninos solos|dejaron solo|dejaron sola|desaparecio mi hijo|desaparecio mi hija|mi hijo desaparecio|mi hija desaparecio|secuestr*|en peligro",
		"enfant seul|enfants seuls|maltraitance|a disparu|enleve|en danger",
		"bỏ con một mình|ở nhà một mình|bạo hành trẻ|mất tích|bắt cóc|gặp nguy hiểm",
		"虐待儿童|孩子丢了|孩子失踪|一个人在家|拐走|有危险",
		"طفل وحده|اختطاف|خطف|الطفل مفقود|ابني مفقود|ابنتي مفقوده|في خطر",
		"pou kont li|disparèt|disparet|kidnape|an danje",
		"nawawala ang anak|naiwang mag-isa|kinidnap|inaabuso ang bata|nasa panganib",
	)},
	{"danger now", L(
		"get killed|gonna die|going to die|someone will die|someone could die|somebody will die|trapped inside|im trapped|we are trapped|were trapped|i am trapped|trapped in the|stuck inside|scared to get out|afraid to get out|cant get out of the house|cant get out of the building",
		"atrapado|atrapada|alguien se va a morir|se va a matar alguien",
		"coince|coinces|piege|quelqu un va mourir",
		"bị kẹt|mắc kẹt",
		"被困|困在",
		"محاصر|محتجز|عالق",
		"bloke anndan|kwense",
		"nakulong|naiipit",
	)},

	// ---- high: deadline and stakes ----
	{"eviction now", L(
		"pay or quit|notice to quit|notice to vacate|changed the locks|changed my locks|change the locks|changing the locks|changed the lock|lock us out|locked us out|locked me out of my apartment|locked me out of my home|locked me out of the apartment|sheriff|city marshal|the marshal|a marshal|marshal posted|marshals|writ|eviction notice|eviction papers|eviction hearing|eviction court|evicted|got evicted|getting evicted|being evicted|throw my stuff|throwing my stuff|throw our stuff|condemned|have to leave by|out by",
		"desalojo|desalojan|desalojar|orden de desalojo|carta de desalojo|aviso de desalojo|cambio la chapa|cambiaron la chapa|cambio la cerradura|cambiaron la cerradura|cambio las cerraduras|me sacan|me saca|nos sacan|me echa|me quiere echar|nos quiere echar|tengo que salir",
		"expulser|expulsion|expulse|change les serrures|changer les serrures|avis d expulsion",
		"đuổi tôi|đuổi chúng tôi|dọn đi|bắt tôi dọn|bị đuổi",
		"赶我走|赶出去|驱逐|搬走|被赶|换了锁",
		"يطردني|طردي|طردنا|يطردنا|اخلاء|الاخلاء|غير الاقفال",
		"degepi*|dégèpi*|mete m deyò|fòk mwen soti|fok mwen soti|soti nan kay la",
		"pinapaalis|pinaalis|papaalisin|palayasin|pinalayas|pinapalayas",
	)},
	{"eviction", L(
		"evict*|eviction|kick me out|kick us out|kicking me out|kicking us out|make us leave|make me leave|landlord court|housing court|court date",
	)},
	{"nowhere to go", L(
		"nowhere to go|no where to go|no place to go|nowhere else to go|where will we go|where do we go|nowhere to live",
		"no tengo a donde ir|no tenemos a donde ir|no tengo donde ir|no tenemos donde ir|no tengo donde vivir",
		"nulle part ou aller|ou aller",
		"không biết đi đâu|không có chỗ ở",
		"没有地方去|没地方去|没地方住|没有地方住",
		"لا اعرف اين اذهب|ليس لدي مكان|لا مكان اذهب",
		"pa gen kote pou m ale|pa gen kote pou n ale|pa konn kote pou m ale",
		"walang mapupuntahan|wala kaming mapupuntahan|wala po kaming mapupuntahan|walang matitirhan",
	)},
	{"shut-off", L(
		"shutoff|shut off|shut-off|shutting off|shut my|shut our|disconnect*|disconnection|cut off|cutoff|cutting off|turned off my|turned off our|turn off my|turn off our|turning off|water was turned off|water turned off|water is off|power is off|turned off the water|turned off the power|terminat*|stop my benefits|stopped my benefits|lose my coverage|lose coverage|losing my benefits|lose my benefits",
		"cortar|cortaron|corte de agua|corte de luz|aviso de corte|me cortaron|nos cortaron|me van a cortar|suspender el servicio",
		"coupure|couper l eau|couper le courant|eau coupee|electricite coupee|va couper|vont couper",
		"cắt nước|cắt điện|bị cắt|ngưng",
		"停水|断水|停电|断电|切断|取消了",
		"قطع المياه|قطع الماء|قطع الكهرباء",
		"koupe dlo|koupe kouran|koupe|anile",
		"puputulan|putulan|pinutol|puputulin|pinutulan|kinansela",
	)},
	{"not a shut-off", L(
		"at the curb|vacant|got disconnected|call disconnected|call got cut off|call was cut off|on hold|phone line|stop water service|stop service|shut off valve|shutoff valve|got cut off",
	)},
	{"losing the home", L(
		"lien|liens|foreclos*|forclos*|tax sale|auction*|notice of levy|intent to levy|levy on|levied|garnish*|seize|seized|froze my bank|frozen my bank|froze my account|sheriff sale|take my house|take my home|lose my house|lose my home|losing my house|losing my home",
		"remat*|subast*|embarg*|ejecucion hipotecaria|perder mi casa|quitar la casa|quitarme la casa",
		"saisie|saisir|vente aux encheres|perdre ma maison",
		"bán đấu giá|tịch thu|mất nhà",
		"拍卖|查封|没收|冻结",
		"مزاد|حجز على|الحجز على|مصادره|تجميد",
		"vann kay mwen|lavant aux encheres|sezi|pèdi kay mwen",
		"subasta|ilit|kukunin ang bahay|remata",
	)},
	{"without necessities", L(
		"no water at all|no water in|no running water|without water|dont have water|don't have water|have no water|no water since|no water for|sewage backing|sewage backed|sewer backed|sewer backing|sewage in my|sewage on|sewage is coming|no food|nothing to eat|nothing to feed|no money for food|cant feed|can't feed|hungry|starving|no formula|no diapers",
		"sin agua|no tenemos agua|no tengo agua|no hay agua|aguas negras|no tengo comida|no tenemos comida|sin comida|no hay comida|nada para comer|no tengo para comer|hambre",
		"pas d eau|plus d eau|sans eau|rien a manger|pas de nourriture|plus de nourriture|faim|les egouts debordent",
		"không có nước|mất nước|hết thức ăn|không có gì ăn|không có đồ ăn|bị đói|đói bụng|các con tôi đói|con tôi đói",
		"没有水|没水|停水了|没有吃的|没饭吃|饿|挨饿",
		"لا يوجد ماء|بدون ماء|لا توجد مياه|ليس عندي طعام|لا يوجد طعام|ليس لدينا طعام|جوع|جائع|جوعانين",
		"pa gen dlo|pa gen manje|grangou|pa gen anyen pou m manje",
		"walang tubig|walang pagkain|wala na kaming pagkain|wala na po kaming pagkain|gutom|nagugutom",
	)},
	{"soon", L(
		"today|tonight|tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow|2moro|this morning|this afternoon|right now|asap|urgent|urgently|immediately|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|fri|this weekend|this week|next week|end of the week|end of this week|end of the month|in # days|in # day|within # days|# days left|# more days|have # days|in # hours|within # hours|# hours left|says # hours|in # weeks|in a week|in two weeks|by the #th|on the #th|the #th|before the #th|til the #th",
		"hoy|esta noche|manana|pasado manana|lunes|martes|miercoles|jueves|viernes|sabado|domingo|esta semana|la proxima semana|proxima semana|la semana que viene|en # dias|dentro de # dias|quedan # dias|urgente|ahora mismo|fin de mes",
		"aujourd hui|ce soir|demain|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|cette semaine|semaine prochaine|dans # jours|urgent|tout de suite",
		"hôm nay|tối nay|ngày mai|thứ hai|thứ ba|thứ tư|thứ năm|thứ sáu|thứ bảy|chủ nhật|tuần này|tuần sau|tuần tới|gấp|khẩn cấp|kịp",
		"今天|今晚|明天|后天|星期一|星期二|星期三|星期四|星期五|星期六|星期天|星期日|周一|周二|周三|周四|周五|周六|周日|下周|这周|本周|礼拜|马上|紧急",
		"اليوم|الليله|غدا|بكرا|بكره|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد|هذا الاسبوع|الاسبوع القادم|الاسبوع المقبل|عاجل|فورا",
		"jodi a|jodi|aswè a|aswe a|demen|lendi|madi|mèkredi|mekredi|jedi|vandredi|samdi|dimanch|semèn sa a|semen sa a|semèn pwochèn|semen pwochen|ijan",
		"ngayong araw|mamaya|bukas na|bukas ng|lunes|martes|miyerkules|huwebes|biyernes|sabado|linggo na|sa susunod na linggo|next week|agad|kagyat|ngayon na",
	)},
	{"about time", L(
		"what time|your hours|office hours|the hours|hours on|business hours|opening hours|open on|open today|open tomorrow|are you open|office open|closed on|close today|closed today|closed tomorrow|office closed|pickup day|trash day|pickup on|schedule for",
		"a que hora|horario|abren|cierran",
		"horaires|heures d ouverture|ouvert",
		"mấy giờ|mở cửa",
		"几点|开门|营业时间",
		"ساعات العمل|متى تفتح",
		"a ki lè|a ki le|ki lè|ouvri",
		"anong oras|bukas po kayo",
	)},
	{"stakes", L(
		"deadline|due|expire*|expiring|expiration|lapse*|ends|end|terminat*|cancel*|close|closes|closing|closed|hearing|court|appeal|penalty|penalties|late|sale|auction|evict*|test|road test|exam|appointment|appt|appts|interview|renew*|renewal|need it|need them|need my|need the|need a|lose|losing|lost|last day|final|notice|before|too late|election|vote|passport|suspend*|work|job|inspection|permit|license|registration|pay|payment|owe|bill|certificate|documents|docs|upload|stop|stopped|shut|off|cut|tow*|boot|impound|charge|charges|fee|fees|rent|coverage|benefits|claim|wedding|event|party|festival|move|moving|tenants|surgery|dialysis|doctor|hospital|school|daycare|formula|insulin|medicine|medication|treat|treatment|unless|or else|or they|or i|or we|kids|hungry|food|fine|ticket|tag|plates|sticker|garnish*|shutoff|disconnect*|lien|sell|sold|dumpster|filming|film|fix",
		"vence*|vencer|vencimiento|plazo|fecha limite|cita|examen|audiencia|corte|multa|recargo|renovacion|renovar|pagar|pago|cortar|perder|pierdo|trabajo|necesito|ayuda|licencia|registro|registracion|permiso|factura|renta|medicaid|cupones|beneficios|desalojo|cambio|cambiar|se puede",
		"echeance|expire|date limite|rendez-vous|tribunal|audience|penalite|payer|paiement|renouvellement|perdre|travail|besoin|aide|permis|facture|loyer",
		"hết hạn|hạn chót|cuộc hẹn|hẹn|tòa|phạt|đóng|trả|gia hạn|mất|cần|giúp|giấy phép|bằng lái|hóa đơn|tiền nhà|cắt",
		"到期|截止|期限|预约|开庭|法院|罚款|交|付|续|失去|需要|帮|执照|驾照|账单|房租|停",
		"تنتهي|ينتهي|انتهاء|موعد|اخر موعد|محكمه|غرامه|دفع|تجديد|افقد|احتاج|مساعده|رخصه|فاتوره|ايجار|قطع",
		"ekspire|dat limit|randevou|tribinal|penalite|peye|renouvle|pèdi|bezwen|ede|lisans|bil|lwaye|koupe",
		"deadline|mag-e-expire|mag-expire|expire|appointment|korte|multa|bayad|magbayad|renew|mawawala|kailangan|tulong|lisensya|bill|upa|puputulan",
	)},
	{"ends", L(
		"expire*|expiring|expiration|lapse*|lapsing|ends on|ends in|end on|ends the|runs out|run out|deadline|last day|due by|due on|due in|cut off on|closes in|close my case|case closes|coverage ends",
		"vence|se vence|se me vence|vencimiento|fecha limite|ultimo dia|se acaba",
		"expire|echeance|date limite|dernier jour",
		"hết hạn|hạn chót",
		"到期|截止|过期",
		"تنتهي|ينتهي|اخر موعد|انتهاء",
		"ekspire|dat limit|dènye jou",
		"mag-e-expire|mag-expire|ma-expire|deadline|huling araw",
	)},
	{"date", L(
		"the #th|on #th|#th|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|soon|next month|end of the month|this month",
		"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|pronto|el proximo mes|este mes",
		"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|bientot|ce mois",
		"tháng này|sắp|sắp hết",
		"月底|下个月|快",
		"قريبا|الشهر القادم|هذا الشهر",
		"byento|mwa sa a|mwa pwochen",
		"malapit na|sa katapusan ng buwan|ngayong buwan",
	)},
	{"urgent stop", L(
		"stop work order|stop-work order|stop work notice|red tag|red tagged",
		"orden de suspension|orden de paro",
		"ordre d arret",
		"lệnh ngừng thi công",
		"停工令",
		"امر ايقاف العمل",
		"lòd pou sispann travay",
		"stop work order",
	)},
	{"vehicle urgent", L(
		"boot on my car|booted|towed|tow yard|impound|impounded|charge by the day|charges by the day|by the day|per day|each day|daily fee|pulled over",
		"remolcaron|me remolcaron|corralon|grua|se llevo mi carro la grua",
		"fourriere|remorque|remorquee",
		"bị kéo|kéo xe",
		"拖走|拖车",
		"سحبوا سيارتي|سحب السياره",
		"remoke|remoke machin",
		"na-tow|hinila ang sasakyan",
	)},
	{"vehicle stakes", L(
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
	{"person asked", L(
		"agent|agents please|live agent|representative|representive|reprehensive|rep please|a rep|real rep|operator|human|humans|real person|actual person|live person|real human|actual human|person please|a person please|get a person|need a person|want a person|someone real|somebody real|real people|actual people|not a bot|not a robot|not the bot|no bot|no bots|not talk to a bot|not a machine|stop the bot|this bot|the bot|chatbot|transfer me|connect me|put me through",
		"agente|representante|operador|operadora|humano|persona real|una persona por favor|persona por favor|pasame con|paseme con|paseme a|comunicarme con|comuniqueme con|comunicame con|no quiero un robot|no quiero hablar con un robot|no quiero hablar con una maquina|un humano",
		"un agent|agent svp|agent s il vous plait|un humain|une vraie personne|vraie personne|un conseiller|une conseillere|conseiller svp|operateur|operatrice|pas un robot|un etre humain",
		"nhân viên ơi|gặp nhân viên|gặp người|người thật|tổng đài viên|cho tôi gặp|cần gặp|chuyển cho nhân viên|nhân viên tư vấn|nhân viên hỗ trợ|cần nhân viên|muốn gặp",
		"人工|真人|转人工|人工客服|找人|跟人说|找工作人员|跟工作人员|和工作人员|需要工作人员|找一个工作人员|跟客服|和客服|找客服|真人客服|客服人员|代表|不要机器人",
		"موظف من فضلك|مع موظف|مع شخص|شخص حقيقي|انسان حقيقي|ممثل خدمه|ممثل|خدمه العملاء|مع احد الموظفين|مع مسؤول|اريد موظف|موظفا",
		"ajan|yon ajan|reprezantan|moun tout bon|yon moun reyèl|yon moun reyel|pa yon robo|yon moun tanpri",
		"agent po|representative po|totoong tao|tunay na tao|tao po|isang tao|hindi robot|hindi bot|ahente",
	)},
	{"talk to someone", combos(
		L("talk to|talk with|speak to|speak with|chat with|chat to|talking to|speaking to|speaking with|talk w|speak w|call from|call back from|connect me with|connect me to|transfer me to|put me through to|let me talk to|let me speak to"),
		L("someone|somebody|anyone|anybody|a person|a human|supervisor|a supervisor|the supervisor|your supervisor|a manager|your manager|the manager|management|a caseworker|my caseworker|the caseworker|my case worker|a case worker|my worker|my case manager|a case manager|an agent|the agent|a rep|a representative|your representative|an inspector|the inspector|a plan reviewer|the plan reviewer|a reviewer|someone in charge|somebody in charge|a specialist|my housing specialist|my specialist|an officer|staff|a staff member|an employee|a worker|a clerk|the assessor|an assessor|someone from|somebody from|someone at|somebody at|someone who|somebody who|a dmv person|someone there|a lawyer|an adjuster|an examiner|an investigator|a counselor"),
	)},
	{"talk to someone (other languages)", cat(
		combos(L("hablar con|hablar a|platicar con|comunicarme con|comunicar con"),
			L("alguien|una persona|un agente|agente|un representante|representante|un humano|una persona real|supervisor|un supervisor|el supervisor|gerente|un gerente|el gerente|encargado|el encargado|la encargada|mi trabajadora|mi trabajador|trabajadora social|trabajador social|mi trabajadora social|un trabajador|una trabajadora|un empleado|una empleada|un inspector|el inspector|alguien de|alguien que|un asesor|una asesora|un especialista|mi caseworker")),
		L("me pueden llamar|me puede llamar|que me llamen|que alguien me llame|llamenme|llameme|llamarme|me llaman|devolverme la llamada|me regresen la llamada"),
		combos(L("parler a|parler avec|discuter avec"),
			L("quelqu un|une personne|un agent|agent|un conseiller|une conseillere|un humain|un responsable|une responsable|un inspecteur|un employe|une employee|un superieur|quelqu un de|un etre humain|mon agent|mon conseiller|une vraie personne")),
		L("rappelez moi|appelez moi|me rappeler|m appeler|me telephoner",
			"nói chuyện với nhân viên|nói chuyện với người|nói chuyện với ai đó|nói chuyện với một người|nói chuyện trực tiếp|gọi lại cho tôi|gọi cho tôi|gọi điện cho tôi|gặp trực tiếp|nói chuyện với người phụ trách|gặp người phụ trách",
			"打电话给我|给我打电话|给我回电话|回电|回个电话|跟负责|找负责|和负责",
			"التحدث مع|التكلم مع|اتحدث مع|اتكلم مع|اكلم شخص|اكلم موظف|اتصلوا بي|اتصل بي|اتصلوا علي|يتصل بي|التواصل مع موظف",
			"pale ak yon|vle pale ak|bezwen pale ak|ka pale ak|pale ak ajan|rele m|rele mwen|relem",
			"makausap|kausapin|makipag-usap|makipag usap|tawagan ako|tawagan nyo ako|tawagan po ako|tawagan niyo ako|tumawag sa akin|pakitawagan",
		),
	)},
	{"bare ask", L(
		"person|persona|personne|someone|somebody|anyone|alguien|quelqu un|staff|supervisor|manager|caseworker|help desk|nhân viên|người|人|员工|شخص|موظف|احد|moun|tao|empleado",
	)},
	{"call me", L(
		"call me|call me back|callback|call back|give me a call|someone call me|somebody call me|have someone call|can someone call|could someone call|please call|contact me|reach me at|text me back|phone me",
	)},
	{"not asking for a person", L(
		"real estate agent|insurance agent|travel agent|listing agent|leasing agent|border agent|ice agent|federal agent|agent orange|authorized representative|council representative|state representative|city representative|my representative|representative payee|human services|human resources|human rights|human trafficking|tow operator|crane operator|forklift operator|operator license|operators license|not human|who do i talk to|who should i talk to|who do i call|who should i call|who do i contact|who can i talk to about|call me names|they call me|people call me|dont call me|do not call me|don't call me",
	)},
}

// urgencyRules decide urgency: the first emergency rule that fires makes
// an emergency, else the first high rule makes it high.
var urgencyRules = []rule{
	{name: "threat of violence", level: civicdesk.UrgencyEmergency, all: []string{"violence"}},
	{name: "risk of suicide or self-harm", level: civicdesk.UrgencyEmergency, all: []string{"self-harm"}},
	{name: "medical emergency", level: civicdesk.UrgencyEmergency, all: []string{"medical"}},
	{name: "fire or smoke", level: civicdesk.UrgencyEmergency, all: []string{"fire"}},
	{name: "gas leak or carbon monoxide", level: civicdesk.UrgencyEmergency, all: []string{"gas"}},
	{name: "live electrical wires", level: civicdesk.UrgencyEmergency, all: []string{"live wires"}},
	{name: "collapse or open hole", level: civicdesk.UrgencyEmergency, all: []string{"collapse"}},
	{name: "burst main flooding homes", level: civicdesk.UrgencyEmergency, all: []string{"pipe burst", "flooding"}},
	{name: "no heat in freezing cold with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"no heat", "freezing", "vulnerable person"}},
	{name: "no shelter tonight", level: civicdesk.UrgencyEmergency, all: []string{"no shelter tonight"}},
	{name: "locked out in the cold with someone vulnerable", level: civicdesk.UrgencyEmergency, all: []string{"locked out", "freezing", "vulnerable person"}},
	{name: "child in danger", level: civicdesk.UrgencyEmergency, all: []string{"child in danger"}},
	{name: "danger to life now", level: civicdesk.UrgencyEmergency, all: []string{"danger now"}},

	{name: "eviction or lockout", level: civicdesk.UrgencyHigh, all: []string{"eviction now"}},
	{name: "eviction soon", level: civicdesk.UrgencyHigh, all: []string{"eviction", "soon"}},
	{name: "nowhere to go", level: civicdesk.UrgencyHigh, all: []string{"nowhere to go"}},
	{name: "shut-off or loss of benefits", level: civicdesk.UrgencyHigh, all: []string{"shut-off"}, not: []string{"not a shut-off"}},
	{name: "losing the home or money to enforcement", level: civicdesk.UrgencyHigh, all: []string{"losing the home"}},
	{name: "without water, food or sanitation", level: civicdesk.UrgencyHigh, all: []string{"without necessities"}},
	{name: "stop-work order", level: civicdesk.UrgencyHigh, all: []string{"urgent stop"}},
	{name: "towed or booted vehicle needed", level: civicdesk.UrgencyHigh, all: []string{"vehicle urgent", "vehicle stakes"}},
	{name: "something expires soon", level: civicdesk.UrgencyHigh, all: []string{"ends", "date"}},
	{name: "deadline within days", level: civicdesk.UrgencyHigh, all: []string{"soon", "stakes"}, not: []string{"about time"}},
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
}

// lexicon is the compiled matcher and rules.
type lexicon struct {
	m       *matcher
	urgency []compiledRule
	human   []compiledRule
}

func newLexicon() *lexicon {
	idx := map[string]int{}
	for i, g := range lexGroups {
		if _, dup := idx[g.name]; dup {
			panic("local: duplicate lexicon group " + g.name)
		}
		idx[g.name] = i
	}
	compile := func(rs []rule) []compiledRule {
		var out []compiledRule
		for _, r := range rs {
			cr := compiledRule{rule: r}
			for _, n := range r.all {
				i, ok := idx[n]
				if !ok {
					panic("local: rule " + r.name + " names unknown group " + n)
				}
				cr.all = append(cr.all, i)
			}
			for _, n := range r.not {
				i, ok := idx[n]
				if !ok {
					panic("local: rule " + r.name + " names unknown group " + n)
				}
				cr.not = append(cr.not, i)
			}
			out = append(out, cr)
		}
		return out
	}
	return &lexicon{m: newMatcher(lexGroups), urgency: compile(urgencyRules), human: compile(humanRules)}
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
