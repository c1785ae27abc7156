// Node 20 compatibility shim.
//
// The current js-libp2p family (libp2p 3.x, @libp2p/utils 7.x, yamux 8.x,
// ping 3.x, mortice/it-queue used by the peer store) calls
// Promise.withResolvers(), which V8 only ships from Node 22. The 2.x family
// needs it too (mortice -> it-queue). This is the spec-exact ES2024
// definition, installed only when missing, so on Node >= 22 it is a no-op.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers () {
      let resolve
      let reject
      const promise = new this((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    }
  })
}
