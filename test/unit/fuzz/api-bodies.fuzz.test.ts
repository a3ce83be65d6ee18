import Database from 'better-sqlite3'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  API_PATHS, API_POST_PATHS, API_TOKEN_FILE_NAME, ApiServer, EVENTS_PATH, ORDER_PATH_PREFIX, defaultApiServerOptions,
  type ApiErrorBody, type ApiErrorCode, type ApiPostPath
} from '../../../src/api/index.js'
import { parseMaxPrice } from '../../../src/node/market/index.js'
import type { SkymeshNode } from '../../../src/node/runtime.js'
import { STORE_FILE_NAME } from '../../../src/node/store.js'
import { silentLogger } from '../../../src/util/logger.js'
import { FUZZ_CASES, Tally, expectsCoverage, fuzzParameters } from '../../helpers/fuzz.js'
import { MarketNodes, type MarketNetwork } from '../../helpers/market-nodes.js'
import { ORDER_ID, fakeLease, marketSource } from '../api/market-fixtures.js'

/** Pages the node serves when the dashboard is built (npm run build): '/' and its assets. */
const DASHBOARD_PAGES: ReadonlySet<string> = new Set(['/', '/assets/app.js', '/assets/app.css'])

/**
 * Fuzzing of the local API with bad requests, over real HTTP to a real ApiServer in this process:
 * one in front of a real tenant node (its SQLite store, its market service, one deployment made
 * beforehand) and one in front of the API tests' recording fake, which holds an active lease. Every
 * generated request is wrong in at least one way (token, method, path, content type, body, id),
 * and for each the server must answer, within the request timeout, a 4xx JSON error with a code,
 * and the node's state must be what it was: the same orders, leases and store row counts, and
 * nothing deployed or closed through the fake. All FUZZ_CASES cases (10,000, three quarters
 * against the node) go over a real connection: with the small client below a round trip costs
 * about 0.3 ms of CPU here, so the handler is never called directly, and what a client sees,
 * byte for byte, is what is tested.
 */

const NET: MarketNetwork = { id: 'skymesh-unit-fuzz-api', commitWindowMs: 3_600_000, revealWindowMs: 3_600_000, maxClockSkewMs: 400 }
const EXAMPLE_SDL = readFileSync(new URL('../../../config/deploy.example.yaml', import.meta.url), 'utf8')
const MAX_BODY = defaultApiServerOptions.maxBodyBytes
const ANSWER_WITHIN_MS = 5_000
const NODE_CASES = Math.ceil(FUZZ_CASES * 0.75)
const FAKE_CASES = FUZZ_CASES - NODE_CASES

/** The API's own codes: a new one does not compile until listed. */
const API_CODES: Record<ApiErrorCode, true> = {
  NOT_FOUND: true,
  UNAUTHORIZED: true,
  METHOD_NOT_ALLOWED: true,
  BAD_REQUEST: true,
  REQUEST_TIMEOUT: true,
  BODY_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  HEADERS_TOO_LARGE: true,
  UNAVAILABLE: true,
  INTERNAL: true,
  BAD_HOST: true,
  FORBIDDEN_ORIGIN: true
}

interface Target {
  kind: 'node' | 'fake'
  host: string
  port: number
  token: string
  /** a token that is well-formed but not this server's */
  otherToken: string
  /** order ids the target knows */
  orderIds: string[]
  /** lease ids the target knows (the fake's active lease) */
  leaseIds: string[]
  /** everything a request must not change, as one comparable string */
  snapshot: () => string
}

interface FuzzRequest {
  kind: string
  method: string
  path: string
  headers: Record<string, string>
  body?: Buffer
  /** send the body in chunks, without a content-length */
  chunked?: boolean
  /** the whole request as bytes, written instead of method, path, headers and body */
  raw?: Buffer
  /** statuses the server may answer, and the code when only one is right */
  statuses: number[]
  code?: ApiErrorCode
}

// ---- JSON texts ------------------------------------------------------------------------------

