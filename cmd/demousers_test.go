package cmd

import (
	"testing"

	"github.com/spf13/pflag"
)

// TestDemoUsersFollowInstalls: --installs 50 alone simulates 200 users
// (the default fleet's four per installation), not the default 2,000;
// --users still wins.
func TestDemoUsersFollowInstalls(t *testing.T) {
	a := &app{}
	for _, tt := range []struct {
		args  []string
		users int
	}{
		{nil, 2000},
		{[]string{"--installs", "50"}, 200},
		{[]string{"--installs", "50", "--users", "7"}, 7},
	} {
		f := pflag.NewFlagSet("demo", pflag.ContinueOnError)
		f.AddFlagSet(a.demoCmd().Flags())
		if err := f.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		c, err := simConfig(f)
		if err != nil {
			t.Fatal(err)
		}
		if c.Users != tt.users {
			t.Errorf("%v: %d users, want %d", tt.args, c.Users, tt.users)
		}
	}
}
