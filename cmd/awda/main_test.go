package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// awdaBin is the awda binary built once for the tests that kill and restart a real
// process (crash_test.go).
var awdaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "awda-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	awdaBin = filepath.Join(dir, "awda")
	build := exec.Command("go", "build", "-o", awdaBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build awda:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
