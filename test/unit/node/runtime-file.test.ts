import { spawn } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { RUNTIME_FILE_NAME, processAlive, readRuntimeFile, removeRuntimeFile, runtimeFilePath, writeRuntimeFile, type RuntimeFile } from '../../../src/node/runtime-file.js'
import { tempDirsPerTest } from '../../helpers/io.js'

const dir = tempDirsPerTest(afterEach)

const info: RuntimeFile = {
  peerId: '12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a',
  multiaddrs: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a'],
  api: 'http://127.0.0.1:40123',
  pid: process.pid,
  roles: ['provider', 'relay'],
  network: 'skymesh-local',
  startedAt: '2025-01-01T00:00:00.000Z'
}

describe('node.json', () => {
  it('is DATA/node.json, written 0600, and reads back equal', async () => {
    const d = await dir()
    await writeRuntimeFile(d, info)
    expect(runtimeFilePath(d)).toBe(`${d}/${RUNTIME_FILE_NAME}`)
    expect((await stat(runtimeFilePath(d))).mode & 0o777).toBe(0o600)
    expect(await readRuntimeFile(d)).toEqual(info)
    // readable by people too: pretty JSON, one trailing newline
    expect(await readFile(runtimeFilePath(d), 'utf8')).toBe(JSON.stringify(info, null, 2) + '\n')
  })

  it('writing again replaces the content (the API address arrives after the first write)', async () => {
    const d = await dir()
    await writeRuntimeFile(d, { ...info, api: '' })
    await writeRuntimeFile(d, info)
    expect((await readRuntimeFile(d))?.api).toBe(info.api)
  })

  it('reads as undefined when missing, not JSON, or without the fields the CLI needs', async () => {
    const d = await dir()
    expect(await readRuntimeFile(d)).toBeUndefined()
    for (const text of ['', '{', 'null', '[]', JSON.stringify({ ...info, pid: String(info.pid) }), JSON.stringify({ ...info, api: undefined }), JSON.stringify({ ...info, multiaddrs: 'x' })]) {
      await writeFile(runtimeFilePath(d), text)
      expect(await readRuntimeFile(d), text).toBeUndefined()
    }
  })

  it('removeRuntimeFile removes only the file this process wrote', async () => {
    const d = await dir()
    await writeRuntimeFile(d, { ...info, pid: process.pid + 1 })
    await removeRuntimeFile(d)
    expect(await readRuntimeFile(d)).toBeDefined()
    await writeRuntimeFile(d, info)
    await removeRuntimeFile(d)
    expect(await readRuntimeFile(d)).toBeUndefined()
    // nothing to remove is fine
    await expect(removeRuntimeFile(d)).resolves.toBeUndefined()
  })
})

describe('node.json written concurrently', () => {
  // Two writes in flight at once (setApiUrl and the self:peer:update handler) must each succeed
  // and leave one whole write: each call has its own temporary file.
  it('every write succeeds and the file holds one complete write', async () => {
    const d = await dir()
    for (let round = 0; round < 10; round++) {
      const versions = Array.from({ length: 4 }, (_, i) => ({ ...info, multiaddrs: info.multiaddrs.slice(0, i % 2), api: `http://127.0.0.1:${40_000 + i}` }))
      const results = await Promise.allSettled(versions.map(async (v) => { await writeRuntimeFile(d, v) }))
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(versions).toContainEqual(await readRuntimeFile(d))
    }
  })
})

describe('processAlive', () => {
  it('is true for this process, false for one that exited and for impossible pids', async () => {
    expect(processAlive(process.pid)).toBe(true)
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    await new Promise((resolve) => child.once('exit', resolve))
    expect(processAlive(child.pid as number)).toBe(false)
    for (const pid of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) expect(processAlive(pid), String(pid)).toBe(false)
  })
})
