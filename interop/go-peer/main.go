// Command go-peer is a reference go-libp2p chat peer used by LAN Chat's
// interop tests. It behaves like go-libp2p's examples/chat and
// examples/chat-with-mdns (newline-terminated UTF-8 text on a /chat/x.y.z
// stream) but prints a machine-readable contract on stdout:
//
//	LISTEN <multiaddr>/p2p/<id>       one per listen address
//	PEERID <id>                       after all LISTEN lines; the peer is ready
//	CONNECTED <peer>                  a chat stream opened (either direction)
//	RECV <peer> <text>                a non-blank line arrived on a chat stream
//	IDENTIFY <peer> agent=<agent> protocols=<p1,p2,...>
//	PING <peer> <rtt-micros>          (-ping) one ping after each new connection
//	STREAMS-OK <n> <peer>             (/streams n) all n streams got their echo
//	STREAMS-FAIL <ok>/<n> <peer> <reason>
//	CLOSED <peer>                     a chat stream ended
//
// Everything else goes to stderr.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	noise "github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	ma "github.com/multiformats/go-multiaddr"
)

// Chat protocol ids that are always served, in addition to -pid.
var chatProtocols = []protocol.ID{"/chat/1.0.0", "/chat/1.1.0"}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type config struct {
	listen     multiFlag
	dial       multiFlag
	key        string
	pid        protocol.ID
	rendezvous string
	security   string
	echo       bool
	ping       bool
	bench      benchConfig
}

func parseFlags() config {
	var c config
	var pid string
	flag.Var(&c.listen, "listen", "listen multiaddr (repeatable; default /ip4/127.0.0.1/tcp/0)")
	flag.Var(&c.dial, "dial", "multiaddr with /p2p/<id> to dial and open a chat stream to (repeatable)")
	flag.StringVar(&c.key, "key", "rsa", "identity key type: ed25519|rsa|secp256k1|ecdsa (rsa is 2048 bits)")
	flag.StringVar(&pid, "pid", "/chat/1.1.0", "chat protocol id used when dialing (also served)")
	flag.StringVar(&c.rendezvous, "rendezvous", "", "enable mDNS discovery with this service name")
	flag.StringVar(&c.security, "security", "default", "security transport: noise|tls|default (default = tls, then noise)")
	flag.BoolVar(&c.echo, "echo", false, "reply to every received line with \"echo: <line>\"")
	flag.BoolVar(&c.ping, "ping", false, "run one libp2p ping on every new connection and print PING")
	// -bench: see the bench section at the end of this file
	flag.StringVar(&c.bench.modes, "bench", "", "bench mode: echo (serve the bench protocol) or a comma list of rtt,ping,throughput,streams,setup (with -dial)")
	flag.IntVar(&c.bench.count, "count", 10000, "bench: measured iterations (rtt, ping, setup)")
	flag.IntVar(&c.bench.warmup, "warmup", 1000, "bench: unmeasured iterations first")
	flag.Int64Var(&c.bench.bytes, "bytes", 1<<30, "bench: bytes sent by throughput (streams: over all streams)")
	flag.Int64Var(&c.bench.warmupBytes, "warmup-bytes", 64<<20, "bench: bytes sent by throughput and streams before measuring")
	flag.IntVar(&c.bench.streams, "streams", 100, "bench: concurrent streams on one connection (streams)")
	flag.IntVar(&c.bench.timeout, "timeout", 120, "bench: seconds the whole run may take")
	flag.Parse()
	c.pid = protocol.ID(pid)
	if len(c.listen) == 0 {
		c.listen = multiFlag{"/ip4/127.0.0.1/tcp/0"}
	}
	return c
}

// ---------------------------------------------------------------- output

var outMu sync.Mutex

// emit writes one contract line to stdout. os.Stdout is unbuffered, so each
// line is a single write and is visible to the reader immediately.
func emit(format string, args ...any) {
	line := fmt.Sprintf(format, args...) + "\n"
	outMu.Lock()
	defer outMu.Unlock()
	_, _ = io.WriteString(os.Stdout, line)
}

// ---------------------------------------------------------------- chat streams

type chatStream struct {
	s    network.Stream
	peer peer.ID
	wmu  sync.Mutex
	w    *bufio.Writer
}

