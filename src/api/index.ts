export { ApiServer, defaultApiServerOptions, parseHostPort, type ApiServerOptions, type ApiSource } from './server.js'
export { ApiError, connectToNode, type NodeClient } from './client.js'
export { loadOrCreateApiToken, readApiToken, authorized, apiTokenPath, API_TOKEN_FILE_NAME } from './token.js'
export { checkHostAndOrigin, hostGuardFor, type GuardRefusal, type HostGuard } from './guard.js'
export { SessionStore, defaultSessionStoreOptions, type SessionStoreOptions } from './session.js'
export {
  API_PATHS, API_POST_PATHS, DASHBOARD_POST_PATHS, EVENTS_PATH, ORDER_PATH_PREFIX,
  type ApiErrorBody, type ApiErrorCode, type DashboardPostPath, type DashboardPostRoutes, type ApiPath, type ApiPostPath, type ApiPostRoutes, type ApiRoutes, type CloseLeaseRequest, type DeployRequest,
  type DeployResponse, type GossipView, type LeaseView, type NodeStatus, type OrderView, type PeerView, type ProviderView, type TenantView
} from './routes.js'
