#!/usr/bin/env node
// Reference js-libp2p chat peer for LAN Chat's interop tests.
//
// Wire format is go-libp2p's examples/chat: newline-terminated UTF-8 text on
// a /chat/x.y.z stream (NOT js-libp2p's varint-prefixed chat example).
// stdout carries only the contract lines (see ../README.md); logs go to stderr.
import './compat.js' // must stay first: Promise.withResolvers on Node 20

import { setMaxListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { tls } from '@libp2p/tls'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const CHAT_PROTOCOLS = ['/chat/1.0.0', '/chat/1.1.0']
const STREAM_LIMIT = 1024
// bench runs only: --bench streams opens --streams N streams on one connection
// and the echo server does not know N, so neither the chat handler nor yamux
// (1000 per connection by default) may be the limit
const BENCH_STREAM_LIMIT = 1 << 20
const MAX_PENDING = 1000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

// ------------------------------------------------------------------ flags

function parseFlags (argv) {
  // Accept go-style single-dash long flags too (-listen x == --listen x).
  const args = argv.map(a => /^-[a-z]{2,}/.test(a) ? '-' + a : a)
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      listen: { type: 'string', multiple: true },
      dial: { type: 'string', multiple: true },
      key: { type: 'string', default: 'rsa' },
      pid: { type: 'string', default: '/chat/1.1.0' },
      rendezvous: { type: 'string' },
      security: { type: 'string', default: 'default' },
      echo: { type: 'boolean', default: false },
      ping: { type: 'boolean', default: false },
      psk: { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
      // --bench: see the bench section below
      bench: { type: 'string', default: '' },
      count: { type: 'string', default: '10000' },
      warmup: { type: 'string', default: '1000' },
      bytes: { type: 'string', default: String(1 << 30) },
      'warmup-bytes': { type: 'string', default: String(64 << 20) },
      streams: { type: 'string', default: '100' },
      timeout: { type: 'string', default: '120' }
    }
  })
  const int = (name) => {
    const v = Number(values[name])
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer`)
    return v
  }
  return {
    listen: values.listen?.length ? values.listen : ['/ip4/127.0.0.1/tcp/0'],
    dial: values.dial ?? [],
    key: values.key.toLowerCase(),
    pid: values.pid,
    rendezvous: values.rendezvous ?? '',
    security: values.security,
    echo: values.echo,
    ping: values.ping,
    psk: values.psk,
    help: values.help,
    bench: {
      modes: values.bench,
      count: Math.max(1, int('count')),
      warmup: int('warmup'),
      bytes: Math.max(1, int('bytes')),
      warmupBytes: int('warmup-bytes'),
      streams: Math.max(1, int('streams')),
      timeout: Math.max(1, int('timeout'))
    }
  }
}

const USAGE = `usage: node peer.js [--listen MA]... [--dial MA/p2p/ID]... [--key ed25519|rsa|secp256k1]
       [--pid /chat/1.1.0] [--rendezvous NAME] [--security noise|tls|default] [--echo] [--ping] [--psk SWARM_KEY_FILE]
       [--bench echo|rtt,ping,throughput,streams,setup [--count N] [--warmup N] [--bytes B] [--warmup-bytes B]
        [--streams N] [--timeout S]]`

// ------------------------------------------------------------------ output

function emit (line) {
  // stdout to a pipe or file is synchronous in Node on Linux: one write per line.
  process.stdout.write(line + '\n')
}

function log (...args) {
  console.error(new Date().toISOString().slice(11, 23), ...args)
}

// ------------------------------------------------------------------ helpers

function concat (a, b) {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

function toBytes (chunk) {
  return chunk instanceof Uint8Array ? chunk : chunk.subarray()
}

// Reads newline-terminated lines (as strings without the trailing "\n") from a
// libp2p 3.x stream. A final unterminated line is returned too.
async function * readLines (stream) {
  let pending = new Uint8Array(0)
  for await (const chunk of stream) {
    pending = concat(pending, toBytes(chunk))
    let nl
    while ((nl = pending.indexOf(0x0a)) !== -1) {
      yield decoder.decode(pending.subarray(0, nl))
      pending = pending.subarray(nl + 1)
    }
  }
  if (pending.length > 0) yield decoder.decode(pending)
}

async function send (stream, text) {
  if (!stream.send(encoder.encode(text))) {
    await stream.onDrain()
  }
}

// go-libp2p's peer.ID ordering is the byte order of the multihash; use the
// same so the mDNS tie-break agrees with go peers.
function compareIds (a, b) {
  const x = a.toMultihash().bytes
  const y = b.toMultihash().bytes
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i]
  }
  return x.length - y.length
}

async function makeKey (kind) {
  switch (kind) {
    case 'rsa': return generateKeyPair('RSA', 2048)
    case 'ed25519': return generateKeyPair('Ed25519')
    case 'secp256k1': return generateKeyPair('secp256k1')
    case 'ecdsa':
      // @libp2p/crypto 5.x can generate ECDSA keys, but @libp2p/peer-id 6.x
      // cannot derive a peer id from them (UnsupportedKeyTypeError), and its
      // ECDSA public key encoding is not go-libp2p's PKIX, so js-libp2p cannot
      // even connect to a go peer with an ECDSA identity.
      throw new Error('--key ecdsa is not supported by js-libp2p (no ECDSA peer ids; ECDSA keys are not PKIX-encoded like go\'s)')
    default: throw new Error(`unknown --key ${kind} (ed25519|rsa|secp256k1|ecdsa)`)
  }
}

// ------------------------------------------------------------------ peer

class ChatPeer {
  constructor (cfg, node) {
    this.cfg = cfg
    this.node = node
    this.chat = new Set() // { stream, peer }
    this.dialing = new Set()
    this.pending = [] // stdin data read while no chat stream was open
  }

  hasChat (peer) {
    for (const c of this.chat) if (c.peer === peer) return true
    return false
  }

  // Registers a negotiated chat stream (either direction) and reads it.
  handleChat (stream, connection) {
    const c = { stream, peer: connection.remotePeer.toString(), connection: connection.id }
    this.chat.add(c)
    log(`chat stream ${stream.direction} ${stream.protocol} with ${c.peer}`)
    emit(`SECURITY ${c.peer} ${connection.encryption} ${connection.multiplexer}`)
    emit(`CONNECTED ${c.peer}`)
    // Queued stdin data goes out first; send() only enqueues, so it keeps its
    // place before any later broadcast.
    for (const text of this.pending.splice(0)) {
      send(stream, text).catch(err => log(`write queued line to ${c.peer}: ${err.message}`))
    }
    this.readChat(c).catch(err => log('reader', err))
  }

  async readChat (c) {
    try {
      for await (const raw of readLines(c.stream)) {
        await this.onLine(c, raw)
      }
      this.chat.delete(c)
      await c.stream.close().catch(() => {})
    } catch (err) {
      this.chat.delete(c)
      log(`chat stream with ${c.peer}: ${err.message}`)
      c.stream.abort(err)
    }
    emit(`CLOSED ${c.peer}`)
  }

  async onLine (c, raw) {
    const text = raw.replace(/\r$/, '')
    if (text.trim() === '') return // blank lines are skipped, like the go examples
    emit(`RECV ${c.peer} ${text}`)
    // Never echo an echo: two --echo peers must not ping-pong forever.
    if (this.cfg.echo && !text.startsWith('echo: ')) {
      await send(c.stream, `echo: ${text}\n`).catch(err => log(`echo to ${c.peer}: ${err.message}`))
    }
  }

  async broadcast (text) {
    if (this.chat.size === 0) {
      if (this.pending.length < MAX_PENDING) {
        this.pending.push(text)
        log('no open chat stream yet; line queued')
      } else {
        log('no open chat stream and queue full; line dropped')
      }
      return
    }
    // once per connection, on its first chat stream (the set keeps the order they opened in): both ends of a
    // connection may open a chat stream at once, and a line written on both would reach that peer twice
    const first = new Map()
    for (const c of this.chat) if (!first.has(c.connection)) first.set(c.connection, c)
    await Promise.all([...first.values()].map(c =>
      send(c.stream, text).catch(err => log(`write to ${c.peer}: ${err.message}`))))
  }

  async openChat (target, options = {}) {
    const { unlessChatWith, ...dialOptions } = options
    const connection = await this.node.dial(target, dialOptions)
    // the peer's chat stream arrived while we dialed (it dialed late, or at the same time): one is enough
    if (unlessChatWith != null && this.hasChat(unlessChatWith)) return
    const stream = await connection.newStream(this.cfg.pid, { ...dialOptions, maxOutboundStreams: STREAM_LIMIT })
    this.handleChat(stream, connection)
  }

  async dial (addr) {
    try {
      const ma = multiaddr(addr)
      if (ma.getComponents().findLast(c => c.name === 'p2p') == null) {
        throw new Error('multiaddr has no /p2p/<id>')
      }
      await this.openChat(ma, { signal: AbortSignal.timeout(30_000) })
    } catch (err) {
      log(`dial ${addr}: ${err.message}`)
    }
  }

  async onStdin (line) {
    const cmd = line.trim().split(/\s+/)
    if (cmd.length === 2 && (cmd[0] === '/bigline' || cmd[0] === '/streams')) {
      const n = Number(cmd[1])
      if (!Number.isInteger(n) || n < 0 || n > 64 * 1024 * 1024) {
        log(`bad argument for ${cmd[0]}: ${cmd[1]}`)
        return
      }
      if (cmd[0] === '/bigline') {
        await this.broadcast('x'.repeat(n) + '\n\n')
      } else {
        this.streamsTest(n)
      }
      return
    }
    // Same bytes as the go examples: the read line keeps its "\n" and is then
    // written with "%s\n", so the wire carries "text\n\n".
    await this.broadcast(line + '\n\n')
  }

  streamsTest (count) {
    const peers = new Set([...this.chat].map(c => c.peer))
    if (peers.size === 0) {
      log('/streams: no connected chat peer')
      return
    }
    for (const peer of peers) {
      const signal = AbortSignal.timeout(30_000)
      const jobs = []
      for (let i = 0; i < count; i++) jobs.push(this.oneStream(peer, i, signal))
      Promise.allSettled(jobs).then(results => {
        const ok = results.filter(r => r.status === 'fulfilled').length
        if (ok === count) {
          emit(`STREAMS-OK ${count} ${peer}`)
        } else {
          const reason = results.find(r => r.status === 'rejected')?.reason?.message ?? 'unknown'
          emit(`STREAMS-FAIL ${ok}/${count} ${peer} ${reason.replace(/\n/g, ' ')}`)
        }
      })
    }
  }

  async oneStream (peer, i, signal) {
    const connection = this.node.getConnections(peerIdFromString(peer))[0]
    if (connection == null) throw new Error('not connected')
    const stream = await connection.newStream(this.cfg.pid, { signal, maxOutboundStreams: STREAM_LIMIT })
    const onAbort = () => stream.abort(new Error(`stream-${i}: timed out`))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const msg = `stream-${i}`
      await send(stream, msg + '\n')
      for await (const line of readLines(stream)) {
        if (line.replace(/\r$/, '') === `echo: ${msg}`) {
          await stream.close()
          return
        }
      }
      throw new Error(`stream-${i}: closed before echo`)
    } catch (err) {
      stream.abort(err)
      throw err
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  // mDNS discovery: connect and open a chat stream, like go's chat-with-mdns.
  // The peer with the larger id (go's byte order: the user's tie-breaker, as in
  // LAN Chat) dials at once, the other waits a little and dials only if no chat
  // stream appeared meanwhile.
  async onDiscovery (info) {
    const peer = info.id.toString()
    if (info.id.equals(this.node.peerId) || this.hasChat(peer) || this.dialing.has(peer)) return
    this.dialing.add(peer)
    try {
      if (compareIds(this.node.peerId, info.id) < 0) {
        await new Promise(resolve => setTimeout(resolve, 3000))
        if (this.hasChat(peer)) return
      }
      log(`mdns: found ${peer} ${info.multiaddrs.map(String).join(' ')}, connecting`)
      await this.node.peerStore.merge(info.id, { multiaddrs: info.multiaddrs })
      await this.openChat(info.id, { signal: AbortSignal.timeout(30_000), unlessChatWith: peer })
    } catch (err) {
      log(`mdns: ${peer}: ${err.message}`)
    } finally {
      this.dialing.delete(peer)
    }
  }
}

// ------------------------------------------------------------------ main

async function main () {
  let cfg
  try {
    cfg = parseFlags(process.argv.slice(2))
  } catch (err) {
    console.error(err.message)
    console.error(USAGE)
    process.exit(2)
  }
  if (cfg.help) {
    console.error(USAGE)
    process.exit(0)
  }
  // default = noise only (what js-libp2p's examples configure); tls = TLS first, then Noise (@libp2p/tls)
  if (cfg.security !== 'default' && cfg.security !== 'noise' && cfg.security !== 'tls') {
    console.error(`--security ${cfg.security} is not supported by js-peer (noise|tls|default; default = noise)`)
    process.exit(2)
  }

  let privateKey
  try {
    privateKey = await makeKey(cfg.key)
  } catch (err) {
    console.error(err.message)
    process.exit(2)
  }
  const peerDiscovery = []
  if (cfg.rendezvous !== '') {
    // go's mdns (zeroconf) announces <serviceName>.local; js matches the full
    // name, so append the domain (go's default "_p2p._udp" == js's default
    // "_p2p._udp.local").
    const serviceTag = cfg.rendezvous.endsWith('.local') ? cfg.rendezvous : `${cfg.rendezvous}.local`
    peerDiscovery.push(mdns({ serviceTag }))
  }

  const node = await createLibp2p({
    privateKey,
    addresses: { listen: cfg.listen },
    transports: [tcp()],
    connectionEncrypters: cfg.security === 'tls' ? [tls(), noise()] : [noise()],
    // --psk: a private network (PSK v1, @libp2p/pnet), the swarm key file as go-libp2p reads it
    ...(cfg.psk !== '' ? { connectionProtector: preSharedKey({ psk: readFileSync(cfg.psk) }) } : {}),
    streamMuxers: [yamux(cfg.bench.modes !== '' ? { maxInboundStreams: BENCH_STREAM_LIMIT, maxOutboundStreams: BENCH_STREAM_LIMIT } : {})],
    peerDiscovery,
    services: { identify: identify(), ping: ping() },
    connectionManager: {
      // js-libp2p gives a dial 6 s per address, security handshake included. CI runs several suites at once on two
      // cores, and a LAN Chat node sets TLS up lazily at its first TLS connection: a test peer's patience, not a
      // measured figure (the same as the go peer's)
      dialTimeout: 20_000,
      addressDialTimeout: 20_000,
      // bench runs open connections back to back from one host (setup loop):
      // js-libp2p refuses more than 5 per second per host by default
      ...(cfg.bench.modes !== '' ? { inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 1000 } : {})
    }
  })
  const peer = new ChatPeer(cfg, node)

  const served = [...new Set([...CHAT_PROTOCOLS, cfg.pid])]
  const chatHandler = cfg.bench.modes === 'echo'
    ? (stream, connection) => { benchServe(stream, connection) }
    : (stream, connection) => peer.handleChat(stream, connection)
  const streamLimit = cfg.bench.modes !== '' ? BENCH_STREAM_LIMIT : STREAM_LIMIT
  await node.handle(served, chatHandler, {
    maxInboundStreams: streamLimit,
    maxOutboundStreams: streamLimit
  })

  if (cfg.bench.modes === '') node.addEventListener('peer:identify', evt => { // bench runs print BENCH lines only
    const r = evt.detail
    const protocols = [...(r.protocols ?? [])].sort().join(',')
    emit(`IDENTIFY ${r.peerId} agent=${r.agentVersion ?? ''} protocols=${protocols}`)
  })

  if (cfg.ping) {
    node.addEventListener('connection:open', evt => {
      const remote = evt.detail.remotePeer
      node.services.ping.ping(remote, { signal: AbortSignal.timeout(15_000) })
        .then(ms => emit(`PING ${remote} ${Math.round(ms * 1000)}`))
        .catch(err => log(`ping ${remote}: ${err.message}`))
    })
  }

  if (cfg.rendezvous !== '') {
    node.addEventListener('peer:discovery', evt => { peer.onDiscovery(evt.detail) })
  }

  for (const ma of node.getMultiaddrs()) emit(`LISTEN ${ma}`)
  emit(`PEERID ${node.peerId}`)

  // Mode switch: a bench client measures and exits; a bench echo server and
  // the chat mode run until SIGINT/SIGTERM.
  if (cfg.bench.modes !== '' && cfg.bench.modes !== 'echo') {
    const code = await runBench(node, cfg)
    await Promise.race([node.stop().catch(() => {}), new Promise(resolve => setTimeout(resolve, 3000).unref())])
    process.exit(code)
  }
  if (cfg.bench.modes === 'echo') {
    setTimeout(() => { log('bench: --timeout reached, exiting'); process.exit(0) }, cfg.bench.timeout * 1000)
  }
  for (const d of cfg.dial) peer.dial(d)

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
  let queue = Promise.resolve()
  rl.on('line', line => { queue = queue.then(() => peer.onStdin(line)).catch(err => log('stdin', err)) })
  rl.on('close', () => log('stdin: EOF (still running; SIGTERM/SIGINT to exit)'))

  let stopping = false
  const stop = async (sig) => {
    if (stopping) return
    stopping = true
    log(`${sig}: closing node`)
    setTimeout(() => process.exit(0), 5000).unref()
    await node.stop().catch(err => log('stop', err))
    process.exit(0)
  }
  process.on('SIGINT', () => { stop('SIGINT') })
  process.on('SIGTERM', () => { stop('SIGTERM') })
}

// ------------------------------------------------------------------ bench
//
// --bench echo serves the bench protocol on the chat protocols instead of the
// chat; --bench rtt,ping,throughput,streams,setup --dial MA/p2p/ID measures against
// such a server and prints one line per mode (same contract as go-peer and
// LAN Chat's lanchat-bench; see BENCHMARKS.md):
//
//   BENCH rtt p50_us=… p99_us=… max_us=… mean_us=… n=…
//   BENCH ping …       (services.ping.ping(): a new stream per ping, wall time)
//   BENCH throughput mb_s=… bytes=… secs=… write=65536
//   BENCH streams mb_s=… bytes=… secs=… write=65536 streams=N   (N concurrent streams, one connection)
//   BENCH setup …      (dial → newStream → first echo, new connection each)
//   BENCH <mode> error=<reason>
//
// Bench protocol lines: e<31 digits> is echoed; d<65534 × x> (64 KiB with the
// newline) is counted; sync is answered with "synced <bytes since last sync>".
// d-line bytes are counted per connection (all its streams together), so a
// client may send data on many streams and sync on one of them.

const BENCH_WRITE = 64 * 1024
const BENCH_PINGS_PER_CONNECTION = 200
const BENCH_MAX_POLLS = 100000 // sync polls after one streams phase

function benchEchoLine (i) { return 'e' + String(i).padStart(31, '0') }

function benchDataLine () {
  const b = new Uint8Array(BENCH_WRITE).fill(0x78)
  b[0] = 0x64
  b[BENCH_WRITE - 1] = 0x0a
  return b
}

// Lines of a stream as { first, length, text }: length counts the newline;
// text is decoded only for lines that are not data lines (first byte 'd').
async function * benchLines (stream) {
  let parts = []
  let first = -1
  let length = 0
  for await (const chunk of stream) {
    const buf = toBytes(chunk)
    let start = 0
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start)
      const end = nl === -1 ? buf.length : nl
      if (first === -1 && end > start) first = buf[start]
      length += end - start
      if (first !== 0x64 && length <= 4096) parts.push(buf.subarray(start, end))
      if (nl === -1) break
      let text = null
      if (first !== 0x64) text = decoder.decode(parts.length === 1 ? parts[0] : parts.reduce(concat, new Uint8Array(0)))
      yield { first, length: length + 1, text }
      parts = []
      first = -1
      length = 0
      start = nl + 1
    }
  }
}

// d-line byte count of each connection, shared by its bench streams
const benchCounts = new WeakMap()

async function benchServe (stream, connection) {
  let counted = benchCounts.get(connection)
  if (counted == null) {
    counted = { bytes: 0 }
    benchCounts.set(connection, counted)
  }
  try {
    for await (const line of benchLines(stream)) {
      if (line.first === 0x64) {
        counted.bytes += line.length
        continue
      }
      const text = line.text.replace(/\r$/, '')
      if (text.trim() === '') continue
      if (text === 'sync') {
        const bytes = counted.bytes
        counted.bytes = 0
        await send(stream, `synced ${bytes}\n`)
      } else {
        await send(stream, text + '\n')
      }
    }
    await stream.close().catch(() => {})
  } catch (err) {
    stream.abort(err)
  }
}

function benchToken (s) {
  const t = String(s).trim().split(/\s+/).join('_') || 'unknown'
  return t.slice(0, 160)
}

function benchStats (ns) {
  const sorted = [...ns].sort((a, b) => a - b)
  const rank = q => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]
  const us = v => (v / 1e3).toFixed(1)
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
  return `p50_us=${us(rank(0.5))} p99_us=${us(rank(0.99))} max_us=${us(sorted[sorted.length - 1])} mean_us=${us(mean)} n=${sorted.length}`
}

const nowNs = () => Number(process.hrtime.bigint())

async function benchOpen (node, target, pid, signal) {
  const connection = await node.dial(target, { signal })
  const stream = await connection.newStream(pid, { signal })
  return { connection, stream, lines: benchLines(stream)[Symbol.asyncIterator]() }
}

async function benchNext (lines) {
  const r = await lines.next()
  if (r.done) throw new Error('stream ended')
  return r.value.text ?? ''
}

async function benchRtt (node, target, cfg, signal) {
  const { stream, lines } = await benchOpen(node, target, cfg.pid, signal)
  const samples = []
  const { warmup, count } = cfg.bench
  for (let i = 0; i < warmup + count; i++) {
    const line = benchEchoLine(i)
    const t0 = nowNs()
    await send(stream, line + '\n')
    const got = await benchNext(lines)
    const d = nowNs() - t0
    if (got.replace(/\r$/, '') !== line) throw new Error(`unexpected echo ${got.slice(0, 40)}`)
    if (i >= warmup) samples.push(d)
  }
  await stream.close().catch(() => {})
  return benchStats(samples)
}

async function benchPing (node, target, peerId, cfg, signal) {
  const samples = []
  const { warmup, count } = cfg.bench
  let failures = 0
  for (let i = 0; i < warmup + count; i++) {
    if (i % BENCH_PINGS_PER_CONNECTION === 0) { // a fresh connection every 200 pings (as LAN Chat's bench client)
      await node.hangUp(peerId).catch(() => {})
      await node.dial(target, { signal })
    }
    const t0 = nowNs()
    try {
      await node.services.ping.ping(peerId, { signal })
    } catch (err) {
      // e.g. "Too many outbound protocol streams": the ping service allows one
      // outbound stream and the previous one may not have finished closing;
      // counted, reported, and the ping is done again
      if (signal.aborted || ++failures > Math.max(5, Math.floor((warmup + count) / 20))) throw err
      await new Promise(resolve => setTimeout(resolve, 10))
      i--
      continue
    }
    const d = nowNs() - t0
    if (i >= warmup) samples.push(d)
  }
  return `${benchStats(samples)} failures=${failures}`
}

async function benchThroughput (node, target, cfg, signal) {
  const { stream, lines } = await benchOpen(node, target, cfg.pid, signal)
  const data = benchDataLine()
  const sendLines = async (n) => {
    for (let i = 0; i < n; i++) {
      if (!stream.send(data)) await stream.onDrain({ signal })
    }
    await send(stream, 'sync\n')
    const reply = await benchNext(lines)
    const m = /^synced (\d+)/.exec(reply)
    if (m == null) throw new Error(`unexpected reply ${reply.slice(0, 40)}`)
    if (Number(m[1]) !== n * BENCH_WRITE) throw new Error(`peer counted ${m[1]} bytes, sent ${n * BENCH_WRITE}`)
  }
  await sendLines(Math.max(1, Math.floor(cfg.bench.warmupBytes / BENCH_WRITE)))
  const n = Math.max(1, Math.floor(cfg.bench.bytes / BENCH_WRITE))
  const t0 = nowNs()
  await sendLines(n)
  const secs = (nowNs() - t0) / 1e9
  await stream.close().catch(() => {})
  const total = n * BENCH_WRITE
  return `mb_s=${(total / 1e6 / secs).toFixed(1)} bytes=${total} secs=${secs.toFixed(3)} write=${BENCH_WRITE}`
}

// Aggregate throughput over --streams concurrent streams on one connection.
// Stream 0 does an echo round trip before the others open, so it is the
// server's first chat stream: LAN Chat answers every sync on its first chat
// stream, so syncs are sent and read on stream 0 only.
async function benchStreams (node, target, cfg, signal) {
  const n = cfg.bench.streams
  const { connection, stream: s0, lines } = await benchOpen(node, target, cfg.pid, signal)
  const streams = [s0]
  setMaxListeners(Infinity, signal) // every writer waits on it (onDrain)
  // stream reads take no signal: the deadline aborts the streams instead
  const onAbort = () => { for (const s of streams) s.abort(new Error('--timeout reached')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const echo = benchEchoLine(0)
    await send(s0, echo + '\n')
    const got = await benchNext(lines)
    if (got.replace(/\r$/, '') !== echo) throw new Error(`unexpected echo ${got.slice(0, 40)}`)
    for (let i = 1; i < n; i++) {
      streams.push(await connection.newStream(cfg.pid, { signal, maxOutboundStreams: BENCH_STREAM_LIMIT }))
    }
    const data = benchDataLine()
    // max(n, bytes / 64 KiB) data lines round-robin over the streams, all
    // writers at once, then sync polls on stream 0 until the server has
    // counted everything; returns the bytes sent and t0 → last byte counted
    const phase = async (bytes) => {
      const count = Math.max(n, Math.floor(bytes / BENCH_WRITE))
      const total = count * BENCH_WRITE
      const t0 = nowNs()
      await Promise.all(streams.map(async (s, i) => {
        for (let k = Math.floor(count / n) + (i < count % n ? 1 : 0); k > 0; k--) {
          if (!s.send(data)) await s.onDrain({ signal })
        }
      }))
      let sum = 0
      for (let polls = 0; sum < total; polls++) {
        if (polls === BENCH_MAX_POLLS) throw new Error(`peer counted ${sum} of ${total} bytes after ${polls} syncs`)
        signal.throwIfAborted()
        await send(s0, 'sync\n')
        const reply = await benchNext(lines)
        const m = /^synced (\d+)/.exec(reply)
        if (m == null) throw new Error(`unexpected reply ${reply.slice(0, 40)}`)
        const x = Number(m[1])
        sum += x
        if (sum > total) throw new Error(`peer counted ${sum} bytes, sent ${total}`)
        if (x === 0) await new Promise(resolve => setTimeout(resolve, 1))
      }
      return { total, secs: (nowNs() - t0) / 1e9 }
    }
    await phase(cfg.bench.warmupBytes)
    const { total, secs } = await phase(cfg.bench.bytes)
    await Promise.all(streams.map(s => s.close({ signal }).catch(() => {})))
    return `mb_s=${(total / 1e6 / secs).toFixed(1)} bytes=${total} secs=${secs.toFixed(3)} write=${BENCH_WRITE} streams=${n}`
  } catch (err) {
    for (const s of streams) s.abort(err)
    throw err
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

async function benchSetup (node, target, cfg, signal) {
  const samples = []
  const warmup = cfg.bench.warmup
  const line = benchEchoLine(0)
  for (let i = 0; i < warmup + cfg.bench.count; i++) {
    const t0 = nowNs()
    const { connection, stream, lines } = await benchOpen(node, target, cfg.pid, signal)
    await send(stream, line + '\n')
    const got = await benchNext(lines)
    const d = nowNs() - t0
    if (got.replace(/\r$/, '') !== line) throw new Error(`unexpected echo ${got.slice(0, 40)}`)
    if (i >= warmup) samples.push(d)
    await connection.close().catch(() => {})
  }
  return benchStats(samples)
}

async function runBench (node, cfg) {
  if (cfg.dial.length !== 1) {
    log(`--bench ${cfg.bench.modes} needs exactly one --dial`)
    return 2
  }
  const signal = AbortSignal.timeout(cfg.bench.timeout * 1000)
  const target = multiaddr(cfg.dial[0])
  const id = target.getComponents().findLast(c => c.name === 'p2p')?.value
  if (id == null) {
    log('--dial needs /p2p/<id>')
    return 2
  }
  const peerId = peerIdFromString(id)
  for (const mode of cfg.bench.modes.split(',')) {
    try {
      let fields
      switch (mode) {
        case 'rtt': fields = await benchRtt(node, target, cfg, signal); break
        case 'ping': fields = await benchPing(node, target, peerId, cfg, signal); break
        case 'throughput': fields = await benchThroughput(node, target, cfg, signal); break
        case 'streams': fields = await benchStreams(node, target, cfg, signal); break
        case 'setup': fields = await benchSetup(node, target, cfg, signal); break
        default: throw new Error(`unknown bench mode ${mode}`)
      }
      emit(`BENCH ${mode} ${fields}`)
    } catch (err) {
      emit(`BENCH ${mode} error=${benchToken(err.message)}`)
    }
  }
  return 0
}

process.on('unhandledRejection', err => log('unhandled rejection', err))
main().catch(err => {
  log('fatal', err)
  process.exit(1)
})
