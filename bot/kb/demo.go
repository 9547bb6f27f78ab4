package kb

import "embed"

//go:embed articles
var demoArticles embed.FS

// Demo returns the demo agency's knowledge base: two articles for each of
// the seven demo departments, in English and Spanish.
func Demo() (*Index, error) { return Load(demoArticles, "articles") }
