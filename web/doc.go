// Package web serves the analyst's web pages from the TAXII server: the
// collections a visitor may read, a collection's objects with a type
// filter and a bounded search, one object with its versions and
// relationships, a report rendered as a readable advisory with a picture
// of who did what to whom, and STIX bundle downloads.
//
// Pages are server-side HTML (html/template) with one embedded stylesheet;
// nothing is loaded from another host and no JavaScript runs. A strict
// Content-Security-Policy says so to the browser. Visitors see exactly what
// the same account may read over TAXII: authentication (Basic, Bearer, or a
// signed session cookie from the sign-in form) goes through the TAXII
// server's own checks and failed-login throttle (see taxii.Server's
// Authenticate, Login and AccountVisitor).
//
// Data is read through Store, the few store methods the pages use, so any
// backend that TAXII serves from works here too.
//
// It imports store for its value types only (never a backend), taxii for
// the server's authentication and router, and stix for a few helpers; it
// never imports feed, bbolt or a store backend. cmd/herald mounts it with
// Mount; taxii never imports it.
package web
