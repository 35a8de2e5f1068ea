package cmd

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func (a *app) manCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "man",
		Short: "Print the man page, or write one per command with --dir",
		Long: `man prints ttmon(1), generated from the same command tree as --help, so it
lists exactly the flags this binary has. With --dir it writes a page per
command (ttmon.1, ttmon-collect.1, ...) into that directory:

  ttmon man | man -l -
  sudo ttmon man --dir /usr/local/share/man/man1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root := cmd.Root()
			hdr := &doc.GenManHeader{
				Title:   "TTMON",
				Section: "1",
				Source:  "ttmon " + readVersion().Version,
				Manual:  "ttmon manual",
				Date:    manDate(),
			}
			dir, _ := cmd.Flags().GetString("dir")
			if dir == "" {
				return doc.GenMan(root, hdr, a.stdout)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return fmt.Errorf("man pages into %s: %w", dir, err)
			}
			return nil
		},
	}
	c.Flags().String("dir", "", "write one page per command into this directory")
	return c
}

// manDate is the build's commit date when known, so the pages a release
// generates do not change with the day they were generated on; nil (today)
// for a build from a checkout.
func manDate() *time.Time {
	if t, err := time.Parse(time.RFC3339, readVersion().Date); err == nil {
		return &t
	}
	return nil
}
