import { multiaddr } from '@multiformats/multiaddr'
import { NodeKey } from '../../../src/identity/index.js'
import {
  announceRecordSelector, announceRecordValidator, createMeshNode, providerRecordNamespace,
  type MeshLibp2p, type MeshNodeOptions, type NetworkNames
} from '../../../src/p2p/index.js'
import { signMessage, type Capacity, type ProviderAnnounceBody, type SignedMessage } from '../../../src/wire/index.js'

/** A network of its own, so nothing here can meet a node of another test file. */
export const TEST_NET: NetworkNames = { protocolPrefix: 'skymesh', networkId: 'skymesh-unit' }

export const GiB = 1024 ** 3

export function capacity (cpu = 8000, memory = 16 * GiB): Capacity {
  return { cpu, memory, storage: [{ class: 'ephemeral', size: 100 * GiB }], gpus: [] }
}

export function announceBody (over: Partial<ProviderAnnounceBody> = {}): ProviderAnnounceBody {
  return {
    net: TEST_NET.networkId,
    createdAt: Date.now(),
    seq: 1,
    addrs: ['/ip4/127.0.0.1/tcp/4001'],
    attributes: [{ key: 'region', value: 'test' }],
    total: capacity(),
    available: capacity(),
    runtime: 'none',
    ...over
  } as ProviderAnnounceBody
}

export function announce (key: NodeKey, over: Partial<ProviderAnnounceBody> = {}): SignedMessage<'ProviderAnnounce'> {
  return signMessage(key, 'ProviderAnnounce', announceBody(over))
}

/** A copy of an envelope with one byte of its signature flipped (a4 63 "sig" 58 40 <64 bytes> …). */
export function flipSignatureByte (envelope: Uint8Array): Uint8Array {
  const out = envelope.slice()
  out[7 + 5] = (out[7 + 5] as number) ^ 0xff
  return out
}

export interface TestNode {
  key: NodeKey
  libp2p: MeshLibp2p
  addr: string
}

/** A real skymesh libp2p node on 127.0.0.1, random port, with the provider record validator. */
export async function testMeshNode (over: Partial<MeshNodeOptions> = {}): Promise<TestNode> {
  const key = await NodeKey.generate()
  const libp2p = await createMeshNode({
    privateKey: key.privateKey,
    network: TEST_NET,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    dhtServer: true,
    userAgent: 'skymesh/0.0.0-test (tenant)',
    dhtValidators: { [providerRecordNamespace(TEST_NET)]: announceRecordValidator(TEST_NET) },
    dhtSelectors: { [providerRecordNamespace(TEST_NET)]: announceRecordSelector(TEST_NET) },
    ...over
  })
  const addr = libp2p.getMultiaddrs().map((a) => a.toString()).find((a) => a.includes('/tcp/')) ?? ''
  return { key, libp2p, addr }
}

export async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.libp2p.dial(multiaddr(to.addr), { signal: AbortSignal.timeout(10_000) })
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
