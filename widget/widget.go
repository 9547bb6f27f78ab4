package widget

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// Config of the widget pages. Zero values take the demo's defaults.
type Config struct {
	// AgencyName is shown in the widget's title bar; empty shows the demo's
	// "City services" in the widget's language.
	AgencyName string
	// Color is the widget's main colour (#rrggbb); it must give white text
	// a contrast of at least 4.5:1, else the default is used.
	Color string
}

// Pages serves the widget's files.
type Pages struct {
	cfg    Config
	files  fs.FS
	demo   *template.Template
	config []byte
}

// New returns the widget pages.
func New(cfg Config) (*Pages, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	if !goodColor(cfg.Color) {
		cfg.Color = ""
	}
	demo, err := template.ParseFS(sub, "index.tmpl")
	if err != nil {
		return nil, err
	}
	conf, err := json.Marshal(map[string]string{"agencyName": cfg.AgencyName, "color": cfg.Color})
	if err != nil {
		return nil, err
	}
	return &Pages{cfg: cfg, files: sub, demo: demo, config: conf}, nil
}

// Register serves / (the demo agency page), /widget.js and /widget/*.
// Files carry an ETag of their content and Cache-Control: no-cache, so host
// pages revalidate cheaply and pick up a new release at once; the widget's
// files may be loaded from any origin (host sites embed it).
func (p *Pages) Register(e *echo.Echo) {
	etags := map[string]string{}
	_ = fs.WalkDir(p.files, ".", func(name string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() && !strings.HasSuffix(name, ".tmpl") {
			if b, err := fs.ReadFile(p.files, name); err == nil {
				sum := sha256.Sum256(b)
				etags[name] = `"` + hex.EncodeToString(sum[:8]) + `"`
			}
		}
		return nil
	})
	serve := func(c echo.Context, name string) error {
		tag, ok := etags[name]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		h.Set("ETag", tag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		http.ServeFileFS(c.Response(), c.Request(), p.files, name)
		return nil
	}
	e.GET("/", p.demoPage)
	e.GET("/widget.js", func(c echo.Context) error { return serve(c, "widget.js") })
	e.GET("/widget/config.json", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Access-Control-Allow-Origin", "*")
		return c.Blob(http.StatusOK, "application/json", p.config)
	})
	e.GET("/widget/*", func(c echo.Context) error { return serve(c, path.Clean(c.Param("*"))) })
}

