// Package privacy carries out what data protection asks of the contact
// center: a citizen's data exported (subject access), erased on request, and
// closed conversations deleted or anonymized when their department's
// retention period ends. Each works on the store and on the copies the
// message streams and the channels keep, so nothing is left behind.
package privacy
