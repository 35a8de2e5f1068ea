package sshserve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKeys decides who may connect, from an OpenSSH authorized_keys
// file. The file is checked on every authentication attempt (one stat) and
// parsed again when its size or modification time changed: adding or
// removing a line takes effect for the next connection without a restart.
// Sessions already open are not closed when their key is removed. A file
// that disappears or cannot be read refuses everyone until it is back.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu    sync.Mutex
	size  int64
	mtime time.Time
	keys  []authorizedKey
	err   error
}

// authorizedKey is one usable line. from holds the patterns of a from=
// option ("!" negates), which are enforced against the client's address.
type authorizedKey struct {
	key     gossh.PublicKey
	comment string
	from    []string
}

// ignoredOptions restrict things ttmon never offers (forwarding, X11, rc
// files) or only add something: a key carrying them is used as is.
var ignoredOptions = map[string]bool{
	"agent-forwarding": true, "no-agent-forwarding": true,
	"port-forwarding": true, "no-port-forwarding": true, "permitopen": true, "permitlisten": true,
	"x11-forwarding": true, "no-x11-forwarding": true, "user-rc": true, "no-user-rc": true,
	"environment": true, "tunnel": true, "pty": true,
	"no-touch-required": true, "verify-required": true,
}

// loadAuthorizedKeys parses path, for the first time; it is an error when
// the file is missing or holds no usable key, so that `ttmon ssh` refuses
// to start rather than refuse every client.
func loadAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.reload(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no authorized keys file at %s: put the public keys allowed to connect there, one per line (e.g. cat ~/.ssh/id_ed25519.pub >> %s), or pass --authorized-keys", path, path)
		}
		return nil, fmt.Errorf("authorized keys: %w", err)
	}
	if len(a.keys) == 0 {
		return nil, fmt.Errorf("%s holds no usable public key: add the keys allowed to connect, one per line as in ~/.ssh/id_ed25519.pub", path)
	}
	return a, nil
}

// CheckAuthorizedKeys reads an authorized_keys file the way the server
// will and returns how many usable keys it holds. It fails, saying what to
// do, when the file is missing or holds none, so that a command can refuse
// to start before it opens its data source.
func CheckAuthorizedKeys(path string, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a, err := loadAuthorizedKeys(path, log)
	if err != nil {
		return 0, err
	}
	return len(a.keys), nil
}

// allow reports whether key may log in from addr, and the key's comment
// for the log.
func (a *authorizedKeys) allow(key gossh.PublicKey, addr netip.Addr) (bool, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.refresh(); err != nil {
		return false, ""
	}
	want := key.Marshal()
	for _, k := range a.keys {
		if bytes.Equal(k.key.Marshal(), want) {
			return k.from == nil || matchFrom(k.from, addr), k.comment
		}
	}
	return false, ""
}

// refresh reparses the file when it changed (a.mu held). Errors are
// logged once, when they start.
func (a *authorizedKeys) refresh() error {
	info, err := os.Stat(a.path)
	if err == nil && info.Size() == a.size && info.ModTime().Equal(a.mtime) && a.err == nil {
		return nil
	}
	was := a.err
	if err == nil {
		err = a.reload()
	}
	if err != nil {
		a.keys, a.err, a.size, a.mtime = nil, err, -1, time.Time{}
		if was == nil {
			a.log.Error("authorized keys unreadable: refusing every client until fixed", "path", a.path, "err", err)
		}
		return err
	}
	a.log.Info("authorized keys reloaded", "path", a.path, "keys", len(a.keys))
	return nil
}

// reload parses the file (a.mu held). Lines that are not keys, or keys with
// options ttmon cannot honour, are skipped with a warning naming the line,
// as sshd skips what it cannot parse.
func (a *authorizedKeys) reload() error {
	f, err := os.Open(a.path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	var keys []authorizedKey
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, why := parseAuthorizedLine(line)
		if why != "" {
			a.log.Warn("authorized keys: line skipped", "path", a.path, "line", n, "why", why)
			continue
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	a.keys, a.err, a.size, a.mtime = keys, nil, info.Size(), info.ModTime()
	return nil
}

// parseAuthorizedLine returns the key of one line, or why it is not used.
func parseAuthorizedLine(line []byte) (authorizedKey, string) {
	pub, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
	if err != nil {
		return authorizedKey{}, "not a public key: " + err.Error()
	}
	k := authorizedKey{key: pub, comment: comment}
	restrict, pty := false, false
	for _, o := range opts {
		name, val, hasVal := strings.Cut(o, "=")
		name = strings.ToLower(name)
		switch {
		case name == "from" && hasVal:
			k.from = strings.Split(strings.Trim(val, `"`), ",")
		case name == "restrict":
			restrict = true
		case name == "pty":
			pty = true
		case name == "no-pty":
			return authorizedKey{}, "no-pty: ttmon needs a terminal"
		case name == "command":
			return authorizedKey{}, "command=: the key is meant for another program"
		case ignoredOptions[name]:
		default:
			// expiry-time, principals, cert-authority and anything newer:
			// ttmon does not enforce them, so it does not accept the key.
			return authorizedKey{}, "option " + name + " is not supported by ttmon"
		}
	}
	if restrict && !pty {
		return authorizedKey{}, "restrict without pty: ttmon needs a terminal"
	}
	return k, ""
}

// matchFrom applies a from= pattern list as sshd does for addresses: any
// negated match refuses, otherwise any match allows. Patterns are address
// globs (* and ?) or CIDR blocks; host names never match, since ttmon does
// not look client addresses up in DNS.
func matchFrom(patterns []string, addr netip.Addr) bool {
	ip := addr.Unmap().String()
	allowed := false
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var hit bool
		if prefix, err := netip.ParsePrefix(p); err == nil {
			hit = prefix.Contains(addr.Unmap())
		} else {
			hit, _ = path.Match(p, ip)
		}
		if hit && neg {
			return false
		}
		allowed = allowed || hit
	}
	return allowed
}