/** An object's JSON text from entries, as written: duplicate keys and __proto__ stay as they are. */
function objectText (entries: Array<[string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`
}

/** A JSON value that is not an object: what a body must be. */
const notAnObject = fc.oneof(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }))
/** A JSON value that is not a string: what every field of every body is. */
const notAString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
/** Field names no body has, with the ones that trip a plain object lookup. */
function unknownField (known: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'valueOf', '', 'SDL', 'sdl ', 'maxprice', 'leaseID', 'reasons', 'sdl', 'leaseId', 'reason', 'maxPrice')
  ).filter((k) => !known.includes(k))
}

/** Text that is not JSON, or not only JSON. */
function notJson (valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 60 }).filter((s) => { try { JSON.parse(s); return false } catch { return true } }),
    fc.nat().map((n) => valid.slice(0, n % Math.max(1, valid.length))),
    fc.string({ minLength: 1, maxLength: 8 }).map((s) => `${valid}${s}`).filter((s) => { try { JSON.parse(s); return false } catch { return true } }),
    fc.constantFrom('', ' ', '\ufeff' + valid, valid.replace(/"/g, "'"), valid.replace('{', '{/*c*/'), valid.replace('}', ',}'), '{"sdl":NaN}', '{"sdl":Infinity}', '{"sdl":undefined}', '{sdl:"x"}', 'null null', '{"a":1}{"a":1}')
  )
}

/** Deep nesting: JSON parsers and schema walkers that recurse run out of stack. */
const deepJson = fc.record({ depth: fc.oneof({ arbitrary: fc.integer({ min: 100, max: 5_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 50_000, max: 400_000 }), weight: 1 }), kind: fc.constantFrom('array', 'object', 'field') })
  .map(({ depth, kind }) => {
    if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth)
    const inner = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    return kind === 'object' ? inner : `{"sdl":${inner}}`
  })

/** Bytes that are not UTF-8, to put inside a JSON string. */
const NOT_UTF8 = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xc3]]
const notUtf8 = fc.constantFrom(...NOT_UTF8).map((b) => Buffer.from(b))

/** `text` with `bad` bytes in place of the first PLACEHOLDER: invalid UTF-8 inside a JSON string. */
const PLACEHOLDER = 'UTF8HOLE'
function withBytes (text: string, bad: Buffer): Buffer {
  const at = Buffer.from(text).indexOf(PLACEHOLDER)
  const b = Buffer.from(text)
  return Buffer.concat([b.subarray(0, at), bad, b.subarray(at + PLACEHOLDER.length)])
}

// ---- SDL texts that cannot deploy --------------------------------------------------------------

const nesting = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 300 }), weight: 6 }, { arbitrary: fc.integer({ min: 300, max: 20_000 }), weight: 1 })

/** Strings that are no SDL: random text, YAML that expands or nests, the example cut before its deployment section. */
const badSdl: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  // the SDL parser spends up to ~0.1 ms a level of nesting before it gives up: mostly shallow
  nesting.map((n) => '['.repeat(n)),
  nesting.map((n) => '{a: '.repeat(n)),
  nesting.map((n) => '- '.repeat(n) + 'x'),
  fc.integer({ min: 2, max: 12 }).map((n) => Array.from({ length: n }, (_, i) => i === 0 ? 'a0: &a0 [x, x, x, x, x, x, x, x, x]' : `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`).join('\n')),
  fc.tuple(fc.nat(), fc.string({ maxLength: 80 })).map(([n, junk]) => EXAMPLE_SDL.slice(0, n % EXAMPLE_SDL.indexOf('\ndeployment:')) + junk.replace(/deployment/g, ''))
)

/** A max price parseMaxPrice refuses (malformed, zero, too precise, another denom). */
const badMaxPrice = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('0', '0uact', ' 0.000 ', '0.0000000000000000001', '123456789012345678901', '1.0000000000000000001', '-1', '1e3', '0x10', '1,000', '1000uakt', '1000 uact x', '１０００', '١٢٣', '')
).filter((s) => { try { parseMaxPrice(s); return false } catch { return true } })

// ---- requests --------------------------------------------------------------------------------

const HEX64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))
/** Printable ASCII for paths, some of which node's parser refuses (then its 400 must be JSON too). */
const PATH_CHARS = 'abcdefABCDEF0123456789xyz-._~!$&\'()*+,;=:@%/\\?#[]{}|^`"<>'
const pathJunk = fc.string({ unit: fc.constantFrom(...PATH_CHARS.split('')), maxLength: 80 })
const LATIN1 = fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 })

