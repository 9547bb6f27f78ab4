package pii

import "unicode/utf8"

// The cue words, per kind, in the supported languages. A phrase is plain
// text, matched without regard to case: a space matches any run of
// spaces, an apostrophe matches ' or ’ or nothing, and a phrase that
// starts or ends with an ASCII letter or digit only matches as a whole
// word there (see trie).

// dobCues say that a date nearby is a date of birth.
var dobCues = []string{
	// en
	"dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "born on", "born",
	"b-day", "bday", "birth",
	// es
	"fecha de nacimiento", "fecha nacimiento", "f. nac.", "f. de nac.", "nacimiento", "nací el", "naci el",
	"nací", "naci", "nacido el", "nacida el", "nacido", "nacida", "nació el", "nacio el", "nació",
	"cumpleaños", "cumpleanos",
	// fr
	"date de naissance", "née le", "né le", "nee le", "ne le", "naissance", "anniversaire",
	// vi
	"ngày sinh", "ngay sinh", "sinh ngày", "sinh ngay", "ngày tháng năm sinh", "sinh nhật",
	// zh
	"出生日期", "出生年月日", "出生年月", "出生于", "出生於", "出生", "生日",
	// ar
	"تاريخ الميلاد", "تاريخ ميلادي", "تاريخ الولادة", "مواليد", "ولدت في", "ولدت", "ولد في", "عيد ميلادي",
	// ht
	"dat nesans", "dat ou fèt", "dat mwen fèt", "mwen fèt", "m fèt", "fèt", "anivèsè",
	// tl
	"petsa ng kapanganakan", "kapanganakan", "ipinanganak", "isinilang", "kaarawan", "bertdey",
}

// ssnCues say that a 9-digit number nearby is an SSN or an ITIN, whatever
// its area number.
var ssnCues = []string{
	"ssn", "ss#", "ss #", "soc sec", "social security number", "social security", "social", "itin",
	"taxpayer id", "taxpayer identification number",
	"número de seguro social", "numero de seguro social", "seguro social", "nss",
	"numéro de sécurité sociale", "sécurité sociale", "securite sociale",
	"số an sinh xã hội", "an sinh xã hội", "so an sinh xa hoi", "an sinh",
	"社会安全号码", "社会安全号", "社會安全號碼", "社会保障号", "社安号",
	"رقم الضمان الاجتماعي", "الضمان الاجتماعي",
	"nimewo sekirite sosyal", "sekirite sosyal", "sosyal sekirite",
	"numero ng social security",
}

// phoneCues say that a number nearby is a phone number, however written.
var phoneCues = []string{
	// en
	"phone number", "phone no.", "phone #", "phone", "ph", "ph.", "tel", "tel.", "telephone", "cell phone",
	"cellphone", "cell", "mobile", "call me at", "call me on", "call me", "call back", "callback number",
	"callback", "text me at", "text me", "reach me at", "reach me", "contact me at", "my number is",
	"my number", "whatsapp", "fax",
	// es
	"teléfono", "telefono", "tel.", "cel", "cel.", "celular", "móvil", "movil", "llámame al", "llámame",
	"llamame", "llámenme", "llamenme", "mi número es", "mi numero es", "mi número", "mi numero",
	"marcar al", "márquenme",
	// fr
	"téléphone", "tél", "tél.", "portable", "appelez-moi au", "appelez-moi", "rappelez-moi",
	"mon numéro", "mon numero", "joindre au", "me joindre",
	// vi
	"số điện thoại", "so dien thoai", "sđt", "sdt", "điện thoại", "dien thoai", "đt", "gọi cho tôi",
	"gọi tôi", "goi toi", "liên lạc",
	// zh
	"电话号码", "電話號碼", "电话", "電話", "手机号", "手機號", "手机", "手機", "联系电话", "联系方式", "号码",
	// ar
	"رقم الهاتف", "رقم هاتفي", "رقم جوالي", "رقم الجوال", "هاتفي", "هاتف", "جوال", "موبايل", "اتصلوا بي على",
	"اتصل بي", "اتصلوا بي", "رقمي",
	// ht
	"nimewo telefòn", "nimewo telefon", "telefòn", "telefon", "rele m nan", "rele m", "rele mwen", "selilè",
	"nimewo mwen",
	// tl
	"numero ko", "cellphone number", "cp number", "cp", "telepono", "tawagan ako sa", "tawagan ako",
	"tawagan niyo ako", "i-text ako",
}

