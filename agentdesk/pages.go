package agentdesk

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed web
var web embed.FS

// RegisterPages serves the desk's web UI: /desk, /desk/supervisor and their
// assets under /desk/assets/.
func (d *Desk) RegisterPages(e *echo.Echo) {
	files, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	page := func(name string) echo.HandlerFunc {
		return func(c echo.Context) error {
			http.ServeFileFS(c.Response(), c.Request(), files, name)
			return nil
		}
	}
	e.GET("/desk", page("desk.html"))
	e.GET("/desk/", page("desk.html"))
	e.GET("/desk/supervisor", page("supervisor.html"))
	e.GET("/desk/assets/*", echo.WrapHandler(http.StripPrefix("/desk/assets/", http.FileServer(http.FS(files)))))
}
