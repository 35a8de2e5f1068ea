package sshserve

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/tui"
)

func TestAuthorizedKeysReloadedOnChange(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	other := newSigner(t)
	if _, err := h.dial(gossh.PublicKeys(other)); err == nil {
		t.Fatal("a key not in the file got in")
	}
	path := filepath.Join(h.dir, "authorized_keys")
	line := "# ops team\n\n" + string(gossh.MarshalAuthorizedKey(other.PublicKey()))
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := h.dial(gossh.PublicKeys(other))
	if err != nil {
		t.Fatalf("a key added to the file: %v", err)
	}
	c.Close()
	if _, err := h.dial(gossh.PublicKeys(h.key)); err == nil {
		t.Error("a key removed from the file still got in")
	}
	os.Remove(path)
	if _, err := h.dial(gossh.PublicKeys(other)); err == nil {
		t.Error("with the file gone, nobody may get in")
	}
}

func TestAuthorizedKeysOptions(t *testing.T) {
	t.Parallel()
	k := newSigner(t)
	pub := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.PublicKey())))
	local := netip.MustParseAddr("127.0.0.1")
	cases := []struct {
		opts string
		ok   bool
		why  string
	}{
		{"", true, ""},
		{`from="127.0.0.*"`, true, ""},
		{`from="10.0.0.0/8,127.0.0.0/8"`, true, ""},
		{`from="10.0.0.1"`, false, ""},
		{`from="127.0.0.*,!127.0.0.1"`, false, ""},
		{`from="localhost"`, false, ""}, // names are not looked up
		{"no-port-forwarding,no-agent-forwarding", true, ""},
		{"restrict,pty", true, ""},
		{"restrict", false, "restrict without pty"},
		{"no-pty", false, "no-pty"},
		{`command="rsync --server"`, false, "command="},
		{`expiry-time="20990101"`, false, "not supported"},
	}
	for _, c := range cases {
		line := pub
		if c.opts != "" {
			line = c.opts + " " + pub
		}
		key, why := parseAuthorizedLine([]byte(line))
		if c.why != "" {
			if !strings.Contains(why, c.why) {
				t.Errorf("%s: skipped because %q, want %q", c.opts, why, c.why)
			}
			continue
		}
		if why != "" {
			t.Errorf("%s: skipped: %s", c.opts, why)
			continue
		}
		if got := key.from == nil || matchFrom(key.from, local); got != c.ok {
			t.Errorf("%s from 127.0.0.1: allowed %v, want %v", c.opts, got, c.ok)
		}
	}
	if _, why := parseAuthorizedLine([]byte("ssh-ed25519 AAAAnotbase64!")); why == "" {
		t.Error("a broken key line was used")
	}
}

func TestStartRefusedWithoutAuthorizedKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{HostKeyPath: filepath.Join(dir, "host"), AuthorizedKeysPath: filepath.Join(dir, "missing")}
	if _, err := New(nil, o); err == nil || !strings.Contains(err.Error(), "no authorized keys file") {
		t.Errorf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nobody yet\nnot a key\n"), 0o600)
	o.AuthorizedKeysPath = empty
	if _, err := New(nil, o); err == nil || !strings.Contains(err.Error(), "no usable public key") {
		t.Errorf("file without keys: %v", err)
	}
}

func TestOpenHostKeyRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "key")
	if _, err := EnsureHostKey(path); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if _, err := EnsureHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable host key: %v", err)
	}
}

func TestHostKeyInExistingDirectoryLeavesItAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	if _, err := EnsureHostKey(filepath.Join(dir, "key")); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o755 {
		t.Errorf("an existing directory's mode changed to %04o", info.Mode().Perm())
	}
}

func TestLimiterRefillsPerAddress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 10*time.Second, func() time.Time { return now })
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 2 {
		if ok, _ := l.allow(a); !ok {
			t.Fatalf("connection %d within the burst refused", i+1)
		}
	}
	if ok, first := l.allow(a); ok || !first {
		t.Errorf("over the burst: ok %v first %v", ok, first)
	}
	if ok, first := l.allow(a); ok || first {
		t.Errorf("again: ok %v first %v, want refused and not logged again", ok, first)
	}
	if ok, _ := l.allow(b); !ok {
		t.Error("another address shares the bucket")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.allow(a); !ok {
		t.Error("no token after one interval")
	}
	if ok, _ := l.allow(a); ok {
		t.Error("two tokens after one interval")
	}
}

func TestLimiterBounded(t *testing.T) {
	l := newLimiter(1, time.Second, time.Now)
	for i := range maxBuckets + 10 {
		l.allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	if len(l.buckets) > maxBuckets {
		t.Errorf("%d buckets kept, want at most %d", len(l.buckets), maxBuckets)
	}
}

func TestSessionOptionsFromTheClient(t *testing.T) {
	t.Parallel()
	ui := tui.Options{Range: "7d", SaveCohort: func(cohort.Cohort, bool) error { return nil }}
	o := sessionOptions(ui, []string{"COLORFGBG=0;15", "NO_COLOR=1"}, "xterm-256color", nil)
	if o.SaveCohort != nil || !strings.Contains(o.SaveCohortDisabled, "SSH viewers") {
		t.Errorf("an SSH viewer can write the server's config file, or is not told why not (%q)", o.SaveCohortDisabled)
	}
	if !o.NoColor || o.Theme != "light" || o.Range != "7d" {
		t.Errorf("options %+v: want NoColor from the client's NO_COLOR, light from its COLORFGBG, the server's range", o)
	}
	if o.Profile != colorprofile.ASCII {
		t.Errorf("NO_COLOR profile %v, want ASCII (bold and reverse still shown)", o.Profile)
	}
	o = sessionOptions(tui.Options{}, nil, "xterm-256color", nil)
	if o.NoColor || o.Theme != "dark" || o.Profile != colorprofile.ANSI256 {
		t.Errorf("plain xterm-256color: NoColor %v theme %q profile %v", o.NoColor, o.Theme, o.Profile)
	}
	if o := sessionOptions(tui.Options{}, []string{"COLORTERM=truecolor"}, "xterm", nil); o.Profile != colorprofile.TrueColor {
		t.Errorf("COLORTERM=truecolor sent by the client: profile %v", o.Profile)
	}
	if p := sessionOptions(tui.Options{}, nil, "dumb", nil).Profile; p != colorprofile.NoTTY {
		t.Errorf("TERM=dumb profile %v, want none", p)
	}
}