// caseCues name an identifier of the citizen's file with the agency. They
// need an identifier right after them (after "number", "no.", "#", ":",
// "is", …).
var caseCues = []string{
	// en
	"case number", "case no.", "case no", "case id", "case #", "case", "claim number", "claim no.", "claim id",
	"claim", "application number", "application no.", "application id", "application", "app #",
	"account number", "account no.", "account #", "account", "acct", "acct.", "a/c",
	"reference number", "reference no.", "reference", "ref", "ref.", "confirmation number", "confirmation",
	"conf", "ticket number", "ticket", "citation number", "citation", "permit number", "permit",
	"license number", "licence number", "license", "licence", "lic", "lic.", "driver's license",
	"dl", "dl#", "policy number", "policy", "member id", "member number", "client id", "client number",
	"customer number", "customer id", "file number", "docket number", "docket", "parcel number", "parcel",
	"plate number", "plate", "a-number", "a number", "alien number", "uscis number", "medicaid id",
	"medicaid number", "medicaid", "medicare number", "medicare id", "medicare", "ebt", "snap case",
	"id number", "id no.", "id #", "driver license", "drivers license", "state id",
	// es
	"número de caso", "numero de caso", "caso número", "caso", "expediente número", "número de expediente",
	"numero de expediente", "expediente", "número de reclamo", "numero de reclamo", "reclamo",
	"número de reclamación", "reclamación", "número de solicitud", "numero de solicitud", "solicitud",
	"número de cuenta", "numero de cuenta", "cuenta", "número de referencia", "referencia", "folio",
	"número de licencia", "licencia de conducir", "licencia", "número de permiso", "permiso", "número de póliza", "póliza",
	"número de multa", "multa", "placa", "número de confirmación", "confirmación",
	// fr
	"numéro de dossier", "numero de dossier", "n° de dossier", "dossier numéro", "dossier",
	"numéro de demande", "numero de demande", "demande", "numéro de compte", "numero de compte", "compte",
	"numéro de référence", "référence", "numéro de réclamation", "réclamation", "numéro d'allocataire",
	"numéro allocataire", "numéro client", "numéro de client", "numéro de permis", "permis de conduire", "permis",
	"numéro de contravention", "contravention", "plaque",
	// vi
	"số hồ sơ", "so ho so", "mã hồ sơ", "hồ sơ số", "hồ sơ", "ho so", "số tài khoản", "so tai khoan",
	"tài khoản", "tai khoan", "mã số", "số đơn", "đơn số", "mã đơn", "số yêu cầu", "số tham chiếu",
	"số giấy phép", "giấy phép", "số vé phạt", "biển số",
	// zh
	"案件编号", "案件號碼", "案件号", "案件號", "案号", "案號", "申请号", "申請號", "申请编号", "申請編號",
	"账号", "帳號", "帐号", "账户号码", "账户号", "賬戶號碼", "档案号", "檔案號", "索赔号", "参考号", "参考编号",
	"确认号", "许可证号", "罚单号", "车牌号", "编号", "編號",
	// ar
	"رقم القضية", "رقم الملف", "رقم الطلب", "رقم الحساب", "رقم المطالبة", "رقم المرجع", "رقم الحالة",
	"رقم التأكيد", "رقم الرخصة", "رقم التصريح", "رقم المخالفة", "ملف رقم", "طلب رقم", "حساب رقم",
	// ht
	"nimewo dosye", "nimewo ka", "nimewo kont", "nimewo aplikasyon", "nimewo demann", "nimewo referans",
	"nimewo lisans", "nimewo pèmi", "dosye", "kont", "aplikasyon", "demann", "lisans", "pèmi", "tikè",
	// tl
	"numero ng kaso", "numero ng account", "numero ng aplikasyon", "numero ng claim", "numero ng reference",
	"kaso", "aplikasyon",
}

