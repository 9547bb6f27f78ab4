package httpx

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// Request bodies are strict to the letter: encoding/json matches field
// names regardless of case, so `{"TEXT": …}` would fill Text and a
// misspelt field would pass silently. After decoding, misspeltKey walks
// the body beside its type and finds any key that is not exactly the JSON
// name of a field.

var fieldsByType sync.Map // struct reflect.Type → map[string]reflect.Type

// fieldsOf returns the JSON names of struct type t's fields (those of
// embedded structs included, as encoding/json flattens them) and their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldsByType.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f := map[string]reflect.Type{}
	addFields(t, f, 0)
	fieldsByType.Store(t, f)
	return f
}

func addFields(t reflect.Type, f map[string]reflect.Type, depth int) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if et := sf.Type; sf.Anonymous && name == "" {
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				addFields(et, f, depth+1) // its fields are the outer object's
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := f[name]; !taken || depth == 0 {
			f[name] = sf.Type
		}
	}
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// misspeltKey returns the first object key in data (valid JSON, decoded
// into a value of type t) that names no field of its object's type.
// Values of types that decode themselves, and of interfaces, are not
// looked into; maps take any key.
func misspeltKey(data []byte, t reflect.Type) (string, bool) {
	s := keyScan{data: data}
	s.value(t)
	return s.bad, s.found
}

type keyScan struct {
	data  []byte
	i     int
	bad   string
	found bool
}

func (s *keyScan) space() {
	for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t' || s.data[s.i] == '\n' || s.data[s.i] == '\r') {
		s.i++
	}
}

// value checks the value at s.i, whose Go type is t (nil: unknown), and
// moves past it.
func (s *keyScan) value(t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) || t.Kind() == reflect.Interface) {
		t = nil
	}
	s.space()
	if s.i >= len(s.data) || s.found {
		return
	}
	switch s.data[s.i] {
	case '{':
		s.i++
		for !s.found {
			s.space()
			if s.i >= len(s.data) || s.data[s.i] == '}' {
				s.i++
				return
			}
			if s.data[s.i] == ',' {
				s.i++
				continue
			}
			raw, escaped := s.str()
			if raw == nil {
				return
			}
			s.space()
			s.i++ // ':'
			var vt reflect.Type
			switch {
			case t == nil:
			case t.Kind() == reflect.Struct:
				ft, key, ok := lookup(fieldsOf(t), raw, escaped)
				if !ok {
					s.bad, s.found = key, true
					return
				}
				vt = ft
			case t.Kind() == reflect.Map:
				vt = t.Elem()
			}
			s.value(vt)
		}
	case '[':
		s.i++
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for !s.found {
			s.space()
			if s.i >= len(s.data) || s.data[s.i] == ']' {
				s.i++
				return
			}
			if s.data[s.i] == ',' {
				s.i++
				continue
			}
			s.value(et)
		}
	case '"':
		s.str()
	default: // a number, true, false or null
		for s.i < len(s.data) && !strings.ContainsRune(",}] \t\n\r", rune(s.data[s.i])) {
			s.i++
		}
	}
}

// str moves past the string at s.i and returns its raw bytes, quotes
// included, and whether it has escapes.
func (s *keyScan) str() (raw []byte, escaped bool) {
	start := s.i
	for s.i++; s.i < len(s.data) && s.data[s.i] != '"'; s.i++ {
		if s.data[s.i] == '\\' {
			escaped = true
			s.i++
		}
	}
	s.i++
	if s.i > len(s.data) {
		return nil, false
	}
	return s.data[start:s.i], escaped
}

// lookup finds the field a raw key names exactly.
func lookup(fields map[string]reflect.Type, raw []byte, escaped bool) (reflect.Type, string, bool) {
	if !escaped {
		ft, ok := fields[string(raw[1:len(raw)-1])] // no copy for a map index
		if !ok {
			return nil, string(raw[1 : len(raw)-1]), false
		}
		return ft, "", true
	}
	var key string
	_ = json.Unmarshal(raw, &key)
	ft, ok := fields[key]
	return ft, key, ok
}

// badText reports text that encoding/json would quietly replace with
// U+FFFD: bytes that are not UTF-8, and \u escapes of a lone surrogate.
func badText(data []byte) bool {
	if !utf8.Valid(data) {
		return true
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if i+1 >= len(data) || data[i+1] != 'u' {
			i++ // any other escape, \\ included
			continue
		}
		r, ok := hex4(data, i+2)
		if !ok {
			return false // not valid JSON; the decoder said so already
		}
		i += 5
		if !utf16.IsSurrogate(r) {
			continue
		}
		if r >= 0xDC00 { // a low half first
			return true
		}
		if i+2 >= len(data) || data[i+1] != '\\' || data[i+2] != 'u' {
			return true
		}
		lo, ok := hex4(data, i+3)
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return true
		}
		i += 6
	}
	return false
}

func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[at:at+4]), 16, 32)
	return rune(n), err == nil
}
