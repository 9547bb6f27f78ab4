package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a word, a number or a punctuation mark of a text.
type token struct {
	s, e    int    // e is before a trailing abbreviation dot
	next    int    // where the next token may start
	kind    byte   // 'w' word, 'n' number, 'p' anything else, 0 at the end
	word    string // lower case, for lookups
	upper   bool   // a word that starts with a capital
	ordinal bool   // a number such as 23rd
	digits  int
}

// nextToken reads the token at or after i, skipping spaces and tabs (not
// line breaks).
func nextToken(t string, i int) token {
	for i < len(t) && (t[i] == ' ' || t[i] == '\t') {
		i++
	}
	if i < len(t) && strings.HasPrefix(t[i:], "\u00a0") {
		i += len("\u00a0")
	}
	if i >= len(t) {
		return token{s: i, e: i, next: i}
	}
	r, n := utf8.DecodeRuneInString(t[i:])
	switch {
	case isDigit(r):
		tk := token{s: i, kind: 'n'}
		j := i
		for j < len(t) {
			r, n := utf8.DecodeRuneInString(t[j:])
			if !isDigit(r) {
				break
			}
			tk.digits++
			j += n
		}
		if j+1 < len(t) && t[j] == '-' { // 12-14
			if r, _ := utf8.DecodeRuneInString(t[j+1:]); isDigit(r) {
				j++
				for j < len(t) {
					r, n := utf8.DecodeRuneInString(t[j:])
					if !isDigit(r) {
						break
					}
					tk.digits++
					j += n
				}
			}
		}
		k := j // a letter suffix: 4B, 23rd
		for k < len(t) && k-j < 4 && (t[k] >= 'a' && t[k] <= 'z' || t[k] >= 'A' && t[k] <= 'Z') {
			k++
		}
		if r, _ := utf8.DecodeRuneInString(t[k:]); k < len(t) && isLetter(r) {
			k = j // part of a word: not a suffix
		}
		switch strings.ToLower(t[j:k]) {
		case "st", "nd", "rd", "th":
			tk.ordinal = true
			j = k
		case "":
		default:
			if k-j <= 1 {
				j = k
			}
		}
		tk.e, tk.next = j, j
		return tk
	case isLetter(r) || unicode.IsMark(r):
		tk := token{s: i, kind: 'w', upper: unicode.IsUpper(r)}
		j := i
		for j < len(t) {
			r, n := utf8.DecodeRuneInString(t[j:])
			if isLetter(r) || unicode.IsMark(r) {
				j += n
				continue
			}
			if r == '\'' || r == '’' || r == '-' {
				if q, _ := utf8.DecodeRuneInString(t[j+n:]); isLetter(q) {
					j += n
					continue
				}
				if j > i && (r == '\'' || r == '’') && j+n-i <= 3 { // d', l'
					j += n
				}
				break
			}
			if r == '/' && j-i == 1 && (t[i] == 'c' || t[i] == 'C') { // C/ Mayor
				j += n
			}
			break
		}
		tk.e, tk.next = j, j
		tk.word = strings.ToLower(t[i:j])
		if j < len(t) && t[j] == '.' {
			tk.next = j + 1
		}
		return tk
	default:
		return token{s: i, e: i + n, next: i + n, kind: 'p'}
	}
}

