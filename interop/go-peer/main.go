// Command go-peer is a reference go-libp2p chat peer used by LAN Chat's
// interop tests. It behaves like go-libp2p's examples/chat and
// examples/chat-with-mdns (newline-terminated UTF-8 text on a /chat/x.y.z
// stream) but prints a machine-readable contract on stdout:
//
//	LISTEN <multiaddr>/p2p/<id>       one per listen address
//	PEERID <id>                       after all LISTEN lines; the peer is ready
//	SECURITY <peer> <proto> <muxer>   just before CONNECTED: how that connection was secured and multiplexed
//	CONNECTED <peer>                  a chat stream opened (either direction)
//	RECV <peer> <text>                a non-blank line arrived on a chat stream
//	IDENTIFY <peer> agent=<agent> protocols=<p1,p2,...>
//	PING <peer> <rtt-micros>          (-ping) one ping after each new connection
//	STREAMS-OK <n> <peer>             (/streams n) all n streams got their echo
//	STREAMS-FAIL <ok>/<n> <peer> <reason>
//	CLOSED <peer>                     a chat stream ended
//
// Everything else goes to stderr. With -bench it is a bench peer for
// lanchat-bench instead of a chat peer (bench.go, bench_client.go).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/pnet"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
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
	psk        string
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
	flag.StringVar(&c.psk, "psk", "", "swarm key file: join the private network (libp2p.PrivateNetwork, PSK v1)")
	registerBenchFlags(&c.bench) // bench.go
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
	// seq orders the streams as they opened: broadcast writes on the first of each connection.
	seq uint64
	wmu sync.Mutex
	w   *bufio.Writer
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
	// the seq of the next chat stream
	nextSeq uint64
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
	c.seq = n.nextSeq
	n.nextSeq++
	n.chat[c] = struct{}{}
	pending := n.pending
	n.pending = nil
	n.mu.Unlock()
	log.Printf("chat stream %s %s with %s", s.Stat().Direction, s.Protocol(), c.peer)
	state := s.Conn().ConnState()
	emit("SECURITY %s %s %s", c.peer, state.Security, state.StreamMultiplexer)
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

// broadcast sends data once on every connection that has a chat stream open:
// on the first one that opened. Both ends of a connection may open a chat
// stream at once (each before it sees the other's), and a line written on both
// would reach that peer twice; go-libp2p's chat examples write a line once.
// While no chat stream is open, data is queued (up to maxPending lines) for the
// first one that opens.
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
	first := map[network.Conn]*chatStream{}
	for _, c := range n.chatStreams() {
		if f, ok := first[c.s.Conn()]; !ok || c.seq < f.seq {
			first[c.s.Conn()] = c
		}
	}
	for _, c := range first {
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
		if n.hasChat(pi.ID) {
			return // the peer's chat stream arrived while we connected (it dialed late, or at the same time)
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
		// go-libp2p gives a dial to a local address 5 s, security handshake included. CI runs several suites at once
		// on two cores, and a LAN Chat node sets TLS up lazily at its first TLS connection (BoringSSL, its
		// certificate): under that load 5 s was seen to pass. 20 s is a test peer's patience, not a measured figure.
		libp2p.SwarmOpts(swarm.WithDialTimeoutLocal(20 * time.Second)),
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
	if cfg.psk != "" {
		f, err := os.Open(cfg.psk)
		if err != nil {
			return nil, err
		}
		psk, err := pnet.DecodeV1PSK(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("-psk %s: %w", cfg.psk, err)
		}
		opts = append(opts, libp2p.PrivateNetwork(psk))
	}
	if cfg.bench.enabled() {
		rm, err := benchResourceManager()
		if err != nil {
			return nil, err
		}
		opts = append(opts, rm)
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
	if cfg.bench.echoServer() {
		chatHandler = benchServe
	}
	for _, p := range served {
		h.SetStreamHandler(p, chatHandler)
	}
	if !cfg.bench.enabled() { // bench runs print BENCH lines only
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
	case cfg.bench.enabled() && !cfg.bench.echoServer():
		os.Exit(runBench(h, cfg))
	case cfg.bench.echoServer():
		go benchEchoTimeout(h, cfg.bench.timeout)
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
