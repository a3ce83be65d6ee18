import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KEY_FILE_NAME } from '../../../src/identity/index.js'
import { P2pError } from '../../../src/p2p/index.js'
import { readRuntimeFile } from '../../../src/node/runtime-file.js'
import { SkymeshNode } from '../../../src/node/runtime.js'
import { silentLogger } from '../../../src/util/logger.js'
import { tempDir } from '../../helpers/io.js'
import { probeOf } from '../hardware/helpers.js'

/** The mesh side of the composition root's lifecycle; the market side is tested with the market. */
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() }, 20_000)
async function dir (): Promise<string> {
  const d = await tempDir('skymesh-node-')
  cleanups.push(d.cleanup)
  return d.path
}
const listen = ['/ip4/127.0.0.1/tcp/0']

describe('SkymeshNode lifecycle', () => {
  it('a bad bootstrap address fails init with BAD_MULTIADDR before anything is created', async () => {
    const d = await dir()
    const err = await SkymeshNode.init({ dataDir: d, listen, bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, { logger: silentLogger }).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(P2pError)
    expect((err as P2pError).code).toBe('BAD_MULTIADDR')
    expect(existsSync(join(d, KEY_FILE_NAME))).toBe(false)
  })

  it('a provider whose first probe fails does not start', async () => {
    const d = await dir()
    const err = await SkymeshNode.init({ dataDir: d, listen, roles: ['provider'] }, { logger: silentLogger, probe: async () => { throw new Error('no hardware') } }).then(() => undefined, (e: unknown) => e)
    expect((err as Error).message).toBe('no hardware')
    expect(await readRuntimeFile(d)).toBeUndefined()
  })

  it('listens where asked, keeps its peer id across restarts, writes node.json and removes it on close', async () => {
    const d = await dir()
    const node = await SkymeshNode.init({ dataDir: d, listen }, { logger: silentLogger })
    cleanups.push(async () => { await node.close() })
    expect(node.multiaddrs().every((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/.test(a))).toBe(true)
    expect(node.roles).toEqual(['tenant'])
    await node.setApiUrl('http://127.0.0.1:1')
    expect(await readRuntimeFile(d)).toMatchObject({ peerId: node.key.accountId, api: 'http://127.0.0.1:1', pid: process.pid, roles: ['tenant'] })
    expect(node.status()).toMatchObject({ peerId: node.key.accountId, peers: 0, providers: 0, dht: { mode: 'server' } })
    await node.close()
    await node.close()
    expect(node.libp2p.status).toBe('stopped')
    expect(await readRuntimeFile(d)).toBeUndefined()

    const again = await SkymeshNode.init({ dataDir: d, listen }, { logger: silentLogger })
    cleanups.push(async () => { await again.close() })
    expect(again.key.accountId).toBe(node.key.accountId)
  })

  it('a provider lists its own announce at once (source self), with the probed capacity', async () => {
    const d = await dir()
    const node = await SkymeshNode.init({ dataDir: d, listen, roles: ['provider'] }, { logger: silentLogger, probe: async () => probeOf() })
    cleanups.push(async () => { await node.close() })
    const own = node.providers()
    expect(own.map((p) => [p.peerId, p.source])).toEqual([[node.key.accountId, 'self']])
    expect(own[0]?.total.cpu).toBe(64_000)
    // alone, the announce reached nobody: not landed, retried
    expect(node.status().announce).toMatchObject({ landed: false, recipients: 0 })
  })
})