func (c *chatStream) write(data string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.WriteString(data); err != nil {
		return err
	}
	return c.w.Flush()
}

type peerNode struct {
	cfg  config
	h    host.Host
	mu   sync.Mutex
	chat map[*chatStream]struct{}
	// mDNS dials in flight, to avoid dialing the same peer twice at once.
	dialing map[peer.ID]bool
	// stdin data read while no chat stream was open; sent to the first one.
	pending []string
}

const maxPending = 1000

func (n *peerNode) hasChat(p peer.ID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for c := range n.chat {
		if c.peer == p {
			return true
		}
	}
	return false
}

func (n *peerNode) chatStreams() []*chatStream {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*chatStream, 0, len(n.chat))
	for c := range n.chat {
		out = append(out, c)
	}
	return out
}

// handleChat registers a negotiated chat stream (inbound or outbound) and
// starts reading it.
func (n *peerNode) handleChat(s network.Stream) {
	c := &chatStream{s: s, peer: s.Conn().RemotePeer(), w: bufio.NewWriter(s)}
	c.wmu.Lock() // queued stdin data goes out before any later broadcast
	n.mu.Lock()
	n.chat[c] = struct{}{}
	pending := n.pending
	n.pending = nil
	n.mu.Unlock()
	log.Printf("chat stream %s %s with %s", s.Stat().Direction, s.Protocol(), c.peer)
	emit("CONNECTED %s", c.peer)
	for _, data := range pending {
		if _, err := c.w.WriteString(data); err != nil {
			log.Printf("write queued line to %s: %v", c.peer, err)
			break
		}
	}
	if err := c.w.Flush(); err != nil {
		log.Printf("write queued lines to %s: %v", c.peer, err)
	}
	c.wmu.Unlock()
	go n.readChat(c)
}

func (n *peerNode) readChat(c *chatStream) {
	r := bufio.NewReader(c.s)
	var rerr error
	for {
		str, err := r.ReadString('\n') // no line length limit (64 KiB lines are fine)
		if str != "" {
			n.onLine(c, str)
		}
		if err != nil {
			rerr = err
			break
		}
	}
	n.mu.Lock()
	delete(n.chat, c)
	n.mu.Unlock()
	if errors.Is(rerr, io.EOF) {
		_ = c.s.Close()
	} else {
		log.Printf("chat stream with %s: %v", c.peer, rerr)
		_ = c.s.Reset()
	}
	emit("CLOSED %s", c.peer)
}

func (n *peerNode) onLine(c *chatStream, raw string) {
	text := strings.TrimRight(raw, "\r\n")
	if strings.TrimSpace(text) == "" {
		return // blank lines are skipped, like the go examples
	}
	emit("RECV %s %s", c.peer, text)
	// Never echo an echo: two -echo peers must not ping-pong forever.
	if n.cfg.echo && !strings.HasPrefix(text, "echo: ") {
		if err := c.write("echo: " + text + "\n"); err != nil {
			log.Printf("echo to %s: %v", c.peer, err)
		}
	}
}

// broadcast sends data on every open chat stream. While none is open, data
// is queued (up to maxPending lines) for the first chat stream that opens.
func (n *peerNode) broadcast(data string) {
	n.mu.Lock()
	if len(n.chat) == 0 {
		if len(n.pending) < maxPending {
			n.pending = append(n.pending, data)
			log.Printf("no open chat stream yet; line queued")
		} else {
			log.Printf("no open chat stream and queue full; line dropped")
		}
		n.mu.Unlock()
		return
	}
	n.mu.Unlock()
	streams := n.chatStreams()
	for _, c := range streams {
		if err := c.write(data); err != nil {
			log.Printf("write to %s: %v", c.peer, err)
		}
	}
}

// openChat opens an outbound chat stream with -pid and registers it.
func (n *peerNode) openChat(ctx context.Context, p peer.ID) error {
	s, err := n.h.NewStream(ctx, p, n.cfg.pid)
	if err != nil {
		return err
	}
	n.handleChat(s)
	return nil
}

