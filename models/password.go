package models

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. Production uses DefaultArgon2 (the
// OWASP minimum); tests use a cheaper set so that they run fast.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is m=19456 KiB, t=2, p=1.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19456, Time: 2, Threads: 1}

const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
	argonKeyLen    = 32
	argonSaltLen   = 16
)

//go:embed common_passwords.txt
var commonPasswordsFile []byte

// commonPasswords is parsed once: the list is data that never changes at run time.
var commonPasswords = func() map[string]struct{} {
	m := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := sc.Text()
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = struct{}{}
		}
	}
	return m
}()

// CommonPasswordCount is the size of the shipped list, for tests.
func CommonPasswordCount() int { return len(commonPasswords) }

// CheckPassword applies the password policy: 12 to 128 characters (not bytes, so 64
// Arabic letters count as 64), not a common password, and not containing the product
// or the user's own name. No composition rules. It returns a translation key.
func CheckPassword(pw string, userNames ...string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return "error.password_short"
	case n > MaxPasswordLen:
		return "error.password_long"
	}
	lower := strings.ToLower(pw)
	if _, ok := commonPasswords[lower]; ok {
		return "error.password_common"
	}
	if strings.Contains(lower, "awda") {
		return "error.password_contains_name"
	}
	for _, name := range userNames {
		for _, part := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
			return r == ' ' || r == '@' || r == '.' || r == '-' || r == '_'
		}) {
			if utf8.RuneCountInString(part) >= 3 && strings.Contains(lower, part) {
				return "error.password_contains_name"
			}
		}
	}
	return ""
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// VerifyPassword compares a password with a stored hash in constant time, using the
// parameters stored in the hash.
func VerifyPassword(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// RandomPassword returns a one-time password of 26 random base32 characters (128 bits),
// for accounts created by an administrator or the command line.
func RandomPassword() string { return rand.Text() }

// HashLimiter caps how many argon2id hashes run at once. Each takes MemoryKiB (19 MiB)
// for its whole run: a hundred sign-ins at once took the server from 105 MB to 2 GB.
// Past the running slots a short queue waits, each for at most Wait; beyond the queue,
// or after the wait, the work is refused with ErrBusy at once, so a storm of sign-ins
// costs neither memory nor the rest of the portal's pages.
type HashLimiter struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
	wait    time.Duration
}

// NewHashLimiter allows slots hashes at once, and queue more waiting for at most wait.
func NewHashLimiter(slots, queue int, wait time.Duration) *HashLimiter {
	return &HashLimiter{slots: make(chan struct{}, max(slots, 1)), queue: int64(queue), wait: wait}
}

// DefaultHashLimiter is sized to the machine: one hash per CPU the Go scheduler uses
// (argon2id with p=1 keeps one core busy), at most 8 (152 MiB), with a queue of 16 per
// slot waiting at most 3 seconds (a hash takes 50-100 ms on one core).
func DefaultHashLimiter() *HashLimiter {
	slots := min(max(runtime.GOMAXPROCS(0), 1), 8)
	return NewHashLimiter(slots, 16*slots, 3*time.Second)
}

// Do runs fn in a slot: at once if one is free, else after waiting in the queue; ErrBusy
// when the queue is full or the wait runs out, the context's error when it ends first.
func (l *HashLimiter) Do(ctx context.Context, fn func()) error {
	select {
	case l.slots <- struct{}{}:
	default:
		if l.waiting.Add(1) > l.queue {
			l.waiting.Add(-1)
			return ErrBusy
		}
		t := time.NewTimer(l.wait)
		select {
		case l.slots <- struct{}{}:
			l.waiting.Add(-1)
			t.Stop()
		case <-t.C:
			l.waiting.Add(-1)
			return ErrBusy
		case <-ctx.Done():
			l.waiting.Add(-1)
			t.Stop()
			return ctx.Err()
		}
	}
	defer func() { <-l.slots }()
	fn()
	return nil
}

// hash is HashPassword in a slot of the store's limiter.
func (s *UserStore) hash(ctx context.Context, pw string) (string, error) {
	var h string
	var err error
	if lerr := s.Hashing.Do(ctx, func() { h, err = HashPassword(pw, s.argon) }); lerr != nil {
		return "", lerr
	}
	return h, err
}

// verify is VerifyPassword in a slot of the store's limiter.
func (s *UserStore) verify(ctx context.Context, pw, encoded string) (bool, error) {
	var ok bool
	var err error
	if lerr := s.Hashing.Do(ctx, func() { ok, err = VerifyPassword(pw, encoded) }); lerr != nil {
		return false, lerr
	}
	return ok, err
}
