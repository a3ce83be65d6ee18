import { computeInventory, providerAttributes, type Inventory, type ProbeResult, type ReservedResources, type Resources } from '../hardware/index.js'
import type { NodeKey } from '../identity/index.js'
import type { Clock } from '../util/clock.js'
import { errorMessage } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import { WIRE_LIMITS, signMessage, type Capacity, type ProviderAnnounceBody, type SignedMessage, type WireAttribute } from '../wire/index.js'

/** Storage class name used in announces for the ephemeral (system disk) pool. */
export const EPHEMERAL_STORAGE_CLASS = 'ephemeral'

/**
 * Wire capacity of hardware resources: CPU in millicores, memory in bytes, storage summed per
 * class (the ephemeral pool under 'ephemeral'; persistent pools under their Akash class, so a
 * filesystem serving both counts in both), GPUs per Akash name.
 */
export function capacityOf (r: Resources): Capacity {
  const storage = new Map<string, number>()
  for (const p of r.storage) {
    if (p.ephemeral) storage.set(EPHEMERAL_STORAGE_CLASS, (storage.get(EPHEMERAL_STORAGE_CLASS) ?? 0) + p.bytes)
    if (p.persistent) storage.set(p.class, (storage.get(p.class) ?? 0) + p.bytes)
  }
  return {
    cpu: Math.max(0, Math.floor(r.cpuMillicores)),
    memory: Math.max(0, Math.floor(r.memoryBytes)),
    storage: [...storage].sort(([a], [b]) => a.localeCompare(b)).slice(0, WIRE_LIMITS.maxVolumesPerUnit).map(([cls, size]) => ({ class: cls, size: Math.max(0, Math.floor(size)) })),
    gpus: r.gpus.slice(0, WIRE_LIMITS.maxGpuModels).map((g) => ({ vendor: g.vendor, model: g.model, ram: g.ram ?? '', interface: g.interface ?? '', units: g.count }))
  }
}

export interface AnnounceInput {
  networkId: string
  createdAt: number
  seq: number
  addrs: string[]
  attributes: WireAttribute[]
  inventory: Pick<Inventory, 'total' | 'available'>
  /** the container runtime leases run on, "off" or "none" */
  runtime?: string
}

/** The signed body of a ProviderAnnounce, clipped to the wire's caps. */
export function buildAnnounceBody (i: AnnounceInput): ProviderAnnounceBody {
  return {
    net: i.networkId,
    createdAt: i.createdAt,
    seq: i.seq,
    addrs: i.addrs.filter((a) => a.length <= WIRE_LIMITS.addrLength).slice(0, WIRE_LIMITS.maxAddrs),
    attributes: i.attributes
      .filter((a) => a.key.length >= 1 && a.key.length <= WIRE_LIMITS.attributeKeyLength && a.value.length <= WIRE_LIMITS.attributeValueLength)
      .slice(0, WIRE_LIMITS.maxAttributes),
    total: capacityOf(i.inventory.total),
    available: capacityOf(i.inventory.available),
    runtime: (i.runtime ?? 'none').slice(0, 64)
  }
}

export interface AnnounceLoopOptions {
  networkId: string
  intervalMs: number
  probeIntervalMs: number
  reserved: ReservedResources
  operatorAttributes: WireAttribute[]
  /** first retry delay while an announce has reached nobody; doubles up to intervalMs */
  retryBaseMs: number
  /** changes (addresses, inventory) within this window make one announce */
  debounceMs: number
}

export interface AnnounceLoopModules {
  key: NodeKey
  clock: Clock
  logger: Logger
  probe: () => Promise<ProbeResult>
  addrs: () => string[]
  /** gossip; resolves with how many peers it went to */
  publish: (msg: SignedMessage<'ProviderAnnounce'>) => Promise<{ recipients: number }>
  /** the DHT record and provider entry */
  putRecord: (msg: SignedMessage<'ProviderAnnounce'>, signal: AbortSignal) => Promise<void>
  /** the inventory net of open commits and leases (the bid engine's); else probed - reserved */
  inventory?: (() => Pick<Inventory, 'total' | 'available'>) | undefined
  /** the container runtime label ("podman 4.3.1", "off", "none") */
  runtime?: () => string
}

/**
 * A provider's announces: on start, on change (addresses, re-probed inventory), periodically.
 * Until an announce has reached at least one gossip peer and the DHT, it is retried with
 * backoff (1 s, 2 s, 4 s, …), so a provider that starts before its relay still lands quickly.
 * One announce runs at a time; triggers during a run coalesce into one more run.
 */
export class AnnounceLoop {
  private readonly controller = new AbortController()
  private probe: ProbeResult | undefined
  private inventoryKey = ''
  private lastSeq = 0
  private lastDhtPut = 0
  private pendingReason: string | undefined
  private last: SignedMessage<'ProviderAnnounce'> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private probeTimer: ReturnType<typeof setInterval> | undefined
  private debounce: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private again = false
  private retryMs: number
  private landed = false
  private recipients = 0
  private stopped = false

