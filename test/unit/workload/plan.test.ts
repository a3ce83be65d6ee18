import { describe, expect, it } from 'vitest'
import { WorkloadError, containerName, planLease, planReplica, specHashOf } from '../../../src/workload/index.js'
import type { NetworkMode } from '../../../src/workload/index.js'
import { MiB, expose, manifest, options, service } from './helpers.js'

const ports = (entries: Array<[string, number]> = []): Map<string, number> => new Map(entries)

describe('planReplica: limits and labels', () => {
  const m = manifest('order/provider', [service('web', { count: 2, cpuMillicores: 500, memoryBytes: 128 * MiB, expose: [expose(80)] })])
  const web = m.services[0]!
  const plan = planReplica(m, web, 1, { options: options(), network: 'slirp4netns', hostPorts: ports([['80/tcp', 30005]]) })
  const hc = plan.create.HostConfig!

  it('turns millicores into NanoCpus and sets memory with no swap on top', () => {
    expect(hc.NanoCpus).toBe(500_000_000)
    expect(hc.Memory).toBe(128 * MiB)
    expect(hc.MemorySwap).toBe(hc.Memory)
    expect(hc.PidsLimit).toBe(1024)
  })

  it('labels every container with lease, service, replica and managed=1, and names it from the lease hash', () => {
    expect(plan.labels).toMatchObject({
      'skymesh.managed': '1',
      'skymesh.lease': 'order/provider',
      'skymesh.tenant': 'tenant-1',
      'skymesh.service': 'web',
      'skymesh.replica': '1',
      'skymesh.count': '2',
      'skymesh.host-ports': '80/tcp=30005'
    })
    expect(plan.labels['skymesh.spec']).toBe(plan.specHash)
    expect(plan.create.Labels).toBe(plan.labels)
    expect(plan.name).toBe(containerName('order/provider', 'web', 1))
    expect(plan.name).toMatch(/^skymesh-[0-9a-f]{16}-web-1$/)
  })

  it('gives the replica its identity in env before the tenant env', () => {
    const p = planReplica(manifest('l', [service('web', { env: ['SKYMESH_SERVICE=mine', 'A=1'] })]), service('web', { env: ['SKYMESH_SERVICE=mine', 'A=1'] }), 0, { options: options(), network: 'slirp4netns', hostPorts: ports() })
    expect(p.create.Env).toEqual(['SKYMESH_LEASE_ID=l', 'SKYMESH_TENANT=tenant-1', 'SKYMESH_SERVICE=web', 'SKYMESH_REPLICA=0', 'SKYMESH_SERVICE=mine', 'A=1'])
  })

  it('maps command to the entrypoint and args to CMD, and leaves the image defaults alone otherwise', () => {
    const a = planReplica(m, service('web', { command: ['/bin/httpd'], args: ['-f'] }), 0, { options: options(), network: 'none', hostPorts: ports() })
    expect(a.create.Entrypoint).toEqual(['/bin/httpd'])
    expect(a.create.Cmd).toEqual(['-f'])
    const b = planReplica(m, service('web'), 0, { options: options(), network: 'none', hostPorts: ports() })
    expect(b.create).not.toHaveProperty('Entrypoint')
    expect(b.create).not.toHaveProperty('Cmd')
    expect(b.create.Image).toBe('localhost/tiny:1')
  })

  it('passes the fully qualified image name', () => {
    const p = planReplica(m, service('web', { image: 'nginx' }), 0, { options: options(), network: 'none', hostPorts: ports() })
    expect(p.create.Image).toBe('docker.io/library/nginx:latest')
  })
})

