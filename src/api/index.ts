export { ApiServer, defaultApiServerOptions, parseHostPort, type ApiServerOptions, type ApiSource } from './server.js'
export { connectToNode, type NodeClient } from './client.js'
export { loadOrCreateApiToken, authorized, apiTokenPath, API_TOKEN_FILE_NAME } from './token.js'
export { API_PATHS, type ApiErrorBody, type ApiErrorCode, type ApiPath, type ApiRoutes, type GossipView, type NodeStatus, type PeerView, type ProviderView } from './routes.js'
