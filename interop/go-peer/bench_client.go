package main

// The client side of bench mode: -bench rtt,ping,throughput,streams,setup
// -dial MA/p2p/ID measures against a bench echo server (bench.go) and prints
// one BENCH line per mode.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	ma "github.com/multiformats/go-multiaddr"
)

func runBench(h host.Host, cfg config) int {
	deadline := time.Now().Add(time.Duration(cfg.bench.timeout) * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	defer h.Close()
	if len(cfg.dial) != 1 {
		log.Printf("-bench %s needs exactly one -dial", cfg.bench.modes)
		return 2
	}
	maddr, err := ma.NewMultiaddr(cfg.dial[0])
	if err != nil {
		log.Printf("bad -dial: %v", err)
		return 2
	}
	info, err := peer.AddrInfoFromP2pAddr(maddr)
	if err != nil {
		log.Printf("bad -dial: %v", err)
		return 2
	}
	b := cfg.bench
	for _, mode := range strings.Split(b.modes, ",") {
		var fields string
		var err error
		switch mode {
		case "rtt":
			fields, err = benchRTT(ctx, h, *info, cfg.pid, b.warmup, b.count)
		case "ping":
			fields, err = benchPing(ctx, h, *info, b.warmup, b.count)
		case "throughput":
			fields, err = benchThroughput(ctx, h, *info, cfg.pid, b.warmupBytes, b.bytes)
		case "streams":
			fields, err = benchStreams(ctx, h, *info, cfg.pid, b.streams, b.warmupBytes, b.bytes)
		case "setup":
			fields, err = benchSetup(ctx, h, *info, cfg.pid, b.warmup, b.count)
		default:
			err = fmt.Errorf("unknown bench mode %q", mode)
		}
		if err != nil {
			emit("BENCH %s error=%s", mode, benchToken(err.Error()))
		} else {
			emit("BENCH %s %s", mode, fields)
		}
	}
	return 0
}

func benchStream(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID) (network.Stream, error) {
	if err := h.Connect(ctx, info); err != nil {
		return nil, err
	}
	s, err := h.NewStream(ctx, info.ID, pid)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	return s, nil
}

// benchEcho sends one echo line and reads its echo: the time from t0 until
// the echo was read (the check that it is the same line is not timed).
func benchEcho(w io.Writer, r *bufio.Reader, line string, t0 time.Time) (time.Duration, error) {
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		return 0, err
	}
	got, err := r.ReadString('\n')
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if strings.TrimRight(got, "\r\n") != line {
		return 0, fmt.Errorf("unexpected echo %q", got)
	}
	return d, nil
}

func benchRTT(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID, warmup, n int) (string, error) {
	s, err := benchStream(ctx, h, info, pid)
	if err != nil {
		return "", err
	}
	defer s.Close()
	r := bufio.NewReader(s)
	samples := make([]int64, 0, n)
	for i := 0; i < warmup+n; i++ {
		d, err := benchEcho(s, r, benchEchoLine(i), time.Now())
		if err != nil {
			return "", err
		}
		if i >= warmup {
			samples = append(samples, d.Nanoseconds())
		}
	}
	return benchStats(samples), nil
}

func benchPing(ctx context.Context, h host.Host, info peer.AddrInfo, warmup, n int) (string, error) {
	if err := h.Connect(ctx, info); err != nil {
		return "", err
	}
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	results := ping.Ping(pctx, h, info.ID)
	samples := make([]int64, 0, n)
	for i := 0; i < warmup+n; i++ {
		res, ok := <-results
		if !ok {
			return "", errors.New("ping stream ended")
		}
		if res.Error != nil {
			return "", res.Error
		}
		if i >= warmup {
			samples = append(samples, res.RTT.Nanoseconds())
		}
	}
	return benchStats(samples), nil
}

