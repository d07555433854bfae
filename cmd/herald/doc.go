// Command herald publishes threat advisories as STIX 2.1 over TAXII 2.1.
//
// It wires the packages together: serve, import, export, indicator,
// collection, user, check, backup and version. Configuration types and
// flags live here. It may import every Herald package.
package main
