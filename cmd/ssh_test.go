package cmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestSSHRefusesToStartWithoutKeys(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	code, _, errs := run(t, env, "ssh", "--authorized-keys", filepath.Join(dir, "none"))
	if code != 1 || !strings.Contains(errs, "no authorized keys file") || !strings.Contains(errs, "id_ed25519.pub >>") {
		t.Errorf("missing keys file: exit %d, %q", code, errs)
	}
	env["TTMON_SSH_IDLE_TIMEOUT"] = "10s"
	code, _, errs = run(t, env, "ssh", "--authorized-keys", filepath.Join(dir, "none"))
	if code != 1 || !strings.Contains(errs, "ssh.idle_timeout: 10s is too short") {
		t.Errorf("idle timeout from the environment: exit %d, %q", code, errs)
	}
}

// TestSSHServesTheConfiguredSource runs `ttmon ssh` on a seeded store,
// connects a real SSH client, and stops the command as SIGINT would.
func TestSSHServesTheConfiguredSource(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "events.db")
	seedStore(t, db, time.Now())
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	keys := filepath.Join(dir, "authorized_keys")
	os.WriteFile(keys, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600)

	// The server's NO_COLOR must not reach its viewers: this client sent
	// none, so it gets colours.
	env["NO_COLOR"] = "1"
	ctx, stop := context.WithCancel(context.Background())
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"ssh", "--db", db, "--listen", "127.0.0.1:0", "--authorized-keys", keys, "--range", "1h"},
			strings.NewReader(""), io.Discard, &stderr, func(k string) string { return env[k] })
	}()
	addrRE := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("not listening: %s", stderr.String())
		}
	}
	hostKey := filepath.Join(os.Getenv("XDG_DATA_HOME"), "ttmon", "ssh_host_ed25519")
	if info, err := os.Stat(hostKey); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("host key at the default path: %v", err)
	}

	conn, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "ops", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sess, _ := conn.NewSession()
	var out lockedBuffer
	sess.Stdout = &out
	sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{})
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	// The seeded store's figures, drawn for the SSH client: 3 active
	// installations, and the range from the command line.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s := out.String()
		if strings.Contains(s, "Active installations") && strings.Contains(s, "1h") && strings.Contains(s, "4.9.1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no monitor in the session:\n%s", s)
		}
	}
	if !regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;5;[0-9]+)m`).MatchString(out.String()) {
		t.Errorf("the server's NO_COLOR made the viewer's session monochrome")
	}
	stop()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d after interrupt: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ttmon ssh still running 15 s after interrupt")
	}
	if err := sess.Wait(); err != nil {
		t.Errorf("session at shutdown: %v", err)
	}
	if !strings.Contains(stderr.String(), "backend queries answered") {
		t.Errorf("no summary: %s", stderr.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
