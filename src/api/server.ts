import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { RuntimeError, errorMessage, isSkymeshError } from '../util/errors.js'
import { jsonReplacer, type Logger } from '../util/logger.js'
import {
  API_PATHS, API_POST_PATHS, EVENTS_PATH, ORDER_PATH_PREFIX,
  type ApiErrorBody, type ApiErrorCode, type ApiPostPath, type ApiPostRoutes, type ApiRoutes, type CloseLeaseRequest, type DeployRequest,
  type DeployResponse, type GossipView, type LeaseView, type NodeStatus, type OrderView, type PeerView, type ProviderView, type TenantView
} from './routes.js'
import { checkHostAndOrigin, hostGuardFor, type HostGuard } from './guard.js'
import { SessionStore } from './session.js'
import { DASHBOARD_POST_PATHS, type DashboardPostPath, type DashboardPostRoutes } from './routes.js'
import { authorized } from './token.js'
import type { LeaseStatus, LogLine } from '../workload/index.js'
import { loadStaticAssets, type StaticAsset } from './static-assets.js'

/** What the API reads from and acts on; SkymeshNode implements it. The API keeps no state of its own. */
export interface ApiSource {
  status(): NodeStatus
  peers(): Promise<PeerView[]>
  providers(): ProviderView[]
  gossipView(): GossipView
  orders(): OrderView[]
  order(orderId: string): OrderView | undefined
  leases(): LeaseView[]
  tenants(): TenantView[]
  /** a lease's workload (provider: its own runtime; tenant: asked of the provider) */
  leaseStatus(leaseId: string): Promise<LeaseStatus>
  leaseLogs(leaseId: string, opts: { service?: string, tail?: number }): Promise<LogLine[]>
  deploy(sdl: string, opts: { maxPrice?: string }): Promise<DeployResponse>
  closeLease(leaseId: string, reason: string): Promise<LeaseView>
  /** calls `listener` with an order id whenever that order changes; returns the unsubscribe */
  onOrderUpdate(listener: (orderId: string) => void): () => void
}

export interface ApiServerOptions {
  host: string
  port: number
  /** bearer token required by every route that changes state */
  token: string
  /** a request that has not completed by then is cut off (event streams excepted) */
  requestTimeoutMs: number
  /** largest JSON body of a POST (an SDL file is a few KiB; Akash's largest are under 64 KiB) */
  maxBodyBytes: number
  /** open event streams at most; more get 503 */
  maxEventStreams: number
  /** the built dashboard (index.html and its assets), served at / and /assets/; none when absent */
  dashboardDir?: string
}

export const defaultApiServerOptions = { requestTimeoutMs: 5_000, maxBodyBytes: 1024 * 1024, maxEventStreams: 32 }

