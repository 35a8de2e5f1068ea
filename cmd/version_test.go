package cmd

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.1",
		Main:      debug.Module{Path: "github.com/ttmon/ttmon", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
			{Key: "CGO_ENABLED", Value: "0"},
			{Key: "GOOS", Value: "darwin"},
			{Key: "GOARCH", Value: "arm64"},
		},
	}
	v := versionFrom(bi, "", "", "")
	want := "ttmon devel (commit 0123456789ab+modified, built 2026-11-30T10:00:00Z, go1.26.1 darwin/arm64, static (CGO_ENABLED=0))"
	if got := v.line(); got != want {
		t.Errorf("line:\n got %s\nwant %s", got, want)
	}
	// A release's stamps win over what the build info says.
	v = versionFrom(bi, "v1.2.3", "fedcba98", "2026-12-01T00:00:00Z")
	want = "ttmon v1.2.3 (commit fedcba98, built 2026-12-01T00:00:00Z, go1.26.1 darwin/arm64, static (CGO_ENABLED=0))"
	if got := v.line(); got != want {
		t.Errorf("stamped line:\n got %s\nwant %s", got, want)
	}
	// Stamps without git metadata behind them keep what the build knew.
	v = versionFrom(bi, "0.0.1-next", "none", "0001-01-01T00:00:00Z")
	if v.Commit != "0123456789ab" || v.Date != "2026-11-30T10:00:00Z" {
		t.Errorf("empty stamps: %+v", v)
	}
	// `go install module@v1.2.3` records the version in Main.
	bi.Main.Version = "v0.4.0"
	bi.Settings = []debug.BuildSetting{{Key: "CGO_ENABLED", Value: "1"}}
	v = versionFrom(bi, "", "", "")
	if v.Version != "v0.4.0" || !strings.Contains(v.line(), "dynamically linked") || !strings.Contains(v.line(), "commit unknown") {
		t.Errorf("installed: %s", v.line())
	}
	if v := versionFrom(nil, "", "", ""); v.Version != "devel" || v.Go != runtime.Version() {
		t.Errorf("no build info: %+v", v)
	}
}

func TestVersionCommands(t *testing.T) {
	env := isolated(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, out, errs := run(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		for _, want := range []string{"ttmon ", runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH, "commit", "built"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
		if !strings.Contains(out, "static") && !strings.Contains(out, "linked") && !strings.Contains(out, "linking") {
			t.Errorf("%v: output does not say how it is linked:\n%s", args, out)
		}
	}
	_, long, _ := run(t, env, "version")
	if n := strings.Count(long, "\n"); n != 5 {
		t.Errorf("ttmon version prints %d lines, want 5:\n%s", n, long)
	}
}
