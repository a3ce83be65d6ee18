import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiServer, connectToNode, defaultApiServerOptions } from '../../../src/api/index.js'
import { runtimeFilePath, writeRuntimeFile, type RuntimeFile } from '../../../src/node/runtime-file.js'
import { RuntimeError } from '../../../src/util/errors.js'
import { silentLogger } from '../../../src/util/logger.js'
import { tempDir } from '../../helpers/io.js'
import { fakeSource, fakeStatus } from './fake-source.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })
async function dir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.cleanup)
  return d.path
}

/** The pid of a process that has exited. */
async function deadPid (): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid as number
}

function info (over: Partial<RuntimeFile> = {}): RuntimeFile {
  return { peerId: fakeStatus().peerId, multiaddrs: [], api: 'http://127.0.0.1:1', pid: process.pid, roles: ['tenant'], network: 'skymesh-local', startedAt: new Date().toISOString(), ...over }
}

async function notRunning (dataDir: string): Promise<RuntimeError> {
  const err = await connectToNode(dataDir, 1_000).then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(RuntimeError)
  expect((err as RuntimeError).code).toBe('NOT_RUNNING')
  expect((err as RuntimeError).badInput).toBe(false)
  expect((err as RuntimeError).details.dataDir).toBe(dataDir)
  // the message tells the user which data directory has no node
  expect((err as RuntimeError).message).toContain(dataDir)
  return err as RuntimeError
}

async function api (peerId = fakeStatus().peerId): Promise<ApiServer> {
  const s = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token: 'ab'.repeat(32) }, { source: fakeSource({ status: () => fakeStatus({ peerId }) }), logger: silentLogger })
  cleanups.push(async () => { await s.close() })
  return s
}

describe('connectToNode', () => {
  it('no node.json: NOT_RUNNING naming the data directory', async () => {
    const d = await dir()
    expect((await notRunning(d)).details.why).toBe('no node.json')
  })

  it('a data directory that does not exist: NOT_RUNNING', async () => {
    await notRunning('/nonexistent/skymesh-data')
  })

  it('node.json that is not JSON, or lacks fields: NOT_RUNNING', async () => {
    const d = await dir()
    await writeFile(runtimeFilePath(d), '{ not json')
    await notRunning(d)
    await writeFile(runtimeFilePath(d), JSON.stringify({ peerId: 'x', pid: process.pid }))
    await notRunning(d)
  })

  it('node.json with a dead pid: NOT_RUNNING', async () => {
    const d = await dir()
    const s = await api()
    await writeRuntimeFile(d, info({ pid: await deadPid(), api: s.url }))
    expect(String((await notRunning(d)).details.why)).toContain('is not running')
  })

  it('a live pid but no API address yet: NOT_RUNNING', async () => {
    const d = await dir()
    await writeRuntimeFile(d, info({ api: '' }))
    await notRunning(d)
  })

  it('an API address where nothing listens: NOT_RUNNING', async () => {
    const d = await dir()
    const s = await api()
    const url = s.url
    await s.close()
    await writeRuntimeFile(d, info({ api: url }))
    await notRunning(d)
  })

  it('an API that answers for another peer id (a stale node.json): NOT_RUNNING', async () => {
    const d = await dir()
    const s = await api('12D3KooWGzBGvBwQcBkBMTr9JvbbJu3ZRLkg6hjWoSBjYSrWjdn5')
    await writeRuntimeFile(d, info({ api: s.url }))
    await notRunning(d)
  })

  it('a live node: a client whose get() reads the API', async () => {
    const d = await dir()
    const s = await api()
    await writeRuntimeFile(d, info({ api: s.url }))
    const client = await connectToNode(d)
    expect(client.info.api).toBe(s.url)
    expect((await client.get('/status')).peerId).toBe(fakeStatus().peerId)
    expect((await client.get('/peers')).peers).toHaveLength(1)
    expect((await client.get('/providers')).providers).toHaveLength(1)
  })
})
