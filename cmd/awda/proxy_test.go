package main

import (
	"io"
	"net"
	"sync"
	"testing"
)

// dbProxy is a loopback TCP proxy between the portal and its database, which a test can
// cut (connections refused and reset) or blackhole (connections held, nothing answered)
// and restore.
type dbProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	mode     string // "up", "cut" or "blackhole"
	conns    map[net.Conn]bool
	ups      []net.Conn
}

func newDBProxy(t *testing.T, upstream string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, upstream: upstream, mode: "up", conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	return p
}

func (p *dbProxy) Addr() string { return p.ln.Addr().String() }

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		mode := p.mode
		p.conns[c] = true
		p.mu.Unlock()
		switch mode {
		case "cut":
			p.drop(c)
		case "blackhole":
			// Hold the connection open and say nothing.
		default:
			go p.forward(c)
		}
	}
}

func (p *dbProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		p.drop(c)
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.ups = append(p.ups, up)
	p.mu.Unlock()
	go func() { io.Copy(up, c); p.drop(up) }()
	io.Copy(c, up)
	p.mu.Lock()
	silent := p.mode == "blackhole"
	p.mu.Unlock()
	if !silent { // in a blackhole the client's side stays open, unanswered
		p.drop(c)
	}
}

func (p *dbProxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *dbProxy) closeAll() {
	p.mu.Lock()
	all := p.conns
	p.conns = map[net.Conn]bool{}
	p.mu.Unlock()
	for c := range all {
		c.Close()
	}
}

// set switches the mode; every open connection is closed, so the pool must reconnect.
func (p *dbProxy) set(mode string) {
	p.mu.Lock()
	p.mode = mode
	p.mu.Unlock()
	p.closeAll()
}

// blackhole keeps connections open but stops forwarding: existing connections lose
// their upstream silently, new ones are accepted and never answered.
func (p *dbProxy) blackhole() {
	p.mu.Lock()
	p.mode = "blackhole"
	ups := p.ups
	p.ups = nil
	p.mu.Unlock()
	for _, up := range ups {
		up.Close()
	}
}