/** An order id the API must refuse (400) or not know (404): path traversal, encodings, near misses. */
function badOrderId (t: Target): fc.Arbitrary<string> {
  const known = fc.constantFrom(...t.orderIds)
  return fc.oneof(
    pathJunk,
    HEX64,
    LATIN1,
    fc.constantFrom('..', '../status', '..%2fstatus', '%2e%2e%2fstatus', '%2e%2e/%2e%2e/etc/passwd', '....//....//etc/passwd', '..\\..\\windows\\win.ini', '/../../etc/passwd',
      '%00', '%ff%fe', '%C0%AE%C0%AE/', '.%00.', '*', '', '/', '//', '~', '%20'),
    known.map((id) => id.toUpperCase()),
    known.map((id) => id.slice(1)),
    known.map((id) => id + '0'),
    known.map((id) => `${id}/`),
    known.map((id) => `${id}/..`),
    known.map((id) => `${id}%00`),
    known.map((id) => `${id}#x`),
    known.map((id) => `%${id.slice(0, 2)}${id.slice(2)}`),
    known.map((id) => id.split('').map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')),
    fc.tuple(known, fc.nat(), fc.constantFrom('g', 'G', 'Z', '-', '.', '/', '%', 'é')).map(([id, i, c]) => id.slice(0, i % 64) + c + id.slice((i % 64) + 1))
  ).filter((id) => !t.orderIds.includes(id))
}

/** Authorization headers that are not this server's token. */
function badAuth (t: Target): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    fc.constant({}),
    fc.constantFrom(
      `Bearer ${t.otherToken}`, t.token, `bearer ${t.token}`, `BEARER ${t.token}`, `Bearer ${t.token.toUpperCase()}`, `Bearer ${t.token}x`, `Bearer ${t.token.slice(1)}`,
      `Bearer  ${t.token}`, `Bearer\t${t.token}`, `Basic ${Buffer.from(`x:${t.token}`).toString('base64')}`, `Bearer ${t.token}, Bearer ${t.token}`, `Bearer ${t.token} ${t.token}`,
      `Token ${t.token}`, 'Bearer', 'Bearer ', `Bearer ${'0'.repeat(64)}`, `Bearer ${t.token.slice(0, 63)}\u00ff`
    ).map((authorization) => ({ authorization })),
    fc.string({ unit: fc.constantFrom(...'Bearer abcdef0123456789xyz=+/'.split('')), maxLength: 90 }).filter((s) => s.trim() !== `Bearer ${t.token}`).map((authorization) => ({ authorization }))
  )
}

function auth (t: Target, contentType = 'application/json'): Record<string, string> {
  return { authorization: `Bearer ${t.token}`, 'content-type': contentType }
}

/** A body this target would act on at `path`: only ever sent with something else wrong. */
function validBody (t: Target, path: ApiPostPath): string {
  if (path === '/deploy') return JSON.stringify({ sdl: EXAMPLE_SDL })
  return JSON.stringify({ leaseId: t.leaseIds[0] ?? `${t.orderIds[0] ?? ''}/${'cd'.repeat(32)}`, reason: 'fuzz' })
}