describe('planReplica: isolation defaults', () => {
  const m = manifest('l1', [service('web', { expose: [expose(8080)] })])
  const plan = planReplica(m, m.services[0]!, 0, { options: options(), network: 'slirp4netns', hostPorts: ports([['8080/tcp', 31000]]) })
  const hc = plan.create.HostConfig!

  it('drops every capability, forbids privilege gain and privileged mode, and runs an init', () => {
    expect(hc.CapDrop).toEqual(['ALL'])
    expect(hc.CapAdd).toEqual([])
    expect(hc.SecurityOpt).toEqual(['no-new-privileges'])
    expect(hc.Privileged).toBe(false)
    expect(hc.Init).toBe(true)
    expect(hc.IpcMode).toBe('private')
  })

  it('mounts nothing from the host, and keeps the root read-only with a bounded tmpfs /tmp', () => {
    expect(hc.Binds).toEqual([])
    expect(hc).not.toHaveProperty('Mounts')
    expect(hc.ReadonlyRootfs).toBe(true)
    expect(hc.Tmpfs).toEqual({ '/tmp': `rw,nosuid,nodev,size=${16 * MiB}` })
  })

  it('can give a writable root when the operator says images need one', () => {
    const p = planReplica(m, m.services[0]!, 0, { options: options({ readonlyRootfs: false }), network: 'slirp4netns', hostPorts: ports([['8080/tcp', 31000]]) })
    expect(p.create.HostConfig!.ReadonlyRootfs).toBe(false)
    expect(p.create.HostConfig!.Tmpfs).toEqual({})
  })

  it('adds only the capabilities the operator lists', () => {
    const p = planReplica(m, m.services[0]!, 0, { options: options({ capAdd: ['CAP_CHOWN', 'SETUID'] }), network: 'slirp4netns', hostPorts: ports([['8080/tcp', 31000]]) })
    expect(p.create.HostConfig!.CapAdd).toEqual(['CHOWN', 'SETUID'])
  })

  it('publishes global ports on the configured host IP only', () => {
    expect(hc.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '31000' }] })
    expect(hc.PublishAllPorts).toBe(false)
    expect(plan.create.ExposedPorts).toEqual({ '8080/tcp': {} })
    const p = planReplica(m, m.services[0]!, 0, { options: options({ hostIp: '10.1.2.3' }), network: 'slirp4netns', hostPorts: ports([['8080/tcp', 31000]]) })
    expect(p.create.HostConfig!.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '10.1.2.3', HostPort: '31000' }] })
  })

  it('lets root bind low ports in its own network namespace without NET_BIND_SERVICE', () => {
    expect(hc.Sysctls).toEqual({ 'net.ipv4.ip_unprivileged_port_start': '0' })
  })

  it('restarts on failure a bounded number of times', () => {
    expect(hc.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 5 })
    const p = planReplica(m, m.services[0]!, 0, { options: options({ restartPolicy: { name: 'always', maxRetries: 0 } }), network: 'slirp4netns', hostPorts: ports([['8080/tcp', 31000]]) })
    expect(p.create.HostConfig!.RestartPolicy).toEqual({ Name: 'always' })
  })

  it('never uses a TTY, so logs stay multiplexed', () => {
    expect(plan.create.Tty).toBe(false)
    expect(plan.create.OpenStdin).toBe(false)
  })

  it('turns ram volumes into tmpfs mounts of their size', () => {
    const s = service('db', { volumes: [{ name: 'shm', sizeBytes: 32 * MiB, persistent: false, class: 'ram', mount: '/dev/shm' }] })
    const p = planReplica(manifest('l', [s]), s, 0, { options: options(), network: 'none', hostPorts: ports() })
    expect(p.create.HostConfig!.Tmpfs!['/dev/shm']).toBe(`rw,nosuid,nodev,size=${32 * MiB}`)
  })
})

