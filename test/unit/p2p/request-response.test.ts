import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestError, request, serve, type ExchangeLimits, type RequestHandler } from '../../../src/p2p/request-response.js'
import { connect, testMeshNode, type TestNode } from './helpers.js'

/**
 * serve/request between two real in-process libp2p nodes on 127.0.0.1. Each test registers its
 * own protocol id on the same pair of nodes.
 */
const limits: ExchangeLimits = { maxRequestBytes: 1024, maxItemBytes: 256, maxItems: 4, timeoutMs: 5_000 }
let server: TestNode
let client: TestNode
let n = 0
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

// Slow handlers wait on this, so none outlives the file.
const release = new AbortController()
const slow = async (): Promise<void> => {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 10_000)
    release.signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
  })
}

/** Serve `handler` on a fresh protocol id; returns the id and how often the handler ran. */
async function served (handler: RequestHandler, l: ExchangeLimits = limits): Promise<{ protocol: string, calls: () => number }> {
  const protocol = `/skymesh-unit/rr-${++n}/1.0.0`
  let calls = 0
  await serve(server.libp2p, protocol, async (req, from) => { calls++; return await handler(req, from) }, l)
  return { protocol, calls: () => calls }
}

async function ask (protocol: string, req: Uint8Array, l: ExchangeLimits = limits, signal?: AbortSignal): Promise<Uint8Array[]> {
  return await request(client.libp2p, server.key.peerId, protocol, req, l, signal)
}

async function codeOf (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError)
    expect((err as RequestError).action).toBe('IGNORE')
    return (err as RequestError).code
  }
  throw new Error('expected the request to fail')
}

beforeAll(async () => {
  ;[server, client] = await Promise.all([testMeshNode(), testMeshNode()])
  await connect(client, server)
}, 20_000)

afterAll(async () => {
  release.abort()
  await Promise.all([server?.libp2p.stop(), client?.libp2p.stop()])
}, 20_000)

describe('request/response over a real libp2p connection', () => {
  it('a normal exchange: one request frame in, the handler\'s frames out, in order; the handler sees the caller', async () => {
    let seenFrom = ''
    const { protocol } = await served((req, from) => {
      seenFrom = from
      return [bytes(`echo:${text(req)}`), bytes('two'), new Uint8Array(0)]
    })
    const items = await ask(protocol, bytes('hello'))
    expect(items.map(text)).toEqual(['echo:hello', 'two', ''])
    expect(seenFrom).toBe(client.key.accountId)
    // the stream is per exchange: a second request works the same
    expect((await ask(protocol, bytes('again'))).map(text)).toEqual(['echo:again', 'two', ''])
  })

  it('a request of exactly maxRequestBytes is served; one byte more gets no items and never reaches the handler', async () => {
    const { protocol, calls } = await served((req) => [bytes(String(req.length))])
    expect((await ask(protocol, new Uint8Array(limits.maxRequestBytes))).map(text)).toEqual([String(limits.maxRequestBytes)])
    expect(calls()).toBe(1)
    expect(await codeOf(ask(protocol, new Uint8Array(limits.maxRequestBytes + 1)))).toBe('REQUEST_FAILED')
    expect(calls()).toBe(1)
  })

  it('a handler that yields more than maxItems is cut at maxItems, even an endless one', async () => {
    let pulled = 0
    const { protocol } = await served(() => (function * () {
      for (let i = 0; ; i++) { pulled++; yield bytes(`item-${i}`) }
    })())
    const items = await ask(protocol, bytes('all'))
    expect(items.map(text)).toEqual(['item-0', 'item-1', 'item-2', 'item-3'])
    // the server stopped pulling right after the cap: the generator is not drained
    expect(pulled).toBe(limits.maxItems + 1)
  })

  it('a client that accepts fewer items than the server sends fails with RESPONSE_TOO_LARGE', async () => {
    const { protocol } = await served(() => [bytes('a'), bytes('b'), bytes('c')])
    expect(await codeOf(ask(protocol, bytes('x'), { ...limits, maxItems: 2 }))).toBe('RESPONSE_TOO_LARGE')
  })

  it('a response item larger than maxItemBytes is dropped; the ones around it arrive', async () => {
    const { protocol } = await served(() => [bytes('before'), new Uint8Array(limits.maxItemBytes + 1), new Uint8Array(limits.maxItemBytes), bytes('after')])
    const items = await ask(protocol, bytes('x'))
    expect(items.map((i) => i.length)).toEqual([6, limits.maxItemBytes, 5])
    expect(text(items[0] as Uint8Array)).toBe('before')
    expect(text(items[2] as Uint8Array)).toBe('after')
  })

  it('the client enforces its own maxItemBytes: a larger frame from a laxer server fails the request', async () => {
    const { protocol } = await served(() => [bytes('ok'), new Uint8Array(100)], { ...limits, maxItemBytes: 1024 })
    expect(await codeOf(ask(protocol, bytes('x'), { ...limits, maxItemBytes: 64 }))).toBe('REQUEST_FAILED')
  })

  it('a slow handler makes request() fail with REQUEST_TIMEOUT within the client\'s timeout', async () => {
    const { protocol } = await served(async () => { await slow(); return [bytes('late')] })
    const started = Date.now()
    expect(await codeOf(ask(protocol, bytes('x'), { ...limits, timeoutMs: 300 }))).toBe('REQUEST_TIMEOUT')
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(290)
    expect(took).toBeLessThan(2_000)
  })

  it('the caller\'s own signal ends the wait the same way', async () => {
    const { protocol } = await served(async () => { await slow(); return [bytes('late')] })
    const started = Date.now()
    expect(await codeOf(ask(protocol, bytes('x'), limits, AbortSignal.timeout(200)))).toBe('REQUEST_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('the server\'s deadline cuts a slow exchange off even when the client would wait longer', async () => {
    const { protocol } = await served(async () => { await slow(); return [bytes('late')] }, { ...limits, timeoutMs: 300 })
    const started = Date.now()
    // the client sees its stream reset, not its own deadline
    expect(await codeOf(ask(protocol, bytes('x'), { ...limits, timeoutMs: 8_000 }))).toBe('REQUEST_FAILED')
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('a handler that throws gives the client no items, and the server keeps serving', async () => {
    let fail = true
    const { protocol, calls } = await served((req) => {
      if (fail) throw new Error('handler bug')
      return [req]
    })
    expect(await codeOf(ask(protocol, bytes('x')))).toBe('REQUEST_FAILED')
    expect(calls()).toBe(1)
    fail = false
    expect((await ask(protocol, bytes('still here'))).map(text)).toEqual(['still here'])
    expect(client.libp2p.getConnections(server.key.peerId).length).toBeGreaterThan(0)
  })

  it('an async handler that rejects behaves like one that throws', async () => {
    const { protocol } = await served(async () => { throw new Error('async bug') })
    expect(await codeOf(ask(protocol, bytes('x')))).toBe('REQUEST_FAILED')
  })

  it('a protocol the peer does not serve fails with REQUEST_FAILED', async () => {
    expect(await codeOf(ask('/skymesh-unit/not-served/1.0.0', bytes('x')))).toBe('REQUEST_FAILED')
  })
})
