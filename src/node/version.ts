import { readFileSync } from 'node:fs'

let cached: string | undefined

/** skymesh's version from package.json, found by walking up from this file (src/ or dist/src/). */
export function skymeshVersion (): string {
  if (cached !== undefined) return cached
  let url = new URL('.', import.meta.url)
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'skymesh' && typeof pkg.version === 'string') return (cached = pkg.version)
    } catch { /* not here */ }
    url = new URL('..', url)
  }
  return (cached = '0.0.0')
}
