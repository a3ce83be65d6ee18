import { processAlive, readRuntimeFile, type RuntimeFile } from '../node/runtime-file.js'
import { RuntimeError, errorMessage } from '../util/errors.js'
import type { ApiPath, ApiRoutes } from './routes.js'

export interface NodeClient {
  info: RuntimeFile
  get<P extends ApiPath>(path: P): Promise<ApiRoutes[P]>
}

function notRunning (dataDir: string, why: string): RuntimeError {
  return new RuntimeError('NOT_RUNNING', `no running node in ${dataDir} (start one with skymesh start --data ${dataDir})`, { details: { dataDir, why } })
}

/**
 * Find the node running on a data directory through its node.json, and a client for its API.
 * A missing file, a dead pid or an API that does not answer all mean "not running".
 */
export async function connectToNode (dataDir: string, timeoutMs = 3_000): Promise<NodeClient> {
  const info = await readRuntimeFile(dataDir)
  if (info === undefined) throw notRunning(dataDir, 'no node.json')
  if (!processAlive(info.pid)) throw notRunning(dataDir, `process ${info.pid} is not running`)
  if (!/^http:\/\/[^/]+$/.test(info.api)) throw notRunning(dataDir, 'node.json has no API address')
  const get = async <P extends ApiPath>(path: P): Promise<ApiRoutes[P]> => {
    let res: Response
    try {
      res = await fetch(info.api + path, { signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      throw notRunning(dataDir, `API at ${info.api} did not answer: ${errorMessage(err)}`)
    }
    if (!res.ok) throw new RuntimeError('IO', `API ${path} answered ${res.status}`, { details: { status: res.status } })
    return await res.json() as ApiRoutes[P]
  }
  // One cheap call proves the API is this node's and alive.
  const status = await get('/status')
  if (status.peerId !== info.peerId) throw notRunning(dataDir, 'the API answers for another peer id')
  return { info, get }
}
