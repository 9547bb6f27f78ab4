package pii

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// digitRanges are the digits Redact reads, for use inside a character
// class: ASCII, Arabic-Indic, Extended Arabic-Indic and fullwidth.
const digitRanges = `0-9\x{0660}-\x{0669}\x{06F0}-\x{06F9}\x{FF10}-\x{FF19}`

// rx compiles p, in which \d stands for a digit in any of those scripts
// and {DR} for their ranges inside a character class.
func rx(p string) *regexp.Regexp {
	p = strings.ReplaceAll(p, `\d`, "["+digitRanges+"]")
	p = strings.ReplaceAll(p, "{DR}", digitRanges)
	return regexp.MustCompile(p)
}

// The patterns are anchored: they are tried only where a number (or an
// "@", or a cue) is, never slid along the whole text.
var (
	reEmail = rx(`^[\p{L}\p{N}._%+\-]+[@＠][\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)

	reSSN        = rx(`^\d{3}([\-. ]?)\d{2}([\-. ]?)\d{4}`)
	reCardGroups = rx(`^\d{4}(?:[ \-]\d{2,6}){2,5}`)

	// Phones: North American formatted, international with "+", French
	// and Chinese mobile formats, and any 7 to 15 digit number after a
	// phone cue.
	reNANP     = rx(`^(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}`)
	reIntl     = rx(`^\+\d{1,4}(?:[ .\-]?\(?\d{1,6}\)?){1,7}`)
	reFRPhone  = rx(`^0[1-9](?:[ .\-]\d{2}){4}`)
	reCNMobile = rx(`^1[3-9]\d[ \-]\d{4}[ \-]\d{4}`)
	reNumChunk = rx(`^[+(]?\d(?:[ .\-()]{0,2}\d){6,14}`)
	reExt      = rx(`(?i)^[ \t]*,?[ \t]*(?:extension|extensión|extn|ext|poste|anexo|x)\.?[ \t]*\d{1,6}`)

	reNumDate = rx(`^(?:\d{4}[ \t]*[年/.\-][ \t]*\d{1,2}[ \t]*[月/.\-][ \t]*\d{1,2}[ \t]*[日号號]?` +
		`|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})` +
		`|\d{1,2}[ \t]+(?:tháng|Tháng|THÁNG)[ \t]+\d{1,2}(?:[ \t]*,?[ \t]*(?:năm[ \t]+)?\d{4})?` +
		`|\d{8})`)

	reCaseID    = rx(`^(?:[A-Za-z]{1,6}[\-/]?)?\d[{DR}A-Za-z\-/]{0,30}(?: \d{3,6}){0,4}`)
	reDateID    = rx(`^\d{1,2}[/\-]\d{1,2}(?:[/\-]\d{2,4})?$`)
	reNANPExact = rx(`^\d{3}-\d{3}-\d{4}$`)

	reUnit    = rx(`(?i)^[ \t]*,?\s*(?:apartment|apartamento|appartement|apatman|apto|apt|appt|app|unit|suite|ste|room|rm|floor|fl|departamento|depto|dpto|piso|interior|int|bâtiment|batiment|bât|bat|étage|etage|phòng|căn hộ|bldg|building|lot|#)\.?[ \t]*(?:no\.?|#|n[º°])?[ \t]*(?:[A-Za-z]?\d{1,5}[A-Za-z]?(?:-\d{1,4})?|[A-Za-z]\b)`)
	reCityZip = rx(`^,?[ \t]*(?:\p{Lu}[\p{L}'.\-]*[ \t]+){0,2}\p{Lu}[\p{L}'.\-]*,?[ \t]+[A-Z]{2}\.?[ \t]+\d{5}(?:-\d{4})?`)
	reFRPost  = rx(`^,?[ \t]*\d{5}[ \t]+\p{Lu}[\p{L}'\-]+`)
	reZHNum   = rx(`^\d{1,5}[ \t]*[号號](?:[ \t]*\d{1,4}[ \t]*(?:号楼|號樓|栋|棟|幢|座))?(?:[ \t]*\d{1,4}[ \t]*(?:单元|單元))?(?:[ \t]*\d{1,5}[ \t]*(?:室|房|号房))?`)
)

// detector collects candidate findings in one text.
type detector struct {
	text  string
	cands []cand
	cue   [nCueKinds][]span
	nums  []num
}

// num is where a run of digits starts in the text: pos is its first
// digit, lead the position of a "(" or "+" just before it (else pos), run
// its number of digits and first the value of its first digit.
type num struct {
	pos, lead, run int
	first          byte
}

// numbers finds the runs of digits of the text.
func (d *detector) numbers() {
	t := d.text
	prev := rune(-1)
	for i := 0; i < len(t); {
		if c := t[i]; c < utf8.RuneSelf && (c < '0' || c > '9') {
			prev = rune(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		if v, ok := digitValue(r); ok && !isDigit(prev) {
			nm := num{pos: i, lead: i, first: byte('0' + v)}
			if prev == '(' || prev == '+' {
				nm.lead = i - 1
			}
			j := i
			for j < len(t) {
				r, n := utf8.DecodeRuneInString(t[j:])
				if !isDigit(r) {
					break
				}
				nm.run++
				j += n
			}
			d.nums = append(d.nums, nm)
			prev = '0'
			i = j
			continue
		}
		prev = r
		i += n
	}
}

// numAt returns the first run of digits that starts at or after i.
func (d *detector) numAt(i int) (num, bool) {
	lo, hi := 0, len(d.nums)
	for lo < hi {
		m := (lo + hi) / 2
		if d.nums[m].pos >= i {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo == len(d.nums) {
		return num{}, false
	}
	return d.nums[lo], true
}

// window is the text from i, at most n bytes of it.
func (d *detector) window(i, n int) string { return d.text[i:min(len(d.text), i+n)] }

func (d *detector) add(s, e int, kind string, prio int) {
	d.cands = append(d.cands, cand{start: s, end: e, kind: kind, prio: prio})
}

func (d *detector) cues() {
	d.cue = cueTrie.scan(d.text)
}

func (d *detector) list(k cueKind) []span {
	for i := 0; i < nCueKinds; i++ {
		if k == 1<<i {
			return d.cue[i]
		}
	}
	return nil
}

// before returns the end of the nearest cue of kind k that ends at most
// maxGap bytes before s, with no digit and no line break in between.
func (d *detector) before(k cueKind, s, maxGap int) (int, bool) {
	l := d.list(k)
	lo, hi := 0, len(l) // first cue ending after s
	for lo < hi {
		m := (lo + hi) / 2
		if l[m].end > s {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo == 0 {
		return 0, false
	}
	e := l[lo-1].end
	if s-e > maxGap || strings.ContainsAny(d.text[e:s], "\n") || hasDigit(d.text[e:s]) {
		return 0, false
	}
	return e, true
}

// negated reports whether the number at s follows an invoice, order, …
// cue more closely than a phone cue.
func (d *detector) negated(s int) bool {
	ne, ok := d.before(cueNeg, s, 24)
	if !ok {
		return false
	}
	pe, ok := d.before(cuePhone, s, 40)
	return !ok || ne > pe
}

func hasDigit(s string) bool {
	for _, r := range s {
		if isDigit(r) {
			return true
		}
	}
	return false
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// numBoundary reports whether text[s:e] is a whole number: no digit or
// letter touches it, nor a separator that continues it with more digits.
// A letter just before is allowed when letterOK (a cue that ends there).
func (d *detector) numBoundary(s, e int, letterOK bool) bool {
	t := d.text
	if s > 0 {
		r, n := utf8.DecodeLastRuneInString(t[:s])
		if isDigit(r) || (!letterOK && isLetter(r)) {
			return false
		}
		if r == '-' || r == '.' || r == '/' || r == ',' {
			if p, _ := utf8.DecodeLastRuneInString(t[:s-n]); isDigit(p) {
				return false
			}
		}
	}
	if e < len(t) {
		r, n := utf8.DecodeRuneInString(t[e:])
		if isDigit(r) || isLetter(r) && r < utf8.RuneSelf {
			return false
		}
		if r == '-' || r == '.' || r == '/' {
			if q, _ := utf8.DecodeRuneInString(t[e+n:]); isDigit(q) {
				return false
			}
		}
	}
	return true
}

func (d *detector) emails() {
	t := d.text
	last := 0
	for i := 0; i < len(t); i++ {
		at := 0
		switch {
		case t[i] == '@':
			at = 1
		case strings.HasPrefix(t[i:], "＠"):
			at = len("＠")
		default:
			continue
		}
		s := i // back over the local part
		for s > last && i-s < 128 {
			r, n := utf8.DecodeLastRuneInString(t[:s])
			if !(unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune("._%+-", r)) {
				break
			}
			s -= n
		}
		for s < i && strings.IndexByte(".-_%+", t[s]) >= 0 {
			s++
		}
		if s == i {
			i += at - 1
			continue
		}
		m := reEmail.FindStringIndex(t[s:min(len(t), i+256)])
		if m == nil {
			i += at - 1
			continue
		}
		e := s + m[1]
		dom := t[i+at : e]
		tld := dom[strings.LastIndexByte(dom, '.')+1:]
		if utf8.RuneCountInString(tld) >= 2 && strings.IndexFunc(tld, func(r rune) bool { return !isLetter(r) }) < 0 {
			d.add(s, e, KindEmail, prioEmail)
			last = e
			i = e - 1
		}
	}
}

// validSSN applies the SSA's rules, and lets ITINs (9xx with a group of
// 50-65, 70-88, 90-92 or 94-99) through as well.
func validSSN(ds []byte) bool {
	if len(ds) != 9 {
		return false
	}
	area, group, serial := string(ds[:3]), string(ds[3:5]), string(ds[5:])
	if area == "000" || area == "666" || group == "00" || serial == "0000" {
		return false
	}
	if ds[0] == '9' {
		g := int(ds[3]-'0')*10 + int(ds[4]-'0')
		return g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94
	}
	return true
}

func (d *detector) ssns() {
	for _, nm := range d.nums {
		if nm.run != 3 && nm.run != 9 {
			continue
		}
		m := reSSN.FindStringSubmatchIndex(d.window(nm.pos, 40))
		if m == nil {
			continue
		}
		w := d.text[nm.pos:]
		s, e := nm.pos, nm.pos+m[1]
		sep := w[m[2]:m[3]]
		if sep != w[m[4]:m[5]] {
			continue
		}
		cueEnd, cued := d.before(cueSSN, s, 48)
		if !d.numBoundary(s, e, cued && cueEnd == s) {
			continue
		}
		switch {
		case cued:
			d.add(s, e, KindSSN, prioSSN)
		case !validSSN(asciiDigits(d.text[s:e])):
		case sep != "":
			d.add(s, e, KindSSN, prioSSN)
		case d.negated(s):
		default:
			d.add(s, e, KindSSN, prioSSNBare)
		}
	}
}

// luhn reports whether ds (ASCII digits) passes the Luhn check.
func luhn(ds []byte) bool {
	sum := 0
	for i := len(ds) - 1; i >= 0; i-- {
		v := int(ds[i] - '0')
		if (len(ds)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func (d *detector) cards() {
	for _, nm := range d.nums {
		if nm.run >= 13 && nm.run <= 19 {
			e := nm.pos
			for k := 0; k < nm.run; k++ {
				_, n := utf8.DecodeRuneInString(d.text[e:])
				e += n
			}
			if d.numBoundary(nm.pos, e, false) && luhn(asciiDigits(d.text[nm.pos:e])) {
				d.add(nm.pos, e, KindCard, prioCard)
			}
			continue
		}
		if nm.run != 4 {
			continue
		}
		m := reCardGroups.FindStringIndex(d.window(nm.pos, 100))
		if m == nil {
			continue
		}
		s := nm.pos
		// The groups and where each ends; one separator throughout.
		var ends []int
		var sep rune
		ok := true
		for i, r := range d.text[s : s+m[1]] {
			if r == ' ' || r == '-' {
				if sep != 0 && r != sep {
					ok = false
					break
				}
				sep = r
				ends = append(ends, s+i)
			}
		}
		if !ok {
			continue
		}
		ends = append(ends, s+m[1])
		for k := len(ends); k >= 3; k-- { // drop trailing groups
			e := ends[k-1]
			ds := asciiDigits(d.text[s:e])
			if len(ds) >= 13 && len(ds) <= 19 && luhn(ds) && d.numBoundary(s, e, false) {
				d.add(s, e, KindCard, prioCard)
				break
			}
		}
	}
}

func (d *detector) phones() {
	t := d.text
	add := func(s, e int) {
		if m := reExt.FindStringIndex(d.window(e, 40)); m != nil {
			e += m[1]
		}
		d.add(s, e, KindPhone, prioPhone)
	}
	try := func(re *regexp.Regexp, at int) {
		if m := re.FindStringIndex(d.window(at, 64)); m != nil {
			if d.numBoundary(at, at+m[1], false) && !d.negated(at) {
				add(at, at+m[1])
			}
		}
	}
	for _, nm := range d.nums {
		switch {
		case nm.lead < nm.pos && t[nm.lead] == '+':
			m := reIntl.FindStringIndex(d.window(nm.lead, 64))
			if m == nil {
				continue
			}
			s, e := nm.lead, nm.lead+m[1]
			if s > 0 {
				if r, _ := utf8.DecodeLastRuneInString(t[:s]); isDigit(r) || isLetter(r) {
					continue
				}
			}
			for e > s && strings.IndexByte("( -.", t[e-1]) >= 0 {
				e--
			}
			if n := len(asciiDigits(t[s:e])); n >= 8 && n <= 15 && d.numBoundary(s, e, false) {
				add(s, e)
			}
		case nm.lead < nm.pos && nm.run == 3: // (555) 123-4567
			try(reNANP, nm.lead)
		case nm.run == 3:
			try(reNANP, nm.pos)
			if nm.first == '1' {
				try(reCNMobile, nm.pos)
			}
		case nm.run == 1 && nm.first == '1': // 1-800-555-0100
			try(reNANP, nm.pos)
		case nm.run == 2 && nm.first == '0':
			try(reFRPhone, nm.pos)
		}
	}
	// Any number after a phone cue.
	for _, c := range d.list(cuePhone) {
		nm, ok := d.numAt(c.end)
		if !ok || nm.lead-c.end > 40 || hasDigit(t[c.end:nm.lead]) || strings.Contains(t[c.end:nm.lead], "\n") {
			continue
		}
		m := reNumChunk.FindStringIndex(d.window(nm.lead, 64))
		if m == nil {
			continue
		}
		s, e := nm.lead, nm.lead+m[1]
		if n := len(asciiDigits(t[s:e])); n < 7 || n > 15 || d.negated(s) || !d.numBoundary(s, e, c.end == s) {
			continue
		}
		add(s, e)
	}
}

func (d *detector) dobs() {
	t := d.text
	months := d.list(cueMonth)
	for _, c := range d.list(cueDOB) {
		if d.dateAfter(c, months) {
			continue
		}
		// Before the cue: "1985年3月15日出生", "3/15/1985 is my birthday".
		for k := len(d.nums) - 1; k >= 0; k-- {
			nm := d.nums[k]
			if nm.pos >= c.start {
				continue
			}
			if nm.pos < c.start-64 {
				break
			}
			if nm.pos > 0 && isDigitBefore(t, nm.pos) {
				continue
			}
			e, ok := d.date(nm.pos, months)
			if !ok || e > c.start {
				continue
			}
			if gap := t[e:c.start]; len(gap) <= 12 && !hasDigit(gap) && !strings.ContainsAny(gap, "\n,;!?") {
				d.add(nm.pos, e, KindDOB, prioDOB)
				break
			}
		}
	}
}

// dateAfter finds a date of birth after the cue c: at the first number,
// or at a month name, no more than 40 characters on.
func (d *detector) dateAfter(c span, months []span) bool {
	t := d.text
	limit := min(len(t), c.end+160)
	var starts []int
	if nm, ok := d.numAt(c.end); ok && nm.pos < limit {
		starts = append(starts, nm.pos)
		limit = nm.pos
	}
	for _, m := range months {
		if m.start >= c.end && m.start <= limit {
			starts = append(starts, m.start)
			break
		}
	}
	if len(starts) == 2 && starts[1] < starts[0] {
		starts[0], starts[1] = starts[1], starts[0]
	}
	for _, s := range starts {
		gap := t[c.end:s]
		if utf8.RuneCountInString(gap) > 40 || strings.ContainsAny(gap, "\n!?") {
			return false
		}
		if e, ok := d.date(s, months); ok && !endsInDigitRun(t, e) {
			d.add(s, e, KindDOB, prioDOB)
			return true
		}
	}
	return false
}

func isDigitBefore(t string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(t[:i])
	return isDigit(r)
}

// date reads a date with a day, a month and a year at s, as the
// supported languages write it: 03/15/1985, 1985-03-15, 1985年3月15日,
// 15 tháng 3 năm 1985, 19850315, March 15, 1985, 15 de marzo de 1985,
// 15 mars 1985. months are the month names in the text.
func (d *detector) date(s int, months []span) (int, bool) {
	t := d.text
	if s < len(t) && isDigitAt(t, s) {
		if m := reNumDate.FindStringIndex(d.window(s, 64)); m != nil {
			return s + m[1], true
		}
		// 15 de marzo de 1985, 3rd of March 1985, 15 mars 1985
		day := nextToken(t, s)
		if day.kind != 'n' || day.digits > 2 {
			return 0, false
		}
		p := day.next
		if w := nextToken(t, p); w.word == "de" || w.word == "of" {
			p = w.next
		} else if w.kind == 'w' && (w.word == "er" || w.word == "º" || w.word == "°") {
			p = w.next
		}
		m, ok := monthAt(t, p, months)
		if !ok {
			return 0, false
		}
		p = m.end
		if p < len(t) && t[p] == '.' {
			p++
		}
		if w := nextToken(t, p); w.kind == 'p' && t[w.s] == ',' {
			p = w.next
		}
		if w := nextToken(t, p); w.word == "de" || w.word == "del" {
			p = w.next
		}
		if y := nextToken(t, p); y.kind == 'n' && y.digits == 4 && !y.ordinal {
			return y.e, true
		}
		return 0, false
	}
	// March 15, 1985; Marso 15, 1985
	m, ok := monthAt(t, s, months)
	if !ok {
		return 0, false
	}
	p := m.end
	if p < len(t) && t[p] == '.' {
		p++
	}
	day := nextToken(t, p)
	if day.kind != 'n' || day.digits > 2 {
		return 0, false
	}
	p = day.next
	if w := nextToken(t, p); w.kind == 'p' && t[w.s] == ',' {
		p = w.next
	}
	if y := nextToken(t, p); y.kind == 'n' && y.digits == 4 && !y.ordinal {
		return y.e, true
	}
	return 0, false
}

// monthAt returns the month name that starts at p, after spaces.
func monthAt(t string, p int, months []span) (span, bool) {
	for p < len(t) && (t[p] == ' ' || t[p] == '\t') {
		p++
	}
	lo, hi := 0, len(months)
	for lo < hi {
		m := (lo + hi) / 2
		if months[m].start >= p {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo < len(months) && months[lo].start == p {
		return months[lo], true
	}
	return span{}, false
}

func isDigitAt(t string, i int) bool {
	r, _ := utf8.DecodeRuneInString(t[i:])
	return isDigit(r)
}

// endsInDigitRun reports whether a digit follows e.
func endsInDigitRun(t string, e int) bool {
	r, _ := utf8.DecodeRuneInString(t[e:])
	return e < len(t) && isDigit(r)
}

func (d *detector) cases() {
	t := d.text
	for _, weak := range []bool{false, true} {
		l := d.list(cueCase)
		if weak {
			l = d.list(cueCaseWeak)
		}
		for _, c := range l {
			if ne, ok := d.before(cueNeg, c.start, 3); ok && ne <= c.start {
				continue // "invoice number 123"
			}
			p, explicit := c.end, explicitCue(t[c.start:c.end])
			for step := 0; step < 6; step++ {
				q := p
				for q < len(t) {
					r, n := utf8.DecodeRuneInString(t[q:])
					if r == '#' || r == ':' || r == '：' {
						explicit = true
					} else if !isSpace(r) && r != '.' && r != '-' && r != '–' {
						break
					}
					q += n
				}
				end, kinds := connTrie.longest(t, q)
				if end == 0 {
					p = q
					break
				}
				explicit = explicit || kinds&connExplicit != 0
				p = end
			}
			m := reCaseID.FindStringIndex(t[p:min(len(t), p+64)])
			if m == nil {
				continue
			}
			s, e := p, p+m[1]
			for e > s && (t[e-1] == '-' || t[e-1] == '/') {
				e--
			}
			id := t[s:e]
			if e < len(t) && (isDigit(rune(t[e])) || isLetter(rune(t[e]))) && t[e] < utf8.RuneSelf {
				continue // longer than an id
			}
			n := len(asciiDigits(id))
			if n < 4 || weak && n < 5 || reDateID.MatchString(id) {
				continue
			}
			if !explicit && n == 4 && len(id) == 4 && (strings.HasPrefix(id, "19") || strings.HasPrefix(id, "20")) {
				continue // a year
			}
			if s > 0 && t[s-1] == '#' {
				s--
			}
			prio := prioCase
			if weak || reNANPExact.MatchString(id) {
				prio = prioCaseWeak // a phone number reads better as one
			}
			d.add(s, e, KindCaseNumber, prio)
		}
	}
}

// explicitCue reports whether a case cue says "number" itself ("case #",
// "claim number"), so that even a year-like id after it is an id.
func explicitCue(cue string) bool {
	cue = strings.ToLower(cue)
	for _, w := range []string{"#", "number", "no.", "num", "núm", "nº", "n°", " id", "nimewo", "số", "رقم", "编号", "號", "号"} {
		if strings.Contains(cue, w) {
			return true
		}
	}
	return false
}
