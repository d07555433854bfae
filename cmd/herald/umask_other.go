//go:build !unix

package main

import "os"

// currentUmask: no umask outside Unix; group and others get nothing.
func currentUmask() os.FileMode { return 0o077 }
