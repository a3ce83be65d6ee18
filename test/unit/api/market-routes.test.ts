import { readFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ApiError, ApiServer, connectToNode, defaultApiServerOptions, loadOrCreateApiToken,
  type ApiErrorBody, type ApiSource, type LeaseView, type OrderView
} from '../../../src/api/index.js'
import { MarketServiceError, parseMaxPrice } from '../../../src/node/market/index.js'
import { writeRuntimeFile } from '../../../src/node/runtime-file.js'
import { SdlError, parseSdl } from '../../../src/sdl/index.js'
import { RuntimeError } from '../../../src/util/errors.js'
import { silentLogger } from '../../../src/util/logger.js'
import { tempDir } from '../../helpers/io.js'
import { waitFor } from '../../helpers/mesh.js'
import { fakeStatus } from './fake-source.js'
import { ORDER_ID, fakeLease, fakeOrder, marketSource } from './market-fixtures.js'

const TOKEN = '5e'.repeat(32)
const AUTH = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const EXAMPLE_SDL = readFileSync(new URL('../../../config/deploy.example.yaml', import.meta.url), 'utf8')
/** An SDL whose cpu units are not a quantity: SdlError INVALID_UNIT with path, line and column. */
const BAD_SDL = EXAMPLE_SDL.replace('units: 0.5', 'units: lots')

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })

async function start (source: ApiSource, over: Partial<typeof defaultApiServerOptions> = {}, token = TOKEN): Promise<ApiServer> {
  const s = await ApiServer.start({ ...defaultApiServerOptions, ...over, host: '127.0.0.1', port: 0, token }, { source, logger: silentLogger })
  cleanups.push(async () => { await s.close() })
  return s
}

async function call (url: string, init: RequestInit = {}): Promise<{ status: number, body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

const post = async (url: string, body: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number, body: unknown }> =>
  await call(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })

const errorOf = (r: { body: unknown }): ApiErrorBody['error'] => (r.body as ApiErrorBody).error

/** The SdlError parseSdl throws for `text`. */
function sdlErrorOf (text: string): SdlError {
  try {
    parseSdl(text)
  } catch (err) {
    if (err instanceof SdlError) return err
    throw err
  }
  throw new Error('the SDL parsed')
}

describe('GET /orders, /orders/<id>, /leases', () => {
  it('/orders and /leases list what the source has', async () => {
    const s = await start(marketSource())
    expect(await call(s.url + '/orders')).toEqual({ status: 200, body: { orders: [fakeOrder()] } })
    expect(await call(s.url + '/leases')).toEqual({ status: 200, body: { leases: [fakeLease()] } })
  })

  it('/orders/<id> is 200 with the order\'s view', async () => {
    const src = marketSource()
    const s = await start(src)
    const r = await call(s.url + `/orders/${ORDER_ID}`)
    expect(r).toEqual({ status: 200, body: fakeOrder() })
    expect(src.asked).toEqual([ORDER_ID])
  })

  it('an order the node does not know is 404 NOT_FOUND', async () => {
    const s = await start(marketSource())
    const r = await call(s.url + `/orders/${'0'.repeat(64)}`)
    expect(r.status).toBe(404)
    expect(errorOf(r).code).toBe('NOT_FOUND')
  })

  it('a malformed order id is 400 BAD_REQUEST, and the source is not asked', async () => {
    const src = marketSource()
    const s = await start(src)
    for (const id of ['xyz', ORDER_ID.toUpperCase(), ORDER_ID.slice(1), ORDER_ID + '0', '', `${ORDER_ID}/extra`, `${'g'.repeat(64)}`]) {
      const r = await call(s.url + `/orders/${id}`)
      expect(r.status, id).toBe(400)
      expect(errorOf(r).code).toBe('BAD_REQUEST')
    }
    expect(src.asked).toEqual([])
  })
})

