// Command ttmon is a terminal live monitor for TimeTracker's product
// analytics and installation telemetry.
package main

import (
	"os"
	_ "time/tzdata" // --tz must work on machines without a zoneinfo database

	"github.com/ttmon/ttmon/cmd"
)

func main() { os.Exit(cmd.Execute()) }
