import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseSdl } from '../../../src/sdl/index.js'
import { boughtOf, manifestTotals, validateManifest, workloadManifestFromSdl } from '../../../src/workload/index.js'
import type { WorkloadManifest } from '../../../src/workload/index.js'
import { MiB, expose, manifest, service } from './helpers.js'

const limits = { maxServices: 20, maxReplicasPerLease: 50 }
const codeOf = (fn: () => void): string | undefined => { try { fn() } catch (e) { return (e as { code?: string }).code } return undefined }

const TWO_SERVICES = `
version: "2.0"
services:
  web:
    image: nginx:1.25
    command: ["/bin/sh", "-c"]
    args: ["nginx -g 'daemon off;'"]
    env: ["MODE=prod"]
    expose:
      - port: 80
        accept: [www.example.com]
        to:
          - global: true
      - port: 8080
        to:
          - global: true
          - service: api
  api:
    image: ghcr.io/acme/api:2
    expose:
      - port: 9000
        proto: udp
        to:
          - service: web
    params:
      storage:
        shm:
          mount: /dev/shm
profiles:
  compute:
    web:
      resources: { cpu: { units: 0.5 }, memory: { size: 128Mi }, storage: { size: 1Gi } }
    api:
      resources:
        cpu: { units: 250m }
        memory: { size: 256Mi }
        storage:
          - size: 512Mi
          - name: shm
            size: 64Mi
            attributes: { class: ram, persistent: false }
  placement:
    dc:
      pricing:
        web: { denom: uact, amount: 100 }
        api: { denom: uact, amount: 100 }
deployment:
  web:
    dc: { profile: web, count: 2 }
  api:
    dc: { profile: api, count: 1 }
`

describe('workloadManifestFromSdl', () => {
  it("maps the SDL layer's manifest group, resources in integers", () => {
    const sdl = parseSdl(TWO_SERVICES)
    const group = sdl.manifest[0]!
    const m = workloadManifestFromSdl({ leaseId: 'o/p', tenant: 't', group, resources: sdl.groups[0]!.resources })
    const web = m.services.find(s => s.name === 'web')!
    const api = m.services.find(s => s.name === 'api')!
    expect(web).toMatchObject({
      image: 'nginx:1.25',
      command: ['/bin/sh', '-c'],
      args: ["nginx -g 'daemon off;'"],
      env: ['MODE=prod'],
      count: 2,
      cpuMillicores: 500,
      memoryBytes: 128 * MiB,
      storageBytes: 1024 * MiB,
      gpuUnits: 0,
      volumes: []
    })
    // one entry per port, the global target and the service target folded together
    expect(web.expose).toEqual([
      { port: 80, as: 0, proto: 'TCP', global: true, hosts: ['www.example.com'], toServices: [] },
      { port: 8080, as: 0, proto: 'TCP', global: true, hosts: [], toServices: ['api'] }
    ])
    expect(api.expose).toEqual([{ port: 9000, as: 0, proto: 'UDP', global: false, hosts: [], toServices: ['web'] }])
    expect(api.storageBytes).toBe(512 * MiB)
    expect(api.volumes).toEqual([{ name: 'shm', sizeBytes: 64 * MiB, persistent: false, class: 'ram', mount: '/dev/shm', readOnly: false }])
    expect(m.bought).toEqual({ cpuMillicores: 1250, memoryBytes: 512 * MiB, storageBytes: (2048 + 512 + 64) * MiB, replicas: 3 })
    expect(manifestTotals(m)).toEqual(m.bought)
    expect(() => validateManifest(m, limits)).not.toThrow()
  })

  it("maps Akash's hello-world example", () => {
    const sdl = parseSdl(readFileSync(new URL('../../../config/deploy.example.yaml', import.meta.url), 'utf8'))
    const m = workloadManifestFromSdl({ leaseId: 'x', tenant: 't', group: sdl.manifest[0]! })
    expect(m.services[0]).toMatchObject({ name: 'web', image: 'akashnetwork/hello-akash-world:1.0.0', cpuMillicores: 500, memoryBytes: 512 * MiB })
    expect(m.services[0]!.expose).toEqual([{ port: 3000, as: 80, proto: 'TCP', global: true, hosts: [], toServices: [] }])
    expect(m.bought).toBeUndefined()
  })
})

