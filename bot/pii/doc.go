// Package pii finds and masks personal data in citizen messages: Social
// Security numbers (and ITINs), payment card numbers (Luhn-checked), phone
// numbers, email addresses, dates of birth, street addresses and case,
// claim, application or account numbers.
//
// It stands before anything leaves the process or reaches a log. The
// caseworker sees a citizen's original words, but whatever else reads them
// (the LLM triager's prompt, a log line, an exported record) reads
// Redact(text), in which each finding is replaced by a placeholder such as
// "[SSN]" or "[PHONE]", so that the meaning of the message survives and the
// data does not.
//
// Detection is rule based and multilingual (English, Spanish, French,
// Vietnamese, Chinese, Arabic, Haitian Creole, Tagalog): fixed formats
// (SSN, card, phone, email) are found anywhere, with checks (Luhn, SSA
// area rules, separators) that keep money amounts, years and plain dates
// out; dates of birth, bare digit phone numbers and case numbers need a cue
// word nearby ("DOB", "nací el", "né le", "ngày sinh", "出生", "case #",
// "expediente", "numéro de dossier", …). When in doubt about an SSN or a
// card number it errs towards masking: once one is found, every other
// occurrence of the same digits is masked too, however it is written.
//
// Redact compiles nothing at call time, allocates little, never panics on
// any input (it is fuzzed), and returns text unchanged, without allocating,
// when there is no digit and no "@" in it.
package pii