var langRe = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,2}$`)

// demoText is the demo agency page in the languages the widget speaks.
var demoText = map[string]map[string]string{
	"en": {
		"title": "City services", "skip": "Skip to content", "tagline": "Services for residents of the city",
		"intro":    "Pay bills, renew permits and get help from city staff, online.",
		"services": "Popular services",
		"water":    "Pay a water bill", "vehicle": "Renew a vehicle registration", "benefits": "Apply for benefits",
		"permit": "Apply for a building permit", "housing": "Housing assistance", "taxes": "Property taxes",
		"help":  "Need help?",
		"chat":  "Write to us in the chat at the bottom of the page. An automated assistant answers first and hands you to a caseworker when needed.",
		"hours": "Caseworkers answer Monday to Friday, 8 a.m. to 6 p.m.",
		"nojs":  "No JavaScript? Use the contact form.", "footer": "A CivicDesk demo. No real requests are handled here.",
		"langs": "Language",
	},
	"es": {
		"title": "Servicios municipales", "skip": "Saltar al contenido", "tagline": "Servicios para los residentes de la ciudad",
		"intro":    "Pague facturas, renueve permisos y reciba ayuda del personal de la ciudad, en línea.",
		"services": "Servicios más usados",
		"water":    "Pagar la factura del agua", "vehicle": "Renovar el registro de un vehículo", "benefits": "Solicitar beneficios",
		"permit": "Solicitar un permiso de construcción", "housing": "Ayuda con la vivienda", "taxes": "Impuestos sobre la propiedad",
		"help":  "¿Necesita ayuda?",
		"chat":  "Escríbanos en el chat al pie de la página. Primero responde un asistente automático, que le pasa con una persona del equipo cuando hace falta.",
		"hours": "El personal responde de lunes a viernes, de 8 a 18 h.",
		"nojs":  "¿Sin JavaScript? Use el formulario de contacto.", "footer": "Una demostración de CivicDesk. Aquí no se tramitan solicitudes reales.",
		"langs": "Idioma",
	},
	"fr": {
		"title": "Services municipaux", "skip": "Aller au contenu", "tagline": "Des services pour les habitants de la ville",
		"intro":    "Payez vos factures, renouvelez vos permis et obtenez de l’aide du personnel municipal, en ligne.",
		"services": "Services les plus demandés",
		"water":    "Payer une facture d’eau", "vehicle": "Renouveler une immatriculation", "benefits": "Demander une aide",
		"permit": "Demander un permis de construire", "housing": "Aide au logement", "taxes": "Taxe foncière",
		"help":  "Besoin d’aide ?",
		"chat":  "Écrivez-nous dans la fenêtre de discussion en bas de la page. Un assistant automatique répond d’abord et vous passe à un conseiller si besoin.",
		"hours": "Les conseillers répondent du lundi au vendredi, de 8 h à 18 h.",
		"nojs":  "Pas de JavaScript ? Utilisez le formulaire de contact.", "footer": "Une démonstration de CivicDesk. Aucune demande réelle n’est traitée ici.",
		"langs": "Langue",
	},
	"vi": {
		"title": "Dịch vụ thành phố", "skip": "Chuyển đến nội dung", "tagline": "Dịch vụ dành cho cư dân thành phố",
		"intro":    "Thanh toán hóa đơn, gia hạn giấy phép và nhận trợ giúp từ nhân viên thành phố, trực tuyến.",
		"services": "Dịch vụ phổ biến",
		"water":    "Thanh toán hóa đơn nước", "vehicle": "Gia hạn đăng ký xe", "benefits": "Nộp đơn xin trợ cấp",
		"permit": "Xin giấy phép xây dựng", "housing": "Hỗ trợ nhà ở", "taxes": "Thuế tài sản",
		"help":  "Cần trợ giúp?",
		"chat":  "Hãy nhắn tin cho chúng tôi trong khung trò chuyện ở cuối trang. Trợ lý tự động trả lời trước và chuyển bạn đến nhân viên khi cần.",
		"hours": "Nhân viên trả lời từ thứ Hai đến thứ Sáu, 8 giờ sáng đến 6 giờ chiều.",
		"nojs":  "Không có JavaScript? Hãy dùng mẫu liên hệ.", "footer": "Bản trình diễn CivicDesk. Không xử lý yêu cầu thật tại đây.",
		"langs": "Ngôn ngữ",
	},
	"zh": {
		"title": "市政服务", "skip": "跳到正文", "tagline": "为本市居民提供的服务",
		"intro":    "在线缴费、续办许可证，并获得市政工作人员的帮助。",
		"services": "常用服务",
		"water":    "缴纳水费", "vehicle": "车辆登记续期", "benefits": "申请福利",
		"permit": "申请建筑许可证", "housing": "住房援助", "taxes": "房产税",
		"help":  "需要帮助？",
		"chat":  "请通过页面底部的聊天窗口联系我们。自动助手会先回复，需要时为您转接工作人员。",
		"hours": "工作人员在周一至周五上午 8 点至下午 6 点回复。",
		"nojs":  "没有 JavaScript？请使用联系表格。", "footer": "CivicDesk 演示页面。此处不处理真实请求。",
		"langs": "语言",
	},
	"ar": {
		"title": "خدمات المدينة", "skip": "انتقل إلى المحتوى", "tagline": "خدمات لسكان المدينة",
		"intro":    "ادفع الفواتير وجدّد التصاريح واحصل على المساعدة من موظفي المدينة عبر الإنترنت.",
		"services": "الخدمات الأكثر طلبًا",
		"water":    "دفع فاتورة المياه", "vehicle": "تجديد تسجيل مركبة", "benefits": "التقدم بطلب إعانات",
		"permit": "طلب تصريح بناء", "housing": "المساعدة في السكن", "taxes": "ضرائب العقارات",
		"help":  "هل تحتاج إلى مساعدة؟",
		"chat":  "راسلنا عبر نافذة الدردشة أسفل الصفحة. يجيب مساعد آلي أولًا ثم يحوّلك إلى موظف عند الحاجة.",
		"hours": "يجيب الموظفون من الاثنين إلى الجمعة، من 8 صباحًا إلى 6 مساءً.",
		"nojs":  "لا يعمل JavaScript؟ استخدم نموذج الاتصال.", "footer": "عرض توضيحي لـ CivicDesk. لا تُعالج هنا طلبات حقيقية.",
		"langs": "اللغة",
	},
	"ht": {
		"title": "Sèvis vil la", "skip": "Ale nan kontni an", "tagline": "Sèvis pou moun ki rete nan vil la",
		"intro":    "Peye bòdwo, renouvle pèmi epi jwenn èd nan men anplwaye vil la, sou entènèt.",
		"services": "Sèvis moun plis itilize",
		"water":    "Peye bòdwo dlo", "vehicle": "Renouvle anrejistreman machin", "benefits": "Aplike pou asistans",
		"permit": "Aplike pou yon pèmi konstriksyon", "housing": "Èd pou lojman", "taxes": "Taks sou pwopriyete",
		"help":  "Ou bezwen èd?",
		"chat":  "Ekri nou nan chat la anba paj la. Yon asistan otomatik reponn anvan, epi li voye w bay yon anplwaye lè sa nesesè.",
		"hours": "Anplwaye yo reponn lendi rive vandredi, 8è di maten rive 6è di swa.",
		"nojs":  "Pa gen JavaScript? Sèvi ak fòm kontak la.", "footer": "Yon demonstrasyon CivicDesk. Pa gen vrè demann ki trete isit la.",
		"langs": "Lang",
	},
	"tl": {
		"title": "Mga serbisyo ng lungsod", "skip": "Lumaktaw sa nilalaman", "tagline": "Mga serbisyo para sa mga residente ng lungsod",
		"intro":    "Magbayad ng mga bill, mag-renew ng mga permit at humingi ng tulong sa mga kawani ng lungsod, online.",
		"services": "Mga sikat na serbisyo",
		"water":    "Magbayad ng bill sa tubig", "vehicle": "Mag-renew ng rehistro ng sasakyan", "benefits": "Mag-apply para sa benepisyo",
		"permit": "Mag-apply ng building permit", "housing": "Tulong sa pabahay", "taxes": "Buwis sa ari-arian",
		"help":  "Kailangan ng tulong?",
		"chat":  "Sumulat sa amin sa chat sa ibaba ng pahina. Isang awtomatikong assistant ang unang sasagot at ipapasa ka sa isang kawani kung kailangan.",
		"hours": "Sumasagot ang mga kawani Lunes hanggang Biyernes, 8 a.m. hanggang 6 p.m.",
		"nojs":  "Walang JavaScript? Gamitin ang contact form.", "footer": "Isang demo ng CivicDesk. Walang totoong kahilingang inaasikaso rito.",
		"langs": "Wika",
	},
}

var rtl = map[string]bool{"ar": true, "he": true, "fa": true, "ur": true}

type demoLink struct{ Lang, Name string }

var demoLangs = []demoLink{{"en", "English"}, {"es", "Español"}, {"fr", "Français"}, {"vi", "Tiếng Việt"}, {"zh", "中文"},
	{"ar", "العربية"}, {"ht", "Kreyòl"}, {"tl", "Tagalog"}}

// demoPage renders the demo agency page with <html lang> from ?lang=xx.
func (p *Pages) demoPage(c echo.Context) error {
	lang := "en"
	if q := c.QueryParam("lang"); langRe.MatchString(q) {
		lang = strings.ToLower(q)
	}
	primary, _, _ := strings.Cut(lang, "-")
	text, ok := demoText[primary]
	if !ok {
		text = demoText["en"]
	}
	dir := "ltr"
	if rtl[primary] {
		dir = "rtl"
	}
	var buf bytes.Buffer
	err := p.demo.Execute(&buf, map[string]any{"Lang": lang, "Dir": dir, "T": text, "Langs": demoLangs})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// goodColor accepts #rrggbb colours on which white text has a contrast of
// at least 4.5:1 (WCAG AA).
func goodColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	var rgb [3]float64
	for i := range 3 {
		var v int
		for _, ch := range s[1+2*i : 3+2*i] {
			v *= 16
			switch {
			case ch >= '0' && ch <= '9':
				v += int(ch - '0')
			case ch >= 'a' && ch <= 'f':
				v += int(ch-'a') + 10
			case ch >= 'A' && ch <= 'F':
				v += int(ch-'A') + 10
			default:
				return false
			}
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		rgb[i] = c
	}
	l := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	return 1.05/(l+0.05) >= 4.5
}
