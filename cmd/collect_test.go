package cmd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runningCollect is `ttmon collect` running in this process.
type runningCollect struct {
	stderr *lockedBuffer
	cancel context.CancelFunc
	done   chan int
	url    string // from the start line
	ops    string // the --metrics-listen address, if any
}

var startRE = regexp.MustCompile(`listening on (https?://\S+?),`)
var opsRE = regexp.MustCompile(`/metrics on (http://\S+)`)

// startCollect runs collect until stop, returning once its start line is
// out (or failing the test if it exits first).
func startCollect(t *testing.T, args ...string) *runningCollect {
	t.Helper()
	env := isolated(t)
	ctx, cancel := context.WithCancel(context.Background())
	rc := &runningCollect{stderr: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	var out bytes.Buffer
	full := append([]string{"collect", "--db", filepath.Join(t.TempDir(), "events.db"), "--token", "phc_t"}, args...)
	go func() {
		rc.done <- Run(ctx, full, strings.NewReader(""), &out, rc.stderr, func(k string) string { return env[k] })
	}()
	t.Cleanup(cancel)
	for {
		if m := startRE.FindStringSubmatch(rc.stderr.String()); m != nil {
			rc.url = m[1]
			if o := opsRE.FindStringSubmatch(rc.stderr.String()); o != nil {
				rc.ops = strings.TrimSuffix(o[1], ";")
			}
			return rc
		}
		select {
		case code := <-rc.done:
			t.Fatalf("collect exited %d before its start line: %s", code, rc.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stop cancels the command (SIGTERM's path) and returns its stderr.
func (rc *runningCollect) stop(t *testing.T) string {
	t.Helper()
	rc.cancel()
	if code := <-rc.done; code != 0 {
		t.Fatalf("collect exited %d: %s", code, rc.stderr.String())
	}
	return rc.stderr.String()
}

func TestCollectStartLineAndSummary(t *testing.T) {
	rc := startCollect(t, "--listen", "127.0.0.1:0")
	line := rc.stderr.String()
	for _, want := range []string{"storing into", "(0 events)", "1 token(s)", "/batch /capture", "/healthz /readyz /metrics"} {
		if !strings.Contains(line, want) {
			t.Errorf("start line lacks %q: %s", want, line)
		}
	}
	body := `{"api_key":"phc_t","batch":[{"event":"e","distinct_id":"a","uuid":"0190a0b0-0000-7000-8000-00000000000a"},{"event":"e","distinct_id":"b"}]}`
	for range 2 {
		resp, err := http.Post(rc.url+"/batch/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Post(rc.url+"/batch/", "application/json", strings.NewReader(`{"api_key":"phc_x","batch":[{"event":"e","distinct_id":"a"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, err := http.Get(rc.url + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	out := rc.stop(t)
	want := "events accepted, 1 duplicates, 0 dropped; 1 requests rejected (invalid_api_key 1)"
	if !strings.Contains(out, "ttmon collect: stopped after ") || !strings.Contains(out, "3 "+want) {
		t.Errorf("summary: want %q in:\n%s", want, out)
	}
}

func TestCollectRefusesPlainHTTPOnOpenAddress(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	code, _, errs := run(t, env, "collect", "--listen", "0.0.0.0:0", "--db", db, "--token", "phc_t")
	if code == 0 || !strings.Contains(errs, "refusing to serve plain HTTP") || !strings.Contains(errs, "--tls-cert") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, _, errs = run(t, env, "collect", "--db", db, "--token", "phc_t", "--tls-cert", "x.pem")
	if code == 0 || !strings.Contains(errs, "--tls-key") {
		t.Fatalf("cert without key: exit %d: %s", code, errs)
	}
	rc := startCollect(t, "--listen", "0.0.0.0:0", "--insecure-http")
	if out := rc.stop(t); !strings.Contains(out, "warning: --insecure-http") {
		t.Errorf("no warning for --insecure-http:\n%s", out)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 named cn and
// its key, and returns a pool trusting it.
func writeCert(t *testing.T, certFile, keyFile, cn string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4zero},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// tlsGet fetches url trusting only pool and returns the body and the
// certificate's common name.
func tlsGet(t *testing.T, url string, pool *x509.CertPool) (string, string, error) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.TLS.PeerCertificates[0].Subject.CommonName, nil
}

func TestCollectServesTLSAndReloads(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool1 := writeCert(t, certFile, keyFile, "first")
	// Open to other machines is fine with TLS: no --insecure-http needed.
	rc := startCollect(t, "--listen", "0.0.0.0:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(rc.url, "https://") {
		t.Fatalf("start line URL %q is not https", rc.url)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(rc.url, "https://"))
	url := "https://127.0.0.1:" + port + "/healthz"
	body, cn, err := tlsGet(t, url, pool1)
	if err != nil || body != "ok\n" || cn != "first" {
		t.Fatalf("first certificate: %q %q %v", body, cn, err)
	}
	// Plain HTTP to the TLS port gets no answer a PostHog client accepts.
	if resp, err := http.Get(strings.Replace(url, "https://", "http://", 1)); err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS port")
		}
		resp.Body.Close()
	}

	// Renewal: new files in place; their mtime moves on.
	pool2 := writeCert(t, certFile, keyFile, "second")
	later := time.Now().Add(time.Minute)
	os.Chtimes(certFile, later, later)
	os.Chtimes(keyFile, later, later)
	body, cn, err = tlsGet(t, url, pool2)
	if err != nil || cn != "second" {
		t.Fatalf("after renewal: %q %q %v", body, cn, err)
	}
	// A half-written renewal keeps the last good certificate.
	os.WriteFile(keyFile, []byte("-----BEGIN EC PRIVATE"), 0o600)
	evenLater := later.Add(time.Minute)
	os.Chtimes(keyFile, evenLater, evenLater)
	if _, cn, err = tlsGet(t, url, pool2); err != nil || cn != "second" {
		t.Fatalf("after a broken key file: %q %v", cn, err)
	}
	rc.stop(t)
}

func TestCollectMetricsListen(t *testing.T) {
	rc := startCollect(t, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0")
	if rc.ops == "" {
		t.Fatalf("start line names no metrics address: %s", rc.stderr.String())
	}
	resp, err := http.Get(rc.ops + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics address: %v %v", resp, err)
	}
	resp.Body.Close()
	// Metrics on their own address are not also on the collector's.
	resp, err = http.Get(rc.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("/metrics also served on the collector's address")
	}
	rc.stop(t)
	if got := metricsAddr(":9108"); got != "127.0.0.1:9108" {
		t.Errorf("metricsAddr(:9108) = %q", got)
	}
}