describe('validateManifest', () => {
  const ok = (): WorkloadManifest => manifest('lease', [service('web', { expose: [expose(80)] })])

  it('accepts a plain manifest', () => {
    expect(() => validateManifest(ok(), limits)).not.toThrow()
  })

  it.each<[string, (m: WorkloadManifest) => void]>([
    ['empty lease id', m => { m.leaseId = '' }],
    ['no services', m => { m.services = [] }],
    ['bad service name', m => { m.services[0]!.name = 'Web_1' }],
    ['duplicate service', m => { m.services.push({ ...m.services[0]! }) }],
    ['count 0', m => { m.services[0]!.count = 0 }],
    ['zero cpu (unlimited to the runtime)', m => { m.services[0]!.cpuMillicores = 0 }],
    ['memory below the runtime minimum', m => { m.services[0]!.memoryBytes = 4 * MiB }],
    ['env without =', m => { m.services[0]!.env = ['NOPE'] }],
    ['NUL in args', m => { m.services[0]!.args = ['a\0b'] }],
    ['port 0', m => { m.services[0]!.expose = [expose(0)] }],
    ['port exposed twice', m => { m.services[0]!.expose = [expose(80), expose(80)] }]
  ])('refuses %s with INVALID_MANIFEST', (_name, mutate) => {
    const m = ok()
    mutate(m)
    expect(codeOf(() => validateManifest(m, limits))).toBe('INVALID_MANIFEST')
  })

  it('refuses what this executor cannot run with UNSUPPORTED', () => {
    expect(codeOf(() => validateManifest(manifest('l', [service('gpu', { gpuUnits: 1 })]), limits))).toBe('UNSUPPORTED')
    const persistent = service('db', { volumes: [{ name: 'data', sizeBytes: MiB, persistent: true, class: 'beta3', mount: '/var/lib/db' }] })
    expect(codeOf(() => validateManifest(manifest('l', [persistent]), limits))).toBe('UNSUPPORTED')
  })

  it('never runs more than the lease bought (LIMIT_EXCEEDED)', () => {
    const bought = { cpuMillicores: 500, memoryBytes: 128 * MiB, storageBytes: 32 * MiB, replicas: 2 }
    expect(codeOf(() => validateManifest(manifest('l', [service('a', { count: 2 })], { bought }), limits))).toBeUndefined()
    expect(codeOf(() => validateManifest(manifest('l', [service('a', { count: 3 })], { bought }), limits))).toBe('LIMIT_EXCEEDED')
    expect(codeOf(() => validateManifest(manifest('l', [service('a', { count: 2, memoryBytes: 65 * MiB })], { bought }), limits))).toBe('LIMIT_EXCEEDED')
    expect(codeOf(() => validateManifest(manifest('l', [service('a', { count: 1, cpuMillicores: 501 })], { bought }), limits))).toBe('LIMIT_EXCEEDED')
  })

  it("applies the operator's caps on services and containers per lease", () => {
    expect(codeOf(() => validateManifest(manifest('l', [service('a', { count: 6 })]), { maxServices: 5, maxReplicasPerLease: 5 }))).toBe('LIMIT_EXCEEDED')
    expect(codeOf(() => validateManifest(manifest('l', [service('a'), service('b')]), { maxServices: 1, maxReplicasPerLease: 5 }))).toBe('LIMIT_EXCEEDED')
  })

  it('boughtOf sums count × resources', () => {
    const sdl = parseSdl(TWO_SERVICES)
    expect(boughtOf(sdl.groups[0]!.resources).replicas).toBe(3)
  })
})
