import { processAlive, readRuntimeFile, type RuntimeFile } from '../node/runtime-file.js'
import { RuntimeError, SkymeshError, errorMessage, type ErrorDetails } from '../util/errors.js'
import { EVENTS_PATH, ORDER_PATH_PREFIX, type ApiErrorBody, type ApiPath, type ApiPostPath, type ApiPostRoutes, type ApiRoutes, type OrderView } from './routes.js'
import type { LeaseStatus, LogLine } from '../workload/index.js'
import { readApiToken } from './token.js'

/**
 * An error the node's API answered with. The code is the node's (an SDL error keeps its SDL_*
 * code, a lease its UNKNOWN_LEASE…); 4xx answers are the caller's input (CLI exit code 2).
 */
export class ApiError extends SkymeshError<string> {
  /** the layer that raised it on the node (sdl, market…), or 'api' for the API's own refusals */
  readonly layer: string
  constructor (readonly status: number, code: string, message: string, opts: { layer?: string, details?: ErrorDetails } = {}) {
    super(code, message, { details: opts.details ?? {}, action: 'IGNORE', badInput: status >= 400 && status < 500 })
    this.layer = opts.layer ?? 'api'
  }
}

export interface NodeClient {
  info: RuntimeFile
  get<P extends ApiPath>(path: P): Promise<ApiRoutes[P]>
  order(orderId: string): Promise<OrderView>
  /** a state-changing call, with the token from the data directory */
  post<P extends ApiPostPath>(path: P, body: ApiPostRoutes[P]['request']): Promise<ApiPostRoutes[P]['response']>
  /** a one-time dashboard login code (with the token from the data directory) */
  dashboardLoginCode(): Promise<{ code: string, expiresAt: number }>
  /** order updates from the node's event stream, until `signal` aborts */
  orderEvents(signal: AbortSignal): AsyncGenerator<OrderView>
  /** a lease's workload status (the node asks the provider when it is the tenant) */
  leaseStatus(leaseId: string): Promise<LeaseStatus>
  /** a lease's logged lines, at most `tail` per replica */
  leaseLogs(leaseId: string, opts?: { service?: string, tail?: number }): Promise<LogLine[]>
}

function notRunning (dataDir: string, why: string): RuntimeError {
  return new RuntimeError('NOT_RUNNING', `no running node in ${dataDir} (start one with skymesh start --data ${dataDir})`, { details: { dataDir, why } })
}

async function answer<T> (res: Response, path: string): Promise<T> {
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new RuntimeError('IO', `API ${path} answered ${res.status} with something that is not JSON`, { details: { status: res.status } })
  }
  if (res.ok) return body as T
  const e = (body as Partial<ApiErrorBody>).error
  throw new ApiError(res.status, typeof e?.code === 'string' ? e.code : 'HTTP_' + String(res.status), typeof e?.message === 'string' ? e.message : `API ${path} answered ${res.status}`, {
    details: { ...(e?.details ?? {}) }, ...(typeof e?.layer === 'string' ? { layer: e.layer } : {})
  })
}

/**
 * Find the node running on a data directory through its node.json, and a client for its API.
 * A missing file, a dead pid or an API that does not answer all mean "not running".
 */
export async function connectToNode (dataDir: string, timeoutMs = 3_000): Promise<NodeClient> {
  const info = await readRuntimeFile(dataDir)
  if (info === undefined) throw notRunning(dataDir, 'no node.json')
  if (!processAlive(info.pid)) throw notRunning(dataDir, `process ${info.pid} is not running`)
  if (!/^http:\/\/[^/]+$/.test(info.api)) throw notRunning(dataDir, 'node.json has no API address')
  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    let res: Response
    try {
      res = await fetch(info.api + path, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      throw notRunning(dataDir, `API at ${info.api} did not answer: ${errorMessage(err)}`)
    }
    return await answer<T>(res, path)
  }
  const get = async <P extends ApiPath>(path: P): Promise<ApiRoutes[P]> => await call<ApiRoutes[P]>(path)
  // One cheap call proves the API is this node's and alive.
  const status = await get('/status')
  if (status.peerId !== info.peerId) throw notRunning(dataDir, 'the API answers for another peer id')
  let token: string | undefined
  return {
    info,
    get,
    order: async (orderId) => await call<OrderView>(ORDER_PATH_PREFIX + orderId),
    post: async (path, body) => {
      token ??= await readApiToken(dataDir)
      return await call(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    },
    dashboardLoginCode: async () => {
      token ??= await readApiToken(dataDir)
      return await call('/dashboard/login-code', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
    },
    orderEvents: (signal) => orderEvents(info.api + EVENTS_PATH, signal),
    leaseStatus: async (leaseId) => (await call<{ status: LeaseStatus }>(`/leases/${leaseId}/status`)).status,
    leaseLogs: async (leaseId, opts = {}) => {
      const q = new URLSearchParams()
      if (opts.service !== undefined) q.set('service', opts.service)
      if (opts.tail !== undefined) q.set('tail', String(opts.tail))
      const qs = q.toString()
      return (await call<{ lines: LogLine[] }>(`/leases/${leaseId}/logs${qs === '' ? '' : `?${qs}`}`)).lines
    }
  }
}

/** Parse a server-sent event stream; yields the data of `order` events. */
async function * orderEvents (url: string, signal: AbortSignal): AsyncGenerator<OrderView> {
  let res: Response
  try {
    res = await fetch(url, { signal, headers: { accept: 'text/event-stream' } })
  } catch (err) {
    if (signal.aborted) return
    throw new RuntimeError('IO', `cannot open the event stream ${url}: ${errorMessage(err)}`, { cause: err })
  }
  if (!res.ok || res.body === null) throw new RuntimeError('IO', `event stream ${url} answered ${res.status}`)
  const decoder = new TextDecoder()
  let buf = ''
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true })
      let end: number
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end)
        buf = buf.slice(end + 2)
        let event = 'message'
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7)
          else if (line.startsWith('data: ')) data.push(line.slice(6))
        }
        if (event === 'order' && data.length > 0) yield JSON.parse(data.join('\n')) as OrderView
      }
    }
  } catch (err) {
    if (signal.aborted) return
    throw new RuntimeError('IO', `event stream ${url} failed: ${errorMessage(err)}`, { cause: err })
  }
}
