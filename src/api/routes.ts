import type { GossipView, LeaseView, NodeStatus, OrderView, PeerView, ProviderView, TenantView } from '../node/views.js'

/**
 * The local API's routes and bodies, shared by the server, the CLI and the dashboard. All JSON;
 * bigints as decimal strings, bytes as hex.
 */
export interface ApiRoutes {
  '/status': NodeStatus
  '/peers': { peers: PeerView[] }
  '/providers': { providers: ProviderView[] }
  '/gossip': GossipView
  '/orders': { orders: OrderView[] }
  '/leases': { leases: LeaseView[] }
  '/tenants': { tenants: TenantView[] }
}

export type ApiPath = keyof ApiRoutes
export const API_PATHS: readonly ApiPath[] = ['/status', '/peers', '/providers', '/gossip', '/orders', '/leases', '/tenants']

/** GET /orders/<order id hex>: one order. */
export const ORDER_PATH_PREFIX = '/orders/'

/**
 * GET /events: server-sent events. `event: order` with an OrderView as data, each time an order
 * this node knows changes (a commit, the seal, a reveal, the award, a lease accepted or closed,
 * no-bid reasons); a comment line every 15 s keeps idle connections open.
 */
export const EVENTS_PATH = '/events'

/**
 * State-changing routes: POST with a JSON body (UTF-8, `content-type: application/json`) and
 * `Authorization: Bearer <DATA/api.token>`.
 */
export interface ApiPostRoutes {
  '/deploy': { request: DeployRequest, response: DeployResponse }
  '/leases/close': { request: CloseLeaseRequest, response: LeaseView }
}

export type ApiPostPath = keyof ApiPostRoutes
export const API_POST_PATHS: readonly ApiPostPath[] = ['/deploy', '/leases/close']

export interface DeployRequest {
  /** the SDL file's text */
  sdl: string
  /** optional ceiling per group, uact per block, e.g. "1000" or "1000uact" */
  maxPrice?: string
}

export interface DeployResponse {
  dseq: number
  orderIds: string[]
}

export interface CloseLeaseRequest {
  leaseId: string
  reason?: string
}

/**
 * The dashboard's login (docs/dashboard.md). Apart from ApiPostRoutes: /dashboard/session needs
 * no token (the one-time code is the credential) and /dashboard/login-code only the API token.
 */
export interface DashboardPostRoutes {
  /** Authorization: Bearer <DATA/api.token>; a code good for one exchange within 5 minutes */
  '/dashboard/login-code': { request: Record<string, never>, response: { code: string, expiresAt: number } }
  /** the page trades the code once for a session token (Bearer, for the routes that change state) */
  '/dashboard/session': { request: { code: string }, response: { token: string, expiresAt: number } }
  /** Authorization: Bearer <session token>; ends that session */
  '/dashboard/logout': { request: Record<string, never>, response: { ended: true } }
}
export type DashboardPostPath = keyof DashboardPostRoutes
export const DASHBOARD_POST_PATHS: readonly DashboardPostPath[] = ['/dashboard/login-code', '/dashboard/session', '/dashboard/logout']

/** Body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: string, message: string, layer?: string, details?: Record<string, unknown> }
}

/** The API's own error codes; errors of the layers below keep theirs (SDL_*, UNKNOWN_LEASE…). */
export type ApiErrorCode =
  | 'NOT_FOUND' | 'UNAUTHORIZED' | 'METHOD_NOT_ALLOWED' | 'BAD_REQUEST' | 'REQUEST_TIMEOUT' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE' | 'UNAVAILABLE' | 'INTERNAL'
  // a Host header that is not this API's (DNS rebinding), an Origin of another site
  | 'BAD_HOST' | 'FORBIDDEN_ORIGIN'

export type { GossipView, LeaseView, NodeStatus, OrderView, PeerView, ProviderView, TenantView }
