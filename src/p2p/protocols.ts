import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { PROTOCOL_VERSION } from '../wire/index.js'

/**
 * Names of everything skymesh puts on the network, namespaced by protocol prefix and network id
 * so devnets never share a DHT or a mesh. Standard libp2p protocols that plain libp2p nodes must
 * be able to speak (identify, ping, gossipsub's /meshsub, circuit relay, dcutr, autonat) keep their
 * standard names; topics (src/wire/topics.ts) carry the namespace for gossip.
 */
export interface NetworkNames {
  protocolPrefix: string
  networkId: string
}

/** The private kad-dht protocol: a skymesh DHT never mixes with IPFS's or another network's. */
export function kadProtocol (n: NetworkNames): string {
  return `/${n.protocolPrefix}/${n.networkId}/kad/${PROTOCOL_VERSION}.0.0`
}

/** First path segment of provider announce records; the DHT picks validators and selectors by it. */
export function providerRecordNamespace (n: NetworkNames): string {
  return `${n.protocolPrefix}-providers`
}

/** DHT key of one provider's latest announce: `/<prefix>-providers/<net>/<peerId>`. */
export function providerRecordKey (n: NetworkNames, peerId: string): Uint8Array {
  return new TextEncoder().encode(`/${providerRecordNamespace(n)}/${n.networkId}/${peerId}`)
}

/** Inverse of providerRecordKey; undefined for a key of another namespace or network. */
export function parseProviderRecordKey (n: NetworkNames, key: Uint8Array): string | undefined {
  let s: string
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(key)
  } catch {
    return undefined
  }
  const head = `/${providerRecordNamespace(n)}/${n.networkId}/`
  if (!s.startsWith(head)) return undefined
  const peerId = s.slice(head.length)
  return /^[1-9A-HJ-NP-Za-km-z]{40,128}$/.test(peerId) ? peerId : undefined
}

/**
 * The well-known content id every provider `provide`s, so a node that just joined can list the
 * providers of its network with one findProviders query: raw CID of sha256 of the namespaced name.
 */
export async function providersCid (n: NetworkNames): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`/${n.protocolPrefix}/${n.networkId}/${PROTOCOL_VERSION}/providers`))
  return CID.createV1(raw.code, digest)
}
