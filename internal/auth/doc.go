// Package auth holds the credential primitives every entry point uses:
// random bearer tokens stored only as hashes, argon2id password hashes, and
// constant-time comparison. The widget's visitor tokens, the desk's
// sessions and the integrations' API tokens are all built on it.
package auth
