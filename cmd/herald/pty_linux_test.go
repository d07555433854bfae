//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
	"golang.org/x/sys/unix"
)

// pty runs a command with a pseudo-terminal as its controlling terminal
// and its standard streams, and records everything the command writes to
// it. The test holds both ends, so it can see what the command printed and
// read the terminal's modes (echo on or off) directly, instead of guessing
// with sleeps.
type pty struct {
	master, slave *os.File
	cmd           *exec.Cmd

	mu     sync.Mutex
	out    bytes.Buffer
	more   chan struct{} // signalled after each read
	closed chan struct{} // closed when the master reads EOF or EIO
}

// startPTY starts name with args on a new pseudo-terminal.
func startPTY(t *testing.T, name string, args ...string) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pseudo-terminal number: %v", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pseudo-terminal: %v", err)
	}
	p := &pty{master: master, slave: slave, more: make(chan struct{}, 1), closed: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, slave
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go p.read()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		p.slave.Close()
		<-p.closed
		p.master.Close()
	})
	return p
}

func (p *pty) read() {
	defer close(p.closed)
	buf := make([]byte, 4096)
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.out.Write(buf[:n])
		p.mu.Unlock()
		select {
		case p.more <- struct{}{}:
		default:
		}
		if err != nil { // EIO once every holder of the slave has closed it
			return
		}
	}
}

// output is everything the command has written so far.
func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitOutput waits until the command has written want at or after byte
// offset from, and returns the offset just past it.
func (p *pty) waitOutput(t *testing.T, from int, want string) int {
	t.Helper()
	for {
		out := p.output()
		if i := bytes.Index([]byte(out[from:]), []byte(want)); i >= 0 {
			return from + i + len(want)
		}
		select {
		case <-p.more:
		case <-p.closed:
			if out := p.output(); bytes.Contains([]byte(out[from:]), []byte(want)) {
				continue
			}
			t.Fatalf("the command ended without writing %q:\n%q", want, p.output())
		}
	}
}

// echoOff reports whether the terminal has echo switched off. On Linux the
// modes read through the master end are those of the terminal end.
func (p *pty) echoOff() (bool, error) {
	tio, err := unix.IoctlGetTermios(int(p.master.Fd()), unix.TCGETS)
	if err != nil {
		return false, fmt.Errorf("read terminal modes: %w", err)
	}
	return tio.Lflag&unix.ECHO == 0, nil
}

// waitEchoOff waits until the command has switched echo off. Printing the
// prompt and changing the terminal mode are two steps in either order, so
// after the prompt is seen the mode is checked until it changes, within the
// test's deadline.
func (p *pty) waitEchoOff(t *testing.T) {
	t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(generousWait(t))
	for {
		off, err := p.echoOff()
		if err != nil {
			t.Fatal(err)
		}
		if off {
			return
		}
		select {
		case <-tick.C:
		case <-p.closed:
			t.Fatalf("the command ended with echo still on:\n%q", p.output())
		case <-limit:
			t.Fatalf("echo never switched off:\n%q", p.output())
		}
	}
}

// wait waits for the command to exit, then for the last of its output.
func (p *pty) wait() error {
	err := p.cmd.Wait()
	p.slave.Close()
	<-p.closed
	return err
}

// On a terminal, user add prompts twice without echo. Each password is
// typed only once its prompt is on the screen and echo is off.
func TestUserAddPromptsOnTheTerminalWithoutEcho(t *testing.T) {
	userAddOnATerminal(t, "typed-on-the-terminal")
}

// The password prompt needs no stty(1) from PATH: it switches echo off
// itself, so it works with PATH pointing nowhere.
func TestPasswordPromptWithoutStty(t *testing.T) {
	t.Setenv("PATH", "/nonexistent")
	userAddOnATerminal(t, "typed-without-stty-1")
}

// userAddOnATerminal runs user add on a pseudo-terminal and types pw at
// each prompt once the prompt is on the screen and echo is off; then checks
// the password was never echoed, echo is back on, and the account exists.
func userAddOnATerminal(t *testing.T, pw string) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	p := startPTY(t, heraldBin, "user", "add", "zed", "--db", db)
	at := 0
	for _, prompt := range []string{"New password for zed: ", "Repeat it: "} {
		at = p.waitOutput(t, at, prompt)
		p.waitEchoOff(t)
		if _, err := io.WriteString(p.master, pw+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.wait(); err != nil {
		t.Fatalf("user add on a terminal: %v\n%q", err, p.output())
	}
	if strings.Contains(p.output(), pw) {
		t.Errorf("the password was echoed:\n%q", p.output())
	}
	if off, err := p.echoOff(); err != nil || off {
		t.Errorf("echo left off after user add (%v)", err)
	}
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Account(context.Background(), "zed")
	if err != nil || !store.CheckPassword(a.PasswordHash, pw) {
		t.Fatalf("account zed: %+v, %v", a, err)
	}
}

// With stderr on a terminal, import draws a progress bar; without, none
// (the other tests' captured stderr never holds one).
func TestImportDrawsProgressOnATerminal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	mustRun(t, env{"HERALD_DB": db}, "", "collection", "add", "--title", "t")
	path := filepath.Join(dir, "b.json")
	writeLargeBundle(t, path, 3000)
	p := startPTY(t, heraldBin, "import", "--collection", "t", "--db", db, path)
	if err := p.wait(); err != nil {
		t.Fatalf("import on a terminal: %v\n%q", err, p.output())
	}
	if !regexp.MustCompile(`\r\S*b\.json \[=+\] 100%  .* 3,000 objects`).MatchString(p.output()) {
		t.Errorf("no final progress bar in %q", p.output())
	}
	r := mustRun(t, env{"HERALD_DB": db}, "", "import", "--collection", "t", path)
	if strings.Contains(r.stderr, "\r") || strings.Contains(r.stderr, "[=") {
		t.Errorf("progress bar drawn on a non-terminal: %q", r.stderr)
	}
}

// generousWait is how long a test waits for something that should happen
// at once: far longer than any loaded machine needs, but short of the
// test's own deadline, so the failure names what was missing.
func generousWait(t *testing.T) time.Duration {
	w := time.Minute
	if d, ok := t.Deadline(); ok && time.Until(d)-5*time.Second < w {
		w = max(time.Until(d)-5*time.Second, time.Second)
	}
	return w
}
