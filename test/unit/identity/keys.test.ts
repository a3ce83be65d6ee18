import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { IdentityError, NodeKey, accountIdOf, keyFilePath, loadKey, loadOrCreateKey, publicKeyOfAccount } from '../../../src/identity/index.js'
import { tempDir } from '../../helpers/io.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })
async function dir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.cleanup)
  return join(d.path, 'data')
}

describe('node key', () => {
  it('is created once with mode 0600 and loads back to the same peer id', async () => {
    const d = await dir()
    const a = await loadOrCreateKey(d)
    expect(a.created).toBe(true)
    expect((await stat(keyFilePath(d))).mode & 0o777).toBe(0o600)
    expect((await stat(d)).mode & 0o777).toBe(0o700)
    const b = await loadOrCreateKey(d)
    expect(b.created).toBe(false)
    expect(b.key.accountId).toBe(a.key.accountId)
    expect((await loadKey(d)).accountId).toBe(a.key.accountId)
  })

  it('account id is the libp2p PeerId of the same key', async () => {
    const k = await NodeKey.generate()
    expect(k.accountId).toMatch(/^12D3KooW/)
    expect(k.peerId.equals(peerIdFromString(k.accountId))).toBe(true)
    expect(accountIdOf(k.publicKey)).toBe(k.accountId)
    expect(Buffer.from(publicKeyOfAccount(k.accountId)).equals(Buffer.from(k.publicKey))).toBe(true)
    // libp2p signs with the same key: its signature verifies against our public key
    const sig = await k.privateKey.sign(new Uint8Array([1, 2, 3]))
    expect(await k.privateKey.publicKey.verify(new Uint8Array([1, 2, 3]), sig)).toBe(true)
  })

  it('refuses a key file others can read, naming the fix', async () => {
    const d = await dir()
    await loadOrCreateKey(d)
    await chmod(keyFilePath(d), 0o644)
    const err = await loadKey(d).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect((err as IdentityError).code).toBe('KEY_FILE_PERMISSIONS')
    expect((err as IdentityError).message).toContain('chmod 600')
    await chmod(keyFilePath(d), 0o640)
    await expect(loadKey(d)).rejects.toMatchObject({ code: 'KEY_FILE_PERMISSIONS' })
  })

  it('reports a missing or corrupt key with a typed error and leaves the file alone', async () => {
    const d = await dir()
    await expect(loadKey(d)).rejects.toMatchObject({ code: 'KEY_FILE_MISSING' })
    await loadOrCreateKey(d)
    await writeFile(keyFilePath(d), 'not a key', { mode: 0o600 })
    await expect(loadKey(d)).rejects.toMatchObject({ code: 'KEY_FILE_CORRUPT' })
    // loadOrCreate must not overwrite a corrupt key: that would silently change the account
    await expect(loadOrCreateKey(d)).rejects.toMatchObject({ code: 'KEY_FILE_CORRUPT' })
    expect(await readFile(keyFilePath(d), 'utf8')).toBe('not a key')
  })

  it('rejects account ids that are not Ed25519 peer ids', () => {
    expect(() => publicKeyOfAccount('hello')).toThrow(IdentityError)
    expect(() => publicKeyOfAccount('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')).toThrow(IdentityError)
    expect(() => accountIdOf(new Uint8Array(5))).toThrow(IdentityError)
  })

  it('concurrent first runs agree on one key', async () => {
    const d = await dir()
    const results = await Promise.all([loadOrCreateKey(d), loadOrCreateKey(d), loadOrCreateKey(d)])
    const ids = new Set(results.map((r) => r.key.accountId))
    expect(ids.size).toBe(1)
    expect((await loadKey(d)).accountId).toBe(results[0]?.key.accountId)
  })
})