describe('POST /deploy', () => {
  it('without the token is 401 UNAUTHORIZED, and nothing is deployed', async () => {
    const src = marketSource()
    const s = await start(src)
    for (const headers of [{ 'content-type': 'application/json' }, { authorization: `Bearer ${'00'.repeat(32)}` }] as Array<Record<string, string>>) {
      const r = await post(s.url + '/deploy', { sdl: EXAMPLE_SDL }, headers)
      expect(r.status).toBe(401)
      expect(errorOf(r).code).toBe('UNAUTHORIZED')
    }
    expect(src.deploys).toEqual([])
  })

  it('with the token and a valid body calls source.deploy and answers its result', async () => {
    const src = marketSource()
    const s = await start(src)
    expect(await post(s.url + '/deploy', { sdl: EXAMPLE_SDL })).toEqual({ status: 200, body: { dseq: 42, orderIds: [ORDER_ID] } })
    expect(await post(s.url + '/deploy', { sdl: 'x', maxPrice: '1000uact' })).toMatchObject({ status: 200 })
    expect(src.deploys).toEqual([{ sdl: EXAMPLE_SDL, opts: {} }, { sdl: 'x', opts: { maxPrice: '1000uact' } }])
  })

  it('a body that is not JSON, or not an object, is 400 BAD_REQUEST', async () => {
    const src = marketSource()
    const s = await start(src)
    for (const body of ['{ "sdl": ', 'sdl: x', '', '[]', '"x"', 'null', '1', '[{"sdl":"x"}]']) {
      const r = await post(s.url + '/deploy', body)
      expect(r.status, body).toBe(400)
      expect(errorOf(r).code).toBe('BAD_REQUEST')
    }
    expect(src.deploys).toEqual([])
  })

  it('an unknown field, a missing one or one of the wrong type is 400 BAD_REQUEST', async () => {
    const src = marketSource()
    const s = await start(src)
    for (const body of [{ sdl: 'x', wait: true }, { sdl: 'x', maxprice: '1' }, {}, { maxPrice: '1' }, { sdl: 1 }, { sdl: null }, { sdl: ['x'] }, { sdl: 'x', maxPrice: 1000 }, { sdl: 'x', maxPrice: null }]) {
      const r = await post(s.url + '/deploy', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(errorOf(r).code).toBe('BAD_REQUEST')
    }
    expect(src.deploys).toEqual([])
  })

  // Found by the API fuzz tests: a body sent as text/plain (what fetch sends for a string body)
  // or as a form was deployed as if it were JSON.
  it('a body sent as anything but application/json is 415 UNSUPPORTED_MEDIA_TYPE, and nothing is deployed', async () => {
    const src = marketSource()
    const s = await start(src)
    const body = JSON.stringify({ sdl: 'x' })
    for (const type of [undefined, 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'text/json']) {
      const headers: Record<string, string> = { authorization: AUTH.authorization, ...(type !== undefined ? { 'content-type': type } : {}) }
      // fetch would add text/plain to a string body: send bytes, which it leaves untyped
      const r = await call(s.url + '/deploy', { method: 'POST', headers, body: new TextEncoder().encode(body) })
      expect(r.status, String(type)).toBe(415)
      expect(errorOf(r).code).toBe('UNSUPPORTED_MEDIA_TYPE')
    }
    expect(src.deploys).toEqual([])
    // the media type is case-insensitive and may carry parameters
    for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
      expect((await post(s.url + '/deploy', body, { ...AUTH, 'content-type': type })).status, type).toBe(200)
    }
    expect(src.deploys).toHaveLength(2)
  })

  // Found by the API fuzz tests: bytes that are not UTF-8 were read as U+FFFD and the SDL deployed.
  it('a body that is not UTF-8 is 400 BAD_REQUEST, and nothing is deployed', async () => {
    const src = marketSource()
    const s = await start(src)
    const text = Buffer.from(JSON.stringify({ sdl: `# HOLE\n${EXAMPLE_SDL}` }))
    const at = text.indexOf('HOLE')
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const body = Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at + 4)])
      const r = await call(s.url + '/deploy', { method: 'POST', headers: AUTH, body })
      expect(r.status).toBe(400)
      expect(errorOf(r)).toMatchObject({ code: 'BAD_REQUEST', message: 'the body is not valid UTF-8' })
    }
    expect(src.deploys).toEqual([])
  })

  // Field names are checked as own keys: an inherited name (toString) is not a known field.
  it('an unknown field named like an Object.prototype member (toString, constructor) is 400 too', async () => {
    const src = marketSource()
    const s = await start(src)
    for (const body of ['{"sdl":"x","toString":"y"}', '{"sdl":"x","constructor":{}}', '{"sdl":"x","__proto__":1}']) {
      const r = await post(s.url + '/deploy', body)
      expect(r.status, body).toBe(400)
    }
    expect(src.deploys).toEqual([])
  })

  it('a body over maxBodyBytes is 413 BODY_TOO_LARGE, declared or streamed', async () => {
    const src = marketSource()
    const s = await start(src, { maxBodyBytes: 1024 })
    const big = JSON.stringify({ sdl: 'x'.repeat(2048) })
    const r = await post(s.url + '/deploy', big)
    expect(r.status).toBe(413)
    expect(errorOf(r).code).toBe('BODY_TOO_LARGE')
    // chunked, with no content-length: cut off once it passes the limit
    const streamed = await new Promise<{ status: number, body: string }>((resolve, reject) => {
      const req = httpRequest(s.url + '/deploy', { method: 'POST', headers: { ...AUTH, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => { text += c })
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }) })
      })
      req.on('error', reject)
      for (let i = 0; i < 4; i++) req.write('x'.repeat(512))
      req.end()
    })
    expect(streamed.status).toBe(413)
    expect((JSON.parse(streamed.body) as ApiErrorBody).error.code).toBe('BODY_TOO_LARGE')
    // just under the limit is read
    expect((await post(s.url + '/deploy', { sdl: 'x'.repeat(1000) })).status).toBe(200)
    expect(src.deploys).toHaveLength(1)
  })

  it('an SdlError from the source is 400 with the SDL layer\'s own code, layer and details (path, line, column)', async () => {
    const s = await start(marketSource([], { deploy: async (sdl) => { parseSdl(sdl); return { dseq: 1, orderIds: [] } } }))
    const expected = sdlErrorOf(BAD_SDL)
    expect(expected.details).toMatchObject({ path: 'profiles.compute.web.resources.cpu.units', line: 21, column: 18 })
    const r = await post(s.url + '/deploy', { sdl: BAD_SDL })
    expect(r.status).toBe(400)
    expect(errorOf(r)).toEqual({ code: expected.code, message: expected.message, layer: 'sdl', details: { ...expected.details } })
    // broken YAML too
    const yaml = sdlErrorOf('version: "2.0"\nservices: [\n')
    const y = await post(s.url + '/deploy', { sdl: 'version: "2.0"\nservices: [\n' })
    expect(y.status).toBe(400)
    expect(errorOf(y)).toMatchObject({ code: 'YAML_SYNTAX', layer: 'sdl', details: { line: yaml.line, column: yaml.column } })
  })

  it('a market error marked bad input (BAD_MAX_PRICE) is 400 with its code and layer', async () => {
    const s = await start(marketSource([], { deploy: async (_sdl, opts) => { parseMaxPrice(opts.maxPrice ?? ''); return { dseq: 1, orderIds: [] } } }))
    const r = await post(s.url + '/deploy', { sdl: 'x', maxPrice: 'abc' })
    expect(r.status).toBe(400)
    expect(errorOf(r)).toMatchObject({ code: 'BAD_MAX_PRICE', layer: 'market' })
  })

  it('an error that is not bad input is 500 INTERNAL, without details', async () => {
    for (const thrown of [new RuntimeError('IO', 'disk full'), new Error('secret')]) {
      const s = await start(marketSource([], { deploy: async () => { throw thrown } }))
      const r = await post(s.url + '/deploy', { sdl: 'x' })
      expect(r.status).toBe(500)
      expect(errorOf(r).code).toBe('INTERNAL')
      expect(errorOf(r).details).toBeUndefined()
      expect(JSON.stringify(r.body)).not.toContain('secret')
    }
  })
})

