import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Batch, SqliteAnchorLog, nextHeader, verifyAnchoredRecord, type LedgerErrorCode } from '../../../src/ledger/index.js'
import { utf8 } from '../../../src/util/bytes.js'
import { tempDirsPerTest } from '../../helpers/io.js'

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })

describe('verifyAnchoredRecord: the light client check of one record', () => {
  const dir = tempDirsPerTest(afterEach)
  let log: SqliteAnchorLog | undefined
  afterEach(async () => { await log?.close(); log = undefined })

  async function anchored (n: number): Promise<{ log: SqliteAnchorLog, batch: Batch }> {
    log = SqliteAnchorLog.open({ path: join(await dir(), 'anchors.db') })
    const batch = Batch.build(Array.from({ length: n }, (_, i) => ({ id: utf8(`lease-${i}`), bytes: utf8(`record ${i}`) })))
    await log.append(nextHeader(await log.head(), { root: batch.root, recordCount: batch.size, aktBurned: 0n, actMinted: 0n, anchorer: 'a', time: 1 }))
    return { log, batch }
  }

  it('accepts a record with its proof against the anchored root', async () => {
    const { log, batch } = await anchored(5)
    for (const r of batch.records) {
      const found = await verifyAnchoredRecord(log, r.bytes, batch.proof(r.id), batch.root)
      expect(found.header.seq).toBe(1)
    }
  })

  it('refuses an unknown root, a changed record and a proof at another size', async () => {
    const { log, batch } = await anchored(3)
    const r = batch.records[0]
    if (r === undefined) throw new Error('no record')
    const proof = batch.proof(r.id)
    await expect(verifyAnchoredRecord(log, r.bytes, proof, new Uint8Array(32).fill(7))).rejects.toThrow(code('ROOT_NOT_ANCHORED'))
    await expect(verifyAnchoredRecord(log, utf8('record 9'), proof, batch.root)).rejects.toThrow(code('PROOF_INVALID'))
    // leaf 0 of 3 has the same hash calls as leaf 0 of 4: the path alone would pass at size 4
    await expect(verifyAnchoredRecord(log, r.bytes, { ...proof, size: 4 }, batch.root)).rejects.toThrow(code('PROOF_INVALID'))
  })
})
