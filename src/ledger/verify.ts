/**
 * The light client's check of one record: its bytes, its audit path, and the root as the
 * anchor backend holds it. Nothing here trusts the sender of the proof.
 */
import { toHex } from '../util/bytes.js'
import type { AnchorBackend, AnchoredBatch, CallOptions } from './anchor.js'
import { LedgerError } from './errors.js'
import { verifyInclusion, type InclusionProof } from './merkle.js'

/**
 * Resolves with the anchored batch that holds `record`, or throws ROOT_NOT_ANCHORED (the root
 * is unknown to the backend: the record is at best pending) or PROOF_INVALID. The proof must
 * be for the tree size the anchored header states: RFC 6962 paths alone do not bind the size.
 */
export async function verifyAnchoredRecord (
  backend: Pick<AnchorBackend, 'getByRoot'>, record: Uint8Array, proof: InclusionProof, root: Uint8Array, opts: CallOptions = {}
): Promise<AnchoredBatch> {
  const batch = await backend.getByRoot(root, opts)
  if (batch === undefined) throw new LedgerError('ROOT_NOT_ANCHORED', `root ${toHex(root)} is not anchored`, { details: { root: toHex(root) } })
  // [REJECT] a proof for another tree size than the anchored batch has
  if (proof.size !== batch.header.recordCount) {
    throw new LedgerError('PROOF_INVALID', `the proof is for a tree of ${proof.size} leaves; batch ${batch.header.seq} has ${batch.header.recordCount}`, { details: { seq: batch.header.seq, size: proof.size } })
  }
  // [REJECT] the audit path does not lead from the record to the anchored root
  if (!verifyInclusion(record, proof.index, proof.size, proof.path, batch.header.root)) {
    throw new LedgerError('PROOF_INVALID', `the audit path of leaf ${proof.index} does not lead to the root of batch ${batch.header.seq}`, { details: { seq: batch.header.seq, index: proof.index } })
  }
  return batch
}
