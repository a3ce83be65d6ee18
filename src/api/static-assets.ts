import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join } from 'node:path'

export interface StaticAsset {
  body: Buffer
  etag: string
  headers: Record<string, string>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png'
}

/** The dashboard is a few files; more would be a build gone wrong, not something to serve. */
const MAX_ASSETS = 32

/**
 * The page may load only its own script and style and talk only to this API: no inline script,
 * no other origin, never framed (clickjacking the deploy button), and the login link's URL never
 * leaves in a Referer.
 */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

/**
 * The built dashboard (dist/dashboard), read once at start: index.html at `/`, every other file
 * at `/assets/<name>`. Missing directory: no dashboard (the API's routes are unchanged).
 */
export async function loadStaticAssets (dir: string): Promise<Map<string, StaticAsset>> {
  const out = new Map<string, StaticAsset>()
  let names: string[]
  try {
    names = (await readdir(dir)).filter((n) => Object.hasOwn(TYPES, extname(n))).slice(0, MAX_ASSETS)
  } catch {
    return out
  }
  if (!names.includes('index.html')) return out
  for (const name of names) {
    const body = await readFile(join(dir, name))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    const headers = {
      ...PAGE_HEADERS,
      'content-type': TYPES[extname(name)] as string,
      'x-content-type-options': 'nosniff',
      // the names do not change with the content: revalidate (a 304 is cheap)
      'cache-control': 'no-cache'
    }
    out.set(name === 'index.html' ? '/' : `/assets/${name}`, { body, etag, headers })
  }
  return out
}
