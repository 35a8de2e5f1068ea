package collector

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// CertReloader serves a certificate and key from PEM files and reloads
// them when either file changes (its modification time or size), so a
// renewed certificate (certbot, cert-manager, acme.sh) is used from the
// next handshake on without a restart. Its GetCertificate goes in
// tls.Config.
type CertReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	certSig fileSig
	keySig  fileSig
}

// fileSig is what tells a changed file from the one loaded.
type fileSig struct {
	mod  time.Time
	size int64
}

func sigOf(path string) (fileSig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileSig{}, err
	}
	return fileSig{fi.ModTime(), fi.Size()}, nil
}

// NewCertReloader loads the pair once, so a wrong path or a key that does
// not match fails at start rather than at the first client.
func NewCertReloader(certFile, keyFile string, log *slog.Logger) (*CertReloader, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &CertReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := r.load(); err != nil {
		return nil, err
	}
	return r, nil
}

// load reads both files; the caller holds mu or is NewCertReloader.
func (r *CertReloader) load() error {
	cs, err := sigOf(r.certFile)
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	ks, err := sigOf(r.keyFile)
	if err != nil {
		return fmt.Errorf("TLS key: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w (both PEM; the key must belong to the certificate)", r.certFile, r.keyFile, err)
	}
	r.cert, r.certSig, r.keySig = &cert, cs, ks
	return nil
}

// GetCertificate returns the current certificate, reloading it first if a
// file changed. A reload that fails (a half-written file during renewal)
// keeps the certificate already loaded and is tried again at the next
// handshake.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cs, cerr := sigOf(r.certFile)
	ks, kerr := sigOf(r.keyFile)
	if cerr == nil && kerr == nil && (cs != r.certSig || ks != r.keySig) {
		old := r.cert
		if err := r.load(); err != nil {
			r.cert = old
			r.log.Warn("TLS certificate changed but does not load; still serving the previous one", "err", err)
		} else {
			r.log.Info("TLS certificate reloaded", "cert", r.certFile)
		}
	}
	return r.cert, nil
}

// TLSConfig is the server configuration for r: TLS 1.2 or newer, the
// certificate from r.
func (r *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}
}