// weakCaseCues are bare "number" words: an identifier right after them is
// taken as a case number only when it has at least five digits.
var weakCaseCues = []string{
	"number", "no.", "id", "número", "numero", "numéro", "nimewo", "số", "رقم", "号码", "號碼",
}

// caseConnectors may stand between a case cue and the identifier.
var caseConnectors = []string{
	"number", "numbers", "num", "num.", "no", "no.", "nos.", "nr", "nr.", "nº", "n°", "n.º", "id", "#",
	"is", "was", "es", "era", "est", "était", "là", "se", "te", "ay", "ko", "mo", "po", "ng",
	"número", "numero", "numéro", "nimewo", "số", "رقم", "هو", "是", "为", "為", "mwen",
}

// negativeCues name numbers that are not personal data: invoices, orders,
// receipts, tracking and serial numbers. A phone-like number or a bare
// 9-digit number right after one of them is left alone.
var negativeCues = []string{
	"invoice number", "invoice no.", "invoice #", "invoice", "inv", "inv.", "inv#", "order number",
	"order no.", "order #", "order", "receipt number", "receipt #", "receipt", "tracking number",
	"tracking #", "tracking", "transaction id", "transaction number", "transaction", "serial number",
	"serial no.", "serial", "model number", "model", "part number", "part #", "item number", "item #",
	"sku", "product code", "routing number", "routing", "vin",
	"número de factura", "factura", "número de pedido", "pedido", "recibo", "número de serie", "serie",
	"numéro de facture", "facture", "commande", "numéro de commande", "reçu", "numéro de série",
	"hóa đơn", "hoa don", "đơn hàng", "don hang", "mã vận đơn", "biên lai",
	"发票号", "发票", "發票", "订单号", "订单", "訂單", "快递单号", "序列号", "收据",
	"رقم الفاتورة", "فاتورة", "رقم الطلبية", "إيصال", "رقم التتبع",
	"nimewo fakti", "fakti", "resi", "kòmand",
	"resibo", "numero ng order", "numero ng resibo",
}

// Month names, for dates written with words.
var monthNames = []string{
	// en
	"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
	"november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
	"dec",
	// es
	"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
	"octubre", "noviembre", "diciembre", "ene", "abr", "ago", "dic",
	// fr
	"janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout",
	"septembre", "octobre", "novembre", "décembre", "decembre", "janv", "févr", "fév", "juil", "déc",
	// ht
	"janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "jiye", "out", "septanm", "oktòb", "oktob",
	"novanm", "desanm",
	// tl
	"enero", "pebrero", "marso", "abril", "mayo", "hunyo", "hulyo", "agosto", "setyembre", "oktubre",
	"nobyembre", "disyembre",
	// ar (Gregorian month names as used in the Middle East and North Africa)
	"يناير", "فبراير", "مارس", "أبريل", "ابريل", "مايو", "يونيو", "يوليو", "أغسطس", "اغسطس", "سبتمبر",
	"أكتوبر", "اكتوبر", "نوفمبر", "ديسمبر", "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
	"تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
}

// streetSuffixes end a street name that starts with the house number:
// "1447 Orchard Ln", "45 W 23rd St".
var streetSuffixes = set(
	"street", "st", "avenue", "ave", "av", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr",
	"court", "ct", "way", "place", "pl", "parkway", "pkwy", "terrace", "ter", "circle", "cir", "highway",
	"hwy", "square", "sq", "trail", "trl", "loop", "alley", "plaza", "plz", "pike", "crescent", "cres",
	"expressway", "expy", "freeway", "fwy", "turnpike", "tpke", "route", "rte", "causeway", "cswy",
	"heights", "hts",
)

