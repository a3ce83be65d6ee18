import { describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { kadProtocol, parseProviderRecordKey, providerRecordKey, providerRecordNamespace, providersCid, type NetworkNames } from '../../../src/p2p/index.js'
import { PROTOCOL_VERSION, Topic, parseTopic, topicName } from '../../../src/wire/index.js'

const local: NetworkNames = { protocolPrefix: 'skymesh', networkId: 'skymesh-local' }
const dev: NetworkNames = { protocolPrefix: 'skymesh', networkId: 'devnet-2' }
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('names on the network are namespaced by prefix and network id', () => {
  it('the kad-dht protocol is private to the network', () => {
    expect(kadProtocol(local)).toBe('/skymesh/skymesh-local/kad/2.0.0')
    expect(kadProtocol(dev)).toBe('/skymesh/devnet-2/kad/2.0.0')
    expect(kadProtocol({ protocolPrefix: 'test', networkId: 'n' })).toBe('/test/n/kad/2.0.0')
  })

  it('topics are /<prefix>/<net>/<version>/<topic> and parse back only for the same network and version', () => {
    expect(topicName('skymesh', 'skymesh-local', Topic.providers)).toBe(`/skymesh/skymesh-local/${PROTOCOL_VERSION}/providers`)
    for (const t of Object.values(Topic)) expect(parseTopic('skymesh', 'skymesh-local', topicName('skymesh', 'skymesh-local', t))).toBe(t)
    expect(parseTopic('skymesh', 'devnet-2', topicName('skymesh', 'skymesh-local', Topic.orders))).toBeUndefined()
    // another protocol version never parses
    expect(parseTopic('skymesh', 'skymesh-local', '/skymesh/skymesh-local/1/orders')).toBeUndefined()
    expect(parseTopic('skymesh', 'skymesh-local', '/skymesh/skymesh-local/1/chat')).toBeUndefined()
  })

  it('provider record keys: format and parse round trip', async () => {
    const { accountId } = await NodeKey.generate()
    expect(providerRecordNamespace(local)).toBe('skymesh-providers')
    const key = providerRecordKey(local, accountId)
    expect(new TextDecoder().decode(key)).toBe(`/skymesh-providers/skymesh-local/${accountId}`)
    expect(parseProviderRecordKey(local, key)).toBe(accountId)
  })

  it('parseProviderRecordKey refuses keys of another network or namespace, bad peer ids and bad UTF-8', async () => {
    const { accountId } = await NodeKey.generate()
    expect(parseProviderRecordKey(dev, providerRecordKey(local, accountId))).toBeUndefined()
    expect(parseProviderRecordKey(local, utf8(`/ipns/skymesh-local/${accountId}`))).toBeUndefined()
    expect(parseProviderRecordKey(local, utf8(`/skymesh-providers/skymesh-local/${accountId}/extra`))).toBeUndefined()
    expect(parseProviderRecordKey(local, utf8('/skymesh-providers/skymesh-local/0OIl-not-base58-0OIl-not-base58-0OIl-not-base58'))).toBeUndefined()
    expect(parseProviderRecordKey(local, utf8('/skymesh-providers/skymesh-local/short'))).toBeUndefined()
    expect(parseProviderRecordKey(local, utf8('/skymesh-providers/skymesh-local/'))).toBeUndefined()
    expect(parseProviderRecordKey(local, new Uint8Array([0x2f, 0xff, 0xfe]))).toBeUndefined()
  })

  it('the providers CID is a raw CIDv1, the same on every node of a network and different across networks', async () => {
    const a = await providersCid(local)
    const b = await providersCid(local)
    const c = await providersCid(dev)
    expect(a.version).toBe(1)
    expect(a.code).toBe(0x55)
    expect(a.equals(b)).toBe(true)
    expect(a.equals(c)).toBe(false)
  })
})
