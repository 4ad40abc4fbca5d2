// Command ferretdb-embedded runs FerretDB as the project's embedded
// MongoDB-compatible server, on PostgreSQL (the default: equality filters run
// in SQL, see docs/decisions/070) or on SQLite (the former default, kept to
// migrate old data directories and as a benchmark baseline). It exists because a plain `go install`
// of FerretDB's own cmd panics outside its build system, while the embeddable
// package works. It listens on loopback only and prints one JSON line with
// the address it bound (port 0 picks a free port) so that launchers can read it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (loopback only)")
	dataDir := flag.String("data", ".data/ferretdb", "directory holding the SQLite databases (sqlite handler)")
	handler := flag.String("handler", "postgresql", "storage backend: postgresql or sqlite")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL (postgresql handler), e.g. postgres://postgres@/ferretdb?host=/socket/dir")
	stateFile := flag.String("state-file", "", "if set, write the bound address and pid as JSON to this file")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	// FerretDB 1.24 allocates several objects per field of every document it
	// decodes, so with Go's default GOGC of 100 a large result spends about a
	// third of its time collecting garbage. A collection every 5x growth of the
	// live heap cut a whole-market day's read from 2.1 s to 1.4 s here, at
	// about 50 MiB more peak memory; the soft limit makes the collector work
	// harder before the process grows past 1 GiB. GOGC and GOMEMLIMIT in the
	// environment still win (decision 092).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}

	if err := run(*listen, *handler, *dataDir, *pgURL, *stateFile, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: %v\n", err)
		os.Exit(1)
	}
}

func run(listen, handler, dataDir, pgURL, stateFile, logLevel string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("bad -listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to listen on %q: the embedded server is for loopback only", listen)
	}

	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level %q", logLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	config := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: listen}, Logger: logger, Handler: handler}
	switch handler {
	case "postgresql":
		if pgURL == "" {
			return fmt.Errorf("the postgresql handler needs -postgresql-url")
		}
		config.PostgreSQLURL = pgURL
	case "sqlite":
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return fmt.Errorf("cannot create data directory: %w", err)
		}
		config.SQLiteURL = "file:" + abs + "/"
	default:
		return fmt.Errorf("bad -handler %q: postgresql or sqlite", handler)
	}
	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	state := map[string]any{"uri": f.MongoDBURI(), "pid": os.Getpid(), "data": abs, "handler": handler}
	if handler == "postgresql" {
		state["postgresql"] = pgURL // no password in it: trust on a private Unix socket
	}
	info, _ := json.Marshal(state)
	if stateFile != "" {
		tmp := stateFile + ".tmp"
		if err := os.WriteFile(tmp, info, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, stateFile); err != nil {
			return err
		}
		defer os.Remove(stateFile)
	}
	fmt.Println(string(info))

	<-done
	return nil
}
