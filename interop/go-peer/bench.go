package main

// Bench mode (-bench), the go-libp2p side of LAN Chat's benchmark suite
// (lanchat-bench, scripts/bench.sh). main.go starts it: with -bench the host
// drops go-libp2p's resource limits, prints only LISTEN/PEERID and serves or
// measures instead of chatting.
//
// -bench echo serves the bench protocol on the chat protocols instead of the
// chat (and prints only LISTEN/PEERID); -bench rtt,ping,throughput,streams,setup
// -dial MA/p2p/ID measures against such a server and prints one line per mode:
//
//	BENCH rtt p50_us=… p99_us=… max_us=… mean_us=… n=…
//	BENCH ping p50_us=… p99_us=… max_us=… mean_us=… n=…   (go-libp2p's ping.Ping: one stream, back to back)
//	BENCH throughput mb_s=… bytes=… secs=… write=65536
//	BENCH streams mb_s=… bytes=… secs=… write=65536 streams=N   (N concurrent streams, one connection)
//	BENCH setup p50_us=… p99_us=… max_us=… mean_us=… n=…   (Connect → NewStream → first echo, new connection each)
//	BENCH <mode> error=<reason>
//
// The bench protocol (same in LAN Chat's lanchat-bench and js-peer) on a chat
// stream, newline-terminated lines:
//
//	e<31 digits>       echoed back unchanged (round trips)
//	d<65534 × x>       64 KiB with the newline; counted, not answered (throughput)
//	sync               answered with "synced <bytes of d-lines since the last sync>"
//
// d-line bytes are counted per connection (all its streams together), so a
// client may send data on many streams and sync on one of them.
//
// Percentiles are nearest-rank on the sorted samples. Every run is bounded by
// -timeout seconds.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
)

type benchConfig struct {
	modes       string
	count       int
	warmup      int
	bytes       int64
	warmupBytes int64
	streams     int
	timeout     int
}

// registerBenchFlags defines -bench and the flags that size a bench run.
func registerBenchFlags(b *benchConfig) {
	flag.StringVar(&b.modes, "bench", "", "bench mode: echo (serve the bench protocol) or a comma list of rtt,ping,throughput,streams,setup (with -dial)")
	flag.IntVar(&b.count, "count", 10000, "bench: measured iterations (rtt, ping, setup)")
	flag.IntVar(&b.warmup, "warmup", 1000, "bench: unmeasured iterations first")
	flag.Int64Var(&b.bytes, "bytes", 1<<30, "bench: bytes sent by throughput (streams: over all streams)")
	flag.Int64Var(&b.warmupBytes, "warmup-bytes", 64<<20, "bench: bytes sent by throughput and streams before measuring")
	flag.IntVar(&b.streams, "streams", 100, "bench: concurrent streams on one connection (streams)")
	flag.IntVar(&b.timeout, "timeout", 120, "bench: seconds the whole run may take")
}

// enabled: the peer runs as a bench echo server or client, not as a chat peer.
func (b benchConfig) enabled() bool { return b.modes != "" }

// echoServer: -bench echo, the server side of the bench protocol.
func (b benchConfig) echoServer() bool { return b.modes == "echo" }

// benchResourceManager lifts go-libp2p's resource limits: -bench streams
// opens 100+ streams on one connection, and the default limits reset inbound
// streams beyond 64 per peer and protocol. Bench peers only talk to the bench
// client or server over loopback, so no limits (the chat mode keeps
// go-libp2p's defaults, tests rely on them).
func benchResourceManager() (libp2p.Option, error) {
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(rcmgr.InfiniteLimits))
	if err != nil {
		return nil, err
	}
	return libp2p.ResourceManager(rm), nil
}

// benchEchoTimeout ends a bench echo server after -timeout seconds: bounded
// like every bench run, even when nobody stops it.
func benchEchoTimeout(h host.Host, seconds int) {
	time.Sleep(time.Duration(seconds) * time.Second)
	log.Printf("bench: -timeout reached, exiting")
	_ = h.Close()
	os.Exit(0)
}

const benchWrite = 64 * 1024

func benchEchoLine(i int) string { return fmt.Sprintf("e%031d", i) }

func benchDataLine() []byte {
	b := make([]byte, benchWrite)
	for i := range b {
		b[i] = 'x'
	}
	b[0], b[benchWrite-1] = 'd', '\n'
	return b
}

// benchCount is the d-line byte count of one connection, shared by its bench
// streams; refs counts those streams so that the entry goes with the last one.
type benchCount struct {
	bytes atomic.Int64
	refs  int // guarded by benchCountsMu
}

var (
	benchCountsMu sync.Mutex
	benchCounts   = map[network.Conn]*benchCount{}
)

func benchCountAcquire(c network.Conn) *benchCount {
	benchCountsMu.Lock()
	defer benchCountsMu.Unlock()
	bc := benchCounts[c]
	if bc == nil {
		bc = &benchCount{}
		benchCounts[c] = bc
	}
	bc.refs++
	return bc
}

func benchCountRelease(c network.Conn) {
	benchCountsMu.Lock()
	defer benchCountsMu.Unlock()
	if bc := benchCounts[c]; bc != nil {
		if bc.refs--; bc.refs == 0 {
			delete(benchCounts, c)
		}
	}
}

// benchServe is the server side of the bench protocol on one chat stream.
func benchServe(s network.Stream) {
	counted := benchCountAcquire(s.Conn())
	defer benchCountRelease(s.Conn())
	r := bufio.NewReaderSize(s, 128*1024)
	w := bufio.NewWriter(s)
	inData := false // inside a data line longer than the buffer
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 {
			if inData || (len(line) == 0 && chunk[0] == 'd') {
				counted.bytes.Add(int64(len(chunk)))
				inData = chunk[len(chunk)-1] != '\n'
			} else {
				line = append(line, chunk...)
				if line[len(line)-1] == '\n' {
					text := strings.TrimRight(string(line), "\r\n")
					line = line[:0]
					var werr error
					switch {
					case strings.TrimSpace(text) == "":
					case text == "sync":
						_, werr = fmt.Fprintf(w, "synced %d\n", counted.bytes.Swap(0))
					default:
						_, werr = w.WriteString(text + "\n")
					}
					if werr == nil {
						werr = w.Flush()
					}
					if werr != nil {
						_ = s.Reset()
						return
					}
				}
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				_ = s.Close()
			} else {
				_ = s.Reset()
			}
			return
		}
	}
}

func benchToken(s string) string {
	t := strings.Join(strings.Fields(s), "_")
	if t == "" {
		t = "unknown"
	}
	if len(t) > 160 {
		t = t[:160]
	}
	return t
}

func benchStats(ns []int64) string {
	sorted := append([]int64(nil), ns...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := func(q float64) int64 {
		k := int(math.Ceil(q * float64(len(sorted))))
		if k < 1 {
			k = 1
		}
		if k > len(sorted) {
			k = len(sorted)
		}
		return sorted[k-1]
	}
	var sum float64
	for _, v := range sorted {
		sum += float64(v)
	}
	return fmt.Sprintf("p50_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f n=%d",
		float64(rank(0.50))/1e3, float64(rank(0.99))/1e3, float64(sorted[len(sorted)-1])/1e3,
		sum/float64(len(sorted))/1e3, len(sorted))
}
