import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { WorkloadError } from './errors.js'

export type Proto = 'tcp' | 'udp'

export interface PortRequest {
  /** Identifies the request in the result, e.g. `web/0 8080/tcp`. */
  key: string
  proto: Proto
  /** The port this replica had before (a replaced container keeps its endpoint when it can). */
  preferred?: number
}

/** Is host port `port` free for `proto` on `hostIp` right now? */
export type PortProbe = (hostIp: string, port: number, proto: Proto) => Promise<boolean>

export interface AllocateInput {
  requests: readonly PortRequest[]
  range: { min: number, max: number }
  hostIp: string
  /** Ports held by managed containers (running or not): never handed out again. */
  taken: ReadonlySet<string>
  isFree: PortProbe
  leaseId: string
}

export function portKey (port: number, proto: Proto): string {
  return `${port}/${proto}`
}

/**
 * First fit over the range, preferred ports first. Every candidate is bind-checked, since other
 * programs on the host use ports too; the runtime may still lose a race to one of them, which
 * its create/start then reports. All requests of a call are allocated before anything is
 * created, so a lease either gets every port or none (PORTS_EXHAUSTED).
 */
export async function allocatePorts (input: AllocateInput): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const used = new Set(input.taken)
  const { min, max } = input.range
  const cursor: Record<Proto, number> = { tcp: min, udp: min }
  for (const req of input.requests) {
    let got: number | undefined
    const pref = req.preferred
    if (pref !== undefined && pref >= min && pref <= max && !used.has(portKey(pref, req.proto)) && await input.isFree(input.hostIp, pref, req.proto)) {
      got = pref
    }
    // The cursor only moves forward within a call: ports before it were taken or tried.
    for (let p = cursor[req.proto]; got === undefined && p <= max; p++) {
      cursor[req.proto] = p + 1
      if (used.has(portKey(p, req.proto))) continue
      if (await input.isFree(input.hostIp, p, req.proto)) got = p
    }
    if (got === undefined) {
      throw new WorkloadError('PORTS_EXHAUSTED', `no free host port left in ${min}-${max} on ${input.hostIp} for lease ${input.leaseId} (needs ${input.requests.length})`, {
        details: { leaseId: input.leaseId, range: `${min}-${max}`, needed: input.requests.length, allocated: out.size }
      })
    }
    used.add(portKey(got, req.proto))
    out.set(req.key, got)
  }
  return out
}

/** Bind and release: free means nothing listens there now (SO_REUSEADDR aside). */
export const probePortFree: PortProbe = async (hostIp, port, proto) => {
  if (proto === 'udp') {
    const sock = createSocket(hostIp.includes(':') ? 'udp6' : 'udp4')
    return await new Promise<boolean>((resolve) => {
      sock.once('error', () => { sock.close(); resolve(false) })
      sock.bind({ address: hostIp, port, exclusive: true }, () => { sock.close(() => resolve(true)) })
    })
  }
  const srv = createServer()
  return await new Promise<boolean>((resolve) => {
    srv.once('error', () => resolve(false))
    srv.listen({ host: hostIp, port, exclusive: true }, () => { srv.close(() => resolve(true)) })
  })
}
