package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// want is one expected finding: its kind and the exact text it covers.
type want struct{ kind, text string }

func check(t *testing.T, in string, wants []want, wantOut string) {
	t.Helper()
	out, found := Redact(in)
	var got []want
	for _, f := range found {
		got = append(got, want{f.Kind, in[f.Start:f.End]})
	}
	if len(got) != len(wants) {
		t.Errorf("Redact(%q)\n got  %q\n want %q\n out %q", in, got, wants, out)
		return
	}
	for i := range wants {
		if got[i] != wants[i] {
			t.Errorf("Redact(%q): finding %d = %q, want %q (out %q)", in, i, got[i], wants[i], out)
		}
	}
	if wantOut != "" && out != wantOut {
		t.Errorf("Redact(%q)\n = %q\n want %q", in, out, wantOut)
	}
}

func TestRedactEnglish(t *testing.T) {
	cases := []struct {
		in    string
		wants []want
		out   string
	}{
		{"My SSN is 123-45-6789, please check my benefits",
			[]want{{KindSSN, "123-45-6789"}}, "My SSN is [SSN], please check my benefits"},
		{"social security number 123456789",
			[]want{{KindSSN, "123456789"}}, ""},
		{"it's 078 05 1120 on the form", []want{{KindSSN, "078 05 1120"}}, ""},
		// A 9xx area is no SSN without a cue, unless it is an ITIN…
		{"code 912-44-0781 and ITIN-like 912-70-1234", []want{{KindSSN, "912-70-1234"}}, ""},
		// …but with a cue in the sentence it is masked whatever it is.
		{"The form asks for my SSN and my childrens. Mine is 912-44-0781.",
			[]want{{KindSSN, "912-44-0781"}}, "The form asks for my SSN and my childrens. Mine is [SSN]."},
		{"card 4111 1111 1111 1111 exp 12/27", []want{{KindCard, "4111 1111 1111 1111"}}, "card [CARD] exp 12/27"},
		{"paid with 5500-0000-0000-0004 and 4111111111111111",
			[]want{{KindCard, "5500-0000-0000-0004"}, {KindCard, "4111111111111111"}}, ""},
		{"amex 3782 822463 10005.", []want{{KindCard, "3782 822463 10005"}}, ""},
		{"call me at (555) 123-4567 ext. 204 tonight",
			[]want{{KindPhone, "(555) 123-4567 ext. 204"}}, "call me at [PHONE] tonight"},
		{"555.019.4472 or +1 415-555-0100", []want{{KindPhone, "555.019.4472"}, {KindPhone, "+1 415-555-0100"}}, ""},
		{"my cell is 5550194472", []want{{KindPhone, "5550194472"}}, ""},
		{"write to Jane.Doe+city@mail.example.org.", []want{{KindEmail, "Jane.Doe+city@mail.example.org"}},
			"write to [EMAIL]."},
		{"DOB 04/11/1951, application #PH-0098123",
			[]want{{KindDOB, "04/11/1951"}, {KindCaseNumber, "#PH-0098123"}}, "DOB [DOB], application [CASE]"},
		{"I was born on March 3, 1985 in Haiti", []want{{KindDOB, "March 3, 1985"}}, ""},
		{"date of birth: 1985-03-15", []want{{KindDOB, "1985-03-15"}}, ""},
		{"3/15/1985 is my birthday", []want{{KindDOB, "3/15/1985"}}, ""},
		{"tax bill for 1447 Orchard Ln still shows the full amount",
			[]want{{KindAddress, "1447 Orchard Ln"}}, "tax bill for [ADDRESS] still shows the full amount"},
		{"I'm a tenant at 3310 Walnut Apt 4B. The ceiling", []want{{KindAddress, "3310 Walnut Apt 4B"}}, ""},
		{"1600 Pennsylvania Avenue NW, Washington, DC 20500 is the address",
			[]want{{KindAddress, "1600 Pennsylvania Avenue NW, Washington, DC 20500"}}, ""},
		{"mail goes to P.O. Box 4521, Springfield IL 62704",
			[]want{{KindAddress, "P.O. Box 4521, Springfield IL 62704"}}, ""},
		{"45 W 23rd St #4 has no heat", []want{{KindAddress, "45 W 23rd St #4"}}, ""},
		{"Case number MA-20418837. Thanks", []want{{KindCaseNumber, "MA-20418837"}}, "Case number [CASE]. Thanks"},
		{"snap case 5520917, acct 7720-1193, claim # UI-448120",
			[]want{{KindCaseNumber, "5520917"}, {KindCaseNumber, "7720-1193"}, {KindCaseNumber, "UI-448120"}}, ""},
		{"(Lic. #GC-118274) and Plate 8KTM442", []want{{KindCaseNumber, "#GC-118274"}, {KindCaseNumber, "8KTM442"}}, ""},
		{"case #2024 and claim number 2024", []want{{KindCaseNumber, "#2024"}, {KindCaseNumber, "2024"}}, ""},
		{"Account number 1234 5678 9012 3456 is closed", []want{{KindCaseNumber, "1234 5678 9012 3456"}}, ""},
		{"my Medicare number is 1EG4-TE5-MK73", []want{{KindCaseNumber, "1EG4-TE5-MK73"}}, ""},
	}
	for _, c := range cases {
		check(t, c.in, c.wants, c.out)
	}
}

