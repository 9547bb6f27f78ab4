package openapi

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Auth names the credential an operation needs.
type Auth string

// Credentials.
const (
	Public     Auth = ""
	Visitor    Auth = "visitor"    // widget visitor token
	Staff      Auth = "staff"      // desk session (bearer token or cookie)
	Supervisor Auth = "supervisor" // desk session of a supervisor or admin, or an API token
	Admin      Auth = "admin"      // desk session of an admin (not an API token)
	Twilio     Auth = "twilio"     // X-Twilio-Signature when configured
)

// Op is one operation.
type Op struct {
	Method, Path string // echo-style path: /conversations/:id
	Summary      string
	Tag          string
	Auth         Auth
	Request      any    // a value of the JSON request body type, or nil
	Form         bool   // the body is application/x-www-form-urlencoded
	Status       int    // success status
	Response     any    // a value of the JSON response type, or nil
	ContentType  string // non-JSON success content type (text/csv, text/html…)
	Query        []string
}

// Document is an OpenAPI 3.1 document as a JSON-ready map.
type Document map[string]any

// Build returns the document for ops.
func Build(title, version string, ops []Op) Document {
	g := &gen{schemas: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, op := range ops {
		p := toOpenAPIPath(op.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		o := map[string]any{"summary": op.Summary, "operationId": operationID(op)}
		if op.Tag != "" {
			o["tags"] = []string{op.Tag}
		}
		var params []any
		for _, name := range pathParams(op.Path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range op.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		switch op.Auth {
		case Visitor:
			o["security"] = []any{map[string]any{"visitorToken": []string{}}}
		case Staff, Supervisor, Admin:
			o["security"] = []any{map[string]any{"deskToken": []string{}}, map[string]any{"deskCookie": []string{}}}
		case Twilio:
			o["security"] = []any{map[string]any{}, map[string]any{"twilioSignature": []string{}}}
		}
		if op.Auth == Supervisor {
			o["description"] = "Supervisors and admins only; others get 403. API tokens (cdk_…) are admitted by scope."
		}
		if op.Auth == Admin {
			o["description"] = "Admins signed in in person only; others, and API tokens, get 403."
		}
		if op.Request != nil {
			ct := "application/json"
			if op.Form {
				ct = "application/x-www-form-urlencoded"
			}
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": g.schema(reflect.TypeOf(op.Request))}}}
		}
		status := op.Status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": "success"}
		switch {
		case op.ContentType != "":
			ok["content"] = map[string]any{op.ContentType: map[string]any{"schema": map[string]any{"type": "string"}}}
		case op.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(op.Response))}}
		}
		resp := map[string]any{strconv.Itoa(status): ok, "4XX": map[string]any{"$ref": "#/components/responses/Error"}}
		o["responses"] = resp
		paths[p][strings.ToLower(op.Method)] = o
	}
	return Document{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": title, "version": version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"responses": map[string]any{"Error": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "required": []string{"error"},
				"properties": map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message"},
					"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}}}}}}},
			"securitySchemes": map[string]any{
				"visitorToken":    map[string]any{"type": "http", "scheme": "bearer", "description": "the widget's visitorToken"},
				"deskToken":       map[string]any{"type": "http", "scheme": "bearer", "description": "the token from POST /api/v1/desk/login, or an API token (cdk_…) on the supervisor and admin APIs"},
				"deskCookie":      map[string]any{"type": "apiKey", "in": "cookie", "name": "cd_session"},
				"twilioSignature": map[string]any{"type": "apiKey", "in": "header", "name": "X-Twilio-Signature"},
			},
		},
	}
}

// Paths lists "METHOD /echo/path" of every operation in doc, sorted.
func (d Document) Paths() []string {
	var out []string
	for p, ops := range d["paths"].(map[string]map[string]any) {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+fromOpenAPIPath(p))
		}
	}
	sort.Strings(out)
	return out
}

func operationID(op Op) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, part := range strings.Split(op.Path, "/") {
		part = strings.TrimPrefix(part, ":")
		if part == "" || part == "api" || part == "v1" {
			continue
		}
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '.' || r == '_' || r == '*' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func pathParams(p string) []string {
	var out []string
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, ":") {
			out = append(out, part[1:])
		}
	}
	return out
}

func toOpenAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func fromOpenAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			parts[i] = ":" + part[1:len(part)-1]
		}
	}
	return strings.Join(parts, "/")
}

type gen struct {
	schemas map[string]any
}

var timeType = reflect.TypeOf(time.Time{})

// schema returns the JSON Schema of t; named structs become components.
func (g *gen) schema(t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Interface:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := t.Name()
		if name != "" && g.schemas[name] != nil {
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		if name != "" {
			g.schemas[name] = map[string]any{} // a placeholder breaks cycles
		}
		props := map[string]any{}
		var required []string
		g.fields(t, props, &required)
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		if name == "" {
			return s
		}
		g.schemas[name] = s
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *gen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}
