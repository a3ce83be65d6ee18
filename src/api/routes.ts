import type { GossipView, NodeStatus, PeerView, ProviderView } from '../node/views.js'

/**
 * The local API's routes and response bodies, shared by the server and the CLI (and later the
 * dashboard). All JSON; bigints as decimal strings, bytes as hex.
 */
export interface ApiRoutes {
  '/status': NodeStatus
  '/peers': { peers: PeerView[] }
  '/providers': { providers: ProviderView[] }
  '/gossip': GossipView
}

export type ApiPath = keyof ApiRoutes
export const API_PATHS: readonly ApiPath[] = ['/status', '/peers', '/providers', '/gossip']

/** Body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode, message: string }
}

export type ApiErrorCode = 'NOT_FOUND' | 'UNAUTHORIZED' | 'METHOD_NOT_ALLOWED' | 'INTERNAL'

export type { GossipView, NodeStatus, PeerView, ProviderView }
