package local

import "testing"

func TestLanguageIdentification(t *testing.T) {
	tr := triager(t)
	for _, c := range []struct{ text, want string }{
		{"my ebt card got declined at walmart today", "en"},
		{"agent", "en"},
		{"REPRESENTATIVE", "en"},
		{"ok thanks", "en"},
		{"???", "en"},
		{"", "en"},
		{"hi", "en"},
		{"y", "en"},
		{"hola", "es"},
		{"ok gracias", "es"},
		{"xq me cobraron 2 veces el property tax??", "es"},
		{"hay hongos negros en las paredes y el landlord no hace nada", "es"},
		{"quiero hablar con una persona", "es"},
		{"bonjour", "fr"},
		{"merci", "fr"},
		{"Je voudrais parler à un agent svp, ma carte EBT est bloquée", "fr"},
		{"xin chao", "vi"},
		{"cam on", "vi"},
		{"Tôi muốn sửa lại mái nhà, có cần xin giấy phép không?", "vi"},
		{"toi muon hoi ve tien SNAP, the EBT cua toi bi khoa roi", "vi"},
		{"你好", "zh"},
		{"我要人工客服", "zh"},
		{"مرحبا", "ar"},
		{"بطاقة الطعام لم تصلني بعد، متى ستصل؟", "ar"},
		{"bonjou", "ht"},
		{"Mwen bezwen èd pou peye lwaye. Mwen dèyè 2 mwa.", "ht"},
		{"Bonjou, kat EBT mwen an pa mache depi yè", "ht"},
		{"salamat po", "tl"},
		{"hello po", "tl"},
		{"Magkano po ang penalty pag late ang bayad ng property tax?", "tl"},
		{"Yung unemployment ko po hindi pa dumadating, 4 weeks na po", "tl"},
	} {
		if got := tr.Triage(c.text, "sms"); got.Language != c.want {
			t.Errorf("%q: language %s, want %s (%q)", c.text, got.Language, c.want, got.Reasons)
		}
	}
}