describe('POST /leases/close', () => {
  const leaseId = `${ORDER_ID}/${'cd'.repeat(32)}`

  it('closes through the source with the reason given, or the API\'s default', async () => {
    const src = marketSource()
    const s = await start(src)
    const r = await post(s.url + '/leases/close', { leaseId, reason: 'done' })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ leaseId, state: 'closed', closeReason: 'done' })
    await post(s.url + '/leases/close', { leaseId })
    expect(src.closes).toEqual([{ leaseId, reason: 'done' }, { leaseId, reason: 'closed by the API' }])
  })

  it('needs the token, a leaseId string and no other field', async () => {
    const src = marketSource()
    const s = await start(src)
    expect((await post(s.url + '/leases/close', { leaseId }, { 'content-type': 'application/json' })).status).toBe(401)
    for (const body of [{}, { leaseId: 7 }, { leaseId, reason: 3 }, { leaseId, why: 'x' }]) {
      const r = await post(s.url + '/leases/close', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(errorOf(r).code).toBe('BAD_REQUEST')
    }
    expect(src.closes).toEqual([])
  })

  it('a market refusal (UNKNOWN_LEASE, NOT_A_PARTY, LEASE_CLOSED) is 400 with its code and layer', async () => {
    for (const code of ['UNKNOWN_LEASE', 'NOT_A_PARTY', 'LEASE_CLOSED'] as const) {
      const s = await start(marketSource([], { closeLease: async () => { throw new MarketServiceError(code, 'no', { badInput: true }) } }))
      const r = await post(s.url + '/leases/close', { leaseId })
      expect(r.status).toBe(400)
      expect(errorOf(r)).toMatchObject({ code, layer: 'market', details: {} })
    }
  })
})