  constructor (private readonly opts: AnnounceLoopOptions, private readonly modules: AnnounceLoopModules) {
    this.retryMs = opts.retryBaseMs
  }

  /** Probes the hardware (a failure here fails the start: a provider with no inventory cannot bid). */
  async start (): Promise<void> {
    this.probe = await this.modules.probe()
    this.inventoryKey = JSON.stringify(this.body(0, 0).total)
    this.probeTimer = setInterval(() => { void this.reprobe() }, this.opts.probeIntervalMs)
    this.probeTimer.unref()
    await this.announceNow('start')
  }

  /** The latest announce this node signed. */
  current (): SignedMessage<'ProviderAnnounce'> | undefined {
    return this.last
  }

  /** seq of the latest announce, and whether it reached a gossip peer and the DHT. */
  state (): { seq: number, landed: boolean, recipients: number } | undefined {
    return this.last === undefined ? undefined : { seq: this.last.body.seq, landed: this.landed, recipients: this.recipients }
  }

  /** Something changed: announce soon (debounced). 'capacity' announces go to gossip only (see run). */
  trigger (reason: string): void {
    if (this.stopped) return
    // coalesced triggers keep the reason that asks most: any other than 'capacity' refreshes the DHT
    if (this.pendingReason === undefined || this.pendingReason === 'capacity') this.pendingReason = reason
    clearTimeout(this.debounce)
    this.debounce = setTimeout(() => {
      const r = this.pendingReason ?? reason
      this.pendingReason = undefined
      void this.announceNow(r)
    }, this.opts.debounceMs)
    this.debounce.unref()
  }

  /** Our announce has reached nobody yet and a peer just appeared: try now. */
  peerAppeared (): void {
    if (this.landed || this.last === undefined) return
    this.trigger('peer')
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.controller.abort()
    clearTimeout(this.timer)
    clearTimeout(this.debounce)
    clearInterval(this.probeTimer)
    await this.running?.catch(() => {})
  }

  async announceNow (reason: string): Promise<void> {
    if (this.stopped) return
    if (this.running !== undefined) { this.again = true; return await this.running }
    this.running = this.run(reason).finally(() => { this.running = undefined })
    await this.running
    if (this.again && !this.stopped) {
      this.again = false
      await this.announceNow('coalesced')
    }
  }

  private body (seq: number, createdAt: number): ProviderAnnounceBody {
    const probe = this.probe as ProbeResult
    const inventory = this.modules.inventory?.() ?? computeInventory(probe, this.opts.reserved, [])
    const attributes = providerAttributes(probe, this.opts.operatorAttributes)
    return buildAnnounceBody({ networkId: this.opts.networkId, createdAt, seq, addrs: this.modules.addrs(), attributes, inventory, runtime: this.modules.runtime?.() ?? 'none' })
  }

  private async run (reason: string): Promise<void> {
    clearTimeout(this.timer)
    const now = this.modules.clock.now()
    // seq only grows: the clock across restarts, +1 within a millisecond
    const seq = Math.max(now, this.lastSeq + 1)
    this.lastSeq = seq
    const msg = signMessage(this.modules.key, 'ProviderAnnounce', this.body(seq, now))
    this.last = msg
    let landed = false
    // Capacity changes with every commit and lease: gossip carries them at once, the DHT record
    // (a slow put to the closest peers, for nodes that join later) is refreshed at most once an
    // interval.
    const putDht = reason !== 'capacity' || !this.landed || now - this.lastDhtPut >= this.opts.intervalMs
    const [gossip, dht] = await Promise.allSettled([
      this.modules.publish(msg),
      putDht ? this.modules.putRecord(msg, this.controller.signal).then(() => { this.lastDhtPut = now }) : Promise.resolve()
    ])
    if (gossip.status === 'fulfilled' && gossip.value.recipients > 0 && dht.status === 'fulfilled') landed = true
    this.modules.logger.debug('provider announce', {
      reason, seq, recipients: gossip.status === 'fulfilled' ? gossip.value.recipients : 0,
      dht: dht.status === 'fulfilled' ? 'ok' : errorMessage(dht.reason)
    })
    if (this.stopped) return
    this.landed = landed
    this.recipients = gossip.status === 'fulfilled' ? gossip.value.recipients : 0
    let delay: number
    if (landed) {
      this.retryMs = this.opts.retryBaseMs
      delay = this.opts.intervalMs
    } else {
      delay = this.retryMs
      this.retryMs = Math.min(this.retryMs * 2, this.opts.intervalMs)
    }
    this.timer = setTimeout(() => { void this.announceNow(landed ? 'periodic' : 'retry') }, delay)
    this.timer.unref()
  }

  private async reprobe (): Promise<void> {
    try {
      this.probe = await this.modules.probe()
    } catch (err) {
      this.modules.logger.warn('hardware re-probe failed; announcing the last inventory', { error: errorMessage(err) })
      return
    }
    const key = JSON.stringify(this.body(0, 0).total)
    if (key !== this.inventoryKey) {
      this.inventoryKey = key
      this.trigger('inventory')
    }
  }
}