func (n *peerNode) dial(addr string) {
	maddr, err := ma.NewMultiaddr(addr)
	if err != nil {
		log.Printf("bad -dial %q: %v", addr, err)
		return
	}
	info, err := peer.AddrInfoFromP2pAddr(maddr)
	if err != nil {
		log.Printf("bad -dial %q: %v", addr, err)
		return
	}
	n.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.PermanentAddrTTL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.openChat(ctx, info.ID); err != nil {
		log.Printf("dial %s: %v", addr, err)
	}
}

// ---------------------------------------------------------------- stdin

func (n *peerNode) readStdin() {
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadString('\n')
		if line != "" {
			n.onStdin(line)
		}
		if err != nil {
			log.Printf("stdin: %v (still running; SIGTERM/SIGINT to exit)", err)
			return
		}
	}
}

func (n *peerNode) onStdin(line string) {
	cmd := strings.Fields(line)
	if len(cmd) == 2 && (cmd[0] == "/bigline" || cmd[0] == "/streams") {
		v, err := strconv.Atoi(cmd[1])
		if err != nil || v < 0 || v > 64<<20 {
			log.Printf("bad argument for %s: %q", cmd[0], cmd[1])
			return
		}
		if cmd[0] == "/bigline" {
			n.broadcast(strings.Repeat("x", v) + "\n" + "\n")
		} else {
			n.streamsTest(v)
		}
		return
	}
	if !strings.HasSuffix(line, "\n") {
		line += "\n" // last line before EOF without a newline
	}
	// Like the go examples: fmt.Sprintf("%s\n", sendData) where sendData
	// still ends in "\n", so the wire carries "text\n\n".
	n.broadcast(line + "\n")
}

// streamsTest opens count concurrent chat streams to every peer that has an
// open chat stream, sends "stream-<i>" on each and waits for "echo: stream-<i>".
func (n *peerNode) streamsTest(count int) {
	peers := map[peer.ID]bool{}
	for _, c := range n.chatStreams() {
		peers[c.peer] = true
	}
	if len(peers) == 0 {
		log.Printf("/streams: no connected chat peer")
		return
	}
	for p := range peers {
		go func(p peer.ID) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, firstErr := 0, ""
			for i := 0; i < count; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					err := n.oneStream(ctx, p, i)
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						ok++
					} else if firstErr == "" {
						firstErr = err.Error()
					}
				}(i)
			}
			wg.Wait()
			if ok == count {
				emit("STREAMS-OK %d %s", count, p)
			} else {
				emit("STREAMS-FAIL %d/%d %s %s", ok, count, p, strings.ReplaceAll(firstErr, "\n", " "))
			}
		}(p)
	}
}

func (n *peerNode) oneStream(ctx context.Context, p peer.ID, i int) error {
	s, err := n.h.NewStream(ctx, p, n.cfg.pid)
	if err != nil {
		return err
	}
	defer s.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	msg := fmt.Sprintf("stream-%d", i)
	if _, err := io.WriteString(s, msg+"\n"); err != nil {
		s.Reset()
		return err
	}
	r := bufio.NewReader(s)
	for {
		line, err := r.ReadString('\n')
		text := strings.TrimRight(line, "\r\n")
		if text == "echo: "+msg {
			return nil
		}
		if err != nil {
			s.Reset()
			return fmt.Errorf("stream-%d: %w", i, err)
		}
	}
}

// ---------------------------------------------------------------- identify, ping, mDNS

func (n *peerNode) watchIdentify() error {
	sub, err := n.h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		return err
	}
	go func() {
		for e := range sub.Out() {
			ev := e.(event.EvtPeerIdentificationCompleted)
			protos := make([]string, 0, len(ev.Protocols))
			for _, p := range ev.Protocols {
				protos = append(protos, string(p))
			}
			if len(protos) == 0 { // fall back to the peerstore
				ps, _ := n.h.Peerstore().GetProtocols(ev.Peer)
				for _, p := range ps {
					protos = append(protos, string(p))
				}
			}
			sort.Strings(protos)
			agent := ev.AgentVersion
			if agent == "" {
				if v, err := n.h.Peerstore().Get(ev.Peer, "AgentVersion"); err == nil {
					agent, _ = v.(string)
				}
			}
			emit("IDENTIFY %s agent=%s protocols=%s", ev.Peer, agent, strings.Join(protos, ","))
		}
	}()
	return nil
}