// streetTypes come before the street name: "12 rue de la Paix",
// "Calle Mayor 12", "123 đường Lê Lợi", "12 Ri Kapwa", "شارع الملك فهد 12".
var streetTypes = set(
	// fr
	"rue", "avenue", "av", "boulevard", "bd", "bvd", "allée", "allee", "chemin", "impasse", "place", "quai",
	"cours", "route", "ruelle", "voie",
	// es
	"calle", "c/", "avenida", "avda", "paseo", "camino", "carrera", "cra", "calzada", "callejón", "callejon",
	"bulevar", "carretera", "privada", "cerrada", "prolongación",
	// vi
	"đường", "duong", "phố", "pho", "ngõ", "ngo", "hẻm", "hem", "kiệt",
	// ht
	"ri", "avni", "wout", "chemen", "ruyèl",
	// tl
	"kalye", "daang",
	// ar
	"شارع", "طريق", "زقاق",
)

// typeFirstOnly are street types that may start an address without a
// house number in front ("Calle Mayor 12"); the others need the number
// first, so that "the road 5 miles" is not an address.
var typeFirstOnly = set(
	"rue", "calle", "c/", "avenida", "avda", "av", "paseo", "camino", "carrera", "cra", "calzada",
	"callejón", "callejon", "bulevar", "carretera", "privada", "cerrada", "ri", "avni", "wout", "kalye",
	"đường", "phố", "ngõ", "hẻm", "شارع", "طريق", "زقاق",
)

// nameConnectors may sit inside a street name: "rue de la Paix",
// "Calle de los Reyes".
var nameConnectors = set(
	"de", "del", "la", "las", "los", "le", "les", "du", "des", "d'", "l'", "d’", "l’", "el", "al", "y",
	"of", "the", "san", "santa", "saint", "st", "ste", "mt",
)

// stopWords end a street name, and no street name is made of them: they
// are the small words of a sentence around an address, and the things
// people count ("3 kids", "2 times").
var stopWords = set(
	// en
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "have", "has", "had", "i", "in",
	"is", "it", "me", "my", "near", "on", "or", "our", "since", "so", "than", "that", "this", "to", "was",
	"we", "with", "you", "your", "he", "she", "they", "their", "his", "her", "not", "no", "if", "about",
	"times", "kids", "children", "people", "days", "weeks", "months", "years", "hours", "minutes",
	"dollars", "cents", "percent", "items", "pages", "copies", "bills", "payments", "miles", "blocks",
	"more", "less", "last", "next", "every", "each", "all", "per", "ago", "am", "pm",
	// es
	"y", "o", "en", "con", "por", "para", "que", "mi", "mis", "su", "sus", "tu", "yo", "es", "está",
	"esta", "desde", "hasta", "cerca", "hay", "tengo", "vivo", "pero", "un", "una", "meses", "días",
	"dias", "años", "anos", "semanas", "veces", "hijos", "dólares", "dolares",
	// fr
	"et", "ou", "avec", "pour", "par", "qui", "mon", "ma", "mes", "je", "j'", "j’", "à", "au",
	"aux", "depuis", "près", "mais", "une", "chez", "sur", "mois", "jours", "ans", "fois", "enfants",
	// ht
	"mwen", "m", "nan", "ak", "pou", "li", "yo", "ki", "pa", "gen", "lakay", "epi", "men", "lè",
	// tl
	"ang", "ng", "sa", "ko", "ako", "mo", "na", "po", "ay", "si", "kay", "mga", "taon", "buwan",
	// vi
	"tôi", "và", "ở", "của", "có", "là", "cho", "với", "từ", "tại", "em", "anh", "chị",
)

var directions = set("n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
	"northeast", "northwest", "southeast", "southwest")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func isASCIIWord(r rune) bool {
	return r < utf8.RuneSelf && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}
