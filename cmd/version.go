package cmd

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Release builds stamp these with -ldflags "-X
// github.com/ttmon/ttmon/cmd.version=v1.2.3 -X ...cmd.commit=... -X
// ...cmd.date=..." (see .goreleaser.yaml). A plain `go build` leaves them
// empty and the module's build info (VCS stamps) fills in what it knows.
var (
	version = ""
	commit  = ""
	date    = ""
)

// versionInfo is what `ttmon version` reports about the running binary.
type versionInfo struct {
	Version  string // v1.2.3, or "devel" for a build from a checkout
	Commit   string // short VCS revision, "" when unknown
	Modified bool   // built from a work tree with uncommitted changes
	Date     string // commit or release date, RFC 3339; "" when unknown
	Go       string // go1.26.x
	Platform string // GOOS/GOARCH
	CGO      string // "0", "1", or "" when the build info does not say
}

// static reports whether the binary needs no C library at run time: Go
// links statically unless cgo is on (the resolver and os/user pull in libc).
func (v versionInfo) static() string {
	switch v.CGO {
	case "0":
		return "static (CGO_ENABLED=0)"
	case "1":
		return "dynamically linked (CGO_ENABLED=1)"
	}
	return "linking unknown"
}

// readVersion merges the ldflags stamps over the build info.
func readVersion() versionInfo {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(bi, version, commit, date)
}

// versionFrom is readVersion with its inputs given, so tests can feed it
// build info of their own.
func versionFrom(bi *debug.BuildInfo, stampVersion, stampCommit, stampDate string) versionInfo {
	v := versionInfo{Version: "devel", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			v.Go = bi.GoVersion
		}
		// `go install module@v1.2.3` records the tag; a checkout says (devel).
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			v.Version = mv
		}
		var goos, goarch string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Date = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			case "CGO_ENABLED":
				v.CGO = s.Value
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
		if goos != "" && goarch != "" {
			v.Platform = goos + "/" + goarch
		}
	}
	// Release tooling stamps "none" and the zero time when the checkout
	// had no git metadata: those say nothing.
	if stampVersion != "" {
		v.Version = stampVersion
	}
	if stampCommit != "" && stampCommit != "none" {
		v.Commit, v.Modified = stampCommit, false
	}
	if stampDate != "" && !strings.HasPrefix(stampDate, "0001-01-01") {
		v.Date = stampDate
	}
	if len(v.Commit) > 12 {
		v.Commit = v.Commit[:12]
	}
	return v
}

// line is the one-line form `ttmon --version` prints.
func (v versionInfo) line() string {
	parts := []string{"commit " + orUnknown(v.commitText())}
	parts = append(parts, "built "+orUnknown(v.Date), v.Go+" "+v.Platform, v.static())
	return fmt.Sprintf("ttmon %s (%s)", v.Version, strings.Join(parts, ", "))
}

func (v versionInfo) commitText() string {
	if v.Commit != "" && v.Modified {
		return v.Commit + "+modified"
	}
	return v.Commit
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// write prints the long form `ttmon version` prints.
func (v versionInfo) write(w io.Writer) {
	fmt.Fprintf(w, "ttmon %s\n", v.Version)
	fmt.Fprintf(w, "  commit    %s\n", orUnknown(v.commitText()))
	fmt.Fprintf(w, "  built     %s\n", orUnknown(v.Date))
	fmt.Fprintf(w, "  go        %s %s\n", v.Go, v.Platform)
	fmt.Fprintf(w, "  binary    %s\n", v.static())
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date, Go version and linking",
		Long: `version prints what this binary is: its version (a release's tag, or
"devel" for a build from a checkout), the commit and date it was built from,
the Go version and platform, and whether it is a static binary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			readVersion().write(a.stdout)
			return nil
		},
	}
}
