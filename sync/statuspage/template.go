package statuspage

import (
	_ "embed"
	"html/template"
)

// The page and its style sheet are part of the binary: the page works
// offline and inside a NetworkPolicy that lets nothing out.
var (
	//go:embed page.html
	pageHTML string
	//go:embed style.css
	styleSheet string

	pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
		// css passes the embedded style sheet, which the page's
		// Content-Security-Policy admits by its hash.
		"css": func(s string) template.CSS { return template.CSS(s) },
	}).Parse(pageHTML))
)