/** An open SSE connection to the API: the text received so far, and a way to hang up. */
async function openEvents (url: string): Promise<{ status: number, text: () => string, close: () => void }> {
  const ctl = new AbortController()
  const res = await fetch(url, { signal: ctl.signal, headers: { accept: 'text/event-stream' } })
  let text = ''
  if (res.ok && res.body !== null) {
    const decoder = new TextDecoder()
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
      } catch { /* aborted */ }
    })()
  } else {
    text = await res.text()
  }
  return { status: res.status, text: () => text, close: () => { ctl.abort() } }
}

describe('GET /events', () => {
  it('a client receives `event: order` with the order\'s view each time the source\'s listener fires', async () => {
    const other = fakeOrder({ orderId: 'cd'.repeat(32), lease: undefined, outcome: 'pending', phase: 'commit' })
    const src = marketSource([fakeOrder(), other])
    const s = await start(src)
    const ev = await openEvents(s.url + '/events')
    cleanups.push(async () => { ev.close() })
    expect(ev.status).toBe(200)
    await waitFor('the opening comment', () => ev.text().startsWith(': skymesh events\n\n'), 5_000, 10)
    await waitFor('a subscription', () => src.listeners.size === 1, 5_000, 10)
    // an order the source no longer knows is not sent
    for (const l of src.listeners) { l('ee'.repeat(32)); l(ORDER_ID); l(other.orderId) }
    await waitFor('two events', () => ev.text().split('event: order\n').length === 3, 5_000, 10)
    const events = ev.text().split('\n\n').filter((b) => b.startsWith('event: ')).map((b) => {
      const [event, data] = b.split('\n')
      return { event, data: JSON.parse((data as string).replace(/^data: /, '')) as OrderView }
    })
    expect(events).toEqual([{ event: 'event: order', data: fakeOrder() }, { event: 'event: order', data: other }])
  })

  it('the listener is unsubscribed when the client disconnects', async () => {
    const src = marketSource()
    const s = await start(src)
    const a = await openEvents(s.url + '/events')
    const b = await openEvents(s.url + '/events')
    cleanups.push(async () => { a.close(); b.close() })
    await waitFor('two subscriptions', () => src.listeners.size === 2, 5_000, 10)
    a.close()
    await waitFor('one subscription left', () => src.listeners.size === 1, 5_000, 10)
    b.close()
    await waitFor('none left', () => src.listeners.size === 0, 5_000, 10)
  })

  it('more than maxEventStreams open streams: 503 UNAVAILABLE; a slot freed is usable again', async () => {
    const src = marketSource()
    const s = await start(src, { maxEventStreams: 2 })
    const a = await openEvents(s.url + '/events')
    const b = await openEvents(s.url + '/events')
    cleanups.push(async () => { a.close(); b.close() })
    expect([a.status, b.status]).toEqual([200, 200])
    const c = await openEvents(s.url + '/events')
    expect(c.status).toBe(503)
    expect((JSON.parse(c.text()) as ApiErrorBody).error.code).toBe('UNAVAILABLE')
    expect(src.listeners.size).toBe(2)
    a.close()
    await waitFor('a slot freed', () => src.listeners.size === 1, 5_000, 10)
    const d = await openEvents(s.url + '/events')
    cleanups.push(async () => { d.close() })
    expect(d.status).toBe(200)
  })

  it('an event stream outlives the request timeout', async () => {
    const src = marketSource()
    // node:http checks the request timeout every connectionsCheckingInterval = min(1 s, timeout)
    const s = await start(src, { requestTimeoutMs: 200 })
    const ev = await openEvents(s.url + '/events')
    cleanups.push(async () => { ev.close() })
    await waitFor('a subscription', () => src.listeners.size === 1, 5_000, 10)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    for (const l of src.listeners) l(ORDER_ID)
    await waitFor('the event', () => ev.text().includes('event: order\n'), 5_000, 10)
    expect(src.listeners.size).toBe(1)
  })

  it('close() ends open event streams', async () => {
    const src = marketSource()
    const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: TOKEN }, { source: src, logger: silentLogger })
    const ev = await openEvents(s.url + '/events')
    await waitFor('a subscription', () => src.listeners.size === 1, 5_000, 10)
    await s.close()
    await waitFor('unsubscribed', () => src.listeners.size === 0, 5_000, 10)
    ev.close()
  })
})

