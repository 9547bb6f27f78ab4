package agentdesk

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed web
var web embed.FS

// RegisterPages serves the desk's web UI: /desk, /desk/supervisor and their
// assets under /desk/assets/. Every file carries an ETag of its content and
// Cache-Control: no-cache, so browsers revalidate cheaply and a new release
// is picked up at once.
func (d *Desk) RegisterPages(e *echo.Echo) {
	files, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	etags := map[string]string{}
	_ = fs.WalkDir(files, ".", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			if b, err := fs.ReadFile(files, p); err == nil {
				sum := sha256.Sum256(b)
				etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
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
		http.ServeFileFS(c.Response(), c.Request(), files, name)
		return nil
	}
	page := func(name string) echo.HandlerFunc {
		return func(c echo.Context) error { return serve(c, name) }
	}
	e.GET("/desk", page("desk.html"))
	e.GET("/desk/", page("desk.html"))
	e.GET("/desk/supervisor", page("supervisor.html"))
	e.GET("/desk/admin", page("admin.html"))
	e.GET("/desk/assets/*", func(c echo.Context) error {
		name := path.Clean(c.Param("*"))
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".html") {
			return echo.ErrNotFound
		}
		return serve(c, name)
	})
}
