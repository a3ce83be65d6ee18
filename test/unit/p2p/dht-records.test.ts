import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import {
  P2pError, ProviderRecords, announceRecordSelector, announceRecordValidator, decodeAnnounceRecord,
  providerRecordKey, type NetworkNames
} from '../../../src/p2p/index.js'
import { silentLogger } from '../../../src/util/logger.js'
import { WireError, signMessage } from '../../../src/wire/index.js'
import { waitFor } from '../../helpers/mesh.js'
import { TEST_NET, announce, connect, flipSignatureByte, testMeshNode, type TestNode } from './helpers.js'

let key: NodeKey
let other: NodeKey
beforeAll(async () => { [key, other] = await Promise.all([NodeKey.generate(), NodeKey.generate()]) })
const keyOf = (k: NodeKey, n: NetworkNames = TEST_NET): Uint8Array => providerRecordKey(n, k.accountId)

function codeOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err instanceof P2pError || err instanceof WireError).toBe(true)
    return (err as P2pError).code
  }
  throw new Error('expected the record to be refused')
}

describe('decodeAnnounceRecord and the DHT record validator', () => {
  it('accepts the signer\'s own announce under its own key', async () => {
    const msg = announce(key, { seq: 3 })
    const back = decodeAnnounceRecord(TEST_NET, keyOf(key), msg.bytes)
    expect(back.body).toEqual(msg.body)
    await expect(announceRecordValidator(TEST_NET)(keyOf(key), msg.bytes)).resolves.toBeUndefined()
  })

  it('refuses a record under another provider\'s key: RECORD_SIGNER_MISMATCH', async () => {
    const msg = announce(other)
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key), msg.bytes))).toBe('RECORD_SIGNER_MISMATCH')
    await expect(announceRecordValidator(TEST_NET)(keyOf(key), msg.bytes)).rejects.toMatchObject({ code: 'RECORD_SIGNER_MISMATCH' })
  })

  it('refuses a forged record: BAD_SIGNATURE', async () => {
    const forged = flipSignatureByte(announce(key).bytes)
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key), forged))).toBe('BAD_SIGNATURE')
    await expect(announceRecordValidator(TEST_NET)(keyOf(key), forged)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' })
  })

  it('refuses another message type, another network and a key of another namespace: BAD_RECORD', () => {
    const commit = signMessage(key, 'BidCommit', { net: TEST_NET.networkId, createdAt: 1, orderId: new Uint8Array(32), commitment: new Uint8Array(32) })
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key), commit.bytes))).toBe('BAD_RECORD')
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key), announce(key, { net: 'another-net' }).bytes))).toBe('BAD_RECORD')
    const otherNet = { ...TEST_NET, networkId: 'another-net' }
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key, otherNet), announce(key).bytes))).toBe('BAD_RECORD')
    expect(codeOf(() => decodeAnnounceRecord(TEST_NET, keyOf(key), new Uint8Array([1, 2, 3])))).toBe('MALFORMED_CBOR')
  })
})

describe('the DHT record selector', () => {
  const select = announceRecordSelector(TEST_NET)

  it('picks the highest seq, wherever it is in the list', () => {
    const recs = [1, 7, 3].map((seq) => announce(key, { seq }).bytes)
    expect(select(keyOf(key), recs)).toBe(1)
    expect(select(keyOf(key), [recs[2] as Uint8Array, recs[0] as Uint8Array, recs[1] as Uint8Array])).toBe(2)
  })

  it('on equal seq, the newest createdAt', () => {
    const recs = [100, 300, 200].map((createdAt) => announce(key, { seq: 5, createdAt }).bytes)
    expect(select(keyOf(key), recs)).toBe(1)
  })

  it('a forged or wrong-key record never wins, however high its seq', () => {
    const good = announce(key, { seq: 2 }).bytes
    const forged = flipSignatureByte(announce(key, { seq: 99 }).bytes)
    const wrongKey = announce(other, { seq: 100 }).bytes
    expect(select(keyOf(key), [forged, wrongKey, good])).toBe(2)
    expect(select(keyOf(key), [good, forged, wrongKey])).toBe(0)
  })
})

describe('ProviderRecords over a real DHT', () => {
  let a: TestNode
  let b: TestNode
  let c: TestNode
  beforeAll(async () => {
    ;[a, b, c] = await Promise.all([testMeshNode(), testMeshNode(), testMeshNode()])
    await Promise.all([connect(a, b), connect(c, b), connect(a, c)])
    const rt = (n: TestNode): number => (n.libp2p.services.dht as unknown as { routingTable: { size: number } }).routingTable.size
    await waitFor('routing tables filled', () => rt(a) >= 2 && rt(b) >= 2 && rt(c) >= 2, 10_000, 20)
  }, 20_000)
  afterAll(async () => {
    await Promise.all([a, b, c].map(async (n) => { await n?.libp2p.stop() }))
  }, 20_000)

  const records = (n: TestNode): ProviderRecords => new ProviderRecords({ ...TEST_NET, queryTimeoutMs: 5_000, concurrency: 4 }, { dht: n.libp2p.services.dht, logger: silentLogger })

  it('a provider\'s published record is found by another node, and a newer one replaces it', async () => {
    const first = announce(a.key, { seq: 1 })
    await records(a).publish(first, AbortSignal.timeout(8_000))
    const found = await records(c).discover(AbortSignal.timeout(8_000))
    expect(found.map((m) => [m.body.seq, m.signer.length])).toEqual([[1, 32]])
    expect(Buffer.from(found[0]?.id ?? []).equals(Buffer.from(first.id))).toBe(true)

    await records(a).publish(announce(a.key, { seq: 2 }), AbortSignal.timeout(8_000))
    const again = await records(c).get(a.key.accountId, AbortSignal.timeout(8_000))
    expect(again?.body.seq).toBe(2)
  }, 20_000)

  it('get() of a provider with no record is undefined', async () => {
    const nobody = await NodeKey.generate()
    expect(await records(c).get(nobody.accountId, AbortSignal.timeout(5_000))).toBeUndefined()
  }, 10_000)
})