func benchThroughput(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID, warmupBytes, bytes int64) (string, error) {
	s, err := benchStream(ctx, h, info, pid)
	if err != nil {
		return "", err
	}
	defer s.Close()
	r := bufio.NewReader(s)
	data := benchDataLine()
	send := func(lines int64) error {
		for i := int64(0); i < lines; i++ {
			if _, err := s.Write(data); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(s, "sync\n"); err != nil {
			return err
		}
		reply, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		var got int64
		if _, err := fmt.Sscanf(reply, "synced %d", &got); err != nil {
			return fmt.Errorf("unexpected reply %q", reply)
		}
		if got != lines*benchWrite {
			return fmt.Errorf("peer counted %d bytes, sent %d", got, lines*benchWrite)
		}
		return nil
	}
	if err := send(max(1, warmupBytes/benchWrite)); err != nil {
		return "", err
	}
	lines := max(1, bytes/benchWrite)
	t0 := time.Now()
	if err := send(lines); err != nil {
		return "", err
	}
	secs := time.Since(t0).Seconds()
	total := lines * benchWrite
	return fmt.Sprintf("mb_s=%.1f bytes=%d secs=%.3f write=%d", float64(total)/1e6/secs, total, secs, benchWrite), nil
}

// benchMaxPolls bounds the sync polls after one streams phase.
const benchMaxPolls = 100000

// benchStreams measures aggregate throughput over n concurrent streams on one
// connection. Stream 0 does an echo round trip before the others open, so it
// is the server's first chat stream: LAN Chat answers every sync on its first
// chat stream, so syncs are sent and read on stream 0 only.
func benchStreams(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID, n int, warmupBytes, bytes int64) (string, error) {
	if n < 1 {
		return "", errors.New("-streams must be at least 1")
	}
	s0, err := benchStream(ctx, h, info, pid)
	if err != nil {
		return "", err
	}
	streams := []network.Stream{s0}
	defer func() {
		for _, s := range streams {
			_ = s.Close()
		}
	}()
	r0 := bufio.NewReader(s0)
	if _, err := benchEcho(s0, r0, benchEchoLine(0), time.Now()); err != nil {
		return "", err
	}
	dl, _ := ctx.Deadline()
	for len(streams) < n {
		s, err := h.NewStream(ctx, info.ID, pid)
		if err != nil {
			return "", fmt.Errorf("stream %d: %w", len(streams), err)
		}
		_ = s.SetDeadline(dl)
		streams = append(streams, s)
		// Send the lazy multistream handshake now (an empty write carries
		// only the handshake): go-yamux opens at most 256 streams that the
		// remote has not acknowledged, and js-libp2p acknowledges a stream
		// only when it answers the handshake, so opening more streams would
		// block until js's 10 s negotiation timeout resets them.
		if _, err := s.Write(nil); err != nil {
			return "", fmt.Errorf("stream %d: %w", len(streams)-1, err)
		}
	}
	data := benchDataLine()
	// phase sends max(n, bytes/64 KiB) data lines round-robin over the streams,
	// all writers at once, then polls sync on stream 0 until the server has
	// counted everything. It returns the bytes sent and t0 → last byte counted.
	phase := func(bytes int64) (int64, time.Duration, error) {
		lines := max(int64(n), bytes/benchWrite)
		total := lines * benchWrite
		errs := make(chan error, n)
		t0 := time.Now()
		for i, s := range streams {
			k := lines / int64(n)
			if int64(i) < lines%int64(n) {
				k++
			}
			go func() {
				for ; k > 0; k-- {
					if _, err := s.Write(data); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		var werr error
		for range streams {
			if err := <-errs; err != nil && werr == nil {
				werr = err
			}
		}
		if werr != nil {
			return 0, 0, werr
		}
		var sum int64
		for polls := 0; sum < total; polls++ {
			if polls == benchMaxPolls {
				return 0, 0, fmt.Errorf("peer counted %d of %d bytes after %d syncs", sum, total, polls)
			}
			if err := ctx.Err(); err != nil {
				return 0, 0, err
			}
			if _, err := io.WriteString(s0, "sync\n"); err != nil {
				return 0, 0, err
			}
			reply, err := r0.ReadString('\n')
			if err != nil {
				return 0, 0, err
			}
			var x int64
			if _, err := fmt.Sscanf(reply, "synced %d", &x); err != nil {
				return 0, 0, fmt.Errorf("unexpected reply %q", reply)
			}
			if sum += x; sum > total {
				return 0, 0, fmt.Errorf("peer counted %d bytes, sent %d", sum, total)
			}
			if x == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		return total, time.Since(t0), nil
	}
	if _, _, err := phase(warmupBytes); err != nil {
		return "", err
	}
	total, d, err := phase(bytes)
	if err != nil {
		return "", err
	}
	secs := d.Seconds()
	return fmt.Sprintf("mb_s=%.1f bytes=%d secs=%.3f write=%d streams=%d", float64(total)/1e6/secs, total, secs, benchWrite, n), nil
}

func benchSetup(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID, warmup, n int) (string, error) {
	samples := make([]int64, 0, n)
	line := benchEchoLine(0)
	for i := 0; i < warmup+n; i++ {
		t0 := time.Now()
		s, err := benchStream(ctx, h, info, pid)
		if err != nil {
			return "", err
		}
		d, err := benchEcho(s, bufio.NewReader(s), line, t0)
		if err != nil {
			return "", err
		}
		if i >= warmup {
			samples = append(samples, d.Nanoseconds())
		}
		_ = s.Close()
		_ = h.Network().ClosePeer(info.ID)
	}
	return benchStats(samples), nil
}
