import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { decode as cborDecode } from 'cborg'
import { request, serve, type ExchangeLimits } from '../../p2p/request-response.js'
import { fromUtf8, utf8 } from '../../util/bytes.js'
import { SkymeshError, isSkymeshError } from '../../util/errors.js'
import type { LeaseStatus, LogLine } from '../../workload/index.js'
import { encodeCanonical } from '../../wire/index.js'

export type LeaseInfoErrorCode = 'UNKNOWN_LEASE' | 'NOT_A_PARTY' | 'NO_WORKLOADS' | 'PROVIDER_UNREACHABLE' | 'PROVIDER_ERROR' | 'BAD_REQUEST'

export class LeaseInfoError extends SkymeshError<LeaseInfoErrorCode> {
  readonly layer = 'lease'
}

export type LeaseInfoRequest =
  | { leaseId: string, op: 'status' }
  | { leaseId: string, op: 'logs', service?: string, tail?: number }

export type LeaseInfoAnswer = { status: LeaseStatus } | { lines: LogLine[] } | { error: { code: string, message: string } }

export interface LeaseInfoModules {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
  /** the tenant's account of a lease this node provides, or undefined when it provides no such lease */
  tenantOf: (leaseId: string) => string | undefined
  status: (leaseId: string) => Promise<LeaseStatus>
  logs: (leaseId: string, opts: { service?: string, tail?: number }) => Promise<LogLine[]>
}

export const leaseInfoLimits: ExchangeLimits = { maxRequestBytes: 512, maxItemBytes: 2 * 1024 * 1024, maxItems: 1, timeoutMs: 10_000 }

/** Longest tail a tenant may ask for per replica (the answer is one frame). */
const MAX_TAIL = 2000
const LEASE_ID = /^[0-9a-f]{64}\/[0-9a-f]{64}$/

/**
 * `/<prefix>/<net>/lease/1.0.0`: a lease's tenant asks its provider for the workload's status
 * and logs. The provider answers only the lease's tenant: the requester is the remote peer of
 * the noise-authenticated connection, whose id is the tenant's account, so nobody else can read
 * a lease's status or logs. One request, one JSON answer.
 */
export class LeaseInfoProtocol {
  constructor (private readonly protocol: string, private readonly modules: LeaseInfoModules) {}

  async start (): Promise<void> {
    await serve(this.modules.libp2p, this.protocol, async (req, from) => [utf8(JSON.stringify(await this.answer(req, from)))], leaseInfoLimits)
  }

  async stop (): Promise<void> {
    await this.modules.libp2p.unhandle(this.protocol)
  }

  private async answer (bytes: Uint8Array, from: string): Promise<LeaseInfoAnswer> {
    const req = decodeLeaseInfoRequest(bytes)
    if (req === undefined) return { error: { code: 'BAD_REQUEST', message: 'malformed lease request' } }
    const tenant = this.modules.tenantOf(req.leaseId)
    // the same answer for "no such lease" and "not yours": nothing about other leases leaks
    if (tenant === undefined || tenant !== from) return { error: { code: 'NOT_A_PARTY', message: `no lease ${req.leaseId} of yours on this provider` } }
    try {
      if (req.op === 'status') return { status: await this.modules.status(req.leaseId) }
      return { lines: await this.modules.logs(req.leaseId, { ...(req.service !== undefined ? { service: req.service } : {}), tail: Math.min(req.tail ?? 200, MAX_TAIL) }) }
    } catch (err) {
      return { error: { code: isSkymeshError(err) ? err.code : 'PROVIDER_ERROR', message: err instanceof Error ? err.message.slice(0, 500) : 'error' } }
    }
  }

  /** Ask a lease's provider (the tenant side). */
  async ask (provider: string, req: LeaseInfoRequest): Promise<{ status: LeaseStatus } | { lines: LogLine[] }> {
    let frames: Uint8Array[]
    try {
      frames = await request(this.modules.libp2p, peerIdFromString(provider), this.protocol, encodeCanonical(req), leaseInfoLimits)
    } catch (err) {
      throw new LeaseInfoError('PROVIDER_UNREACHABLE', `the provider ${provider} did not answer: ${err instanceof Error ? err.message : String(err)}`, { badInput: false })
    }
    const first = frames[0]
    if (first === undefined) throw new LeaseInfoError('PROVIDER_UNREACHABLE', `the provider ${provider} gave no answer`, { badInput: false })
    let a: LeaseInfoAnswer
    try {
      a = JSON.parse(fromUtf8(first)) as LeaseInfoAnswer
    } catch {
      throw new LeaseInfoError('PROVIDER_ERROR', 'the provider\'s answer is not JSON', { badInput: false })
    }
    if ('error' in a) {
      // UNSUPPORTED: the provider accepts leases but runs nothing (provider.workloads: off)
      const code = a.error.code === 'NOT_A_PARTY' ? 'NOT_A_PARTY' : a.error.code === 'UNSUPPORTED' ? 'NO_WORKLOADS' : 'PROVIDER_ERROR'
      throw new LeaseInfoError(code, `the provider answered ${String(a.error.code).slice(0, 40)}: ${String(a.error.message).slice(0, 500)}`, { badInput: code === 'NOT_A_PARTY', details: { providerCode: String(a.error.code).slice(0, 40) } })
    }
    return a
  }
}

export function decodeLeaseInfoRequest (bytes: Uint8Array): LeaseInfoRequest | undefined {
  try {
    const v = cborDecode(bytes, { strict: true, useMaps: false, rejectDuplicateMapKeys: true }) as Record<string, unknown>
    if (typeof v !== 'object' || v === null) return undefined
    if (typeof v.leaseId !== 'string' || !LEASE_ID.test(v.leaseId)) return undefined
    const keys = Object.keys(v)
    if (v.op === 'status' && keys.length === 2) return { leaseId: v.leaseId, op: 'status' }
    if (v.op !== 'logs' || keys.some((k) => !['leaseId', 'op', 'service', 'tail'].includes(k))) return undefined
    if (v.service !== undefined && (typeof v.service !== 'string' || !/^[a-z][-a-z0-9]{0,62}$/.test(v.service))) return undefined
    if (v.tail !== undefined && (typeof v.tail !== 'number' || !Number.isSafeInteger(v.tail) || v.tail < 0)) return undefined
    return { leaseId: v.leaseId, op: 'logs', ...(typeof v.service === 'string' ? { service: v.service } : {}), ...(typeof v.tail === 'number' ? { tail: v.tail } : {}) }
  } catch {
    return undefined
  }
}
