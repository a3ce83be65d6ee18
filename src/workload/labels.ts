import { createHash } from 'node:crypto'

/**
 * Every runtime object the executor creates carries these labels; they are the only state it
 * relies on after a restart. `skymesh.managed=1` marks objects this layer may remove: nothing
 * without it is ever touched.
 */
export const LABEL_MANAGED = 'skymesh.managed'
export const LABEL_LEASE = 'skymesh.lease'
export const LABEL_TENANT = 'skymesh.tenant'
export const LABEL_SERVICE = 'skymesh.service'
export const LABEL_REPLICA = 'skymesh.replica'
/** The service's replica count when created, so status works without the manifest. */
export const LABEL_COUNT = 'skymesh.count'
/** Hash of the container's spec without host ports: tells an unchanged replica from an update. */
export const LABEL_SPEC = 'skymesh.spec'
/** Host ports held, `8080/tcp=30001,53/udp=30002`: allocation sees them even when stopped. */
export const LABEL_HOST_PORTS = 'skymesh.host-ports'

export const MANAGED_FILTER = `${LABEL_MANAGED}=1`

export function leaseFilter (leaseId: string): string[] {
  return [MANAGED_FILTER, `${LABEL_LEASE}=${leaseId}`]
}

/**
 * Lease ids hold '/' and are long (order id + provider); container and network names allow
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*. 16 hex digits of sha256 make a collision between two leases on
 * one host as likely as 2^-64 per pair; the full id stays in the label.
 */
export function leaseKey (leaseId: string): string {
  return createHash('sha256').update(leaseId, 'utf8').digest('hex').slice(0, 16)
}

export function containerName (leaseId: string, service: string, replica: number): string {
  return `skymesh-${leaseKey(leaseId)}-${service}-${replica}`
}

export function leaseNetworkName (leaseId: string): string {
  return `skymesh-${leaseKey(leaseId)}`
}

export interface HostPortLabel { containerPort: number, proto: 'tcp' | 'udp', hostPort: number }

export function formatHostPorts (ports: readonly HostPortLabel[]): string {
  return ports.map(p => `${p.containerPort}/${p.proto}=${p.hostPort}`).join(',')
}

/** Tolerant: a label edited by hand yields what can be read, never an exception. */
export function parseHostPorts (label: string | undefined): HostPortLabel[] {
  if (label === undefined || label === '') return []
  const out: HostPortLabel[] = []
  for (const part of label.split(',')) {
    const m = /^(\d{1,5})\/(tcp|udp)=(\d{1,5})$/.exec(part.trim())
    if (m === null) continue
    out.push({ containerPort: Number(m[1]), proto: m[2] as 'tcp' | 'udp', hostPort: Number(m[3]) })
  }
  return out
}