/** A JSON body that is wrong for `path` on this target, as text or as bytes. */
function badBody (t: Target, path: ApiPostPath): fc.Arbitrary<{ body: Buffer, statuses: number[] }> {
  const valid = validBody(t, path)
  const fields = path === '/deploy' ? { required: 'sdl', optional: 'maxPrice', good: EXAMPLE_SDL } : { required: 'leaseId', optional: 'reason', good: t.leaseIds[0] ?? 'L' }
  type Weighted = fc.WeightedArbitrary<{ body: Buffer, statuses: number[] }>
  const text = (weight: number, a: fc.Arbitrary<string>, statuses = [400]): Weighted => ({ weight, arbitrary: a.map((s) => ({ body: Buffer.from(s), statuses })) })
  // Bodies of up to a few MiB cost more than a hundred small ones: they are a few in a hundred.
  const common: Weighted[] = [
    text(4, notAnObject.map((v) => JSON.stringify(v))),
    text(4, notJson(valid)),
    text(1, deepJson, [400, 413]),
    // the required field missing, or not a string; the optional one not a string
    text(4, fc.dictionary(unknownField([fields.required]), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((o) => objectText(Object.entries(o)))),
    text(4, notAString.map((v) => objectText([[fields.required, v]]))),
    text(4, notAString.map((v) => objectText([[fields.required, fields.good], [fields.optional, v]]))),
    // a field no body has, also named like an Object.prototype member
    text(4, fc.tuple(unknownField([fields.required, fields.optional]), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => objectText([[fields.required, fields.good], [k, v]]))),
    // the same key twice: JSON.parse keeps the last one, here a wrong one
    text(3, notAString.map((v) => objectText([[fields.required, fields.good], [fields.required, v]]))),
    // a huge value where a string may not go, now and then a body past the limit
    text(1, fc.oneof({ arbitrary: fc.integer({ min: 10_000, max: 200_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 200_000, max: MAX_BODY + 100_000 }), weight: 1 })
      .map((n) => objectText([[fields.required, fields.good], ['x', 'x'.repeat(n)]])), [400, 413]),
    // a valid body with bytes that are not UTF-8 inside a string
    {
      weight: 3,
      arbitrary: notUtf8.map((bad) => ({
        body: withBytes(path === '/deploy' ? JSON.stringify({ sdl: `# ${PLACEHOLDER}\n${EXAMPLE_SDL}` }) : JSON.stringify({ leaseId: fields.good, reason: `x${PLACEHOLDER}` }), bad),
        statuses: [400]
      }))
    }
  ]
  if (t.kind === 'fake') return fc.oneof(...common)
  // against the real node, values of the right type that the layers below refuse
  const below: Weighted[] = path === '/deploy'
    ? [
        text(8, badSdl.map((sdl) => JSON.stringify({ sdl })), [400, 413]),
        text(4, badMaxPrice.map((maxPrice) => JSON.stringify({ sdl: EXAMPLE_SDL, maxPrice })))
      ]
    : [
        text(6, fc.tuple(fc.oneof(fc.string({ maxLength: 140 }), fc.constantFrom(...t.orderIds).chain((id) => fc.string({ maxLength: 70 }).map((s) => `${id}/${s}`))), fc.option(fc.string({ maxLength: 600 }), { nil: undefined }))
          .map(([leaseId, reason]) => JSON.stringify(reason === undefined ? { leaseId } : { leaseId, reason })))
      ]
  return fc.oneof(...common, ...below)
}

/**
 * Requests node:http itself cannot parse or refuses, written byte for byte: request smuggling
 * shapes (two lengths, a length and chunks), broken request lines and headers, headers past
 * node's 16 KiB. Each targets a path that is refused anyway, should the parser let it through.
 */
function malformed (t: Target): fc.Arbitrary<{ method: string, raw: Buffer }> {
  const post = (headers: string, body: string): string => `POST /deploy HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${t.otherToken}\r\ncontent-type: application/json\r\n${headers}\r\n${body}`
  const noCrLf = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).filter((c) => c !== 10 && c !== 13).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 40 })
  return fc.oneof(
    fc.constantFrom(
      'GET /orders/a b HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /orders/\u0000 HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /orders/x HTTP/2.0\r\nhost: x\r\n\r\n',
      'GET /orders/x HTTP/1.1 x\r\nhost: x\r\n\r\n',
      'get /orders/x HTTP/1.1\r\nhost: x\r\n\r\n',
      'FOO /orders/x HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /orders/x HTTP/1.1\r\nhost x\r\n\r\n',
      'GET /orders/x HTTP/1.1\r\nhost: x\r\n folded\r\n\r\n',
      'GET /orders/x HTTP/1.1\r\nho st: x\r\n\r\n',
      'GET /orders/x HTTP/1.1\r\nhost: x\u0000y\r\n\r\n',
      'GET /orders/x HTTP/1.1\nhost: x\n\n',
      post('content-length: 2\r\ncontent-length: 3\r\n', '{}'),
      post('content-length: 2\r\ntransfer-encoding: chunked\r\n', '{}'),
      post('content-length: abc\r\n', ''),
      post('content-length: -1\r\n', ''),
      post('transfer-encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'),
      post('transfer-encoding: chunked, identity\r\n', '2\r\n{}\r\n0\r\n\r\n')
    ).map((raw) => ({ method: raw.slice(0, raw.indexOf(' ')), raw: Buffer.from(raw, 'latin1') })),
    // any byte but CR and LF in the path
    noCrLf.map((p) => ({ method: 'GET', raw: Buffer.from(`GET /orders/${p} HTTP/1.1\r\nhost: x\r\n\r\n`, 'latin1') })),
    // headers past node's limit (16 KiB)
    fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({ method: 'GET', raw: Buffer.from(`GET /orders/x HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(n)}\r\n\r\n`) }))
  )
}

