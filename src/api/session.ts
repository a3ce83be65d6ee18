import { randomBytes, timingSafeEqual } from 'node:crypto'

export interface SessionStoreOptions {
  /** a one-time login code is good for this long (the user clicks the link right away) */
  loginCodeTtlMs: number
  /** a dashboard session lasts this long, then the page needs a new link */
  sessionTtlMs: number
  /** codes and sessions held at most; the oldest go first (bounded memory whatever is asked) */
  maxLoginCodes: number
  maxSessions: number
}

export const defaultSessionStoreOptions: SessionStoreOptions = {
  loginCodeTtlMs: 5 * 60_000,
  sessionTtlMs: 12 * 3_600_000,
  maxLoginCodes: 16,
  maxSessions: 64
}

const HEX64 = /^[0-9a-f]{64}$/

/**
 * Dashboard logins, as local dashboards (Jupyter, code-server) do them: whoever holds the API
 * token (the CLI, reading DATA/api.token) asks for a one-time code and prints it in a link's
 * fragment (never sent to a server, never in logs or Referer); the page trades the code once for a
 * session token and keeps it in sessionStorage. The API token itself never reaches the browser,
 * and a session dies with the node (held in memory only).
 */
export class SessionStore {
  private readonly codes = new Map<string, number>()
  private readonly sessions = new Map<string, number>()

  constructor (private readonly opts: SessionStoreOptions = defaultSessionStoreOptions, private readonly now: () => number = Date.now) {}

  issueLoginCode (): { code: string, expiresAt: number } {
    const code = randomBytes(32).toString('hex')
    const expiresAt = this.now() + this.opts.loginCodeTtlMs
    bounded(this.codes, this.opts.maxLoginCodes).set(code, expiresAt)
    return { code, expiresAt }
  }

  /** The session token for a valid unused code, which is spent; undefined otherwise. */
  redeem (code: string): { token: string, expiresAt: number } | undefined {
    const key = find(this.codes, code)
    if (key === undefined) return undefined
    const until = this.codes.get(key) as number
    this.codes.delete(key)
    if (until <= this.now()) return undefined
    const token = randomBytes(32).toString('hex')
    const expiresAt = this.now() + this.opts.sessionTtlMs
    bounded(this.sessions, this.opts.maxSessions).set(token, expiresAt)
    return { token, expiresAt }
  }

  /** Whether `token` is a live session. */
  valid (token: string): boolean {
    const key = find(this.sessions, token)
    if (key === undefined) return false
    if ((this.sessions.get(key) as number) > this.now()) return true
    this.sessions.delete(key)
    return false
  }

  /** End a session (the page's log out). */
  end (token: string): void {
    const key = find(this.sessions, token)
    if (key !== undefined) this.sessions.delete(key)
  }
}

/** Compare in constant time against every key, so timing says nothing about how much matched. */
function find (map: Map<string, number>, candidate: string): string | undefined {
  if (!HEX64.test(candidate)) return undefined
  const c = Buffer.from(candidate)
  let hit: string | undefined
  for (const k of map.keys()) if (timingSafeEqual(Buffer.from(k), c)) hit = k
  return hit
}

function bounded (map: Map<string, number>, max: number): Map<string, number> {
  while (map.size >= max) map.delete(map.keys().next().value as string)
  return map
}
