package embedded

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const childEnv = "TTMON_EMBEDDED_KILL_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		childIngest(path)
		return
	}
	if os.Getenv(HTTPChildEnv) != "" {
		httpChild()
		return
	}
	os.Exit(m.Run())
}

// childIngest ingests batches of 10 forever, printing each batch number
// once Ingest has returned, until the parent kills it.
func childIngest(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for b := 0; ; b++ {
		evs := make([]Event, 10)
		for i := range evs {
			evs[i] = hb(fmt.Sprintf("inst%d", i), at(1, 0).Add(time.Duration(b)*time.Second), "1.0.0")
			evs[i].UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", b*10+i)
		}
		if _, err := s.Ingest(context.Background(), evs); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("acked", b)
	}
}

// TestKill9 is the durability promise of synchronous=NORMAL under WAL:
// every batch Ingest acknowledged survives kill -9 of the process.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "ttmon.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		n, err := strconv.Atoi(strings.TrimPrefix(line, "acked "))
		if err != nil {
			t.Fatalf("child: %s", line)
		}
		last = n
		if last >= 40 {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if last < 40 {
		t.Fatalf("child acknowledged only %d batches", last+1)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var acked, total int
	err = s.rdb.QueryRow(`SELECT
		(SELECT count(*) FROM events WHERE uuid IS NOT NULL AND ts <= ?),
		(SELECT count(*) FROM events)`, at(1, 0).Add(time.Duration(last)*time.Second).UnixMilli()).Scan(&acked, &total)
	if err != nil {
		t.Fatal(err)
	}
	if acked != (last+1)*10 || total < acked {
		t.Fatalf("after kill -9: %d of %d acknowledged events, %d in total", acked, (last+1)*10, total)
	}
}