const OTHER_METHODS = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'PURGE', 'REPORT']
const NOT_JSON_TYPES = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json',
  'application/jsonp', 'application/json-seq', 'application/javascript', 'application/octet-stream', '*/*', 'json', 'application/', 'application/json2']

function requests (t: Target): fc.Arbitrary<FuzzRequest> {
  const postPath = fc.constantFrom(...API_POST_PATHS)
  const anyPath = fc.oneof(postPath, fc.constantFrom(...API_PATHS), pathJunk.map((p) => `/${p}`))
  // built once: chain() calls these for every case
  const bad = { '/deploy': badBody(t, '/deploy'), '/leases/close': badBody(t, '/leases/close') } satisfies Record<ApiPostPath, unknown>
  const withBody = (path: ApiPostPath): fc.Arbitrary<Buffer> => fc.oneof(fc.constant(Buffer.from(validBody(t, path))), bad[path].map((b) => b.body))
  return fc.oneof(
    // no token, or a wrong one: refused before the body is read, whatever the body
    { weight: 15, arbitrary: fc.tuple(postPath, badAuth(t)).chain(([path, headers]) => withBody(path).map((body): FuzzRequest => ({ kind: 'unauthorized', method: 'POST', path, headers: { ...headers, 'content-type': 'application/json' }, body, statuses: [401], code: 'UNAUTHORIZED' }))) },
    { weight: 2, arbitrary: fc.tuple(anyPath, badAuth(t)).map(([path, headers]): FuzzRequest => ({ kind: 'unauthorized', method: 'POST', path, headers, body: Buffer.from('{}'), statuses: [401], code: 'UNAUTHORIZED' })) },
    // the token, and a body that is wrong
    { weight: 40, arbitrary: postPath.chain((path) => bad[path].map(({ body, statuses }): FuzzRequest => ({ kind: 'bad body', method: 'POST', path, headers: auth(t), body, statuses }))) },
    // the token and a body that would be fine, sent as something other than JSON
    { weight: 8, arbitrary: fc.tuple(postPath, fc.constantFrom(...NOT_JSON_TYPES, null)).map(([path, type]): FuzzRequest => ({
      kind: 'not JSON', method: 'POST', path, headers: type === null ? { authorization: `Bearer ${t.token}` } : auth(t, type), body: Buffer.from(validBody(t, path)), statuses: [415], code: 'UNSUPPORTED_MEDIA_TYPE'
    })) },
    // a method the API does not have, with or without the token
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...OTHER_METHODS), anyPath, fc.boolean(), postPath).map(([method, path, withToken, p]): FuzzRequest => ({
      kind: 'method', method, path, headers: withToken ? auth(t) : {}, body: Buffer.from(validBody(t, p)), statuses: [405], code: 'METHOD_NOT_ALLOWED'
    })) },
    // the token, on a path that has no POST route
    { weight: 6, arbitrary: fc.oneof(fc.constantFrom(...API_PATHS, EVENTS_PATH, '/deploy/', '/Deploy', '/leases/close/', '/leases', '/leases/close/..', '/deploy/../deploy', '//deploy', '/deploy#x', '/deploy%3F'), pathJunk.map((p) => `/x${p}`))
      .filter((p) => !(API_POST_PATHS as readonly string[]).includes(p.split('?')[0] as string))
      .map((path): FuzzRequest => ({ kind: 'no POST route', method: 'POST', path, headers: auth(t), body: Buffer.from(validBody(t, '/deploy')), statuses: [404], code: 'NOT_FOUND' })) },
    // an order id that is malformed or unknown, in a GET or a HEAD, maybe with a query
    { weight: 18, arbitrary: fc.tuple(badOrderId(t), fc.option(pathJunk, { nil: undefined }), fc.constantFrom('GET', 'GET', 'GET', 'HEAD')).map(([id, query, method]): FuzzRequest => ({
      kind: 'order id', method, path: `${ORDER_PATH_PREFIX}${id}${query !== undefined && !id.includes('?') && !id.includes('#') ? `?${query}` : ''}`, headers: {}, statuses: [400, 404]
    })) },
    // any other GET path (not a page of the built dashboard)
    { weight: 3, arbitrary: pathJunk.map((p) => `/${p}`).filter((p) => {
      const route = p.split('?')[0] as string
      // the dashboard's own pages (served when it is built) are real routes, not junk
      return !(API_PATHS as readonly string[]).includes(route) && route !== EVENTS_PATH && !DASHBOARD_PAGES.has(route)
    }).map((path): FuzzRequest => ({ kind: 'GET path', method: 'GET', path, headers: {}, statuses: [400, 404] })) },
    // not HTTP node:http accepts
    { weight: 4, arbitrary: malformed(t).map(({ method, raw }): FuzzRequest => ({ kind: 'malformed', method, path: JSON.stringify(raw.subarray(0, 60).toString('latin1')), headers: {}, raw, statuses: [400, 401, 404, 431] })) },
    // over the body limit, declared or streamed
    { weight: 1, arbitrary: fc.tuple(postPath, fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 2 }), fc.boolean()).map(([path, size, chunked]): FuzzRequest => ({
      kind: 'too large', method: 'POST', path, headers: auth(t), body: Buffer.alloc(size, 0x20), chunked, statuses: [413], code: 'BODY_TOO_LARGE'
    })) }
  )
}

