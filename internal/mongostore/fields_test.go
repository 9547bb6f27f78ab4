package mongostore

import (
	"reflect"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// fill sets every field of the struct v points to, recursively, to a value
// that is not zero, and fails on a field kind it does not know. The stores
// map documents field by field, so a field added to the domain and not to
// docs.go would be silently dropped; testEveryFieldStored catches it.
func fill(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v-" + path)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint64:
		v.SetUint(9)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float64:
		v.SetFloat(0.25)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(t, s.Index(0), path+"[0]")
		fill(t, s.Index(1), path+"[1]")
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	default:
		t.Fatalf("%s: unknown kind %s: extend fill", path, v.Kind())
	}
}

func filled[T any](t *testing.T) T {
	var v T
	fill(t, reflect.ValueOf(&v).Elem(), reflect.TypeFor[T]().Name())
	return v
}

func testEveryFieldStored(t *testing.T, uri string) {
	s := openStore(t, uri)
	ctx := ctxT(t)
	same := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v\n(a field missing from internal/mongostore/docs.go?)", what, got, want)
		}
	}

	ct := filled[civicdesk.Contact](t)
	must(t, s.CreateContact(ctx, ct))
	gotCt, err := s.GetContact(ctx, ct.ID)
	must(t, err)
	same("Contact", gotCt, ct)

	tok := filled[civicdesk.Token](t)
	must(t, s.PutToken(ctx, tok))
	gotTok, err := s.GetToken(ctx, tok.Hash)
	must(t, err)
	same("Token", gotTok, tok)

	cv := filled[civicdesk.Conversation](t)
	gotCv, _, err := s.OpenConversation(ctx, cv)
	must(t, err)
	same("Conversation (open)", gotCv, cv)
	must(t, s.PutConversation(ctx, cv))
	gotCv, err = s.GetConversation(ctx, cv.ID)
	must(t, err)
	same("Conversation", gotCv, cv)

	m := filled[civicdesk.Message](t)
	_, err = s.InsertMessage(ctx, m)
	must(t, err)
	gotM, err := s.GetMessage(ctx, m.ID)
	must(t, err)
	same("Message", gotM, m)

	n := filled[civicdesk.Note](t)
	must(t, s.InsertNote(ctx, n))
	ns, err := s.ListNotes(ctx, n.ConversationID)
	must(t, err)
	if len(ns) != 1 {
		t.Fatalf("ListNotes = %+v", ns)
	}
	same("Note", ns[0], n)

	a := filled[civicdesk.Agent](t)
	must(t, s.PutAgent(ctx, a))
	gotA, err := s.GetAgent(ctx, a.ID)
	must(t, err)
	same("Agent", gotA, a)

	d := filled[civicdesk.Department](t)
	must(t, s.PutDepartment(ctx, d))
	ds, err := s.ListDepartments(ctx)
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("ListDepartments = %+v", ds)
	}
	same("Department", ds[0], d)
}