func (d *detector) addresses() {
	t := d.text
	// A house number first: "1447 Orchard Ln", "12 rue de la Paix".
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		if !isDigit(r) {
			i += n
			continue
		}
		if d.houseNumberAt(i) {
			if e, ok := d.streetFromNumber(i); ok {
				d.add(i, e, KindAddress, prioAddress)
				i = e
				continue
			}
		}
		for i < len(t) { // past this number
			r, n := utf8.DecodeRuneInString(t[i:])
			if !isDigit(r) {
				break
			}
			i += n
		}
	}
	// The street type first: "Calle Mayor 12", "Ri Kapwa #45".
	for _, c := range d.list(cueStreet) {
		if e, ok := d.streetFromType(c); ok {
			d.add(c.start, e, KindAddress, prioAddress)
		}
	}
	for _, c := range d.list(cuePOBox) {
		p := c.end
		tk := nextToken(t, p)
		if tk.kind == 'p' && (t[tk.s] == '#' || t[tk.s] == ':') {
			tk = nextToken(t, tk.next)
		}
		if tk.kind == 'n' && tk.digits <= 7 {
			d.add(c.start, d.extendAddress(tk.e), KindAddress, prioAddress)
		}
	}
	for _, c := range d.list(cueBlock) {
		tk := nextToken(t, c.end)
		if tk.kind != 'n' || tk.digits > 4 {
			continue
		}
		lot := nextToken(t, tk.next)
		if lot.kind == 'p' && t[lot.s] == ',' {
			lot = nextToken(t, lot.next)
		}
		if lot.word != "lot" && lot.word != "lt" {
			continue
		}
		if num := nextToken(t, lot.next); num.kind == 'n' && num.digits <= 4 {
			d.add(c.start, d.extendAddress(num.e), KindAddress, prioAddress)
		}
	}
	// 北京市朝阳区建国路88号1号楼1201室
	for _, nm := range d.nums {
		p := nm.pos
		for p > 0 && (t[p-1] == ' ' || t[p-1] == '\t') {
			p--
		}
		r, n := utf8.DecodeLastRuneInString(t[:p])
		if !strings.ContainsRune("路街道巷弄同", r) {
			continue
		}
		m := reZHNum.FindStringIndex(d.window(nm.pos, 96))
		if m == nil {
			continue
		}
		s := p - n
		for k := 0; k < 12 && s > 0; k++ { // the place names before
			r, n := utf8.DecodeLastRuneInString(t[:s])
			if !unicode.Is(unicode.Han, r) {
				break
			}
			s -= n
		}
		for s < p { // not "我住在", "地址："
			r, n := utf8.DecodeRuneInString(t[s:])
			if !strings.ContainsRune("我你他她们們住在于於是的家地址现現目前", r) {
				break
			}
			s += n
		}
		d.add(s, nm.pos+m[1], KindAddress, prioAddress)
	}
}

// houseNumberAt reports whether a number at i may be a house number: not
// an amount, not inside another number.
func (d *detector) houseNumberAt(i int) bool {
	if i == 0 {
		return true
	}
	t := d.text
	r, n := utf8.DecodeLastRuneInString(t[:i])
	if isDigit(r) || isLetter(r) || strings.ContainsRune("$€£¥₫/", r) {
		return false
	}
	if r == '-' || r == '.' || r == ',' || r == ':' {
		if p, _ := utf8.DecodeLastRuneInString(t[:i-n]); isDigit(p) {
			return false
		}
	}
	return true
}

// streetFromNumber reads a street address that starts with the house
// number at i, and returns its end.
func (d *detector) streetFromNumber(i int) (int, bool) {
	t := d.text
	num := nextToken(t, i)
	if num.kind != 'n' || num.ordinal || num.digits > 6 {
		return 0, false
	}
	tk := nextToken(t, num.next)
	if tk.word == "bis" || tk.word == "ter" {
		tk = nextToken(t, tk.next)
	}
	if tk.kind == 'p' && t[tk.s] == ',' {
		tk = nextToken(t, tk.next)
	}
	if tk.kind != 'w' {
		return 0, false
	}
	if streetTypes[tk.word] { // 12 rue de la Paix
		if end, _, ok := d.streetName(tk.next, 5); ok {
			return d.extendAddress(end), true
		}
		return 0, false
	}
	// 1447 Orchard Ln, 45 W 23rd St NW, 3310 Walnut Apt 4B
	capitals := true
	for k := 0; k < 6; k++ {
		if tk.kind != 'w' && !(tk.kind == 'n' && tk.ordinal) {
			return 0, false
		}
		if k > 0 && streetSuffixes[tk.word] {
			end := tk.e
			if dir := nextToken(t, tk.next); dir.kind == 'w' && directions[dir.word] && dir.upper {
				end = dir.e
			}
			return d.extendAddress(end), true
		}
		if stopWords[tk.word] && !directions[tk.word] {
			return 0, false
		}
		capitals = capitals && (tk.upper || tk.kind == 'n')
		if capitals {
			if e, ok := d.unit(tk.next); ok {
				return d.extendAddress(e), true
			}
		}
		tk = nextToken(t, tk.next)
	}
	return 0, false
}

