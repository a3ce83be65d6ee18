import { beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { ProviderDirectory } from '../../../src/node/provider-directory.js'
import { ManualClock } from '../../../src/util/clock.js'
import { announce } from '../p2p/helpers.js'

let keys: NodeKey[]
beforeAll(async () => { keys = await Promise.all(Array.from({ length: 6 }, async () => await NodeKey.generate())) })
const k = (i: number): NodeKey => keys[i] as NodeKey

describe('ProviderDirectory', () => {
  it('keeps a new provider, with its source and the local time it arrived', () => {
    const clock = new ManualClock(5_000)
    const dir = new ProviderDirectory({ maxProviders: 10 }, { clock })
    expect(dir.latestSeq(k(0).accountId)).toBeUndefined()
    expect(dir.upsert(announce(k(0), { seq: 3 }), 'gossip')).toBe(true)
    expect(dir.size).toBe(1)
    expect(dir.latestSeq(k(0).accountId)).toBe(3)
    expect(dir.get(k(0).accountId)).toMatchObject({ peerId: k(0).accountId, source: 'gossip', receivedAt: 5_000 })
  })

  it('keeps the latest seq per provider: older and equal ones change nothing, a newer one replaces', () => {
    const clock = new ManualClock(1)
    const dir = new ProviderDirectory({ maxProviders: 10 }, { clock })
    dir.upsert(announce(k(0), { seq: 5 }), 'dht')
    clock.advance(10)
    expect(dir.upsert(announce(k(0), { seq: 4 }), 'gossip')).toBe(false)
    expect(dir.upsert(announce(k(0), { seq: 5, attributes: [] }), 'gossip')).toBe(false)
    expect(dir.get(k(0).accountId)).toMatchObject({ source: 'dht', receivedAt: 1 })
    expect(dir.get(k(0).accountId)?.msg.body.attributes).toHaveLength(1)
    expect(dir.upsert(announce(k(0), { seq: 6 }), 'gossip')).toBe(true)
    expect(dir.get(k(0).accountId)).toMatchObject({ source: 'gossip', receivedAt: 11 })
    expect(dir.latestSeq(k(0).accountId)).toBe(6)
    expect(dir.size).toBe(1)
  })

  it('providers are keyed by signer, whatever the announce says', () => {
    const dir = new ProviderDirectory({ maxProviders: 10 }, { clock: new ManualClock() })
    dir.upsert(announce(k(0), { seq: 1 }), 'gossip')
    dir.upsert(announce(k(1), { seq: 1 }), 'gossip')
    expect(dir.size).toBe(2)
    expect(dir.list().map((e) => e.peerId)).toEqual([k(0).accountId, k(1).accountId].sort())
  })

  it('is bounded: past maxProviders the least recently updated provider is forgotten', () => {
    const dir = new ProviderDirectory({ maxProviders: 3 }, { clock: new ManualClock() })
    for (const i of [0, 1, 2]) dir.upsert(announce(k(i), { seq: 1 }), 'gossip')
    // 0 announces again: now 1 is the least recently updated
    dir.upsert(announce(k(0), { seq: 2 }), 'gossip')
    dir.upsert(announce(k(3), { seq: 1 }), 'gossip')
    expect(dir.size).toBe(3)
    expect(dir.get(k(1).accountId)).toBeUndefined()
    expect(new Set(dir.list().map((e) => e.peerId))).toEqual(new Set([k(0), k(2), k(3)].map((x) => x.accountId)))
    // order of last update is now 2, 0, 3: two more providers push out 2, then 0
    dir.upsert(announce(k(4), { seq: 1 }), 'gossip')
    expect(new Set(dir.list().map((e) => e.peerId))).toEqual(new Set([k(0), k(3), k(4)].map((x) => x.accountId)))
    dir.upsert(announce(k(5), { seq: 1 }), 'gossip')
    expect(dir.size).toBe(3)
    expect(new Set(dir.list().map((e) => e.peerId))).toEqual(new Set([k(3), k(4), k(5)].map((x) => x.accountId)))
  })

  it('a stale announce does not refresh a provider\'s place', () => {
    const dir = new ProviderDirectory({ maxProviders: 2 }, { clock: new ManualClock() })
    dir.upsert(announce(k(0), { seq: 5 }), 'gossip')
    dir.upsert(announce(k(1), { seq: 1 }), 'gossip')
    dir.upsert(announce(k(0), { seq: 5 }), 'dht')
    dir.upsert(announce(k(2), { seq: 1 }), 'gossip')
    expect(dir.get(k(0).accountId)).toBeUndefined()
    expect(dir.size).toBe(2)
  })

  it('list() is sorted by peer id', () => {
    const dir = new ProviderDirectory({ maxProviders: 10 }, { clock: new ManualClock() })
    for (const i of [3, 1, 4, 0, 5, 2]) dir.upsert(announce(k(i), { seq: 1 }), 'gossip')
    const ids = dir.list().map((e) => e.peerId)
    expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)))
    expect(ids).toHaveLength(6)
  })
})
