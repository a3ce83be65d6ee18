import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RuntimeError, errorMessage } from '../util/errors.js'
import { jsonReplacer, type Logger } from '../util/logger.js'
import type { ApiErrorBody, ApiErrorCode, ApiRoutes, GossipView, NodeStatus, PeerView, ProviderView } from './routes.js'
import { authorized } from './token.js'

/** What the API reads from; SkymeshNode implements it. The API keeps no state of its own. */
export interface ApiSource {
  status(): NodeStatus
  peers(): Promise<PeerView[]>
  providers(): ProviderView[]
  gossipView(): GossipView
}

export interface ApiServerOptions {
  host: string
  port: number
  /** bearer token required by every route that changes state (none yet: all such are refused) */
  token: string
  /** a request that has not completed by then is cut off */
  requestTimeoutMs: number
}

export const defaultApiServerOptions = { requestTimeoutMs: 5_000 }

/** Parse `HOST:PORT` (config node.api, --api). */
export function parseHostPort (s: string): { host: string, port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(s)
  if (m === null) return undefined
  const port = Number(m[2])
  if (port > 65535) return undefined
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/**
 * The local HTTP JSON API (node:http). GET /status, /peers, /providers, /gossip. Anything but
 * GET needs `Authorization: Bearer <token from DATA/api.token>`; with no state-changing route
 * yet, an authorised non-GET gets 405 and an unauthorised one 401.
 */
export class ApiServer {
  private constructor (private readonly server: Server, readonly url: string) {}

  static async start (opts: ApiServerOptions, modules: { source: ApiSource, logger: Logger }): Promise<ApiServer> {
    const routes: { [P in keyof ApiRoutes]: () => Promise<ApiRoutes[P]> } = {
      '/status': async () => modules.source.status(),
      '/peers': async () => ({ peers: await modules.source.peers() }),
      '/providers': async () => ({ providers: modules.source.providers() }),
      '/gossip': async () => modules.source.gossipView()
    }
    const server = createServer((req, res) => { void handle(req, res) })
    server.requestTimeout = opts.requestTimeoutMs
    server.headersTimeout = opts.requestTimeoutMs
    server.keepAliveTimeout = 1_000
    server.maxHeadersCount = 50

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = (req.url ?? '/').split('?')[0] as string
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          // Never read a body we will not use.
          req.resume()
          if (!authorized(req.headers.authorization, opts.token)) return fail(res, 401, 'UNAUTHORIZED', 'this route needs the token from the data directory (api.token)')
          return fail(res, 405, 'METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not supported on ${path}`)
        }
        const route = Object.prototype.hasOwnProperty.call(routes, path) ? routes[path as keyof ApiRoutes] : undefined
        if (route === undefined) return fail(res, 404, 'NOT_FOUND', `no route ${path}; try /status, /peers, /providers, /gossip`)
        send(res, 200, await route())
      } catch (err) {
        modules.logger.warn('api route failed', { path, error: errorMessage(err) })
        fail(res, 500, 'INTERNAL', 'internal error')
      }
    }

    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => { reject(new RuntimeError('IO', `cannot listen on ${opts.host}:${opts.port} for the API: ${err.message}`, { cause: err })) }
      server.once('error', onError)
      server.listen(opts.port, opts.host, () => { server.off('error', onError); resolve() })
    })
    const addr = server.address() as AddressInfo
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    return new ApiServer(server, `http://${host}:${addr.port}`)
  }

  async close (): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }
}

function send (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, jsonReplacer)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function fail (res: ServerResponse, status: number, code: ApiErrorCode, message: string): void {
  const body: ApiErrorBody = { error: { code, message } }
  send(res, status, body)
}
