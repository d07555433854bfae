package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/heraldcti/herald/taxii"
)

// readPasswordTTY prompts on /dev/tty and reads one line with echo turned
// off, through the terminal itself (golang.org/x/term): no helper program
// is looked up through PATH. Echo is restored even when reading fails.
func readPasswordTTY(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return "", errors.New("no terminal to prompt for a password (use --password-stdin)")
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("read password from the terminal: %w", err)
	}
	return readLine(strings.NewReader(string(b) + "\n"))
}

// readLine reads one line, without its line ending. An empty input is an
// error: an empty password is never what someone meant.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password given")
		}
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty password")
	}
	return line, nil
}

// newPassword reads a new password: one line of stdin with
// --password-stdin, else twice from the terminal prompt, which must agree.
func (m *Main) newPassword(fromStdin bool, name string) (string, error) {
	if fromStdin {
		p, err := readLine(m.Stdin)
		if err != nil {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return p, checkPassword(p)
	}
	p, err := m.ReadPassword(fmt.Sprintf("New password for %s: ", name))
	if err != nil {
		return "", err
	}
	if err := checkPassword(p); err != nil {
		return "", err
	}
	again, err := m.ReadPassword("Repeat it: ")
	if err != nil {
		return "", err
	}
	if again != p {
		return "", errors.New("the passwords do not match")
	}
	return p, nil
}

// checkPassword applies the server's password rule.
func checkPassword(p string) error { return taxii.CheckPassword(p) }
