import { request } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiServer, SessionStore, checkHostAndOrigin, defaultApiServerOptions, hostGuardFor, type ApiErrorBody } from '../../../src/api/index.js'
import { silentLogger } from '../../../src/util/logger.js'
import { fakeSource } from './fake-source.js'

const TOKEN = 'd00d'.repeat(16)
const closers: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

async function start (withDashboard = false): Promise<ApiServer> {
  let dashboardDir: string | undefined
  if (withDashboard) {
    dashboardDir = await mkdtemp(join(tmpdir(), 'skymesh-dash-unit-'))
    const dir = dashboardDir
    closers.push(async () => { await rm(dir, { recursive: true, force: true }) })
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>skymesh</title><script type="module" src="/assets/app.js"></script>')
    await writeFile(join(dir, 'app.js'), 'console.log(1)')
  }
  const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: TOKEN, ...(dashboardDir !== undefined ? { dashboardDir } : {}) }, { source: { ...fakeSource(), deploy: async () => ({ dseq: 1, orderIds: [] }) }, logger: silentLogger })
  closers.push(async () => { await s.close() })
  return s
}

/** node:http, not fetch: fetch will not send a Host header of our choosing. */
async function raw (url: string, opts: { method?: string, headers?: Record<string, string>, body?: string }): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const code = (body: string): string => (JSON.parse(body) as ApiErrorBody).error.code
const json = { 'content-type': 'application/json' }

describe('Host and Origin guard', () => {
  const guard = hostGuardFor('127.0.0.1', 4000)
  it('accepts loopback names on our port, with or without the port in Host', () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000', 'LOCALHOST:4000', '127.0.0.1']) expect(checkHostAndOrigin({ host }, guard)).toBeUndefined()
    expect(checkHostAndOrigin({ host: '127.0.0.1:4000', origin: 'http://localhost:4000' }, guard)).toBeUndefined()
  })
  it('refuses another name (DNS rebinding), another port, no Host', () => {
    for (const host of ['evil.example:4000', '127.0.0.1:4001', 'localhost.evil.example:4000', '127.0.0.1:4000@evil', '', '[::1]:80']) expect(checkHostAndOrigin({ host }, guard)).toBe('BAD_HOST')
    expect(checkHostAndOrigin({}, guard)).toBe('BAD_HOST')
  })
  it('refuses an Origin of another site, another port, another scheme, or null', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:4001', 'https://127.0.0.1:4000', 'null', 'http://localhost', 'http://127.0.0.1:4000/x']) {
      expect(checkHostAndOrigin({ host: '127.0.0.1:4000', origin }, guard)).toBe('FORBIDDEN_ORIGIN')
    }
  })
  it('allows the configured API host, but not a wildcard bind address', () => {
    expect(checkHostAndOrigin({ host: '10.0.0.5:4000' }, hostGuardFor('10.0.0.5', 4000))).toBeUndefined()
    expect(checkHostAndOrigin({ host: '0.0.0.0:4000' }, hostGuardFor('0.0.0.0', 4000))).toBe('BAD_HOST')
  })
})

describe('SessionStore', () => {
  it('a code is good once, before it expires; a session lasts its TTL', () => {
    let now = 0
    const s = new SessionStore({ loginCodeTtlMs: 100, sessionTtlMs: 1_000, maxLoginCodes: 2, maxSessions: 2 }, () => now)
    const { code } = s.issueLoginCode()
    const session = s.redeem(code)
    expect(session?.token).toMatch(/^[0-9a-f]{64}$/)
    expect(s.redeem(code)).toBeUndefined()
    expect(s.valid(session?.token ?? '')).toBe(true)
    now = 1_001
    expect(s.valid(session?.token ?? '')).toBe(false)
    const late = s.issueLoginCode()
    now += 101
    expect(s.redeem(late.code)).toBeUndefined()
  })
  it('holds a bounded number of codes, forgetting the oldest', () => {
    const s = new SessionStore({ loginCodeTtlMs: 100, sessionTtlMs: 1_000, maxLoginCodes: 2, maxSessions: 2 })
    const first = s.issueLoginCode()
    s.issueLoginCode(); s.issueLoginCode()
    expect(s.redeem(first.code)).toBeUndefined()
    expect(s.valid('zz')).toBe(false)
  })
})