describe('the API client (connectToNode)', () => {
  /** A data directory with node.json pointing at an API over `source`, and the token the API wants. */
  async function nodeDir (source: ApiSource): Promise<{ dir: string, server: ApiServer }> {
    const d = await tempDir('skymesh-client-')
    cleanups.push(d.cleanup)
    const token = await loadOrCreateApiToken(d.path)
    const server = await start(source, {}, token)
    await writeRuntimeFile(d.path, { peerId: fakeStatus().peerId, multiaddrs: [], api: server.url, pid: process.pid, roles: ['tenant'], network: 'skymesh-local', startedAt: new Date().toISOString() })
    return { dir: d.path, server }
  }

  async function apiErrorOf (p: Promise<unknown>): Promise<ApiError> {
    const err = await p.then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    return err as ApiError
  }

  it('post() sends the token from the data directory; order() reads one order', async () => {
    const src = marketSource()
    const { dir } = await nodeDir(src)
    const client = await connectToNode(dir)
    expect(await client.post('/deploy', { sdl: 'x', maxPrice: '5' })).toEqual({ dseq: 42, orderIds: [ORDER_ID] })
    expect(src.deploys).toEqual([{ sdl: 'x', opts: { maxPrice: '5' } }])
    expect(await client.order(ORDER_ID)).toEqual(fakeOrder())
    const closed = await client.post('/leases/close', { leaseId: 'L', reason: 'r' })
    expect((closed as LeaseView).state).toBe('closed')
  })

  it('an API refusal is an ApiError with the status, the node\'s code and layer; 4xx is bad input', async () => {
    const { dir } = await nodeDir(marketSource([], { deploy: async (sdl) => { parseSdl(sdl); return { dseq: 1, orderIds: [] } } }))
    const client = await connectToNode(dir)
    const notFound = await apiErrorOf(client.order('0'.repeat(64)))
    expect(notFound).toMatchObject({ status: 404, code: 'NOT_FOUND', layer: 'api', badInput: true })
    const badId = await apiErrorOf(client.order('nope'))
    expect(badId).toMatchObject({ status: 400, code: 'BAD_REQUEST', layer: 'api', badInput: true })
    const sdl = await apiErrorOf(client.post('/deploy', { sdl: BAD_SDL }))
    const expected = sdlErrorOf(BAD_SDL)
    expect(sdl).toMatchObject({ status: 400, code: expected.code, layer: 'sdl', badInput: true })
    expect(sdl.details).toEqual({ ...expected.details })
    expect(sdl.message).toBe(expected.message)
  })

  it('a 5xx answer is an ApiError that is not bad input', async () => {
    const { dir } = await nodeDir(marketSource([], { deploy: async () => { throw new Error('boom') } }))
    const client = await connectToNode(dir)
    const err = await apiErrorOf(client.post('/deploy', { sdl: 'x' }))
    expect(err).toMatchObject({ status: 500, code: 'INTERNAL', layer: 'api', badInput: false })
  })

  it('orderEvents yields each order event and ends quietly when the signal aborts, unsubscribing on the node', async () => {
    const other = fakeOrder({ orderId: 'cd'.repeat(32), outcome: 'pending', lease: undefined })
    const src = marketSource([fakeOrder(), other])
    const { dir } = await nodeDir(src)
    const client = await connectToNode(dir)
    const stop = new AbortController()
    const seen: OrderView[] = []
    const done = (async () => { for await (const o of client.orderEvents(stop.signal)) seen.push(o) })()
    await waitFor('a subscription', () => src.listeners.size === 1, 5_000, 10)
    for (const l of src.listeners) { l(ORDER_ID); l(other.orderId) }
    await waitFor('two events', () => seen.length === 2, 5_000, 10)
    expect(seen).toEqual([fakeOrder(), other])
    stop.abort()
    await expect(done).resolves.toBeUndefined()
    await waitFor('unsubscribed', () => src.listeners.size === 0, 5_000, 10)
  })

  describe('against a hand-written event stream', () => {
    let raw: Server | undefined
    afterEach(async () => { await new Promise<void>((resolve) => { if (raw === undefined) resolve(); else { raw.closeAllConnections(); raw.close(() => resolve()) } }); raw = undefined })

    /** A server answering /status for the fake peer id and /events with `chunks`, written apart. */
    async function rawNode (chunks: string[], status = 200): Promise<string> {
      raw = createServer((req, res) => {
        if (req.url === '/status') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(fakeStatus())); return }
        res.writeHead(status, { 'content-type': 'text/event-stream' })
        let i = 0
        const next = (): void => {
          if (i < chunks.length) { res.write(chunks[i++]); setTimeout(next, 20) } else res.end()
        }
        next()
      })
      await new Promise<void>((resolve) => raw?.listen(0, '127.0.0.1', resolve))
      const d = await tempDir('skymesh-client-raw-')
      cleanups.push(d.cleanup)
      await writeRuntimeFile(d.path, { peerId: fakeStatus().peerId, multiaddrs: [], api: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, pid: process.pid, roles: ['tenant'], network: 'skymesh-local', startedAt: new Date().toISOString() })
      return d.path
    }

    it('comments and other events are skipped; an event split across chunks is put together', async () => {
      const view = JSON.stringify(fakeOrder())
      const dir = await rawNode([': hello\n\n', 'event: ping\ndata: {}\n\n', 'event: order\nda', `ta: ${view.slice(0, 30)}`, `${view.slice(30)}\n`, '\n', ': keepalive\n\n', `event: order\ndata: ${JSON.stringify(fakeOrder({ phase: 'commit' }))}\n\n`])
      const client = await connectToNode(dir)
      const seen: OrderView[] = []
      for await (const o of client.orderEvents(AbortSignal.timeout(5_000))) seen.push(o)
      expect(seen).toEqual([fakeOrder(), fakeOrder({ phase: 'commit' })])
    })

    it('an event stream that answers an error status is a RuntimeError IO', async () => {
      const dir = await rawNode([], 503)
      const client = await connectToNode(dir)
      const err = await (async () => { for await (const _ of client.orderEvents(AbortSignal.timeout(5_000))) { /* none */ } })().then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(RuntimeError)
      expect((err as RuntimeError).code).toBe('IO')
    })
  })
})
