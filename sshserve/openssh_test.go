package sshserve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
)

// TestOpenSSHClient: a real OpenSSH client (ssh -tt on a pseudo-terminal,
// NO_COLOR sent with SetEnv) gets the first frame at its window's size,
// without colour, redraws at the new size when its window shrinks (80x24,
// then below the minimum at 50x12), and
// leaves with exit status 0 on q. The screen is read through a terminal
// emulator, as a person would see it.
func TestOpenSSHClient(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no OpenSSH client on PATH; .ci/run installs openssh-client") // a skip would hide the check
		}
		t.Skip("no OpenSSH client (ssh) on PATH; apt-get install openssh-client")
	}
	t.Parallel()
	dir := t.TempDir()
	key, ak := openSSHKey(t, dir)
	h := start(t, func(o *Options) { o.AuthorizedKeysPath = ak })
	_, port, _ := net.SplitHostPort(h.addr)
	cmd := exec.Command(sshBin, "-F", "/dev/null", "-tt", "-p", port, "-i", key,
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "SetEnv=NO_COLOR=1",
		"ops@127.0.0.1")
	cmd.Env = []string{"TERM=xterm-256color", "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); tty.Close() })
	scr := newScreen(120, 40)
	go io.Copy(scr, tty)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// 120x40 is the 2x2 grid: two pane titles share a line.
	scr.wait(t, exited, "the 120x40 grid", func(lines []string) bool {
		return strings.HasPrefix(lines[0], " ttmon │") && anyLine(lines, "Active installations", "Versions") &&
			anyLine(lines, "Platforms", "Deployment") && strings.Contains(lines[39], "? help")
	})
	if c := colours(scr.raw()); len(c) > 0 {
		t.Errorf("NO_COLOR was sent, yet the session wrote colours: %q", c)
	}

	// 80x24 stacks the panes, one title per line, full width.
	scr.resize(80, 24)
	if err := pty.Setsize(tty, &pty.Winsize{Cols: 80, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	scr.wait(t, exited, "the 80x24 stack", func(lines []string) bool {
		return len(lines) == 24 && strings.HasPrefix(lines[0], " ttmon │") && !anyLine(lines, "Active installations", "Versions") &&
			anyLine(lines, "Active installations") && anyLine(lines, "Versions") && strings.Contains(lines[23], "? help")
	})

	// 50x12 is below the minimum: the screen says so and what it needs.
	scr.resize(50, 12)
	if err := pty.Setsize(tty, &pty.Winsize{Cols: 50, Rows: 12}); err != nil {
		t.Fatal(err)
	}
	scr.wait(t, exited, "the too-small screen at 50x12", func(lines []string) bool {
		return anyLine(lines, "terminal too small") && anyLine(lines, "need 60x16, have 50x12")
	})

	if _, err := tty.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ssh after q: %v, want exit status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ssh still running 20 s after q")
	}
}

// openSSHKey writes an ed25519 private key in OpenSSH's format (mode 0600,
// as ssh insists) and an authorized_keys file holding its public half.
func openSSHKey(t *testing.T, dir string) (key, authorized string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key, authorized = filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(key, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(authorized, gossh.MarshalAuthorizedKey(sp), 0o600); err != nil {
		t.Fatal(err)
	}
	return key, authorized
}

// sgr is a Select Graphic Rendition sequence: its parameters.
var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colours lists the SGR sequences in out that set a colour (foreground or
// background, 16, 256 or true colour); bold, underline and reverse are not
// colours.
func colours(out string) []string {
	var found []string
	for _, m := range sgr.FindAllStringSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if n >= 30 && n <= 49 && n != 39 && n != 49 || n >= 90 && n <= 107 {
				found = append(found, m[0])
				break
			}
		}
	}
	return found
}

// anyLine reports whether one line holds every string.
func anyLine(lines []string, want ...string) bool {
	for _, l := range lines {
		all := true
		for _, w := range want {
			all = all && strings.Contains(l, w)
		}
		if all {
			return true
		}
	}
	return false
}

// screen is a terminal emulator fed with the client's output, keeping the
// raw bytes too. Its answers to terminal queries are dropped: the server
// never waits for them.
type screen struct {
	mu  sync.Mutex
	em  *vt.Emulator
	out bytes.Buffer
}

func newScreen(w, h int) *screen {
	s := &screen{em: vt.NewEmulator(w, h)}
	go io.Copy(io.Discard, s.em)
	return s
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.Write(p)
	return s.em.Write(p)
}

func (s *screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.em.Resize(w, h)
}

func (s *screen) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(s.em.String(), "\n")
}

func (s *screen) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// wait waits until the screen satisfies ok, failing if the client exits
// first or nothing matches for 20 s (a hang guard, not a timing).
func (s *screen) wait(t *testing.T, exited <-chan error, what string, ok func([]string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok(s.lines()) {
		select {
		case err := <-exited:
			t.Fatalf("ssh exited (%v) before %s:\n%s", errors.Join(err), what, strings.Join(s.lines(), "\n"))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on screen:\n%s", what, strings.Join(s.lines(), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