// ---- HTTP ------------------------------------------------------------------------------------

interface Answer { status: number, contentType: string | undefined, text: string }

/**
 * A minimal HTTP/1.1 client on one keep-alive connection. node:http's client costs about seven
 * times what the server does per request here (2 ms against 0.3 ms of CPU), which would make
 * 10,000 cases slow; it also refuses to send some of the malformed requests below. Requests are
 * written as given (request line in latin1, the body as bytes) and an answer is read by its
 * content-length, so a server that wrote a body to HEAD, or anything after its answer, is caught.
 */
class RawHttp {
  private socket: Socket | undefined
  private buf = Buffer.alloc(0)
  private closed = false
  private wake: (() => void) | undefined

  constructor (private readonly host: string, private readonly port: number) {}

  private async connect (): Promise<Socket> {
    if (this.socket !== undefined && !this.closed) return this.socket
    const socket = connect(this.port, this.host)
    socket.setNoDelay(true)
    this.socket = socket
    this.buf = Buffer.alloc(0)
    this.closed = false
    // events of a connection already dropped must not touch the current one's state
    socket.on('data', (d: Buffer) => { if (this.socket === socket) { this.buf = Buffer.concat([this.buf, d]); this.wake?.() } })
    // errors on write after the server answered early (413) and hung up are expected
    socket.on('error', () => {})
    socket.on('close', () => { if (this.socket === socket) { this.closed = true; this.wake?.() } })
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return socket
  }

  /** the request before, named in errors: leftovers of one show up in the answer to the next */
  private previous = 'none'

  async send (r: FuzzRequest): Promise<Answer> {
    try {
      return await this.sendOnce(r)
    } catch (err) {
      throw new Error(`${(err as Error).message} (the request before: ${this.previous})`)
    } finally {
      this.previous = String((r as unknown as Record<symbol, () => string>)[fc.toStringMethod]?.() ?? `${r.method} ${r.path}`).slice(0, 300)
    }
  }

