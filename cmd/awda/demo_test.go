package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"awda/models/dbtest"
)

func TestDemoRefusesADatabaseWithUsers(t *testing.T) {
	if dbtest.Backend() == "postgres" {
		t.Skip("the command's database check is the same on PostgreSQL")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "awda.db")
	getenv := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--db", path, "--email", "a@example.org", "--name", "A", "--role", "admin"}, getenv, nil, &out, &out); err != nil {
		t.Fatalf("user add: %v", err)
	}
	err := run(ctx, []string{"demo", "--db", path}, getenv, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "already has 1 users") {
		t.Fatalf("demo into a database with users: %v", err)
	}
	if err := run(ctx, []string{"demo", "--db", path, "--scale", "0"}, getenv, nil, &out, &out); err == nil {
		t.Fatal("--scale 0 accepted")
	}
}

func TestDemoDSN(t *testing.T) {
	for in, want := range map[string]string{
		"data/awda.db":                            "data/awda.db",
		"postgres://u@h:5432/db?sslmode=disable":  "postgres://u@h:5432/db?sslmode=disable&synchronous_commit=off",
		"postgres://u@h/db?synchronous_commit=on": "postgres://u@h/db?synchronous_commit=on",
	} {
		if got := demoDSN(in); got != want {
			t.Errorf("demoDSN(%q) = %q, want %q", in, got, want)
		}
	}
}
