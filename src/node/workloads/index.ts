export { ProviderWorkloads, defaultProviderWorkloadsOptions, type ProviderWorkloadsOptions, type LeaseWorkload } from './provider-workloads.js'
export { LeaseInfoProtocol, type LeaseInfoRequest, type LeaseInfoModules } from './lease-info.js'