  private async sendOnce (r: FuzzRequest): Promise<Answer> {
    const reused = this.socket !== undefined && !this.closed
    const socket = await this.connect()
    const lines = [`${r.method} ${r.path} HTTP/1.1`, `host: ${this.host}`]
    for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`)
    if (r.raw === undefined && r.body !== undefined) lines.push(r.chunked === true ? 'transfer-encoding: chunked' : `content-length: ${r.body.length}`)
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
    if (r.raw !== undefined) {
      socket.write(r.raw)
    } else if (r.body === undefined) {
      socket.write(head)
    } else if (r.chunked === true) {
      socket.write(head)
      for (let i = 0; i < r.body.length; i += 64 * 1024) {
        const c = r.body.subarray(i, i + 64 * 1024)
        socket.write(`${c.length.toString(16)}\r\n`)
        socket.write(c)
        socket.write('\r\n')
      }
      socket.write('0\r\n\r\n')
    } else {
      socket.write(Buffer.concat([head, r.body]))
    }
    try {
      return await this.answer(r.method === 'HEAD')
    } catch (err) {
      // a kept-alive connection the server closed just before the request: once more, afresh
      if (reused && this.closed && this.buf.length === 0 && (err as Error).message.startsWith('closed')) return await this.sendOnce(r)
      throw err
    }
  }

  private async answer (head: boolean): Promise<Answer> {
    const deadline = Date.now() + ANSWER_WITHIN_MS
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n')
      if (end >= 0) {
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n')
        const status = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? '')
        if (status === null) throw new Error(`not an HTTP/1.1 answer: ${JSON.stringify(lines[0])}`)
        const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
        if (headers.has('transfer-encoding')) throw new Error('a chunked answer: every answer of the API has a content-length')
        const length = head ? 0 : Number(headers.get('content-length') ?? 'NaN')
        if (!Number.isSafeInteger(length)) throw new Error('an answer without a content-length')
        if (this.buf.length >= end + 4 + length) {
          const body = this.buf.subarray(end + 4, end + 4 + length)
          const rest = this.buf.subarray(end + 4 + length)
          if (rest.length > 0) throw new Error(`${rest.length} bytes after the answer: ${JSON.stringify(rest.subarray(0, 80).toString('latin1'))}`)
          this.buf = Buffer.alloc(0)
          // After an early 413 the server may still be reading the body it refused: the next
          // request would queue behind it, so it goes on a new connection, as clients do.
          if (headers.get('connection')?.toLowerCase() === 'close' || status[1] === '413') this.drop()
          return { status: Number(status[1]), contentType: headers.get('content-type'), text: body.toString('utf8') }
        }
      }
      if (this.closed) throw new Error(`closed without a whole answer (${this.buf.length} bytes: ${JSON.stringify(this.buf.subarray(0, 80).toString('latin1'))})`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => { clearTimeout(timer); resolve() }
      })
      this.wake = undefined
    }
  }

  private drop (): void {
    this.socket?.destroy()
    this.socket = undefined
  }

  close (): void {
    this.drop()
  }
}

/** The request's answer is a 4xx JSON error with a code, as the request's kind says. */
function checkAnswer (r: FuzzRequest, a: Answer): string {
  const what = `${r.kind}: ${r.method} ${r.path.slice(0, 120)} -> ${a.status} ${a.text.slice(0, 300)}`
  if (!r.statuses.includes(a.status)) throw new Error(`expected ${r.statuses.join(' or ')}; ${what}`)
  if (a.contentType !== 'application/json; charset=utf-8') throw new Error(`content type ${String(a.contentType)}; ${what}`)
  if (r.method === 'HEAD') return String(a.status)
  let body: ApiErrorBody
  try {
    body = JSON.parse(a.text) as ApiErrorBody
  } catch {
    throw new Error(`the error is not JSON; ${what}`)
  }
  const e = body.error
  if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(e.code) || typeof e.message !== 'string') throw new Error(`no {error: {code, message}}; ${what}`)
  // the API's own codes come without a layer; a layer's refusal names its layer
  if (e.layer === undefined ? !Object.hasOwn(API_CODES, e.code) : typeof e.layer !== 'string' || typeof e.details !== 'object') throw new Error(`code ${e.code} of layer ${String(e.layer)}; ${what}`)
  if (r.code !== undefined && e.code !== r.code) throw new Error(`expected code ${r.code}; ${what}`)
  return `${a.status} ${e.layer ?? 'api'}/${e.code}`
}

/** A request as a counterexample prints: the body as text and cut short, not a Buffer of numbers. */
function printable (r: FuzzRequest): FuzzRequest {
  const body = r.body === undefined ? '' : ` body(${r.body.length} bytes${r.chunked === true ? ', chunked' : ''})=${JSON.stringify(r.body.subarray(0, 300).toString('latin1'))}`
  return Object.assign(r, { [fc.toStringMethod]: () => `${r.kind}: ${r.method} ${JSON.stringify(r.path)} headers=${JSON.stringify(r.headers)}${body}` })
}

async function fuzz (t: Target, runs: number): Promise<Tally> {
  const http = new RawHttp(t.host, t.port)
  const tally = new Tally()
  try {
    const before = t.snapshot()
    await fc.assert(fc.asyncProperty(requests(t).map(printable), async (r) => {
      const a = await http.send(r)
      tally.add(`${r.kind}: ${checkAnswer(r, a)}`)
      const after = t.snapshot()
      if (after !== before) throw new Error(`${r.kind}: ${r.method} ${r.path.slice(0, 120)} changed the state:\n${before}\n${after}`)
    }), fuzzParameters(runs))
    // still serving
    const status = await http.send({ kind: 'status', method: 'GET', path: '/status', headers: {}, statuses: [200] })
    expect(status.status).toBe(200)
  } finally {
    http.close()
  }
  return tally
}

// ---- the targets -----------------------------------------------------------------------------

const nodes = new MarketNodes(NET)
let node: SkymeshNode
let nodeTarget: Target
let fakeTarget: Target
let db: Database.Database
const servers: ApiServer[] = []

beforeAll(async () => {
  const launched = await nodes.launch({ roles: ['tenant'] })
  node = launched.node
  const url = new URL(launched.server.url)
  const token = (await readFile(join(launched.dataDir, API_TOKEN_FILE_NAME), 'utf8')).trim()
  // one deployment, so there are orders, order messages and a deployment row to keep as they are
  const deployed = await node.deploy(EXAMPLE_SDL)
  expect(deployed.orderIds).toHaveLength(1)
  // the node's own store, read beside it (WAL lets a reader see every committed write)
  db = new Database(join(launched.dataDir, STORE_FILE_NAME), { readonly: true, fileMustExist: true })
  const counts = ['messages', 'bids', 'deployments', 'kv'].map((table) => db.prepare(`SELECT COUNT(*) AS n FROM ${table}`))
  nodeTarget = {
    kind: 'node',
    host: url.hostname,
    port: Number(url.port),
    token,
    otherToken: 'f0'.repeat(32),
    orderIds: deployed.orderIds,
    leaseIds: [],
    snapshot: () => JSON.stringify({
      orders: node.orders(),
      leases: node.leases(),
      rows: counts.map((st) => (st.get() as { n: number }).n)
    })
  }

  const fakeToken = '5e'.repeat(32)
  const src = marketSource()
  const fake = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: fakeToken }, { source: src, logger: silentLogger })
  servers.push(fake)
  fakeTarget = {
    kind: 'fake',
    host: '127.0.0.1',
    port: Number(new URL(fake.url).port),
    token: fakeToken,
    otherToken: token,
    orderIds: [ORDER_ID],
    leaseIds: [fakeLease().leaseId],
    snapshot: () => JSON.stringify({ deploys: src.deploys.length, closes: src.closes.length })
  }
}, 60_000)

afterAll(async () => {
  db?.close()
  await Promise.all(servers.map(async (s) => { await s.close() }))
  await nodes.closeAll()
}, 30_000)

describe('local API under bad requests', () => {

  it(`a tenant node answers a 4xx JSON error with a code and keeps its orders, leases and store rows (${NODE_CASES} cases)`, async () => {
    const tally = await fuzz(nodeTarget, NODE_CASES)
    if (!expectsCoverage(NODE_CASES)) return
    // every kind of request was sent, and the layers below the API were reached
    for (const kind of ['unauthorized', 'bad body', 'not JSON', 'method', 'no POST route', 'order id', 'GET path', 'malformed', 'too large']) {
      expect([...tally.counts.keys()].some((k) => k.startsWith(`${kind}: `)), `${kind} never sent: ${tally.toString()}`).toBe(true)
    }
    for (const reached of ['400 sdl/', '400 market/BAD_MAX_PRICE', '400 market/UNKNOWN_LEASE']) {
      expect([...tally.counts.keys()].some((k) => k.includes(reached)), `${reached} never answered: ${tally.toString()}`).toBe(true)
    }
  }, 180_000)

  it(`the API in front of a source with an active lease deploys and closes nothing on a bad request (${FAKE_CASES} cases)`, async () => {
    const tally = await fuzz(fakeTarget, FAKE_CASES)
    if (!expectsCoverage(FAKE_CASES)) return
    for (const kind of ['unauthorized', 'bad body', 'not JSON', 'method', 'order id']) {
      expect([...tally.counts.keys()].some((k) => k.startsWith(`${kind}: `)), `${kind} never sent: ${tally.toString()}`).toBe(true)
    }
  }, 120_000)
})
