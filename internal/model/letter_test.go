package model

import "testing"

func TestLetterBody(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{{salutation}}\n\nI am writing.\n\nYours,", "I am writing.\n\nYours,"},
		{"  {{salutation}}  \r\n\r\nBody", "Body"},
		{"Dear {{salutation}} friend\nBody", "Dear  friend\nBody"},
		{"No placeholder\nat all", "No placeholder\nat all"},
		{"", ""},
	} {
		if got := LetterBody(tc.in); got != tc.want {
			t.Errorf("LetterBody(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddressed(t *testing.T) {
	rubio := Target{Name: "Marco Rubio", Salutation: "Dear Secretary Rubio,"}
	noem := Target{Name: "Kristi Noem", Salutation: "Dear Secretary Noem,"}
	bare := Target{Name: "Someone"}
	targets := []Target{noem, rubio, bare}
	for _, tc := range []struct {
		name string
		to   Target
		body string
		want string
	}{
		{"own salutation", rubio, "I am writing.", "Dear Secretary Rubio,\n\nI am writing."},
		{"another target's salutation left in an old letter", rubio, "Dear Secretary Noem,\n\nI am writing.", "Dear Secretary Rubio,\n\nI am writing."},
		{"its own salutation left in an old letter", noem, "Dear Secretary Noem,\nI am writing.", "Dear Secretary Noem,\n\nI am writing."},
		{"no salutation: the generic one", bare, "I am writing.", "Dear Sir or Madam,\n\nI am writing."},
		{"a supporter's own first line is kept", rubio, "Hello from Caracas.\nI am writing.", "Dear Secretary Rubio,\n\nHello from Caracas.\nI am writing."},
	} {
		if got := Addressed(tc.to, targets, tc.body, "Dear Sir or Madam,"); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
