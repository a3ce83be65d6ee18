import type Docker from 'dockerode'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { LABEL_LEASE, LABEL_MANAGED } from './labels.js'
import { eventFromRuntime } from './status.js'
import type { WorkloadEvent } from './status.js'

/**
 * The runtime's container events (create, start, die with exit code, oom, restart, stop,
 * remove) of managed containers, kept per lease in memory for status.
 *
 * One long-lived subscription instead of a query per status: Podman 4.3's compat events API
 * returns nothing for an `until` in the past (so every query would wait for the next second)
 * and nothing at all with a label filter. The subscription asks for container events only and
 * filters on `skymesh.managed=1` here; on start it replays `windowSec` of history, and after a
 * dropped connection it resubscribes from the last event seen (duplicates dropped).
 */
export interface EventLogOptions {
  windowSec: number
  perLease: number
  /** Leases tracked at most; the least recently updated is dropped first. */
  maxLeases: number
  retryMinMs: number
  retryMaxMs: number
}

export const defaultEventLogOptions: EventLogOptions = {
  windowSec: 24 * 3600,
  perLease: 200,
  maxLeases: 1000,
  retryMinMs: 1000,
  retryMaxMs: 30_000
}

export interface EventLogModules {
  docker: Pick<Docker, 'getEvents'>
  logger: Logger
  clock: Clock
}

interface RawEvent {
  Type?: string
  Action?: string
  status?: string
  id?: string
  time?: number
  timeNano?: number
  Actor?: { ID?: string, Attributes?: Record<string, string> }
}

export class RuntimeEventLog {
  private readonly byLease = new Map<string, WorkloadEvent[]>()
  private readonly seen = new Set<string>()
  private stream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined
  private controller: AbortController | undefined
  private timer: NodeJS.Timeout | undefined
  private lastSec = 0
  private retryMs: number
  private running = false

  constructor (private readonly opts: EventLogOptions, private readonly modules: EventLogModules) {
    this.retryMs = opts.retryMinMs
  }

  get started (): boolean {
    return this.running
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.lastSec = Math.floor(this.modules.clock.now() / 1000) - this.opts.windowSec
    void this.subscribe()
  }

  stop (): void {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.controller?.abort()
    this.stream?.destroy?.()
    this.stream = undefined
  }

  forLease (leaseId: string): WorkloadEvent[] {
    return [...(this.byLease.get(leaseId) ?? [])]
  }

  forget (leaseId: string): void {
    this.byLease.delete(leaseId)
  }

  /** Feed one decoded runtime event (exported for tests of the filtering). */
  ingest (raw: RawEvent): void {
    if (raw.Type !== undefined && raw.Type !== 'container') return
    const attrs = raw.Actor?.Attributes ?? {}
    const leaseId = attrs[LABEL_LEASE]
    if (attrs[LABEL_MANAGED] !== '1' || leaseId === undefined) return
    const key = `${raw.timeNano ?? raw.time ?? 0}|${raw.Actor?.ID ?? raw.id ?? ''}|${raw.Action ?? raw.status ?? ''}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    // Dedup keys only matter across a resubscription; keep the set bounded.
    if (this.seen.size > 10_000) this.seen.clear()
    if (raw.time !== undefined) this.lastSec = Math.max(this.lastSec, raw.time)
    const e = eventFromRuntime(raw)
    if (e === undefined) return
    const list = this.byLease.get(leaseId) ?? []
    this.byLease.delete(leaseId)
    list.push(e)
    if (list.length > this.opts.perLease) list.splice(0, list.length - this.opts.perLease)
    this.byLease.set(leaseId, list)
    if (this.byLease.size > this.opts.maxLeases) {
      const oldest = this.byLease.keys().next().value
      if (oldest !== undefined) this.byLease.delete(oldest)
    }
  }

  private async subscribe (): Promise<void> {
    if (!this.running) return
    const controller = new AbortController()
    this.controller = controller
    try {
      const stream = await this.modules.docker.getEvents({ since: this.lastSec, filters: { type: ['container'] }, abortSignal: controller.signal }) as NodeJS.ReadableStream & { destroy?: () => void }
      if (!this.running) { stream.destroy?.(); return }
      this.stream = stream
      this.retryMs = this.opts.retryMinMs
      let carry = ''
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        carry += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
        let nl: number
        while ((nl = carry.indexOf('\n')) >= 0) {
          const line = carry.slice(0, nl).trim()
          carry = carry.slice(nl + 1)
          if (line === '') continue
          try {
            this.ingest(JSON.parse(line) as RawEvent)
          } catch {
            // One bad line does not end the subscription.
          }
        }
        if (carry.length > 1024 * 1024) carry = ''
      }
    } catch (err) {
      if (this.running) this.modules.logger.debug('runtime events subscription failed', { error: err instanceof Error ? err.message : String(err) })
    }
    if (!this.running) return
    // The stream ended (runtime restarted?): resubscribe from the last event seen, backing off.
    this.timer = setTimeout(() => { this.timer = undefined; void this.subscribe() }, this.retryMs)
    this.timer.unref?.()
    this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs)
  }
}
