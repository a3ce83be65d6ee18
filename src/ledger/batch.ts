/**
 * A batch: records sorted by id under one Merkle tree. Sorting makes the root a function of
 * the set of records, whichever order a node collected them in (DESIGN.md section 7: "records
 * sorted by id"), and lets anyone find a record's leaf by binary search.
 */
import { compareBytes, toHex } from '../util/bytes.js'
import { LedgerError } from './errors.js'
import { MerkleTree, type InclusionProof } from './merkle.js'

export interface BatchRecord {
  /** the record's id; ids are unique within a batch */
  id: Uint8Array
  /** the record's bytes exactly as signed: the leaf data */
  bytes: Uint8Array
}

export class Batch {
  private constructor (readonly records: readonly BatchRecord[], readonly tree: MerkleTree) {}

  /** Sorts a copy of the records by id (bytewise) and builds the tree over their bytes. */
  static build (records: readonly BatchRecord[]): Batch {
    if (records.length === 0) throw new LedgerError('BATCH_EMPTY', 'a batch holds at least one record')
    const sorted = records.slice().sort((a, b) => compareBytes(a.id, b.id))
    for (let i = 1; i < sorted.length; i++) {
      if (compareBytes((sorted[i - 1] as BatchRecord).id, (sorted[i] as BatchRecord).id) === 0) {
        const id = toHex((sorted[i] as BatchRecord).id)
        throw new LedgerError('BATCH_DUPLICATE_ID', `record ${id} is in the batch twice`, { details: { id } })
      }
    }
    return new Batch(sorted, MerkleTree.fromData(sorted.map((r) => r.bytes)))
  }

  get root (): Uint8Array { return this.tree.root }
  get size (): number { return this.records.length }

  /** Leaf index of a record id, or -1. */
  indexOf (id: Uint8Array): number {
    let lo = 0
    let hi = this.records.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const c = compareBytes((this.records[mid] as BatchRecord).id, id)
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** The audit path of a record, by id. */
  proof (id: Uint8Array): InclusionProof {
    const i = this.indexOf(id)
    if (i < 0) throw new LedgerError('MERKLE_BAD_INDEX', `record ${toHex(id)} is not in this batch`, { details: { id: toHex(id) } })
    return this.tree.proof(i)
  }
}
