package models

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinTOTPKeyLen is the shortest key accepted for two-step secrets (AWDA_TOTP_KEY).
const MinTOTPKeyLen = 32

// sealedPrefix starts every encrypted two-step secret: "enc1:KEYID:BASE64". A secret
// without it is one saved in clear before encryption, read as it is and encrypted at
// the next start of the server or the next use.
const sealedPrefix = "enc1:"

// SecretKeys encrypt two-step secrets (users.totp_secret) at rest with AES-256-GCM. The
// current key encrypts; it and the old keys decrypt, each found by the id written
// before the ciphertext, so a key can be replaced without losing an enrolment: give the
// new key, keep the old one among the old keys until every secret has been encrypted
// again (SealTOTPSecrets, run by the server at start). The user id is the associated
// data: a secret copied onto another account does not decrypt.
type SecretKeys struct {
	current secretKey
	byID    map[string]secretKey
}

type secretKey struct {
	id   string
	aead cipher.AEAD
}

// ErrNoTOTPKey is a two-step secret to encrypt or decrypt without the key for it.
var ErrNoTOTPKey = errors.New("no key for this two-step secret (AWDA_TOTP_KEY, AWDA_TOTP_OLD_KEYS)")

// NewSecretKeys builds the key ring from the current key and any old ones, each at least
// MinTOTPKeyLen characters.
func NewSecretKeys(current string, old ...string) (*SecretKeys, error) {
	k := &SecretKeys{byID: map[string]secretKey{}}
	for i, raw := range append([]string{current}, old...) {
		if len(raw) < MinTOTPKeyLen {
			return nil, fmt.Errorf("a two-step secrets key must be at least %d characters", MinTOTPKeyLen)
		}
		sum := sha256.Sum256([]byte("awda-totp-key:" + raw))
		block, err := aes.NewCipher(sum[:])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		idSum := sha256.Sum256([]byte("awda-totp-key-id:" + raw))
		sk := secretKey{id: hex.EncodeToString(idSum[:4]), aead: aead}
		if i == 0 {
			k.current = sk
		}
		k.byID[sk.id] = sk
	}
	return k, nil
}

// CurrentID names the current key (written in each ciphertext), for the logs.
func (k *SecretKeys) CurrentID() string { return k.current.id }

func secretAAD(userID uint) []byte { return fmt.Appendf(nil, "awda-totp-secret:%d", userID) }

// Seal encrypts a user's two-step secret with the current key.
func (k *SecretKeys) Seal(userID uint, secret string) (string, error) {
	if k == nil {
		return "", ErrNoTOTPKey
	}
	nonce := make([]byte, k.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := k.current.aead.Seal(nonce, nonce, []byte(secret), secretAAD(userID))
	return sealedPrefix + k.current.id + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts a stored two-step secret. current is false when it should be encrypted
// again: saved in clear, or with an old key.
func (k *SecretKeys) Open(userID uint, stored string) (secret string, current bool, err error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, stored == "", nil
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false, errors.New("malformed two-step secret")
	}
	if k == nil {
		return "", false, ErrNoTOTPKey
	}
	sk, ok := k.byID[id]
	if !ok {
		return "", false, fmt.Errorf("key %s: %w", id, ErrNoTOTPKey)
	}
	ct, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(ct) < sk.aead.NonceSize() {
		return "", false, errors.New("malformed two-step secret")
	}
	pt, err := sk.aead.Open(nil, ct[:sk.aead.NonceSize()], ct[sk.aead.NonceSize():], secretAAD(userID))
	if err != nil {
		return "", false, fmt.Errorf("decrypt two-step secret: %w", err)
	}
	return string(pt), id == k.current.id, nil
}

// totpSecret decrypts a user's stored secret and, when it was in clear or under an old
// key, saves it again under the current key (only if nobody changed it meanwhile).
func (s *UserStore) totpSecret(ctx context.Context, userID uint, stored string) (string, error) {
	secret, current, err := s.TOTPKeys.Open(userID, stored)
	if err != nil || current || s.TOTPKeys == nil {
		return secret, err
	}
	sealed, err := s.TOTPKeys.Seal(userID, secret)
	if err != nil {
		return "", err
	}
	if err := s.db.Write.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_secret = ?", userID, stored).
		Update("totp_secret", sealed).Error; err != nil {
		return "", fmt.Errorf("encrypt two-step secret: %w", err)
	}
	return secret, nil
}

// SealTOTPSecrets encrypts under the current key every two-step secret saved in clear
// (before encryption existed) or under an old key; the server runs it at start, since
// the migration that prepared the column has no key. It returns how many it encrypted
// and how many it could not read (a key missing from AWDA_TOTP_OLD_KEYS).
func (s *UserStore) SealTOTPSecrets(ctx context.Context) (sealed, unreadable int, err error) {
	var rows []struct {
		ID         uint
		TOTPSecret string `gorm:"column:totp_secret"`
	}
	if err := s.db.Read.WithContext(ctx).Model(&User{}).Where("totp_secret <> ''").
		Select("id, totp_secret").Scan(&rows).Error; err != nil {
		return 0, 0, fmt.Errorf("read two-step secrets: %w", err)
	}
	for _, r := range rows {
		if _, current, err := s.TOTPKeys.Open(r.ID, r.TOTPSecret); err != nil {
			unreadable++
			continue
		} else if current {
			continue
		}
		if _, err := s.totpSecret(ctx, r.ID, r.TOTPSecret); err != nil {
			return sealed, unreadable, err
		}
		sealed++
	}
	return sealed, unreadable, nil
}