describe('planReplica: network modes', () => {
  const s = service('web', { expose: [expose(80), expose(9000, { global: false, toServices: ['api'] })] })
  const m = manifest('lease-n', [s])
  const plan = (network: NetworkMode, hostPorts = ports([['80/tcp', 30001]])): ReturnType<typeof planReplica> =>
    planReplica(m, s, 0, { options: options({ allowHostNetwork: true }), network, hostPorts })

  it('always sets NetworkMode explicitly', () => {
    for (const n of ['slirp4netns', 'bridge', 'host'] as const) expect(plan(n).create.HostConfig!.NetworkMode).toBe(n)
    const internal = service('worker')
    expect(planReplica(manifest('l', [internal]), internal, 0, { options: options(), network: 'none', hostPorts: ports() }).create.HostConfig!.NetworkMode).toBe('none')
  })

  it('publishes only global exposes, never the internal ones', () => {
    expect(Object.keys(plan('bridge').create.HostConfig!.PortBindings!)).toEqual(['80/tcp'])
    expect(plan('bridge').published).toEqual([{ containerPort: 80, proto: 'tcp', hostPort: 30001 }])
  })

  it('attaches lease-mode containers to the lease network with the service name as alias', () => {
    const p = plan('lease')
    const net = p.create.HostConfig!.NetworkMode!
    expect(net).toMatch(/^skymesh-[0-9a-f]{16}$/)
    expect(p.create.NetworkingConfig).toEqual({ EndpointsConfig: { [net]: { Aliases: ['web'] } } })
  })

  it('host mode: no bindings, no hostname, no sysctls', () => {
    const p = plan('host', ports())
    expect(p.create.HostConfig!.PortBindings).toEqual({})
    expect(p.create).not.toHaveProperty('Hostname')
    expect(p.create.HostConfig).not.toHaveProperty('Sysctls')
  })

  it('refuses global ports without a network', () => {
    expect(() => plan('none', ports())).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
  })

  it('fails loudly when a global port has no host port allocated', () => {
    const err = (() => { try { plan('bridge', ports()) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(WorkloadError)
  })
})

describe('spec hash', () => {
  const s = service('web', { expose: [expose(80)] })
  const m = manifest('lease-h', [s])
  const ctx = { options: options(), network: 'slirp4netns' as const }

  it('ignores host ports and the replica count, so a moved port or a scale-up is no change', () => {
    const a = planReplica(m, s, 0, { ...ctx, hostPorts: ports([['80/tcp', 30001]]) })
    const b = planReplica(m, { ...s, count: 3 }, 0, { ...ctx, hostPorts: ports([['80/tcp', 30999]]) })
    expect(a.specHash).toBe(b.specHash)
    expect(specHashOf(a.create)).toBe(a.specHash)
  })

  it('changes with image, env, limits and isolation options', () => {
    const base = planReplica(m, s, 0, { ...ctx, hostPorts: ports([['80/tcp', 1]]) }).specHash
    const variants = [
      planReplica(m, { ...s, image: 'localhost/tiny:2' }, 0, { ...ctx, hostPorts: ports([['80/tcp', 1]]) }),
      planReplica(m, { ...s, env: ['A=2'] }, 0, { ...ctx, hostPorts: ports([['80/tcp', 1]]) }),
      planReplica(m, { ...s, memoryBytes: 65 * MiB }, 0, { ...ctx, hostPorts: ports([['80/tcp', 1]]) }),
      planReplica(m, s, 0, { ...ctx, options: options({ readonlyRootfs: false }), hostPorts: ports([['80/tcp', 1]]) })
    ]
    for (const v of variants) expect(v.specHash).not.toBe(base)
  })
})

describe('planLease', () => {
  it('plans every replica of every service', () => {
    const m = manifest('l', [service('a', { count: 2 }), service('b', { count: 3 })])
    const plans = planLease(m, { options: options(), network: 'slirp4netns', hostPorts: () => ports() })
    expect(plans.map(p => `${p.service}/${p.replica}`)).toEqual(['a/0', 'a/1', 'b/0', 'b/1', 'b/2'])
    expect(new Set(plans.map(p => p.name)).size).toBe(5)
  })
})
