package kb

import (
	"testing"
	"testing/fstest"
)

func TestDemoRetrieval(t *testing.T) {
	ix, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 28 {
		t.Fatalf("demo has %d articles, want 28", ix.Len())
	}
	cases := []struct{ q, lang, want string }{
		{"my water bill doubled, can I get a payment plan?", "en", "en/utilities/payment-plans"},
		{"they sent a shut off notice for my water", "en", "en/utilities/shutoff-notice"},
		{"how do I renew my driver's license", "en", "en/vehicles/license-renewal"},
		{"where do i upload my paystubs", "en", "en/benefits/upload-documents"},
		{"need a road closure permit for a 5K race", "en", "en/permits/event-permits"},
		{"¿cómo renuevo mi licencia de conducir?", "es", "es/vehicles/license-renewal"},
		{"no tengo calefacción y el propietario no repara", "es", "es/housing/repairs-and-inspections"},
	}
	for _, tc := range cases {
		hits := ix.Search(tc.q, tc.lang, 3)
		if len(hits) == 0 || hits[0].Article.ID != tc.want {
			got := "nothing"
			if len(hits) > 0 {
				got = hits[0].Article.ID
			}
			t.Errorf("Search(%q) top = %s, want %s", tc.q, got, tc.want)
		}
	}
	if hits := ix.Search("zzz qqq", "en", 3); len(hits) != 0 {
		t.Errorf("nonsense query matched %d articles", len(hits))
	}
}

func TestLoadRejectsBadArticles(t *testing.T) {
	for name, body := range map[string]string{
		"no front matter": "just text",
		"unclosed":        "---\ntitle: x\n",
		"missing url":     "---\ntitle: x\ndepartment: d\nlanguage: en\n---\nbody\n",
		"bad line":        "---\ntitle x\n---\nbody\n",
	} {
		fsys := fstest.MapFS{"kb/a.md": {Data: []byte(body)}}
		if _, err := Load(fsys, "kb"); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
}

func TestTermsFoldAccentsAndStopWords(t *testing.T) {
	got := Terms("¿Cómo RENUEVO mi Licéncia? The licenses!")
	want := []string{"renuevo", "licencia", "licens"}
	if len(got) != len(want) {
		t.Fatalf("Terms = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Terms = %q, want %q", got, want)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	ix, err := Demo()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ix.Search("my water bill doubled, can I get a payment plan?", "en", 3)
	}
}

func TestRenderParseRoundTripAndHolderSwaps(t *testing.T) {
	a := &Article{ID: "en/x/a", Title: "Dog licences: how to", URL: "https://city.example/dogs", Department: "permits",
		Language: "en", Summary: "Licence your dog online.", Body: "First paragraph.\n\nMore about zebrafinch licences."}
	got, err := Parse(a.ID, Render(a))
	if err != nil {
		t.Fatal(err)
	}
	if *got != *a {
		t.Fatalf("round trip = %+v, want %+v", got, a)
	}
	h := NewHolder(nil)
	if hits := h.Search("zebrafinch", "en", 3); len(hits) != 0 {
		t.Fatalf("empty holder found %d", len(hits))
	}
	h.Set(New([]*Article{got}))
	if hits := h.Search("zebrafinch", "en", 3); len(hits) != 1 || hits[0].Article.ID != a.ID {
		t.Fatalf("after Set: %+v", hits)
	}
}
