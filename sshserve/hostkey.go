package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// HostKey is the server's identity as clients see it.
type HostKey struct {
	// Path is the private key file.
	Path string
	// Public is the public key, for a client's known_hosts.
	Public gossh.PublicKey
	// Created is true when this start generated the key.
	Created bool
}

// Fingerprint is the SHA256 fingerprint ssh prints on first connection.
func (k HostKey) Fingerprint() string { return gossh.FingerprintSHA256(k.Public) }

// EnsureHostKey loads the private host key at path, generating an ed25519
// key there first if there is none. A new key is written with mode 0600,
// and missing directories above it are created 0700.
//
// ttmon does this itself rather than through wish.WithHostKeyPath's
// generator (charmbracelet/keygen), which also chmods an existing parent
// directory to 0700: --host-key /tmp/k would have locked everyone else
// out of /tmp. wish.WithHostKeyPath then only loads the file.
//
// An existing key readable by group or others is refused, as OpenSSH
// refuses such private keys.
func EnsureHostKey(path string) (HostKey, error) {
	if path == "" {
		return HostKey{}, errors.New("no host key path: pass --host-key")
	}
	created := false
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := generateHostKey(path); err != nil {
			return HostKey{}, err
		}
		created = true
	case err != nil:
		return HostKey{}, fmt.Errorf("host key: %w", err)
	case !info.Mode().IsRegular():
		return HostKey{}, fmt.Errorf("host key %s is not a file", path)
	case info.Mode().Perm()&0o077 != 0:
		return HostKey{}, fmt.Errorf("host key %s is readable by others (mode %04o): run chmod 600 %s", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return HostKey{}, fmt.Errorf("host key: %w", err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return HostKey{}, fmt.Errorf("host key %s: %w (remove it to have a new one generated)", path, err)
	}
	return HostKey{Path: path, Public: signer.PublicKey(), Created: created}, nil
}

func generateHostKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("host key directory: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "ttmon ssh host key")
	if err != nil {
		return fmt.Errorf("encode host key: %w", err)
	}
	// O_EXCL: two servers starting at once must not overwrite each other's
	// key after a client has learnt one of them.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write host key: %w", err)
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write host key: %w", err)
	}
	return f.Close()
}
