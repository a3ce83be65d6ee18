import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { apiTokenPath, authorized, loadOrCreateApiToken } from '../../../src/api/index.js'
import { tempDirsPerTest } from '../../helpers/io.js'

const dir = tempDirsPerTest(afterEach)
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777

describe('loadOrCreateApiToken', () => {
  it('creates DATA/api.token, mode 0600, holding 32 random bytes as hex', async () => {
    const d = await dir()
    const token = await loadOrCreateApiToken(d)
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(await mode(apiTokenPath(d))).toBe(0o600)
    expect((await readFile(apiTokenPath(d), 'utf8')).trim()).toBe(token)
  })

  it('returns the same token on the second call, and another data directory gets another token', async () => {
    const d = await dir()
    const first = await loadOrCreateApiToken(d)
    expect(await loadOrCreateApiToken(d)).toBe(first)
    expect(await loadOrCreateApiToken(await dir())).not.toBe(first)
  })

  it('replaces a file that does not hold a token, and makes it 0600 again', async () => {
    const d = await dir()
    await writeFile(apiTokenPath(d), 'not a token\n')
    await chmod(apiTokenPath(d), 0o644)
    const token = await loadOrCreateApiToken(d)
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(await mode(apiTokenPath(d))).toBe(0o600)
    expect(await loadOrCreateApiToken(d)).toBe(token)
  })
})

describe('authorized', () => {
  const token = 'ab'.repeat(32)

  it('accepts exactly "Bearer <token>" (surrounding whitespace aside)', () => {
    expect(authorized(`Bearer ${token}`, token)).toBe(true)
    expect(authorized(`  Bearer ${token} `, token)).toBe(true)
  })

  it('rejects a missing, wrong or malformed header', () => {
    for (const h of [
      undefined, '', 'Bearer', 'Bearer ', token, `Basic ${token}`, `Bearer  ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(1)}`,
      `Bearer ${token.toUpperCase()}`, `Bearer ${'cd'.repeat(32)}`, `Bearer ${token} ${token}`, `Bearer ${token.slice(0, 63)}g`
    ]) {
      expect(authorized(h, token), String(h)).toBe(false)
    }
  })

  // A configured token of another length is a mismatch, not a RangeError (500).
  it('never throws, even when the configured token is not a 64-digit token', () => {
    expect(authorized(`Bearer ${token}`, 'secret')).toBe(false)
  })
})
