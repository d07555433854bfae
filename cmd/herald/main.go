package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "herald: the command line is being built (issue 6)")
	os.Exit(2)
}
