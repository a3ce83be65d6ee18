import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { computeInventory, defaultReservedResources, type ProbeResult } from '../../../src/hardware/index.js'
import { NodeKey } from '../../../src/identity/index.js'
import { AnnounceLoop, EPHEMERAL_STORAGE_CLASS, buildAnnounceBody, capacityOf, type AnnounceLoopOptions } from '../../../src/node/announce.js'
import { ManualClock } from '../../../src/util/clock.js'
import { createLogger } from '../../../src/util/logger.js'
import { WIRE_LIMITS, decodeEnvelope, type SignedMessage } from '../../../src/wire/index.js'
import { GiB, h100x8, mount, probeOf } from '../hardware/helpers.js'

type Announce = SignedMessage<'ProviderAnnounce'>

let key: NodeKey
beforeAll(async () => { key = await NodeKey.generate() })

describe('capacityOf and buildAnnounceBody', () => {
  it('sums storage per class: the ephemeral pool under "ephemeral", persistent pools under their class', () => {
    const inv = computeInventory(probeOf({ gpus: h100x8(), storage: [mount('/', 'beta2', 500), mount('/data', 'beta3', 2000), mount('/more', 'beta3', 100)] }), defaultReservedResources, [])
    const c = capacityOf(inv.total)
    expect(c.cpu).toBe(64_000)
    expect(c.memory).toBe(512 * GiB)
    expect(c.storage).toEqual([{ class: 'beta2', size: 500 * GiB }, { class: 'beta3', size: 2100 * GiB }, { class: EPHEMERAL_STORAGE_CLASS, size: 500 * GiB }])
    expect(c.gpus).toEqual([{ vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm', units: 8 }])
  })

  it('rounds CPU and memory down to integers and never goes negative', () => {
    const c = capacityOf({ cpuMillicores: 1500.9, memoryBytes: -1, storage: [], gpus: [] })
    expect([c.cpu, c.memory]).toEqual([1500, 0])
  })

  it('clips addresses and attributes to the wire caps', () => {
    const body = buildAnnounceBody({
      networkId: 'n', createdAt: 1, seq: 1,
      addrs: ['/ip4/1.2.3.4/tcp/1', '/dns4/' + 'a'.repeat(WIRE_LIMITS.addrLength), ...Array.from({ length: 40 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`)],
      attributes: [{ key: '', value: 'x' }, { key: 'region', value: 'eu' }, { key: 'k'.repeat(WIRE_LIMITS.attributeKeyLength + 1), value: 'x' }],
      inventory: computeInventory(probeOf(), defaultReservedResources, [])
    })
    expect(body.addrs).toHaveLength(WIRE_LIMITS.maxAddrs)
    expect(body.addrs[0]).toBe('/ip4/1.2.3.4/tcp/1')
    expect(body.addrs.every((a) => a.length <= WIRE_LIMITS.addrLength)).toBe(true)
    expect(body.attributes).toEqual([{ key: 'region', value: 'eu' }])
  })
})

describe('AnnounceLoop (fake timers, injected clock and probe)', () => {
  const base: AnnounceLoopOptions = {
    networkId: 'skymesh-unit',
    intervalMs: 10_000,
    probeIntervalMs: 600_000,
    reserved: { cpuMillicores: 0, memoryBytes: 0, storageBytes: 0 },
    operatorAttributes: [{ key: 'region', value: 'test' }],
    retryBaseMs: 100,
    debounceMs: 50
  }
  let clock: ManualClock
  let loops: AnnounceLoop[]
  let warnings: string[]
  beforeEach(() => {
    vi.useFakeTimers()
    clock = new ManualClock(1_700_000_000_000)
    loops = []
    warnings = []
  })
  afterEach(async () => {
    for (const l of loops) await l.stop()
    vi.useRealTimers()
  })

  /** A loop whose gossip reaches `recipients()` peers and whose DHT put does `dht()`. */
  function harness (over: Partial<AnnounceLoopOptions> = {}, probe: () => Promise<ProbeResult> = async () => probeOf({ gpus: h100x8() })) {
    const published: Array<{ msg: Announce, at: number }> = []
    const put: Announce[] = []
    const state: { recipients: number, gossipFails: boolean, dhtFails: boolean, addrs: string[], gate?: Promise<void> | undefined } = { recipients: 1, gossipFails: false, dhtFails: false, addrs: ['/ip4/127.0.0.1/tcp/4001'] }
    const loop = new AnnounceLoop({ ...base, ...over }, {
      key,
      clock,
      logger: createLogger('warn', {}, (l) => warnings.push(l)),
      probe,
      addrs: () => state.addrs,
      publish: async (msg) => {
        published.push({ msg, at: Date.now() - t0 })
        if (state.gate !== undefined) await state.gate
        if (state.gossipFails) throw new Error('publish failed')
        return { recipients: state.recipients }
      },
      putRecord: async (msg) => {
        put.push(msg)
        if (state.dhtFails) throw new Error('no DHT peers yet')
      }
    })
    loops.push(loop)
    const t0 = Date.now()
    return { loop, published, put, state }
  }

  it('announces on start: a signed announce of the probed hardware, to gossip and the DHT; landed', async () => {
    const { loop, published, put } = harness()
    await loop.start()
    expect(published).toHaveLength(1)
    const msg = published[0]?.msg as Announce
    expect(put).toEqual([msg])
    // a real signed envelope: it decodes and verifies
    const back = decodeEnvelope(msg.bytes)
    expect(back.type).toBe('ProviderAnnounce')
    expect(Buffer.from(back.signer).equals(Buffer.from(key.publicKey))).toBe(true)
    expect(msg.body).toMatchObject({ net: 'skymesh-unit', seq: clock.now(), createdAt: clock.now(), addrs: ['/ip4/127.0.0.1/tcp/4001'] })
    expect(msg.body.total.cpu).toBe(64_000)
    expect(msg.body.total.memory).toBe(512 * GiB)
    expect(msg.body.total.gpus).toEqual([{ vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm', units: 8 }])
    expect(msg.body.attributes).toContainEqual({ key: 'region', value: 'test' })
    expect(loop.current()).toBe(msg)
    expect(loop.state()).toEqual({ seq: clock.now(), landed: true, recipients: 1 })
  })

  it('a probe that fails fails start(), and nothing is announced', async () => {
    const { loop, published } = harness({}, async () => { throw new Error('systeminformation failed') })
    await expect(loop.start()).rejects.toThrow('systeminformation failed')
    expect(published).toHaveLength(0)
    expect(loop.state()).toBeUndefined()
  })

  it('seq only grows: from the clock, +1 within the same millisecond', async () => {
    const { loop, published } = harness()
    await loop.start()
    await loop.announceNow('manual')
    clock.advance(5)
    await loop.announceNow('manual')
    const t = 1_700_000_000_000
    expect(published.map((p) => p.msg.body.seq)).toEqual([t, t + 1, t + 5])
    // a clock that went back still gives a higher seq
    clock.set(t - 1_000)
    await loop.announceNow('manual')
    expect(published.at(-1)?.msg.body.seq).toBe(t + 6)
  })

  it('while an announce reaches no gossip peer it is retried with backoff (base, doubling, capped at intervalMs); once landed, periodic', async () => {
    const { loop, published, state } = harness({ retryBaseMs: 100, intervalMs: 1_000 })
    state.recipients = 0
    await loop.start()
    expect(loop.state()?.landed).toBe(false)
    await vi.advanceTimersByTimeAsync(2_499)
    expect(published.map((p) => p.at)).toEqual([0, 100, 300, 700, 1_500])
    state.recipients = 3
    await vi.advanceTimersByTimeAsync(1)
    expect(published.map((p) => p.at)).toEqual([0, 100, 300, 700, 1_500, 2_500])
    expect(loop.state()).toMatchObject({ landed: true, recipients: 3 })
    await vi.advanceTimersByTimeAsync(2_000)
    expect(published.map((p) => p.at).slice(6)).toEqual([3_500, 4_500])
    // after a landing the backoff starts again from the base
    state.recipients = 0
    await vi.advanceTimersByTimeAsync(1_000)
    await vi.advanceTimersByTimeAsync(100)
    expect(published.map((p) => p.at).slice(8)).toEqual([5_500, 5_600])
  })

  it('a failed gossip publish or a failed DHT put is not landed either, and is retried', async () => {
    const { loop, published, state } = harness({ retryBaseMs: 100, intervalMs: 1_000 })
    state.gossipFails = true
    await loop.start()
    expect(loop.state()).toMatchObject({ landed: false, recipients: 0 })
    state.gossipFails = false
    state.dhtFails = true
    await vi.advanceTimersByTimeAsync(100)
    expect(published).toHaveLength(2)
    expect(loop.state()).toMatchObject({ landed: false, recipients: 1 })
    state.dhtFails = false
    await vi.advanceTimersByTimeAsync(200)
    expect(published).toHaveLength(3)
    expect(loop.state()?.landed).toBe(true)
  })

  it('on change: triggers within the debounce window make one announce, with the new addresses', async () => {
    const { loop, published, state } = harness({ debounceMs: 50 })
    await loop.start()
    state.addrs = ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws']
    loop.trigger('addresses')
    await vi.advanceTimersByTimeAsync(30)
    loop.trigger('addresses')
    await vi.advanceTimersByTimeAsync(49)
    expect(published).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(published).toHaveLength(2)
    expect(published[1]?.msg.body.addrs).toEqual(state.addrs)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(published).toHaveLength(2)
  })

  it('re-probes every probeIntervalMs and announces when the inventory changed, only then', async () => {
    let memory = 512 * GiB
    const { loop, published } = harness({ probeIntervalMs: 1_000, intervalMs: 60_000 }, async () => probeOf({ memory: { totalBytes: memory, availableBytes: memory } }))
    await loop.start()
    await vi.advanceTimersByTimeAsync(1_000 + 50)
    expect(published).toHaveLength(1)
    memory = 256 * GiB
    await vi.advanceTimersByTimeAsync(1_000 + 50)
    expect(published).toHaveLength(2)
    expect(published[1]?.msg.body.total.memory).toBe(256 * GiB)
  })

  it('a re-probe that fails keeps the last inventory and warns', async () => {
    let fail = false
    const { loop, published } = harness({ probeIntervalMs: 1_000, intervalMs: 60_000 }, async () => {
      if (fail) throw new Error('probe broke')
      return probeOf()
    })
    await loop.start()
    fail = true
    await vi.advanceTimersByTimeAsync(1_050)
    expect(published).toHaveLength(1)
    expect(warnings.map((w) => (JSON.parse(w) as { msg: string }).msg)).toContain('hardware re-probe failed; announcing the last inventory')
    await loop.announceNow('manual')
    expect(published[1]?.msg.body.total).toEqual(published[0]?.msg.body.total)
  })

  it('peerAppeared() re-announces soon while nothing landed, and not once it has', async () => {
    const { loop, published, state } = harness({ retryBaseMs: 5_000, debounceMs: 50 })
    state.recipients = 0
    await loop.start()
    loop.peerAppeared()
    await vi.advanceTimersByTimeAsync(50)
    expect(published).toHaveLength(2)
    state.recipients = 1
    loop.peerAppeared()
    await vi.advanceTimersByTimeAsync(50)
    expect(published).toHaveLength(3)
    expect(loop.state()?.landed).toBe(true)
    loop.peerAppeared()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(published).toHaveLength(3)
  })

  it('one announce at a time: calls during a run coalesce into one more run', async () => {
    const { loop, published, state } = harness()
    await loop.start()
    let release: () => void = () => {}
    state.gate = new Promise<void>((resolve) => { release = resolve })
    const calls = [loop.announceNow('a'), loop.announceNow('b'), loop.announceNow('c')]
    await vi.advanceTimersByTimeAsync(0)
    expect(published).toHaveLength(2)
    state.gate = undefined
    release()
    await Promise.all(calls)
    expect(published).toHaveLength(3)
    expect(published.map((p) => p.msg.body.seq)).toEqual([0, 1, 2].map((i) => clock.now() + i))
  })

  it('stop() ends the loop: no retry, no periodic announce, and announceNow does nothing', async () => {
    const { loop, published, state } = harness({ retryBaseMs: 100, intervalMs: 1_000, probeIntervalMs: 500 })
    state.recipients = 0
    await loop.start()
    loop.trigger('addresses')
    await loop.stop()
    await vi.advanceTimersByTimeAsync(5_000)
    await loop.announceNow('manual')
    expect(published).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})
