//go:build unix

package main

import (
	"os"
	"sync"
	"syscall"
)

var umaskMu sync.Mutex

// currentUmask is the process's file-creation mask. Reading it means
// setting it, so the two calls are serialized.
func currentUmask() os.FileMode {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	m := syscall.Umask(0o077)
	syscall.Umask(m)
	return os.FileMode(m)
}
