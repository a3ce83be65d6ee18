import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import { loadNodeConfig, type SkymeshConfig } from '../config/index.js'
import { loadOrCreateKey, type NodeKey } from '../identity/index.js'
import { createMeshNode } from '../p2p/libp2p.js'

export const RUNTIME_FILE_NAME = 'node.json'

export interface NodeInfo {
  peerId: string
  multiaddrs: string[]
  pid: number
  startedAt: string
}

/** Composition root: builds every module from the data directory; close() tears down in reverse. */
export class SkymeshNode {
  private constructor (readonly dataDir: string, readonly config: SkymeshConfig, readonly key: NodeKey, readonly libp2p: Libp2p) {}

  static async init (dataDir: string, overrides: { listen?: string[] } = {}): Promise<SkymeshNode> {
    const config = await loadNodeConfig(dataDir)
    const { key } = await loadOrCreateKey(dataDir)
    const libp2p = await createMeshNode({ privateKey: key.privateKey, listen: overrides.listen ?? config.node.listen })
    const node = new SkymeshNode(dataDir, config, key, libp2p)
    await node.writeRuntimeFile()
    return node
  }

  info (): NodeInfo {
    return {
      peerId: this.key.accountId,
      multiaddrs: this.libp2p.getMultiaddrs().map((a) => a.toString()),
      pid: process.pid,
      startedAt: new Date().toISOString()
    }
  }

  /** Where a running node says how to reach it, for the other commands. */
  private async writeRuntimeFile (): Promise<void> {
    await writeFile(join(this.dataDir, RUNTIME_FILE_NAME), JSON.stringify(this.info(), null, 2) + '\n')
  }

  async close (): Promise<void> {
    await this.libp2p.stop()
  }
}
