import { beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { P2pError, validateProviderAnnounce } from '../../../src/p2p/index.js'
import { announce, capacity } from './helpers.js'

let key: NodeKey
beforeAll(async () => { key = await NodeKey.generate() })

function refusal (fn: () => void): P2pError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(P2pError)
    return err as P2pError
  }
  throw new Error('expected a P2pError')
}

describe('validateProviderAnnounce', () => {
  it('accepts a first announce and any newer one', () => {
    expect(() => { validateProviderAnnounce(announce(key, { seq: 5 }), undefined) }).not.toThrow()
    expect(() => { validateProviderAnnounce(announce(key, { seq: 5 }), 4) }).not.toThrow()
    expect(() => { validateProviderAnnounce(announce(key, { seq: 0 }), undefined) }).not.toThrow()
  })

  it('[IGNORE] STALE_ANNOUNCE for a seq not newer than the one held (replay or reordering)', () => {
    for (const held of [5, 6]) {
      const e = refusal(() => { validateProviderAnnounce(announce(key, { seq: 5 }), held) })
      expect([e.code, e.action]).toEqual(['STALE_ANNOUNCE', 'IGNORE'])
      expect(e.details).toMatchObject({ seq: 5, latest: held })
    }
  })

  it('[REJECT] BAD_ANNOUNCE for an address that is not a multiaddr, naming its index', () => {
    const e = refusal(() => { validateProviderAnnounce(announce(key, { addrs: ['/ip4/127.0.0.1/tcp/1', 'relay.example.org:4001'] }), undefined) })
    expect([e.code, e.action]).toEqual(['BAD_ANNOUNCE', 'REJECT'])
    expect(e.details.path).toBe('ProviderAnnounce.addrs[1]')
  })

  it('[REJECT] BAD_ANNOUNCE when more CPU or memory is available than the total', () => {
    const cpu = refusal(() => { validateProviderAnnounce(announce(key, { total: capacity(4000), available: capacity(4001) }), undefined) })
    expect([cpu.code, cpu.action, cpu.details.path]).toEqual(['BAD_ANNOUNCE', 'REJECT', 'ProviderAnnounce.available'])
    const mem = refusal(() => { validateProviderAnnounce(announce(key, { total: capacity(4000, 100), available: capacity(4000, 101) }), undefined) })
    expect(mem.code).toBe('BAD_ANNOUNCE')
    expect(() => { validateProviderAnnounce(announce(key, { total: capacity(4000, 100), available: capacity(4000, 100) }), undefined) }).not.toThrow()
  })

  it('staleness is checked first: an old announce is ignored, never rejected, whatever it holds', () => {
    const e = refusal(() => { validateProviderAnnounce(announce(key, { seq: 1, addrs: ['garbage'] }), 2) })
    expect(e.action).toBe('IGNORE')
  })
})
