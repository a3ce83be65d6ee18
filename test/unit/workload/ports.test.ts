import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { allocatePorts, probePortFree } from '../../../src/workload/index.js'
import type { PortProbe, PortRequest } from '../../../src/workload/index.js'

const range = { min: 30000, max: 30009 }
const allFree: PortProbe = async () => true
const req = (key: string, preferred?: number, proto: 'tcp' | 'udp' = 'tcp'): PortRequest => ({ key, proto, ...(preferred !== undefined ? { preferred } : {}) })

describe('allocatePorts', () => {
  it('first fit from the bottom of the range, one port per request', async () => {
    const got = await allocatePorts({ requests: [req('a'), req('b'), req('c')], range, hostIp: '127.0.0.1', taken: new Set(), isFree: allFree, leaseId: 'l' })
    expect([...got.entries()]).toEqual([['a', 30000], ['b', 30001], ['c', 30002]])
  })

  it('skips ports held by managed containers and ports the host uses', async () => {
    const busy = new Set([30001, 30003])
    const got = await allocatePorts({
      requests: [req('a'), req('b'), req('c')],
      range,
      hostIp: '127.0.0.1',
      taken: new Set(['30000/tcp']),
      isFree: async (_ip, p) => !busy.has(p),
      leaseId: 'l'
    })
    expect([...got.values()]).toEqual([30002, 30004, 30005])
  })

  it('keeps a preferred port when it is free, else falls back', async () => {
    const got = await allocatePorts({ requests: [req('a', 30007), req('b', 30007)], range, hostIp: '127.0.0.1', taken: new Set(), isFree: allFree, leaseId: 'l' })
    expect(got.get('a')).toBe(30007)
    expect(got.get('b')).toBe(30000)
  })

  it('counts tcp and udp apart', async () => {
    const got = await allocatePorts({ requests: [req('t'), req('u', undefined, 'udp')], range, hostIp: '127.0.0.1', taken: new Set(['30000/tcp']), isFree: allFree, leaseId: 'l' })
    expect(got.get('t')).toBe(30001)
    expect(got.get('u')).toBe(30000)
  })

  it('PORTS_EXHAUSTED when the range runs out, naming range and need', async () => {
    const err = await allocatePorts({ requests: Array.from({ length: 11 }, (_, i) => req(`r${i}`)), range, hostIp: '127.0.0.1', taken: new Set(), isFree: allFree, leaseId: 'lease-x' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'PORTS_EXHAUSTED', details: { leaseId: 'lease-x', range: '30000-30009', needed: 11, allocated: 10 } })
  })
})

describe('probePortFree', () => {
  it('tells a listening port from a free one (tcp and udp)', async () => {
    const srv = createServer()
    await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
    const port = (srv.address() as { port: number }).port
    try {
      expect(await probePortFree('127.0.0.1', port, 'tcp')).toBe(false)
    } finally {
      await new Promise<void>(resolve => srv.close(() => resolve()))
    }
    expect(await probePortFree('127.0.0.1', port, 'tcp')).toBe(true)
    expect(await probePortFree('127.0.0.1', port, 'udp')).toBe(true)
  })
})