func TestRedactLanguages(t *testing.T) {
	cases := []struct {
		lang, in string
		wants    []want
		out      string
	}{
		{"es", "Mi número de seguro social es 123-45-6789, nací el 15 de marzo de 1985 y vivo en Calle Mayor 12, piso 3. Mi teléfono: 55 1234 5678. Expediente 2024/000123.",
			[]want{{KindSSN, "123-45-6789"}, {KindDOB, "15 de marzo de 1985"}, {KindAddress, "Calle Mayor 12, piso 3"},
				{KindPhone, "55 1234 5678"}, {KindCaseNumber, "2024/000123"}},
			"Mi número de seguro social es [SSN], nací el [DOB] y vivo en [ADDRESS]. Mi teléfono: [PHONE]. Expediente [CASE]."},
		{"es", "Mi número de reclamo es UI-448120. Dirección: 2201 Calle Rosales. Mi tel es 555-013-8842.",
			[]want{{KindCaseNumber, "UI-448120"}, {KindAddress, "2201 Calle Rosales"}, {KindPhone, "555-013-8842"}}, ""},
		{"es", "fecha de nacimiento 03/07/1990, correo maria.lopez@correo.mx",
			[]want{{KindDOB, "03/07/1990"}, {KindEmail, "maria.lopez@correo.mx"}}, ""},
		{"fr", "Né le 15/03/1985, j'habite au 12 rue de la Paix, 75002 Paris. Numéro de dossier : AB-2024-00123. Tél : 06 12 34 56 78.",
			[]want{{KindDOB, "15/03/1985"}, {KindAddress, "12 rue de la Paix, 75002 Paris"},
				{KindCaseNumber, "AB-2024-00123"}, {KindPhone, "06 12 34 56 78"}},
			"Né le [DOB], j'habite au [ADDRESS]. Numéro de dossier : [CASE]. Tél : [PHONE]."},
		{"fr", "Pouvez-vous vérifier mon dossier? Numéro 3391027. Date de naissance : 2 avril 1960",
			[]want{{KindCaseNumber, "3391027"}, {KindDOB, "2 avril 1960"}}, ""},
		{"vi", "Tôi sinh ngày 15/03/1985, địa chỉ 123 đường Lê Lợi, Quận 1. Số điện thoại 0901234567. Số hồ sơ là 2024-55512.",
			[]want{{KindDOB, "15/03/1985"}, {KindAddress, "123 đường Lê Lợi"}, {KindPhone, "0901234567"},
				{KindCaseNumber, "2024-55512"}},
			"Tôi sinh ngày [DOB], địa chỉ [ADDRESS], Quận 1. Số điện thoại [PHONE]. Số hồ sơ là [CASE]."},
		{"vi", "ngày sinh: ngày 5 tháng 6 năm 1972", []want{{KindDOB, "5 tháng 6 năm 1972"}}, ""},
		{"zh", "我的出生日期是1985年3月15日，住在北京市朝阳区建国路88号1号楼1201室，电话13800138000，案件编号：2024-00123。",
			[]want{{KindDOB, "1985年3月15日"}, {KindAddress, "北京市朝阳区建国路88号1号楼1201室"}, {KindPhone, "13800138000"},
				{KindCaseNumber, "2024-00123"}},
			"我的出生日期是[DOB]，住在[ADDRESS]，电话[PHONE]，案件编号：[CASE]。"},
		{"zh", "我1990年7月1日出生，手机 138 0013 8000", []want{{KindDOB, "1990年7月1日"}, {KindPhone, "138 0013 8000"}}, ""},
		{"ar", "تاريخ الميلاد: 15/03/1985، العنوان: شارع الملك فهد 12، هاتفي 0501234567، رقم القضية ١٢٣٤٥٦",
			[]want{{KindDOB, "15/03/1985"}, {KindAddress, "شارع الملك فهد 12"}, {KindPhone, "0501234567"},
				{KindCaseNumber, "١٢٣٤٥٦"}},
			"تاريخ الميلاد: [DOB]، العنوان: [ADDRESS]، هاتفي [PHONE]، رقم القضية [CASE]"},
		{"ar", "رقم الضمان الاجتماعي ١٢٣-٤٥-٦٧٨٩", []want{{KindSSN, "١٢٣-٤٥-٦٧٨٩"}}, ""},
		{"ht", "Dat nesans mwen se 15 mas 1985. Mwen rete 45 Ri Kapwa, Pòtoprens. Rele m nan 509 3456 7890. Nimewo dosye mwen se HT-88213.",
			[]want{{KindDOB, "15 mas 1985"}, {KindAddress, "45 Ri Kapwa"}, {KindPhone, "509 3456 7890"},
				{KindCaseNumber, "HT-88213"}},
			"Dat nesans mwen se [DOB]. Mwen rete [ADDRESS], Pòtoprens. Rele m nan [PHONE]. Nimewo dosye mwen se [CASE]."},
		{"tl", "Ipinanganak ako noong Marso 15, 1985. Nakatira ako sa 123 Rizal St., Brgy. San Antonio. Numero ko 0917 123 4567. Numero ng kaso: PH-2024-7781.",
			[]want{{KindDOB, "Marso 15, 1985"}, {KindAddress, "123 Rizal St"}, {KindPhone, "0917 123 4567"},
				{KindCaseNumber, "PH-2024-7781"}}, ""},
		{"tl", "Blk 5 Lot 12 Phase 2, Brgy San Isidro", []want{{KindAddress, "Blk 5 Lot 12"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) { check(t, c.in, c.wants, c.out) })
	}
}

// TestNotPII lists text that looks a little like personal data and must
// be left alone: amounts, years, dates without a cue, ZIP codes, invoice
// and order numbers, counts before a street name.
func TestNotPII(t *testing.T) {
	for _, in := range []string{
		"I owe $1,200.50 and they want $1,800 up front",
		"my refund is $300 less than what turbotax said",
		"I applied in 2021 and never heard back, still waiting since 2019",
		"on 03/15/2024 I paid, and again 2024-04-01 and 15.05.2024",
		"my appointment is March 3, 2025 at 10:30",
		"zip 94107, ZIP+4 94107-1234",
		"Invoice 5551234567 and invoice # 555-123-4567",
		"order 123456789, tracking 1Z999AA10123456784, receipt# 4471902",
		"factura 2024113456, facture n° 555 123 4567",
		"We have 3 kids in 2 rooms, waited 45 minutes on Grand Ave, 12 people on Main St",
		"Paid 3 times at the store. Call 2 times Dr Smith",
		"got a letter saying i owe 1,244 and i dont get it",
		"my account balance is 1234, case from 2019, application 2024",
		"Bad card 4111 1111 1111 1112 does not pass Luhn",
		"666-12-3456 and 000-12-3456 and 123-00-4567 are not SSNs",
		"not emails: a@b, x@y.z1, @home",
		"the water is 2 feet deep at 5 pm",
		"SSN ending 4417",
		"VIN 2HGFB2F50EH512734, 2014 Honda Civic",
		"calle principal y tengo 3 hijos",
		"Mwen dèyè 2 mwa. may 2 anak po ako. 4 weeks na po",
		"il fait -10 dehors, bébé de 6 mois",
		"我有3个孩子，住了5年",
		"لدي 3 أطفال منذ 2019",
	} {
		if out, found := Redact(in); len(found) != 0 || out != in {
			var got []string
			for _, f := range found {
				got = append(got, f.Kind+":"+in[f.Start:f.End])
			}
			t.Errorf("Redact(%q) = %q, found %q; want nothing", in, out, got)
		}
	}
}

// TestEveryOccurrence: once the digits of an SSN or a card are known,
// every other writing of them goes too.
func TestEveryOccurrence(t *testing.T) {
	in := "SSN 123-45-6789, again 123 45 6789, typo x123456789y, in Arabic ١٢٣٤٥٦٧٨٩, card 4111-1111-1111-1111 = 4111111111111111"
	out, _ := Redact(in)
	for _, leak := range []string{"6789", "٦٧٨٩", "1111"} {
		if strings.Contains(out, leak) {
			t.Errorf("Redact left %q in %q", leak, out)
		}
	}
}

func TestFindingsOrderedAndDisjoint(t *testing.T) {
	in := "Call 555-123-4567 re case 5520917 at 12 Main St; DOB 1/2/1980; SSN 123-45-6789; jo@x.org"
	_, found := Redact(in)
	if len(found) != 6 {
		t.Fatalf("found %v", found)
	}
	for i, f := range found {
		if f.Start < 0 || f.End > len(in) || f.Start >= f.End {
			t.Errorf("bad span %+v", f)
		}
		if i > 0 && found[i-1].End > f.Start {
			t.Errorf("overlap %+v %+v", found[i-1], f)
		}
	}
}

func TestNoDigitsNoWork(t *testing.T) {
	in := "quiero hablar con una persona sobre mi licencia de conducir"
	if out, found := Redact(in); out != in || found != nil {
		t.Fatal("changed text without digits")
	}
	if n := testing.AllocsPerRun(100, func() { Redact(in) }); n != 0 {
		t.Errorf("allocs = %v, want 0", n)
	}
}

func TestPlaceholder(t *testing.T) {
	for kind, want := range map[string]string{KindSSN: "[SSN]", KindCard: "[CARD]", KindPhone: "[PHONE]",
		KindEmail: "[EMAIL]", KindDOB: "[DOB]", KindAddress: "[ADDRESS]", KindCaseNumber: "[CASE]", "x": "[REDACTED]"} {
		if got := Placeholder(kind); got != want {
			t.Errorf("Placeholder(%q) = %q", kind, got)
		}
	}
}

func TestLuhn(t *testing.T) {
	for ds, want := range map[string]bool{"4111111111111111": true, "4111111111111112": false,
		"378282246310005": true, "79927398713": true, "79927398710": false} {
		if luhn([]byte(ds)) != want {
			t.Errorf("luhn(%s) != %v", ds, want)
		}
	}
}

var seeds = []string{
	"My SSN is 123-45-6789 and card 4111 1111 1111 1111",
	"call (555) 123-4567 x12 or +33 1 23 45 67 89, jane@example.org",
	"DOB 04/11/1951, 1447 Orchard Ln Apt 4B, Springfield, IL 62704",
	"nací el 15 de marzo de 1985, Calle Mayor 12; expediente 2024/000123",
	"我的出生日期是1985年3月15日，住在北京市朝阳区建国路88号",
	"تاريخ الميلاد: ١٥/٠٣/١٩٨٥ رقم الضمان الاجتماعي ١٢٣-٤٥-٦٧٨٩",
	"123456789 1234567890123 4111-1111-1111-1111-1111 ss# 9",
	"case #  no. number id : 12 rue de la 5 #23-45 calle",
	"\xff\xfe123-45-6789\x00",
}

// FuzzRedact: Redact never panics, its findings are ordered, disjoint and
// inside the text, the output is the text with each finding replaced, and
// the digits of an SSN or card it found are nowhere in the output.
func FuzzRedact(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, found := Redact(in)
		var b strings.Builder
		last := 0
		for _, fd := range found {
			if fd.Start < last || fd.End <= fd.Start || fd.End > len(in) {
				t.Fatalf("bad finding %+v after %d in %q", fd, last, in)
			}
			b.WriteString(in[last:fd.Start])
			b.WriteString(Placeholder(fd.Kind))
			last = fd.End
		}
		b.WriteString(in[last:])
		if b.String() != out {
			t.Fatalf("output %q is not the text with findings replaced (%q)", out, b.String())
		}
		for _, fd := range found {
			if fd.Kind != KindSSN && fd.Kind != KindCard {
				continue
			}
			raw := in[fd.Start:fd.End]
			if strings.Contains(out, raw) {
				t.Fatalf("%s %q still in output %q", fd.Kind, raw, out)
			}
			if ds := string(asciiDigits(raw)); len(ds) >= 9 && strings.Contains(out, ds) {
				t.Fatalf("digits %s of %s %q still in output %q", ds, fd.Kind, raw, out)
			}
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("valid input %q gave invalid output %q", in, out)
		}
	})
}

// sample is a realistic message with a bit of everything.
const sample = `Hello,
I applied for cash assistance about 45 days ago (application # CA-7731902) and the status still says pending.
My mother (Ana Ruiz, DOB 04/11/1951) moved in with me at 1447 Orchard Ln Apt 4B, Springfield, IL 62704.
Her SSN is 123-45-6789. You can reach me at (555) 014-2290 or ana.ruiz@example.com. I owe $1,200.50 since 2021.
Thank you`

// plain is a typical message with a few numbers and no personal data.
const plain = `my water bill for january was $612, usually around $70. it's just me and my wife since 2019, I think the meter is wrong, can I get a payment plan?`

func BenchmarkRedact(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"pii", sample},
		{"numbers", plain},
		{"words", "quiero hablar con alguien sobre mi licencia de conducir, por favor"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				Redact(bc.text)
			}
		})
	}
}
