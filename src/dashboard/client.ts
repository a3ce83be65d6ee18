import type { ApiErrorBody, ApiRoutes, DeployResponse, LeaseView } from '../api/routes.js'

/** Where the page keeps its session token: this tab only, gone when it closes. */
const SESSION_KEY = 'skymesh.session'

export class RequestError extends Error {
  constructor (readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) { super(message) }
}

async function answer<T> (res: Response): Promise<T> {
  const body = await res.json() as unknown
  if (res.ok) return body as T
  const e = (body as Partial<ApiErrorBody>).error
  throw new RequestError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? `HTTP ${res.status}`, e?.details ?? {})
}

export async function get<P extends keyof ApiRoutes> (path: P): Promise<ApiRoutes[P]> {
  return await answer<ApiRoutes[P]>(await fetch(path, { headers: { accept: 'application/json' } }))
}

export function sessionToken (): string | null {
  return sessionStorage.getItem(SESSION_KEY)
}

async function post<T> (path: string, body: unknown): Promise<T> {
  const token = sessionToken()
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  })
  // a session the node no longer knows (restarted, expired): forget it so the page says so
  if (res.status === 401) sessionStorage.removeItem(SESSION_KEY)
  return await answer<T>(res)
}

/**
 * Trade a `#login=<code>` fragment for a session token, once, and take the code out of the
 * address bar (and so out of history and bookmarks). True when logged in afterwards.
 */
export async function loginFromFragment (): Promise<boolean> {
  const m = /^#login=([0-9a-f]{64})$/.exec(location.hash)
  if (m === null) return sessionToken() !== null
  history.replaceState(null, '', location.pathname + location.search)
  const { token } = await post<{ token: string }>('/dashboard/session', { code: m[1] })
  sessionStorage.setItem(SESSION_KEY, token)
  return true
}

export async function logout (): Promise<void> {
  try { await post('/dashboard/logout', {}) } finally { sessionStorage.removeItem(SESSION_KEY) }
}

export async function deploy (sdl: string, maxPrice?: string): Promise<DeployResponse> {
  return await post<DeployResponse>('/deploy', maxPrice !== undefined && maxPrice !== '' ? { sdl, maxPrice } : { sdl })
}

export async function closeLease (leaseId: string): Promise<LeaseView> {
  return await post<LeaseView>('/leases/close', { leaseId, reason: 'closed from the dashboard' })
}
