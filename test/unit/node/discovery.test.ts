import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { ProviderDiscovery } from '../../../src/node/discovery.js'
import { silentLogger } from '../../../src/util/logger.js'
import type { SignedMessage } from '../../../src/wire/index.js'
import { announce } from '../p2p/helpers.js'

type Announce = SignedMessage<'ProviderAnnounce'>

let found: Announce[]
beforeAll(async () => {
  found = await Promise.all([1, 2].map(async (seq) => announce(await NodeKey.generate(), { seq })))
})

describe('ProviderDiscovery (fake timers; the DHT side is ProviderRecords, tested on a real DHT in p2p/dht-records)', () => {
  let discoveries: ProviderDiscovery[]
  beforeEach(() => { vi.useFakeTimers(); discoveries = [] })
  afterEach(() => {
    for (const d of discoveries) d.stop()
    vi.useRealTimers()
  })

  function harness () {
    const rounds: number[] = []
    const accepted: Announce[] = []
    const signals: AbortSignal[] = []
    const state = { peers: 0, result: [] as Announce[], fail: false }
    const t0 = Date.now()
    const d = new ProviderDiscovery({ intervalMs: 1_000, retryBaseMs: 100 }, {
      records: {
        discover: async (signal) => {
          rounds.push(Date.now() - t0)
          signals.push(signal)
          if (state.fail) throw new Error('query failed')
          return state.result
        }
      },
      dhtPeers: () => state.peers,
      accept: (m) => { accepted.push(m) },
      logger: silentLogger
    })
    discoveries.push(d)
    return { d, rounds, accepted, signals, state }
  }

  it('searches right after start and hands every announce found to accept()', async () => {
    const { d, rounds, accepted, state } = harness()
    state.peers = 1
    state.result = found
    d.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(rounds).toEqual([0])
    expect(accepted).toEqual(found)
    expect(d.rounds).toBe(1)
    expect(d.lastFound).toBe(2)
  })

  it('new results: look again after retryBaseMs; then it backs off, even while rounds agree, up to intervalMs', async () => {
    const { d, rounds, state } = harness()
    state.peers = 1
    state.result = [found[0] as Announce]
    d.start()
    await vi.advanceTimersByTimeAsync(0)
    state.result = found
    await vi.advanceTimersByTimeAsync(2_600)
    // 0: one found; 100: two (new: base again); then 100, 200, 400, 800, capped at 1000
    expect(rounds).toEqual([0, 100, 200, 400, 800, 1_600, 2_600])
  })

  it('DHT peers but nothing found: backoff from retryBaseMs, doubling up to intervalMs', async () => {
    const { d, rounds, state } = harness()
    state.peers = 1
    d.start()
    await vi.advanceTimersByTimeAsync(3_500)
    expect(rounds).toEqual([0, 100, 300, 700, 1_500, 2_500, 3_500])
    expect(d.lastFound).toBe(0)
  })

  // Alone (no DHT peers, or no search done yet), rounds back off to intervalMs: found 0 is not
  // new information.
  it('with no DHT peers it does not search, and looks again with backoff up to intervalMs', async () => {
    const { d, rounds, state } = harness()
    d.start()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(rounds).toEqual([])
    state.peers = 1
    // checks at 0, 100, 300, 700, 1500, 2500, 3500, 4500: the next one, at 5500, searches
    await vi.advanceTimersByTimeAsync(499)
    expect(rounds).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(rounds).toEqual([5_500])
  })

  // Same bug as above: a first search that throws is retried every retryBaseMs.
  it('a failed first search is retried with backoff', async () => {
    const { d, rounds, state } = harness()
    state.peers = 1
    state.fail = true
    d.start()
    await vi.advanceTimersByTimeAsync(700)
    expect(rounds).toEqual([0, 100, 300, 700])
  })

  it('a failed search never throws and never counts as a round', async () => {
    const { d, rounds, state } = harness()
    state.peers = 1
    state.fail = true
    d.start()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(rounds.length).toBeGreaterThan(1)
    expect(d.rounds).toBe(0)
    state.fail = false
    state.result = found
    await vi.advanceTimersByTimeAsync(1_000)
    expect(d.rounds).toBeGreaterThan(0)
  })

  it('kick() searches at once (the first DHT peer just appeared)', async () => {
    const { d, rounds, state } = harness()
    d.start()
    await vi.advanceTimersByTimeAsync(350)
    state.peers = 1
    d.kick()
    await vi.advanceTimersByTimeAsync(0)
    expect(rounds).toEqual([350])
  })

  it('stop() aborts the search in flight and schedules nothing more', async () => {
    const { d, rounds, signals, state } = harness()
    state.peers = 1
    d.start()
    await vi.advanceTimersByTimeAsync(0)
    d.stop()
    expect(signals[0]?.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(10_000)
    d.kick()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(rounds).toEqual([0])
    expect(vi.getTimerCount()).toBe(0)
  })
})
