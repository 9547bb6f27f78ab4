// Package widget serves what citizens see on an agency's website: the demo
// agency page at /, the embeddable widget loader /widget.js with its assets,
// and /contact for browsers without JavaScript. It talks to the webchat
// channel only through the public widget API, like any host site would.
//
// The widget (static/app.js, in a shadow root, 8 languages, Arabic right to
// left) offers a leave-a-message form (email or phone, checked as typed in,
// errors tied to their fields and announced) when no caseworker answers
// now, names the caseworker once one is assigned, and offers a rating and a
// transcript by email at the end. All of its JavaScript and CSS stay within
// 20 KB gzipped (tests/browser/budget.test.mjs).
package widget
