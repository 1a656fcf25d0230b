package plutoratest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	swaggerui "github.com/swaggest/swgui/v5/static"
)

// The Swagger UI page, as the real API serves it (Swashbuckle): GET
// /swagger redirects to /swagger/ui/index, the page that reads the OpenAPI
// document at /swagger/docs/v1 and lets a user paste "bearer <token>" into
// its Authorize box and try each endpoint (docs/plutora-api.md, "Hosts and
// tokens"). The page's assets are Swagger UI's own, embedded in the binary
// (the Go module github.com/swaggest/swgui keeps them gzipped, 0.6 MB), so
// it works offline; none of it needs a token.

const (
	swaggerUIPath   = "/swagger/ui/index"
	swaggerDocsPath = "/swagger/docs/v1"
)

// swaggerPage is the page at /swagger/ui/index; its relative links resolve
// under /swagger/ui/.
const swaggerPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>%s API (plutora-sync sandbox)</title>
<link rel="stylesheet" type="text/css" href="swagger-ui.css">
<link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
<style>body { margin: 0; background: #fafafa; }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="init.js" charset="UTF-8"></script>
</body>
</html>
`

// swaggerInit starts Swagger UI on the sandbox's OpenAPI document.
const swaggerInit = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "` + swaggerDocsPath + `",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
};
`

// swaggerAssets are the files of Swagger UI the page uses, with their
// content types.
var swaggerAssets = map[string]string{
	"swagger-ui.css":       "text/css; charset=utf-8",
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"favicon-16x16.png":    "image/png",
	"favicon-32x32.png":    "image/png",
}

// swaggerFiles reads the assets once, unzipping those stored gzipped.
var swaggerFiles = sync.OnceValues(func() (map[string][]byte, error) {
	out := make(map[string][]byte, len(swaggerAssets))
	for name := range swaggerAssets {
		b, err := fs.ReadFile(swaggerui.FS, name)
		if err != nil {
			if b, err = gunzipFile(name + ".gz"); err != nil {
				return nil, fmt.Errorf("swagger ui asset %s: %w", name, err)
			}
		}
		out[name] = b
	}
	return out, nil
})

func gunzipFile(name string) ([]byte, error) {
	gz, err := fs.ReadFile(swaggerui.FS, name)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// serveSwagger answers the Swagger paths (lowercase path) and reports
// whether path was one.
func (p *Product) serveSwagger(w http.ResponseWriter, r *http.Request, now time.Time, lpath string) bool {
	var rs *resp
	switch {
	case lpath == "/swagger":
		rs = &resp{status: http.StatusFound, ctype: "text/plain; charset=utf-8", location: swaggerUIPath, body: []byte("See " + swaggerUIPath + ".\n")}
	case lpath == swaggerDocsPath, lpath == "/swagger/v1/swagger.json", lpath == "/openapi.json":
		rs = &resp{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: p.openAPI()}
	case lpath == swaggerUIPath, lpath == "/swagger/ui/index.html":
		title := "Plutora"
		if p.Name == "plutoratest" {
			title = "Plutora Test"
		}
		rs = &resp{status: http.StatusOK, ctype: "text/html; charset=utf-8", body: fmt.Appendf(nil, swaggerPage, title)}
	case lpath == "/swagger/ui/init.js":
		rs = &resp{status: http.StatusOK, ctype: "text/javascript; charset=utf-8", body: []byte(swaggerInit)}
	case strings.HasPrefix(lpath, "/swagger/ui/"):
		rs = swaggerAsset(r, strings.TrimPrefix(lpath, "/swagger/ui/"))
	default:
		return false
	}
	p.finish(w, r, now, "", rs)
	return true
}

// swaggerAsset answers one file of Swagger UI.
func swaggerAsset(r *http.Request, name string) *resp {
	ctype, ok := swaggerAssets[name]
	if !ok {
		return notFoundRoute(r)
	}
	files, err := swaggerFiles()
	if err != nil {
		return messageResp(http.StatusInternalServerError, err.Error())
	}
	return &resp{status: http.StatusOK, ctype: ctype, body: files[name]}
}
