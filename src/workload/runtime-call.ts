import type Docker from 'dockerode'
import { WorkloadError } from './errors.js'

/**
 * Every runtime call goes through `runtimeCall`: a deadline of its own plus the caller's
 * AbortSignal, and one place that turns transport failures into typed errors.
 */
export async function runtimeCall<T> (what: string, timeoutMs: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs)))
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
  // Raced as well as passed down: a call that ignores the signal still cannot outlive it.
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(combined.reason)
    combined.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => undefined)
  try {
    return await Promise.race([fn(combined), aborted])
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason ?? err
    if (deadline.aborted) {
      throw new WorkloadError('TIMEOUT', `container runtime did not answer ${what} within ${Math.round(timeoutMs)} ms`, { details: { call: what, timeoutMs }, cause: err })
    }
    throw err
  } finally {
    if (onAbort !== undefined) combined.removeEventListener('abort', onAbort)
  }
}

export interface DialRequest {
  path: string
  method: 'GET' | 'POST' | 'DELETE'
  /** Sent as the query string. */
  query?: Record<string, string | number | boolean>
  /** Sent as the JSON body, never in the URL. */
  body?: unknown
  statusCodes: Record<number, string | boolean>
}

/**
 * A raw Engine API call through dockerode's modem, for what dockerode gets wrong: its
 * createContainer copies the whole body (environment included) into the query string, and its
 * image inspect drops the AbortSignal.
 */
export async function dial<T> (docker: Pick<Docker, 'modem'>, req: DialRequest, signal: AbortSignal): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    docker.modem.dial({
      path: req.path + '?',
      method: req.method,
      options: { _query: req.query ?? {}, ...(req.body !== undefined ? { _body: req.body } : {}) },
      statusCodes: req.statusCodes,
      abortSignal: signal
    }, (err, data) => { if (err !== null) reject(err); else resolve(data as T) })
  })
}

/** HTTP status of a dockerode error, if it got as far as an answer. */
export function statusOf (err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode: unknown }).statusCode
    return typeof s === 'number' ? s : undefined
  }
  return undefined
}

/** The runtime's own message (`json.message`), else the error's. */
export function apiMessage (err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const j = (err as { json: unknown }).json
    if (typeof j === 'object' && j !== null && 'message' in j && typeof (j as { message: unknown }).message === 'string') return (j as { message: string }).message
    if (typeof j === 'string' && j !== '') return j
  }
  if (err instanceof Error) return err.message
  return String(err)
}

const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNRESET', 'EACCES', 'ENOTSOCK', 'EHOSTUNREACH'])

/** Anything unexpected from the runtime, as a typed error (typed errors pass through). */
export function asWorkloadError (err: unknown, what: string): WorkloadError {
  if (err instanceof WorkloadError) return err
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined
  if (code !== undefined && TRANSPORT_CODES.has(code)) {
    return new WorkloadError('RUNTIME_UNAVAILABLE', `container runtime not reachable during ${what} (${code}): is the Docker or Podman service running?`, { details: { call: what, errno: code }, cause: err })
  }
  const status = statusOf(err)
  return new WorkloadError('RUNTIME_ERROR', `container runtime failed ${what}${status !== undefined ? ` (HTTP ${status})` : ''}: ${apiMessage(err).trim()}`, { details: { call: what, ...(status !== undefined ? { status } : {}) }, cause: err })
}
