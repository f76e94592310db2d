package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
)

// A database that stops answering gives 503 pages within the request deadline, never a
// hang, and the portal recovers by itself when it returns.
func TestDatabaseOutage(t *testing.T) {
	if dbtest.Backend() != "postgres" {
		t.Skip("the network outage runs on PostgreSQL; SQLite's closed database is tested in handlers")
	}
	dsn := dbtest.DSN(t)
	u, _ := url.Parse(dsn)
	proxy := newDBProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.Addr()
	q := viaProxy.Query()
	q.Set("connect_timeout", "1")
	viaProxy.RawQuery = q.Encode()

	srv := startServe(t, viaProxy.String(), map[string]string{"AWDA_REQUEST_TIMEOUT": "1s"})
	stores := openStores(t, dsn)
	dbtest.MustOffice(t, stores, "RAB", "Rabat")
	dbtest.MustUser(t, stores, "out@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	ctx := t.Context()
	c := load.NewClient(srv.URL, nil)
	if err := c.Login(ctx, "out@example.org", "a long test passphrase"); err != nil {
		t.Fatal(err)
	}
	get := func(path string, want int, within time.Duration) *load.Response {
		t.Helper()
		start := time.Now()
		r, err := c.Get(ctx, path)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("GET %s: %v after %s", path, err, took)
		}
		if r.Status != want {
			t.Errorf("GET %s: %d, want %d", path, r.Status, want)
		}
		if took > within {
			t.Errorf("GET %s took %s, want under %s", path, took.Round(time.Millisecond), within)
		}
		return r
	}
	get("/", http.StatusOK, 5*time.Second)

	for _, outage := range []struct {
		name  string
		start func()
	}{
		{"connections cut and refused", func() { proxy.set("cut") }},
		{"database silent (blackhole)", proxy.blackhole},
	} {
		t.Run(outage.name, func(t *testing.T) {
			outage.start()
			get("/healthz", http.StatusServiceUnavailable, 3*time.Second)
			r := get("/", http.StatusServiceUnavailable, 3*time.Second)
			if !strings.Contains(r.Body, "Service momentanément indisponible") {
				t.Errorf("the 503 page is not the translated one:\n%.400s", r.Body)
			}
			// Many requests at once still each end within the deadline.
			errs := make(chan error, 10)
			for range 10 {
				go func() {
					start := time.Now()
					r, err := c.WithBase(srv.URL).Get(ctx, "/account")
					if err == nil && (r.Status != http.StatusServiceUnavailable || time.Since(start) > 4*time.Second) {
						err = fmt.Errorf("status %d after %s", r.Status, time.Since(start))
					}
					errs <- err
				}()
			}
			for range 10 {
				if err := <-errs; err != nil {
					t.Errorf("a request during the outage: %v", err)
				}
			}

			proxy.set("up")
			deadline := time.Now().Add(15 * time.Second)
			for {
				r, err := c.Get(ctx, "/healthz")
				if err == nil && r.Status == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the portal did not recover within 15s after the database returned")
				}
				time.Sleep(100 * time.Millisecond)
			}
			get("/", http.StatusOK, 5*time.Second)
		})
	}
}

// A client that sends its headers slowly is cut off after the read-header timeout.
func TestSlowClientCutOff(t *testing.T) {
	srv := startServe(t, dbtest.DSN(t), map[string]string{"AWDA_READ_HEADER_TIMEOUT": "300ms"})
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("GET /login HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// ... and never finishes them. The server must close the connection.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	took := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept a slow client's connection open for 5s")
	}
	if took > 2*time.Second {
		t.Errorf("cut off after %s, want about 300ms", took)
	}
	// A normal request still works.
	r, err := load.NewClient(srv.URL, nil).Get(t.Context(), "/login")
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("normal request: %v %v", r, err)
	}
}
