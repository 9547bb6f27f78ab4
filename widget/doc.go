// Package widget serves what citizens see on an agency's website: the demo
// agency page at /, the embeddable widget loader /widget.js with its assets,
// and /contact for browsers without JavaScript. It talks to the webchat
// channel only through the public widget API, like any host site would.
package widget
