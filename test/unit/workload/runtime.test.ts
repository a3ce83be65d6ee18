import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectRuntime, defaultSocketPaths, parseEndpoint } from '../../../src/workload/index.js'
import { tempDirsPerTest } from '../../helpers/io.js'

const dir = tempDirsPerTest(afterEach)
const servers: Server[] = []
afterEach(async () => { for (const s of servers.splice(0)) await new Promise<void>(resolve => { s.closeAllConnections(); s.close(() => resolve()) }) })

const PODMAN_VERSION = {
  Platform: { Name: 'linux/amd64/debian-12' },
  Components: [{ Name: 'Podman Engine', Version: '4.3.1', Details: { APIVersion: '4.3.1' } }, { Name: 'Conmon', Version: 'conmon version 2.1.6' }],
  Version: '4.3.1', ApiVersion: '1.41', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64', KernelVersion: '6.18'
}
const DOCKER_VERSION = {
  Platform: { Name: 'Docker Engine - Community' },
  Components: [{ Name: 'Engine', Version: '27.3.1' }, { Name: 'containerd', Version: '1.7.22' }],
  Version: '27.3.1', ApiVersion: '1.47', MinAPIVersion: '1.24', Os: 'linux', Arch: 'arm64'
}

/** A fake Engine API on a unix socket: /version and /info, or silence. */
async function fakeEngine (version: object | 'silent'): Promise<string> {
  const path = join(await dir(), 'engine.sock')
  const srv = createServer((req, res) => {
    if (version === 'silent') return
    res.setHeader('Content-Type', 'application/json')
    const path = new URL(req.url ?? '/', 'http://engine').pathname
    if (path === '/version') res.end(JSON.stringify(version))
    else if (path === '/info') res.end(JSON.stringify({ CgroupVersion: '1', CgroupDriver: 'cgroupfs', MemoryLimit: true }))
    else { res.statusCode = 404; res.end('{"message":"no"}') }
  })
  await new Promise<void>(resolve => srv.listen(path, resolve))
  servers.push(srv)
  return path
}

describe('parseEndpoint', () => {
  it('accepts unix sockets and loopback tcp', () => {
    expect(parseEndpoint('/run/podman/podman.sock', 'option')).toEqual({ transport: 'unix', socketPath: '/run/podman/podman.sock', source: 'option' })
    expect(parseEndpoint('unix:///var/run/docker.sock', 'DOCKER_HOST')).toEqual({ transport: 'unix', socketPath: '/var/run/docker.sock', source: 'DOCKER_HOST' })
    expect(parseEndpoint('tcp://127.0.0.1:2375', 'DOCKER_HOST')).toMatchObject({ transport: 'tcp', host: '127.0.0.1', port: 2375 })
    expect(parseEndpoint('tcp://localhost', 'option')).toMatchObject({ transport: 'tcp', host: 'localhost', port: 2375 })
    expect(parseEndpoint('tcp://[::1]:2300', 'option')).toMatchObject({ transport: 'tcp', host: '::1', port: 2300 })
  })

  it.each(['tcp://10.0.0.5:2375', 'tcp://docker.example.com:2375', 'unix://relative.sock', 'ssh://me@host', 'npipe:////./pipe/docker_engine', 'tcp://127.0.0.1:2376'])('refuses %s with RUNTIME_UNAVAILABLE and a reason', (v) => {
    expect(() => parseEndpoint(v, 'DOCKER_HOST')).toThrow(expect.objectContaining({ code: 'RUNTIME_UNAVAILABLE' }))
  })

  it('the usual sockets: Docker, rootful Podman, the user Podman socket', () => {
    expect(defaultSocketPaths({ XDG_RUNTIME_DIR: '/run/user/1000', HOME: '/home/p' })).toEqual([
      '/var/run/docker.sock', '/run/podman/podman.sock', '/run/user/1000/podman/podman.sock', '/home/p/.docker/run/docker.sock'
    ])
  })
})

describe('connectRuntime', () => {
  it('tells Podman from Docker and reports versions', async () => {
    const p = await connectRuntime({ endpoint: `unix://${await fakeEngine(PODMAN_VERSION)}`, env: {} })
    expect(p.info).toMatchObject({ kind: 'podman', version: '4.3.1', apiVersion: '1.41', cgroupVersion: '1', memoryLimit: true })
    const d = await connectRuntime({ endpoint: await fakeEngine(DOCKER_VERSION), env: {} })
    expect(d.info).toMatchObject({ kind: 'docker', version: '27.3.1', apiVersion: '1.47', arch: 'arm64' })
  })

  it('uses DOCKER_HOST when no endpoint is given, and the option over DOCKER_HOST', async () => {
    const sock = await fakeEngine(PODMAN_VERSION)
    expect((await connectRuntime({ env: { DOCKER_HOST: `unix://${sock}` } })).info.endpoint).toBe(`unix://${sock}`)
    expect((await connectRuntime({ endpoint: sock, env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })).info.kind).toBe('podman')
  })

  it("is not diverted by a tcp DOCKER_HOST in the process environment (docker-modem reads it)", async () => {
    const sock = await fakeEngine(DOCKER_VERSION)
    const saved = process.env.DOCKER_HOST
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1'
    try {
      expect((await connectRuntime({ endpoint: sock, env: {} })).info.kind).toBe('docker')
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST
      else process.env.DOCKER_HOST = saved
    }
  })

  it('tries the usual sockets that exist, in order', async () => {
    const sock = await fakeEngine(PODMAN_VERSION)
    const c = await connectRuntime({ env: {}, defaultSockets: ['/nonexistent/docker.sock', sock] })
    expect(c.endpoint).toMatchObject({ socketPath: sock, source: 'default' })
  })

  it('RUNTIME_UNAVAILABLE names every place tried and what to do', async () => {
    const err = await connectRuntime({ env: {}, defaultSockets: ['/nonexistent/docker.sock', '/nonexistent/podman.sock'] }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', details: { tried: ['/nonexistent/docker.sock (absent)', '/nonexistent/podman.sock (absent)'] } })
    expect((err as Error).message).toMatch(/podman system service/)
    const err2 = await connectRuntime({ env: { DOCKER_HOST: 'unix:///nonexistent/x.sock' } }).catch((e: unknown) => e)
    expect((err2 as Error).message).toMatch(/unix:\/\/\/nonexistent\/x\.sock \(DOCKER_HOST\) \(no such socket\)/)
  })

  it('gives up on a silent endpoint after the probe timeout', async () => {
    const sock = await fakeEngine('silent')
    const t0 = Date.now()
    const err = await connectRuntime({ endpoint: sock, env: {}, probeTimeoutMs: 300 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'RUNTIME_UNAVAILABLE' })
    expect((err as Error).message).toMatch(/no answer in time/)
    expect(Date.now() - t0).toBeLessThan(3000)
  })
})
