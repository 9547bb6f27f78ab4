package widget

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// Config of the widget pages. Zero values take the demo's defaults.
type Config struct {
	// AgencyName is shown in the widget's title bar ("City services").
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
	if cfg.AgencyName == "" {
		cfg.AgencyName = "City services"
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
func (p *Pages) Register(e *echo.Echo) {
	fileServer := http.StripPrefix("/widget/", http.FileServer(http.FS(p.files)))
	e.GET("/", p.demoPage)
	e.GET("/widget.js", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(c.Response(), c.Request(), p.files, "widget.js")
		return nil
	})
	e.GET("/widget/config.json", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		c.Response().Header().Set("Access-Control-Allow-Origin", "*")
		return c.Blob(http.StatusOK, "application/json", p.config)
	})
	e.GET("/widget/*", func(c echo.Context) error {
		name := c.Param("*")
		if strings.HasSuffix(name, ".tmpl") || name == "" || strings.HasSuffix(name, "/") {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "no-cache")
		// Host sites on other origins load the widget's module and styles.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	})
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
		"chat":  "Escríbanos en el chat al pie de la página. Primero responde un asistente automático, que le pasa con un trabajador social cuando hace falta.",
		"hours": "El personal responde de lunes a viernes, de 8 a 18 h.",
		"nojs":  "¿Sin JavaScript? Use el formulario de contacto.", "footer": "Una demostración de CivicDesk. Aquí no se tramitan solicitudes reales.",
		"langs": "Idioma",
	},
}

var rtl = map[string]bool{"ar": true, "he": true, "fa": true, "ur": true}

type demoLink struct{ Lang, Name string }

var demoLangs = []demoLink{{"en", "English"}, {"es", "Español"}}

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
	err := p.demo.Execute(&buf, map[string]any{"Lang": lang, "Dir": dir, "T": text, "Langs": demoLangs, "Agency": p.cfg.AgencyName})
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