describe('ApiServer dashboard routes', () => {
  it('without a built dashboard, / stays 404', async () => {
    const s = await start()
    expect((await raw(s.url + '/', {})).status).toBe(404)
  })

  it('serves index.html at / and assets with a strict CSP; never the token', async () => {
    const s = await start(true)
    const page = await raw(s.url + '/', {})
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).not.toContain(TOKEN)
    const js = await raw(s.url + '/assets/app.js', {})
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await raw(s.url + '/', { headers: { 'if-none-match': String(page.headers.etag) } })).status).toBe(304)
    expect((await raw(s.url + '/assets/nope.js', {})).status).toBe(404)
  })

  it('a foreign Host is 400 BAD_HOST, on reads and writes', async () => {
    const s = await start(true)
    for (const [method, path] of [['GET', '/status'], ['GET', '/'], ['GET', '/events'], ['POST', '/deploy']] as const) {
      const r = await raw(s.url + path, { method, headers: { host: `evil.example:${new URL(s.url).port}`, authorization: `Bearer ${TOKEN}`, ...json }, body: method === 'POST' ? '{"sdl":"x"}' : undefined })
      expect(r.status).toBe(400)
      expect(code(r.body)).toBe('BAD_HOST')
    }
  })

  it('a foreign Origin is 403 FORBIDDEN_ORIGIN, even with the token; our own Origin passes', async () => {
    const s = await start()
    const r = await raw(s.url + '/deploy', { method: 'POST', headers: { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}`, ...json }, body: '{"sdl":"x"}' })
    expect(r.status).toBe(403)
    expect(code(r.body)).toBe('FORBIDDEN_ORIGIN')
    expect((await raw(s.url + '/status', { headers: { origin: 'http://evil.example' } })).status).toBe(403)
    expect((await raw(s.url + '/status', { headers: { origin: s.url } })).status).toBe(200)
  })

  it('login: the API token mints a one-time code; the code buys a session that may deploy; logout ends it', async () => {
    const s = await start()
    expect((await raw(s.url + '/dashboard/login-code', { method: 'POST', headers: json, body: '{}' })).status).toBe(401)
    const minted = await raw(s.url + '/dashboard/login-code', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...json }, body: '{}' })
    expect(minted.status).toBe(200)
    const { code: loginCode } = JSON.parse(minted.body) as { code: string }
    const origin = { origin: s.url, ...json }
    const traded = await raw(s.url + '/dashboard/session', { method: 'POST', headers: origin, body: JSON.stringify({ code: loginCode }) })
    expect(traded.status).toBe(200)
    const { token } = JSON.parse(traded.body) as { token: string }
    expect(token).not.toBe(TOKEN)
    // once only
    const again = await raw(s.url + '/dashboard/session', { method: 'POST', headers: origin, body: JSON.stringify({ code: loginCode }) })
    expect(again.status).toBe(401)
    expect(code(again.body)).toBe('UNAUTHORIZED')
    // a session may change state (the fake source deploys anything)
    const deployed = await raw(s.url + '/deploy', { method: 'POST', headers: { ...origin, authorization: `Bearer ${token}` }, body: JSON.stringify({ sdl: 'x' }) })
    expect(deployed.status).toBe(200)
    // but not mint codes
    expect((await raw(s.url + '/dashboard/login-code', { method: 'POST', headers: { ...origin, authorization: `Bearer ${token}` }, body: '{}' })).status).toBe(401)
    expect((await raw(s.url + '/dashboard/logout', { method: 'POST', headers: { ...origin, authorization: `Bearer ${token}` }, body: '{}' })).status).toBe(200)
    expect((await raw(s.url + '/deploy', { method: 'POST', headers: { ...origin, authorization: `Bearer ${token}` }, body: JSON.stringify({ sdl: 'x' }) })).status).toBe(401)
  })

  it('bad session bodies are 400, oversized ones 413, non-JSON 415', async () => {
    const s = await start()
    expect(code((await raw(s.url + '/dashboard/session', { method: 'POST', headers: json, body: '{"code":1}' })).body)).toBe('BAD_REQUEST')
    expect(code((await raw(s.url + '/dashboard/session', { method: 'POST', headers: json, body: JSON.stringify({ code: 'a'.repeat(2000) }) })).body)).toBe('BODY_TOO_LARGE')
    expect((await raw(s.url + '/dashboard/session', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(415)
  })
})