func (n *peerNode) pingOnConnect() {
	n.h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			p := c.RemotePeer()
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				select {
				case res := <-ping.Ping(ctx, n.h, p):
					if res.Error != nil {
						log.Printf("ping %s: %v", p, res.Error)
						return
					}
					emit("PING %s %d", p, res.RTT.Microseconds())
				case <-ctx.Done():
					log.Printf("ping %s: timeout", p)
				}
			}()
		},
	})
}

type mdnsNotifee struct{ n *peerNode }

// HandlePeerFound connects and opens a chat stream, like chat-with-mdns.
// When both sides discover each other, the peer with the larger id dials at
// once (the user's tie-breaker, which LAN Chat uses too: peer.ID compared as raw
// multihash bytes) and the other waits a little so that only one stream is
// opened; it still dials if none arrived (e.g. the other side never dials).
func (m mdnsNotifee) HandlePeerFound(pi peer.AddrInfo) {
	n := m.n
	if pi.ID == n.h.ID() || n.hasChat(pi.ID) {
		return
	}
	n.mu.Lock()
	if n.dialing[pi.ID] {
		n.mu.Unlock()
		return
	}
	n.dialing[pi.ID] = true
	n.mu.Unlock()
	go func() {
		defer func() {
			n.mu.Lock()
			delete(n.dialing, pi.ID)
			n.mu.Unlock()
		}()
		if n.h.ID() < pi.ID {
			time.Sleep(3 * time.Second)
			if n.hasChat(pi.ID) {
				return
			}
		}
		log.Printf("mdns: found %s %v, connecting", pi.ID, pi.Addrs)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := n.h.Connect(ctx, pi); err != nil {
			log.Printf("mdns: connect %s: %v", pi.ID, err)
			return
		}
		if err := n.openChat(ctx, pi.ID); err != nil {
			log.Printf("mdns: open chat %s: %v", pi.ID, err)
		}
	}()
}

// ---------------------------------------------------------------- host

func generateKey(kind string) (crypto.PrivKey, error) {
	var t int
	bits := -1
	switch strings.ToLower(kind) {
	case "rsa":
		t, bits = crypto.RSA, 2048
	case "ed25519":
		t = crypto.Ed25519
	case "secp256k1":
		t = crypto.Secp256k1
	case "ecdsa":
		t = crypto.ECDSA // P-256
	default:
		return nil, fmt.Errorf("unknown -key %q (ed25519|rsa|secp256k1|ecdsa)", kind)
	}
	priv, _, err := crypto.GenerateKeyPairWithReader(t, bits, rand.Reader)
	return priv, err
}

// agentVersion is "go-libp2p/<version> lanchat-interop-go-peer". go-libp2p's
// own default is derived from the main module's VCS state, which would make
// the IDENTIFY line depend on the git checkout.
func agentVersion() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/libp2p/go-libp2p" {
				v = d.Version
			}
		}
	}
	return "go-libp2p/" + v + " lanchat-interop-go-peer"
}

func newHost(cfg config) (host.Host, error) {
	priv, err := generateKey(cfg.key)
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings(cfg.listen...),
		libp2p.Identity(priv),
		libp2p.UserAgent(agentVersion()),
	}
	switch cfg.security {
	case "default", "":
		// go-libp2p defaults: TLS first, then Noise.
	case "noise":
		opts = append(opts, libp2p.Security(noise.ID, noise.New))
	case "tls":
		opts = append(opts, libp2p.Security(libp2ptls.ID, libp2ptls.New))
	default:
		return nil, fmt.Errorf("unknown -security %q (noise|tls|default)", cfg.security)
	}
	if cfg.bench.modes != "" {
		// -bench streams opens 100+ streams on one connection; the default
		// limits reset inbound streams beyond 64 per peer and protocol. Bench
		// peers only talk to the bench client or server over loopback, so no
		// limits (the chat mode keeps go-libp2p's defaults, tests rely on them).
		rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(rcmgr.InfiniteLimits))
		if err != nil {
			return nil, err
		}
		opts = append(opts, libp2p.ResourceManager(rm))
	}
	return libp2p.New(opts...)
}

func listenAddrs(h host.Host) []ma.Multiaddr {
	addrs := h.Addrs()
	if len(addrs) == 0 {
		addrs = h.Network().ListenAddresses()
	}
	return addrs
}

