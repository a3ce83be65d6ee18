import { describe, expect, it } from 'vitest'
import { defaultExecutorOptions, resolveExecutorOptions, resolveNetworkMode } from '../../../src/workload/index.js'
import type { ExecutorOptions } from '../../../src/workload/index.js'

const codeOf = (fn: () => void): string | undefined => { try { fn() } catch (e) { return (e as { code?: string }).code } return undefined }

describe('executor options', () => {
  it('defaults: isolation on, nothing from the host, a bounded port range', () => {
    const o = resolveExecutorOptions()
    expect(o).toEqual(defaultExecutorOptions)
    expect(o.readonlyRootfs).toBe(true)
    expect(o.capAdd).toEqual([])
    expect(o.allowHostNetwork).toBe(false)
    expect(o.hostIp).toBe('127.0.0.1')
    expect(o.portRange).toEqual({ min: 30000, max: 32767 })
  })

  it.each<[string, Partial<ExecutorOptions>]>([
    ['a host name as hostIp', { hostIp: 'localhost' }],
    ['an inverted port range', { portRange: { min: 2000, max: 1000 } }],
    ['a relative tmpfs path', { tmpfsPaths: ['tmp'] }],
    ['SYS_ADMIN for tenants', { capAdd: ['SYS_ADMIN'] }],
    ['ALL capabilities', { capAdd: ['ALL'] }],
    ['host network without consent', { network: 'host' }],
    ['no registry at all', { allowedRegistries: [] }],
    ['a tiny pids limit', { pidsLimit: 2 }],
    ['every address without a name to advertise', { hostIp: '0.0.0.0' }]
  ])('refuses %s (BAD_OPTIONS)', (_n, o) => {
    expect(codeOf(() => resolveExecutorOptions(o))).toBe('BAD_OPTIONS')
  })

  it('publishing on every address is fine with an advertised name', () => {
    expect(resolveExecutorOptions({ hostIp: '0.0.0.0', advertiseHost: 'provider.example.com' }).advertiseHost).toBe('provider.example.com')
  })

  it('network auto: slirp4netns on Podman, bridge on Docker', () => {
    expect(resolveNetworkMode({ network: 'auto', allowHostNetwork: false }, 'podman')).toBe('slirp4netns')
    expect(resolveNetworkMode({ network: 'auto', allowHostNetwork: false }, 'docker')).toBe('bridge')
  })

  it('per-lease networks need Docker; slirp4netns needs Podman', () => {
    expect(codeOf(() => resolveNetworkMode({ network: 'lease', allowHostNetwork: false }, 'podman'))).toBe('NETWORK_UNAVAILABLE')
    expect(resolveNetworkMode({ network: 'lease', allowHostNetwork: false }, 'docker')).toBe('lease')
    expect(codeOf(() => resolveNetworkMode({ network: 'slirp4netns', allowHostNetwork: false }, 'docker'))).toBe('NETWORK_UNAVAILABLE')
  })

  it('host network only when the operator allows it', () => {
    expect(codeOf(() => resolveNetworkMode({ network: 'host', allowHostNetwork: false }, 'podman'))).toBe('BAD_OPTIONS')
    expect(resolveNetworkMode({ network: 'host', allowHostNetwork: true }, 'podman')).toBe('host')
  })
})