/** Parse `HOST:PORT` (config node.api, --api). */
export function parseHostPort (s: string): { host: string, port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(s)
  if (m === null) return undefined
  const port = Number(m[2])
  if (port > 65535) return undefined
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/** A request the API refuses, with the HTTP status and the code the client sees. */
class HttpError extends Error {
  constructor (readonly status: number, readonly code: ApiErrorCode, message: string) { super(message) }
}

const ORDER_ID = /^[0-9a-f]{64}$/
const SSE_KEEPALIVE_MS = 15_000

/**
 * The local HTTP JSON API (node:http), bound to 127.0.0.1 by default.
 *   GET  /status /peers /providers /gossip /orders /orders/<id> /leases /tenants, and /events (SSE)
 *   POST /deploy /leases/close   (Authorization: Bearer <token from DATA/api.token>)
 *   POST /dashboard/login-code /dashboard/session /dashboard/logout   (docs/dashboard.md)
 *   GET  / and /assets/<file>: the dashboard, when built
 * Errors are `{error: {code, message, ...}}`: 400 for bad input (the layer's own code, e.g. an
 * SDL error with its path and line) or a Host that is not ours, 401, 403 for another site's
 * Origin, 404, 405, 408, 413, 415, 431, 500 for our own bugs (no details).
 */
/** GET /leases/<order id>/<provider key>/status and /logs?service=S&tail=N */
const LEASE_ROUTE = /^\/leases\/([0-9a-f]{64}\/[0-9a-f]{64})\/(status|logs)$/

export class ApiServer {
  private constructor (private readonly server: Server, readonly url: string, private readonly streams: Set<ServerResponse>) {}

  static async start (opts: ApiServerOptions, modules: { source: ApiSource, logger: Logger }): Promise<ApiServer> {
    const { source } = modules
    const gets: { [P in keyof ApiRoutes]: () => Promise<ApiRoutes[P]> } = {
      '/status': async () => source.status(),
      '/peers': async () => ({ peers: await source.peers() }),
      '/providers': async () => ({ providers: source.providers() }),
      '/gossip': async () => source.gossipView(),
      '/orders': async () => ({ orders: source.orders() }),
      '/leases': async () => ({ leases: source.leases() }),
      '/tenants': async () => ({ tenants: source.tenants() })
    }
    const posts: { [P in ApiPostPath]: (body: unknown) => Promise<ApiPostRoutes[P]['response']> } = {
      '/deploy': async (body) => {
        const b = expectObject<DeployRequest>(body, { sdl: 'string' }, { maxPrice: 'string' })
        return await source.deploy(b.sdl, b.maxPrice !== undefined ? { maxPrice: b.maxPrice } : {})
      },
      '/leases/close': async (body) => {
        const b = expectObject<CloseLeaseRequest>(body, { leaseId: 'string' }, { reason: 'string' })
        return await source.closeLease(b.leaseId, b.reason ?? 'closed by the API')
      }
    }
    const sessions = new SessionStore()
    const bearer = (header: string | undefined): string => /^\s*Bearer\s+(\S+)\s*$/.exec(header ?? '')?.[1] ?? ''
    // the API token, or a dashboard session traded for a one-time code
    const mayChangeState = (header: string | undefined): boolean => authorized(header, opts.token) || sessions.valid(bearer(header))
    const dashboardPosts: { [P in DashboardPostPath]: (body: unknown, req: IncomingMessage) => DashboardPostRoutes[P]['response'] } = {
      '/dashboard/login-code': (body, req) => {
        expectObject(body, {})
        // only the holder of DATA/api.token, not a session, mints codes
        if (!authorized(req.headers.authorization, opts.token)) throw new HttpError(401, 'UNAUTHORIZED', 'a login code needs the token from the data directory (api.token)')
        return sessions.issueLoginCode()
      },
      '/dashboard/session': (body) => {
        const b = expectObject<{ code: string }>(body, { code: 'string' })
        const s = sessions.redeem(b.code)
        if (s === undefined) throw new HttpError(401, 'UNAUTHORIZED', 'the login code is unknown, used or expired; run `skymesh dashboard` for a new link')
        return s
      },
      '/dashboard/logout': (body, req) => {
        expectObject(body, {})
        sessions.end(bearer(req.headers.authorization))
        return { ended: true }
      }
    }
    const assets: Map<string, StaticAsset> = opts.dashboardDir !== undefined ? await loadStaticAssets(opts.dashboardDir) : new Map()
    let guard: HostGuard | undefined
    const streams = new Set<ServerResponse>()
    // connections with a response in progress: a parse error on one must not write into it
    const answering = new Set<Duplex>()

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = (req.url ?? '/').split('?')[0] as string
      const socket = req.socket
      answering.add(socket)
      res.on('close', () => { answering.delete(socket) })
      try {
        // Before anything else: a page of another site (or one reached by DNS rebinding) neither
        // reads nor drives the API.
        const refusal = guard === undefined ? 'BAD_HOST' : checkHostAndOrigin(req.headers, guard)
        if (refusal === 'BAD_HOST') { req.resume(); throw new HttpError(400, 'BAD_HOST', 'the Host header must name this API (127.0.0.1, localhost or [::1] and its port)') }
        if (refusal === 'FORBIDDEN_ORIGIN') { req.resume(); throw new HttpError(403, 'FORBIDDEN_ORIGIN', 'requests from another site are refused') }
        if (req.method === 'POST' && (DASHBOARD_POST_PATHS as readonly string[]).includes(path)) {
          const p = path as DashboardPostPath
          // the session route is how a page without a token gets one; the others need a token
          if (p === '/dashboard/login-code' && !authorized(req.headers.authorization, opts.token)) { req.resume(); throw new HttpError(401, 'UNAUTHORIZED', 'a login code needs the token from the data directory (api.token)') }
          if (p === '/dashboard/logout' && !mayChangeState(req.headers.authorization)) { req.resume(); throw new HttpError(401, 'UNAUTHORIZED', 'no session to end') }
          if (!isJson(req.headers['content-type'])) { req.resume(); throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON, sent with content-type: application/json') }
          // a login needs a few bytes; never read more
          const body = await readJson(req, 1024)
          send(res, 200, dashboardPosts[p](body, req))
          return
        }
        if (req.method === 'POST') {
          // Never read a body we will not use.
          if (!mayChangeState(req.headers.authorization)) { req.resume(); throw new HttpError(401, 'UNAUTHORIZED', 'this route needs the token from the data directory (api.token)') }
          if (!(API_POST_PATHS as readonly string[]).includes(path)) { req.resume(); throw new HttpError(404, 'NOT_FOUND', `no POST route ${path.slice(0, 80)}; try ${API_POST_PATHS.join(', ')}`) }
          // A body sent as text/plain or a form was not meant as this JSON: refuse it rather than guess.
          if (!isJson(req.headers['content-type'])) { req.resume(); throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON, sent with content-type: application/json') }
          const body = await readJson(req, opts.maxBodyBytes)
          send(res, 200, await posts[path as ApiPostPath](body))
          return
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          req.resume()
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not supported; GET reads, POST changes state`)
        }
        if (path === EVENTS_PATH) return openStream(req, res)
        const asset = assets.get(path)
        if (asset !== undefined) { sendAsset(req, res, asset); return }
        const leaseRoute = LEASE_ROUTE.exec(path)
        if (leaseRoute !== null) {
          const [, leaseId, what] = leaseRoute as unknown as [string, string, 'status' | 'logs']
          if (what === 'status') { send(res, 200, { status: await source.leaseStatus(leaseId) }); return }
          const q = new URL(req.url ?? '/', 'http://localhost').searchParams
          const service = q.get('service') ?? undefined
          const tailText = q.get('tail') ?? undefined
          if (service !== undefined && !/^[a-z][-a-z0-9]{0,62}$/.test(service)) throw new HttpError(400, 'BAD_REQUEST', 'service: an SDL service name (lower-case letters, digits, -)')
          if (tailText !== undefined && !/^\d{1,5}$/.test(tailText)) throw new HttpError(400, 'BAD_REQUEST', 'tail: a number of lines, at most 99999')
          send(res, 200, { lines: await source.leaseLogs(leaseId, { ...(service !== undefined ? { service } : {}), ...(tailText !== undefined ? { tail: Number(tailText) } : {}) }) })
          return
        }
        if (path.startsWith(ORDER_PATH_PREFIX)) {
          const id = path.slice(ORDER_PATH_PREFIX.length)
          if (!ORDER_ID.test(id)) throw new HttpError(400, 'BAD_REQUEST', 'an order id is 64 lower-case hex digits')
          const order = source.order(id)
          if (order === undefined) throw new HttpError(404, 'NOT_FOUND', `no order ${id} on this node`)
          send(res, 200, order)
          return
        }
        const route = Object.prototype.hasOwnProperty.call(gets, path) ? gets[path as keyof ApiRoutes] : undefined
        if (route === undefined) throw new HttpError(404, 'NOT_FOUND', `no route ${path.slice(0, 80)}; try ${API_PATHS.join(', ')}, ${ORDER_PATH_PREFIX}<id>, ${EVENTS_PATH}`)
        send(res, 200, await route())
      } catch (err) {
        if (err instanceof HttpError) return fail(res, err.status, { code: err.code, message: err.message })
        if (isSkymeshError(err) && err.badInput) {
          const j = err.toJSON()
          return fail(res, 400, { code: j.code, message: j.message, layer: j.layer, details: { ...j.details } })
        }
        if (isSkymeshError(err) && err.layer === 'lease') {
          // the lease's provider could not be asked or runs nothing: not our fault, nor the caller's
          const j = err.toJSON()
          return fail(res, 503, { code: j.code, message: j.message, layer: j.layer, details: { ...j.details } })
        }
        modules.logger.warn('api route failed', { path, error: errorMessage(err) })
        fail(res, 500, { code: 'INTERNAL', message: isSkymeshError(err) ? err.message : 'internal error' })
      }
    }

    const openStream = (req: IncomingMessage, res: ServerResponse): void => {
      if (streams.size >= opts.maxEventStreams) throw new HttpError(503, 'UNAVAILABLE', `too many event streams open (${opts.maxEventStreams})`)
      // event streams outlive the request timeout by design
      req.socket.setTimeout(0)
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(': skymesh events\n\n')
      streams.add(res)
      const unsubscribe = source.onOrderUpdate((orderId) => {
        const view = source.order(orderId)
        if (view !== undefined) res.write(`event: order\ndata: ${JSON.stringify(view, jsonReplacer)}\n\n`)
      })
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS)
      keepalive.unref()
      res.on('close', () => { unsubscribe(); clearInterval(keepalive); streams.delete(res) })
    }

    const server = createServer({
      requestTimeout: opts.requestTimeoutMs,
      headersTimeout: opts.requestTimeoutMs,
      // node:http checks both timeouts only this often (30 s by default)
      connectionsCheckingInterval: Math.min(1_000, opts.requestTimeoutMs)
    }, (req, res) => { void handle(req, res) })
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => { answerClientError(err, socket, !answering.has(socket)) })
    server.keepAliveTimeout = 1_000
    server.maxHeadersCount = 50

    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { reject(new RuntimeError('IO', `cannot listen on ${opts.host}:${opts.port} for the API: ${err.message}`, { cause: err })) }
      server.once('error', onError)
      server.listen(opts.port, opts.host, () => { server.off('error', onError); resolve() })
    })
    const addr = server.address() as AddressInfo
    guard = hostGuardFor(opts.host, addr.port)
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    return new ApiServer(server, `http://${host}:${addr.port}`, streams)
  }

  async close (): Promise<void> {
    for (const s of this.streams) s.end()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }
}

/**
 * A request node:http cannot parse (a byte above 0x7f in the path, a malformed header, headers
 * too large) or that timed out never reaches the routes; node would answer it in plain text. It
 * gets the API's JSON error instead, like every other refusal, and the connection is closed as
 * node does (its framing is lost), without writing into a response already under way.
 */
function answerClientError (err: NodeJS.ErrnoException, socket: Duplex, idle: boolean): void {
  if (idle && err.code !== 'ECONNRESET' && socket.writable) {
    const [status, code, message]: [number, ApiErrorCode, string] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'HEADERS_TOO_LARGE', 'the request headers are too large']
          : [400, 'BAD_REQUEST', `the request is not valid HTTP/1.1 (${err.message.slice(0, 100)}); bytes above 0x7f in the path must be percent-encoded`]
    const text = JSON.stringify({ error: { code, message } } satisfies ApiErrorBody)
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${isHead(err) ? '' : text}`)
  }
  socket.destroy()
}

/**
 * Whether the request node could not parse was a HEAD, whose answer must have no body (a client
 * would read the body as the start of the next answer). The parser's error carries the bytes it
 * was reading and where it stopped: the request starts that packet, or the line the parser was
 * in when it failed is the request line (the rest of a previous body may come first).
 */
function isHead (err: unknown): boolean {
  const { rawPacket, bytesParsed } = err as { rawPacket?: unknown, bytesParsed?: unknown }
  if (!(rawPacket instanceof Uint8Array)) return false
  const text = Buffer.from(rawPacket.buffer, rawPacket.byteOffset, rawPacket.length).toString('latin1')
  if (text.startsWith('HEAD ')) return true
  const upTo = typeof bytesParsed === 'number' ? text.slice(0, bytesParsed) : ''
  return /(?:^|[^A-Z])HEAD [^\r\n]*$/.test(upTo.slice(upTo.lastIndexOf('\n') + 1))
}

type FieldType = 'string' | 'number'

/** A JSON object with exactly these fields (required and optional) of these types. */
function expectObject<T> (body: unknown, required: Record<string, FieldType>, optional: Record<string, FieldType> = {}): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'BAD_REQUEST', 'the body must be a JSON object')
  const o = body as Record<string, unknown>
  for (const [k, t] of Object.entries(required)) {
    // eslint-disable-next-line valid-typeof
    if (typeof o[k] !== t) throw new HttpError(400, 'BAD_REQUEST', `field ${k} must be a ${t}`)
  }
  for (const k of Object.keys(o)) {
    if (Object.hasOwn(required, k)) continue
    const t = Object.hasOwn(optional, k) ? optional[k] : undefined
    if (t === undefined) throw new HttpError(400, 'BAD_REQUEST', `unknown field ${JSON.stringify(k.slice(0, 40))}; expected ${[...Object.keys(required), ...Object.keys(optional)].join(', ')}`)
    // eslint-disable-next-line valid-typeof
    if (o[k] !== undefined && typeof o[k] !== t) throw new HttpError(400, 'BAD_REQUEST', `field ${k} must be a ${t}`)
  }
  return o as T
}

/** application/json, with or without parameters (charset=utf-8), in any case. */
function isJson (contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*application\/json\s*(?:;.*)?$/i.test(contentType)
}

// Fatal: a body that is not UTF-8 is refused, not read with U+FFFD in place of its bad bytes
// (an SDL would deploy with text its author never wrote). The BOM is kept, so JSON.parse refuses
// it as before.
const utf8Body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

async function readJson (req: IncomingMessage, max: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > max) { req.resume(); throw new HttpError(413, 'BODY_TOO_LARGE', `the body is ${declared} bytes; the limit is ${max}`) }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) throw new HttpError(413, 'BODY_TOO_LARGE', `the body is over the limit of ${max} bytes`)
    chunks.push(chunk as Buffer)
  }
  let text: string
  try {
    text = utf8Body.decode(Buffer.concat(chunks))
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the body is not valid UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the body is not valid JSON')
  }
}

function send (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, jsonReplacer)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function sendAsset (req: IncomingMessage, res: ServerResponse, asset: StaticAsset): void {
  if (req.headers['if-none-match'] === asset.etag) { res.writeHead(304, { etag: asset.etag }); res.end(); return }
  res.writeHead(200, { ...asset.headers, etag: asset.etag, 'content-length': asset.body.length })
  res.end(req.method === 'HEAD' ? undefined : asset.body)
}

function fail (res: ServerResponse, status: number, error: ApiErrorBody['error']): void {
  if (res.headersSent) { res.end(); return }
  send(res, status, { error } satisfies ApiErrorBody)
}