func main() {
	log.SetOutput(os.Stderr)
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	cfg := parseFlags()

	h, err := newHost(cfg)
	if err != nil {
		log.Printf("fatal: %v", err)
		os.Exit(1)
	}
	n := &peerNode{cfg: cfg, h: h, chat: map[*chatStream]struct{}{}, dialing: map[peer.ID]bool{}}

	served := append([]protocol.ID{}, chatProtocols...)
	if cfg.pid != chatProtocols[0] && cfg.pid != chatProtocols[1] {
		served = append(served, cfg.pid)
	}
	chatHandler := n.handleChat
	if cfg.bench.modes == "echo" {
		chatHandler = benchServe
	}
	for _, p := range served {
		h.SetStreamHandler(p, chatHandler)
	}
	if cfg.bench.modes == "" { // bench runs print BENCH lines only
		if err := n.watchIdentify(); err != nil {
			log.Printf("fatal: %v", err)
			os.Exit(1)
		}
	}
	if cfg.ping {
		n.pingOnConnect()
	}

	for _, a := range listenAddrs(h) {
		emit("LISTEN %s/p2p/%s", a, h.ID())
	}
	emit("PEERID %s", h.ID())

	var md mdns.Service
	if cfg.rendezvous != "" {
		md = mdns.NewMdnsService(h, cfg.rendezvous, mdnsNotifee{n})
		if err := md.Start(); err != nil {
			log.Printf("fatal: mdns: %v", err)
			os.Exit(1)
		}
	}

	// Mode switch: a bench client measures and exits; a bench echo server
	// and the chat mode run until SIGINT/SIGTERM.
	switch {
	case cfg.bench.modes != "" && cfg.bench.modes != "echo":
		os.Exit(runBench(h, cfg))
	case cfg.bench.modes == "echo":
		go func() { // bounded like every bench run
			time.Sleep(time.Duration(cfg.bench.timeout) * time.Second)
			log.Printf("bench: -timeout reached, exiting")
			_ = h.Close()
			os.Exit(0)
		}()
	default:
		for _, d := range cfg.dial {
			go n.dial(d)
		}
		go n.readStdin()
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	log.Printf("%v: closing host", s)
	if md != nil {
		_ = md.Close()
	}
	_ = h.Close()
	os.Exit(0)
}

// ---------------------------------------------------------------- bench
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

type benchConfig struct {
	modes       string
	count       int
	warmup      int
	bytes       int64
	warmupBytes int64
	streams     int
	timeout     int
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

func benchRTT(ctx context.Context, h host.Host, info peer.AddrInfo, pid protocol.ID, warmup, n int) (string, error) {
	s, err := benchStream(ctx, h, info, pid)
	if err != nil {
		return "", err
	}
	defer s.Close()
	r := bufio.NewReader(s)
	samples := make([]int64, 0, n)
	for i := 0; i < warmup+n; i++ {
		line := benchEchoLine(i)
		t0 := time.Now()
		if _, err := io.WriteString(s, line+"\n"); err != nil {
			return "", err
		}
		got, err := r.ReadString('\n')
		d := time.Since(t0)
		if err != nil {
			return "", err
		}
		if strings.TrimRight(got, "\r\n") != line {
			return "", fmt.Errorf("unexpected echo %q", got)
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
	echo := benchEchoLine(0)
	if _, err := io.WriteString(s0, echo+"\n"); err != nil {
		return "", err
	}
	got, err := r0.ReadString('\n')
	if err != nil {
		return "", err
	}
	if strings.TrimRight(got, "\r\n") != echo {
		return "", fmt.Errorf("unexpected echo %q", got)
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
		if _, err := io.WriteString(s, line+"\n"); err != nil {
			return "", err
		}
		got, err := bufio.NewReader(s).ReadString('\n')
		d := time.Since(t0)
		if err != nil {
			return "", err
		}
		if strings.TrimRight(got, "\r\n") != line {
			return "", fmt.Errorf("unexpected echo %q", got)
		}
		if i >= warmup {
			samples = append(samples, d.Nanoseconds())
		}
		_ = s.Close()
		_ = h.Network().ClosePeer(info.ID)
	}
	return benchStats(samples), nil
}