// streetName reads up to max words of a street name from i. It returns
// the end of the last name word and where the text goes on after it.
func (d *detector) streetName(i, max int) (end, next int, ok bool) {
	t := d.text
	names := 0
	for k := 0; k < max; k++ {
		tk := nextToken(t, i)
		if tk.kind != 'w' && !(tk.kind == 'n' && tk.ordinal) {
			break
		}
		if nameConnectors[tk.word] {
			i = tk.next
			continue
		}
		if stopWords[tk.word] {
			break
		}
		names++
		end, next, i = tk.e, tk.next, tk.next
	}
	return end, next, names > 0
}

// streetFromType reads "Calle Mayor 12", "Av. Juárez #45", "Calle 5 #23-45",
// "شارع الملك فهد رقم 12": a street type, a name, and the house number.
func (d *detector) streetFromType(c span) (int, bool) {
	t := d.text
	if c.start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(t[:c.start]); isDigit(r) {
			return 0, false
		}
	}
	p := c.end
	if p < len(t) && t[p] == '.' {
		p++
	}
	_, next, ok := d.streetName(p, 5)
	if ok {
		p = next
	} else if tk := nextToken(t, p); tk.kind == 'n' && tk.digits <= 3 { // Calle 5 #23-45
		p = tk.next
		if m := nextToken(t, p); m.kind != 'p' || t[m.s] != '#' {
			return 0, false
		}
	} else {
		return 0, false
	}
	tk := nextToken(t, p)
	if tk.kind == 'p' && t[tk.s] == ',' {
		tk = nextToken(t, tk.next)
	}
	if tk.kind == 'p' && t[tk.s] == '#' || tk.kind == 'w' && houseNumberWords[tk.word] {
		tk = nextToken(t, tk.next)
	}
	if tk.kind != 'n' || tk.ordinal || tk.digits > 6 {
		return 0, false
	}
	if r, _ := utf8.DecodeRuneInString(t[tk.e:]); tk.e < len(t) && isDigit(r) {
		return 0, false
	}
	return d.extendAddress(tk.e), true
}

var houseNumberWords = set("no", "nº", "n°", "núm", "num", "número", "numero", "numéro", "số", "رقم", "nimewo")

// extendAddress takes in the apartment or unit, and the city, state and
// ZIP code, that follow an address ending at e.
func (d *detector) extendAddress(e int) int {
	t := d.text
	for k := 0; k < 2; k++ {
		u, ok := d.unit(e)
		if !ok {
			break
		}
		e = u
	}
	tk := nextToken(t, e)
	if tk.kind == 'p' && t[tk.s] == ',' {
		tk = nextToken(t, tk.next)
	}
	switch {
	case tk.kind == 'w' && tk.upper:
		if m := reCityZip.FindStringIndex(d.window(e, 80)); m != nil {
			e += m[1]
		}
	case tk.kind == 'n' && tk.digits == 5:
		if m := reFRPost.FindStringIndex(d.window(e, 48)); m != nil {
			e += m[1]
		}
	}
	return e
}

// unit reads an apartment, suite, floor, … that follows at e: "Apt 4B",
// ", piso 3", " #12".
func (d *detector) unit(e int) (int, bool) {
	t := d.text
	p := e
	for p < len(t) && (t[p] == ' ' || t[p] == '\t' || t[p] == ',' || t[p] == '\n' || t[p] == '\r') {
		p++
	}
	tk := nextToken(t, p)
	if !(tk.kind == 'p' && t[tk.s] == '#' || tk.kind == 'w' && unitWords[tk.word]) {
		return 0, false
	}
	if m := reUnit.FindStringIndex(d.window(e, 64)); m != nil {
		return e + m[1], true
	}
	return 0, false
}

var unitWords = set("apartment", "apartamento", "appartement", "apatman", "apto", "apt", "appt", "app", "unit",
	"suite", "ste", "room", "rm", "floor", "fl", "departamento", "depto", "dpto", "piso", "interior", "int",
	"bâtiment", "batiment", "bât", "bat", "étage", "etage", "phòng", "căn", "bldg", "building", "lot")
