import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'

export interface MeshNodeOptions {
  privateKey: Ed25519PrivateKey
  listen: string[]
}

/**
 * The libp2p node: TCP and WebSockets, noise, yamux, identify, ping. Gossip, DHT and relays
 * come with the mesh (issue 5).
 */
export async function createMeshNode (opts: MeshNodeOptions): Promise<Libp2p> {
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // Loopback meshes put every peer on 127.0.0.1 (STACK.md trap 2).
      allow: ['/ip4/127.0.0.0/ipcidr/8']
    },
    services: {
      identify: identify(),
      ping: ping()
    }
  })
}
