import type { IncomingHttpHeaders } from 'node:http'

/**
 * Who may talk to the API, judged from the Host and Origin headers. The API listens on a
 * loopback address, but a web page elsewhere can still reach it through the user's browser:
 * directly (a cross-origin fetch carries `Origin`) or by DNS rebinding (a name of the attacker's
 * that now resolves to 127.0.0.1: same-origin for the browser, so no `Origin` on a GET, but the
 * `Host` header names the attacker's host). Checking both on every request closes both doors;
 * clients that are not browsers (the CLI, curl, the tests) send a loopback Host and no Origin.
 */
export interface HostGuard {
  /** host names allowed in Host and Origin, lower case, IPv6 without brackets */
  names: ReadonlySet<string>
  /** the port the API listens on; a Host or Origin naming another one is refused */
  port: number
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1']

/** The loopback names plus the configured API host (unless it is a wildcard address). */
export function hostGuardFor (configuredHost: string, port: number): HostGuard {
  const names = new Set(LOOPBACK_NAMES)
  const h = configuredHost.toLowerCase().replace(/^\[|\]$/g, '')
  if (h !== '0.0.0.0' && h !== '::' && h !== '') names.add(h)
  return { names, port }
}

export type GuardRefusal = 'BAD_HOST' | 'FORBIDDEN_ORIGIN'

/**
 * Undefined when the request may proceed, else why not. A Host without a port is accepted (raw
 * HTTP clients write `host: 127.0.0.1`; a browser omits the port only for port 80, and then the
 * name still has to be ours, which is what DNS rebinding cannot fake). `Origin: null` (sandboxed
 * frames, file:// pages) is foreign.
 */
export function checkHostAndOrigin (headers: IncomingHttpHeaders, guard: HostGuard): GuardRefusal | undefined {
  const host = headers.host
  if (host === undefined || !hostAllowed(host, guard, true)) return 'BAD_HOST'
  const origin = headers.origin
  if (origin !== undefined) {
    const m = /^http:\/\/([^/?#]+)$/i.exec(origin)
    if (m === null || !hostAllowed(m[1] as string, guard, false)) return 'FORBIDDEN_ORIGIN'
  }
  return undefined
}

function hostAllowed (hostPort: string, guard: HostGuard, portOptional: boolean): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]@]+)(?::(\d{1,5}))?$/.exec(hostPort.trim())
  if (m === null) return false
  const name = (m[1] as string).toLowerCase().replace(/^\[|\]$/g, '')
  if (!guard.names.has(name)) return false
  // an Origin leaves the port out only when it is 80
  const port = m[2] !== undefined ? Number(m[2]) : (portOptional ? guard.port : 80)
  return port === guard.port
}
