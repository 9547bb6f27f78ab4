// Package ratelimit is the in-memory token-bucket limiter the entry points use
// per visitor, phone number and IP address, so one noisy client cannot crowd
// out the others.
package ratelimit
