export { ApiServer, defaultApiServerOptions, parseHostPort, type ApiServerOptions, type ApiSource } from './server.js'
export { ApiError, connectToNode, type NodeClient } from './client.js'
export { loadOrCreateApiToken, readApiToken, authorized, apiTokenPath, API_TOKEN_FILE_NAME } from './token.js'
export {
  API_PATHS, API_POST_PATHS, EVENTS_PATH, ORDER_PATH_PREFIX,
  type ApiErrorBody, type ApiErrorCode, type ApiPath, type ApiPostPath, type ApiPostRoutes, type ApiRoutes, type CloseLeaseRequest, type DeployRequest,
  type DeployResponse, type GossipView, type LeaseView, type NodeStatus, type OrderView, type PeerView, type ProviderView, type TenantView
} from './routes.js'
