import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { API_PATHS, API_POST_PATHS, ApiServer, defaultApiServerOptions, parseHostPort, type ApiErrorBody, type ApiSource } from '../../../src/api/index.js'
import { RuntimeError } from '../../../src/util/errors.js'
import { createLogger, silentLogger } from '../../../src/util/logger.js'
import { fakeGossip, fakePeer, fakeProvider, fakeSource, fakeStatus } from './fake-source.js'

const TOKEN = 'c0ffee'.repeat(10) + 'c0ff'
const servers: ApiServer[] = []
afterEach(async () => { await Promise.all(servers.splice(0).map(async (s) => { await s.close() })) })

async function start (source: ApiSource = fakeSource(), over: { port?: number, logger?: ReturnType<typeof createLogger> } = {}): Promise<ApiServer> {
  const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: over.port ?? 0, token: TOKEN }, { source, logger: over.logger ?? silentLogger })
  servers.push(s)
  return s
}

async function call (url: string, init: RequestInit = {}): Promise<{ status: number, type: string | null, body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) })
  const text = await res.text()
  return { status: res.status, type: res.headers.get('content-type'), body: text === '' ? undefined : JSON.parse(text) }
}

describe('ApiServer', () => {
  it('binds 127.0.0.1 on a free port when asked for port 0', async () => {
    const s = await start()
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(Number(new URL(s.url).port)).toBeGreaterThan(0)
  })

  it('every GET route of the mesh answers 200 with JSON from the source', async () => {
    const s = await start()
    const expected: Record<string, unknown> = {
      '/status': fakeStatus(),
      '/peers': { peers: [fakePeer] },
      '/providers': { providers: [fakeProvider] },
      '/gossip': fakeGossip
    }
    for (const path of Object.keys(expected)) {
      expect(API_PATHS).toContain(path)
      const r = await call(s.url + path)
      expect(r.status).toBe(200)
      expect(r.type).toBe('application/json; charset=utf-8')
      expect(r.body).toEqual(expected[path])
    }
    // and every other GET route answers JSON too
    for (const path of API_PATHS) expect((await call(s.url + path)).status).toBe(200)
  })

  it('reads the source on every request: it keeps nothing of its own', async () => {
    let peers = 1
    const s = await start(fakeSource({ status: () => fakeStatus({ peers }) }))
    expect((await call(s.url + '/status')).body).toMatchObject({ peers: 1 })
    peers = 5
    expect((await call(s.url + '/status')).body).toMatchObject({ peers: 5 })
  })

  it('a query string does not change the route', async () => {
    const s = await start()
    expect((await call(s.url + '/status?verbose=1')).status).toBe(200)
  })

  it('bigints and bytes in a view are written as decimal and hex', async () => {
    const s = await start(fakeSource({ status: () => ({ ...fakeStatus(), extra: { big: 2n ** 70n, raw: new Uint8Array([0xde, 0xad]) } }) as never }))
    expect((await call(s.url + '/status')).body).toMatchObject({ extra: { big: '1180591620717411303424', raw: 'dead' } })
  })

  it('an unknown path is 404 NOT_FOUND with the JSON error body, including inherited property names', async () => {
    const s = await start()
    for (const path of ['/nope', '/', '/status/extra', '/__proto__', '/constructor', '/toString']) {
      const r = await call(s.url + path)
      expect(r.status).toBe(404)
      expect(r.type).toBe('application/json; charset=utf-8')
      const body = r.body as ApiErrorBody
      expect(body.error.code).toBe('NOT_FOUND')
      expect(typeof body.error.message).toBe('string')
    }
  })

  it('a POST without the token, or with a wrong or malformed one, is 401 UNAUTHORIZED on any path', async () => {
    const s = await start()
    const headers: Array<Record<string, string>> = [{}, { authorization: `Bearer ${'0'.repeat(64)}` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN.toUpperCase()}` }]
    for (const h of headers) {
      for (const path of ['/status', '/nope', ...API_POST_PATHS]) {
        const r = await call(s.url + path, { method: 'POST', headers: h, body: '{}' })
        expect(r.status).toBe(401)
        expect((r.body as ApiErrorBody).error.code).toBe('UNAUTHORIZED')
      }
    }
  })

  it('with the token, a POST to a path that has no POST route is 404 NOT_FOUND', async () => {
    const s = await start()
    const r = await call(s.url + '/status', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' })
    expect(r.status).toBe(404)
    expect((r.body as ApiErrorBody).error.code).toBe('NOT_FOUND')
  })

  it('other methods are 405 METHOD_NOT_ALLOWED, with or without the token', async () => {
    const s = await start()
    for (const h of [{}, { authorization: `Bearer ${TOKEN}` }] as Array<Record<string, string>>) {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const r = await call(s.url + '/status', { method, headers: h, ...(method === 'DELETE' ? {} : { body: '{}' }) })
        expect(r.status).toBe(405)
        expect((r.body as ApiErrorBody).error.code).toBe('METHOD_NOT_ALLOWED')
      }
    }
  })

  it('HEAD answers like GET without a body', async () => {
    const s = await start()
    const res = await fetch(s.url + '/status', { method: 'HEAD', signal: AbortSignal.timeout(5_000) })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it('a source that throws is 500 INTERNAL with a generic message, and is logged', async () => {
    const lines: string[] = []
    const s = await start(fakeSource({ peers: async () => { throw new Error('secret detail') } }), { logger: createLogger('warn', {}, (l) => lines.push(l)) })
    const r = await call(s.url + '/peers')
    expect(r.status).toBe(500)
    expect((r.body as ApiErrorBody).error.code).toBe('INTERNAL')
    expect(JSON.stringify(r.body)).not.toContain('secret detail')
    expect(lines.map((l) => JSON.parse(l) as { level: string, path: string })).toContainEqual(expect.objectContaining({ level: 'warn', path: '/peers' }))
    // and the server keeps serving
    expect((await call(s.url + '/status')).status).toBe(200)
  })

  it('a port in use fails with RuntimeError IO naming the address', async () => {
    const first = await start()
    const port = Number(new URL(first.url).port)
    const err = await start(fakeSource(), { port }).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(RuntimeError)
    expect((err as RuntimeError).code).toBe('IO')
    expect((err as RuntimeError).message).toContain(`127.0.0.1:${port}`)
  })

  /** Write `request` on a new connection; everything the server sends until it closes. */
  async function rawExchange (s: ApiServer, request: string): Promise<string> {
    return await new Promise<string>((resolve, reject) => {
      let text = ''
      const sock = connect(Number(new URL(s.url).port), '127.0.0.1', () => { sock.write(Buffer.from(request, 'latin1')) })
      sock.on('data', (d: Buffer) => { text += d.toString('latin1') })
      sock.on('error', reject)
      sock.on('close', () => { resolve(text) })
      setTimeout(() => { sock.destroy(); reject(new Error(`no close; got ${JSON.stringify(text)}`)) }, 5_000).unref()
    })
  }

  // Found by the API fuzz tests: node:http answered these itself, in plain text without a code.
  it('a request node:http cannot parse gets a JSON error with a code too, and the connection is closed', async () => {
    const s = await start()
    const cases: Array<[string, number, string]> = [
      ['GET /orders/\u00e9 HTTP/1.1\r\nhost: x\r\n\r\n', 400, 'BAD_REQUEST'],
      ['GET /status HTTP/1.1\r\nho st: x\r\n\r\n', 400, 'BAD_REQUEST'],
      ['POST /deploy HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}', 400, 'BAD_REQUEST'],
      [`GET /status HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE']
    ]
    for (const [request, status, code] of cases) {
      const answer = await rawExchange(s, request)
      const [head, body] = answer.split('\r\n\r\n') as [string, string]
      expect(head, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `))
      expect(head.toLowerCase()).toContain('content-type: application/json; charset=utf-8')
      expect(head.toLowerCase()).toContain('connection: close')
      expect((JSON.parse(body) as ApiErrorBody).error.code).toBe(code)
    }
    // an answer to HEAD has no body, even when the request could not be parsed
    const head = await rawExchange(s, 'HEAD /orders/\u00e9 HTTP/1.1\r\nhost: x\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1.1 400 /)
    expect(head.endsWith('\r\n\r\n')).toBe(true)
    // and the server keeps serving
    expect((await call(s.url + '/status')).status).toBe(200)
  })

  // node:http checks requestTimeout/headersTimeout only every connectionsCheckingInterval (30 s
  // by default): the server sets that interval too.
  it('a request whose headers never finish is cut off soon after requestTimeoutMs', async () => {
    const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: TOKEN, requestTimeoutMs: 300 }, { source: fakeSource(), logger: silentLogger })
    servers.push(s)
    const started = Date.now()
    const closedAfter = await new Promise<number | undefined>((resolve) => {
      const sock = connect(Number(new URL(s.url).port), '127.0.0.1', () => { sock.write('GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n') })
      sock.on('error', () => {})
      // read what the server answers (a 408), or the end of the stream is never seen
      sock.resume()
      sock.on('close', () => { resolve(Date.now() - started) })
      setTimeout(() => { resolve(undefined); sock.destroy() }, 2_500).unref()
    })
    expect(closedAfter).toBeDefined()
    expect(closedAfter).toBeLessThan(2_500)
    // with a JSON 408 like any other refusal
    const answer = await rawExchange(s, 'GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    expect(answer).toMatch(/^HTTP\/1.1 408 /)
    expect((JSON.parse(answer.split('\r\n\r\n')[1] as string) as ApiErrorBody).error.code).toBe('REQUEST_TIMEOUT')
  }, 10_000)

  it('close() ends the server: the port refuses new connections', async () => {
    const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: TOKEN }, { source: fakeSource(), logger: silentLogger })
    await s.close()
    await expect(fetch(s.url + '/status', { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
  })
})

describe('parseHostPort', () => {
  it('reads HOST:PORT, including a bracketed IPv6 host', () => {
    expect(parseHostPort('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseHostPort('localhost:8080')).toEqual({ host: 'localhost', port: 8080 })
    expect(parseHostPort('[::1]:9000')).toEqual({ host: '::1', port: 9000 })
    expect(parseHostPort('0.0.0.0:65535')).toEqual({ host: '0.0.0.0', port: 65535 })
  })

  it('refuses anything else', () => {
    for (const s of ['', '127.0.0.1', ':8080', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:123456', 'host:port', '::1:80', '[::1]', 'a b:80', 'http://127.0.0.1:80', '127.0.0.1:-1', '[zz]:80']) {
      expect(parseHostPort(s), s).toBeUndefined()
    }
  })
})
