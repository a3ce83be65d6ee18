import { randomBytes, timingSafeEqual } from 'node:crypto'
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RuntimeError } from '../util/errors.js'

export const API_TOKEN_FILE_NAME = 'api.token'

export function apiTokenPath (dataDir: string): string {
  return join(dataDir, API_TOKEN_FILE_NAME)
}

/**
 * The bearer token for state-changing API routes: 32 random bytes (hex) in the data directory,
 * mode 0600, created once. Whoever can read the data directory may change the node's state;
 * other local users cannot, even though the API listens on 127.0.0.1.
 */
export async function loadOrCreateApiToken (dataDir: string): Promise<string> {
  const path = apiTokenPath(dataDir)
  try {
    const t = (await readFile(path, 'utf8')).trim()
    if (/^[0-9a-f]{64}$/.test(t)) return t
  } catch { /* create it */ }
  const token = randomBytes(32).toString('hex')
  const fh = await open(path, 'w', 0o600)
  try {
    await fh.chmod(0o600)
    await fh.writeFile(token + '\n')
  } finally {
    await fh.close()
  }
  return token
}

/** Constant-time check of an Authorization header against the token. */
export function authorized (header: string | undefined, token: string): boolean {
  if (header === undefined) return false
  const m = /^Bearer ([0-9a-f]{64})$/.exec(header.trim())
  if (m === null || token.length !== (m[1] as string).length) return false
  return timingSafeEqual(Buffer.from(m[1] as string), Buffer.from(token))
}

/** The token of a running node, for the CLI's state-changing calls. */
export async function readApiToken (dataDir: string): Promise<string> {
  const path = apiTokenPath(dataDir)
  let t: string
  try {
    t = (await readFile(path, 'utf8')).trim()
  } catch (err) {
    throw new RuntimeError('IO', `cannot read the API token ${path}: ${(err as Error).message} (run the command as the node's user)`, { details: { path } })
  }
  if (!/^[0-9a-f]{64}$/.test(t)) throw new RuntimeError('IO', `${path} does not hold an API token`, { details: { path } })
  return t
}
