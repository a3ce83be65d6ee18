/**
 * Where batch headers are anchored: one interface, several backends (the embedded SQLite log
 * now; an EVM contract and Cosmos memos later), one conformance suite
 * (test/helpers/anchor-conformance.ts).
 *
 * The interface is written for the slowest backend: every call is async and takes an
 * AbortSignal (an EVM append is a transaction that waits for a receipt; reads go to an RPC
 * node), a backend never caches the head without asking its storage again (other processes
 * append too), and an append is accepted only on the current head, so the anchored batches
 * form one linear history whatever the number of appenders.
 */
import { equalBytes, toHex } from '../util/bytes.js'
import { LedgerError } from './errors.js'
import { GENESIS_SEQ, ZERO_ROOT, type BatchHeader } from './header.js'

/** A header the backend accepted. */
export interface AnchoredBatch {
  header: BatchHeader
  /** headerHash(header) */
  hash: Uint8Array
  /**
   * When the backend accepted it, ms since the epoch: the SQLite log's clock at the append
   * (never earlier than the batch before), an EVM block's timestamp. Payments count blocks
   * against this time, not the anchorer's `header.time`.
   */
  anchoredAt: number
  /** Where the backend keeps it, for people and logs: "sqlite:<seq>", an EVM tx hash... */
  ref: string
}

/** The latest anchored batch, or the genesis (seq 0, ZERO_ROOT, no batch). */
export interface AnchorHead {
  seq: number
  root: Uint8Array
  batch: AnchoredBatch | undefined
}

export interface CallOptions {
  signal?: AbortSignal
}

export interface ListOptions extends CallOptions {
  /** first seq to return (default 1) */
  fromSeq?: number
  /** at most this many (default DEFAULT_LIST_LIMIT; larger values are cut to MAX_LIST_LIMIT) */
  limit?: number
}

export const DEFAULT_LIST_LIMIT = 100
export const MAX_LIST_LIMIT = 1000

export interface AnchorBackend {
  /** "sqlite", "evm"...: for logs and the dashboard */
  readonly kind: string
  /** The current head, read from storage on every call. */
  head: (opts?: CallOptions) => Promise<AnchorHead>
  /**
   * Anchor a header on the current head: header.seq = head.seq + 1 and header.prevRoot =
   * head.root. Refusals (see checkAppend): ANCHOR_BAD_HEADER, ANCHOR_NOT_HEAD (the head moved:
   * read it again, rebuild, retry), ANCHOR_DUPLICATE (these records are anchored already),
   * ANCHOR_FORK (the header contradicts anchored history). A refused header changes nothing.
   */
  append: (header: BatchHeader, opts?: CallOptions) => Promise<AnchoredBatch>
  /** The batch anchored at seq, or undefined (seq 0, the genesis, is not a batch). */
  getBySeq: (seq: number, opts?: CallOptions) => Promise<AnchoredBatch | undefined>
  /** The batch whose Merkle root is `root`, or undefined. */
  getByRoot: (root: Uint8Array, opts?: CallOptions) => Promise<AnchoredBatch | undefined>
  /** Batches from fromSeq upwards, in seq order, without gaps. */
  list: (opts?: ListOptions) => Promise<AnchoredBatch[]>
  /** Release the storage; later calls fail with ANCHOR_CLOSED. */
  close: () => Promise<void>
}

export function genesisHead (): AnchorHead {
  return { seq: GENESIS_SEQ, root: new Uint8Array(ZERO_ROOT), batch: undefined }
}

/** What a backend knows, under its write lock (or in its contract), when it judges an append. */
export interface AppendView {
  head: { seq: number, root: Uint8Array }
  /** the batch already anchored at header.seq, if any */
  atSeq: { hash: Uint8Array, root: Uint8Array } | undefined
  /** the root anchored at header.seq - 1 (ZERO_ROOT for seq 1), if there is one */
  parentRoot: Uint8Array | undefined
  /** whether header.root is anchored at any seq */
  rootAnchored: boolean
}

/**
 * Judge an append. Pure, so every backend (and an EVM contract's pre-check) refuses the same
 * headers with the same codes. `header` must already be valid (validateHeader).
 *
 * - seq <= head.seq, same header or same root as anchored: ANCHOR_DUPLICATE.
 * - seq <= head.seq, built on the root anchored at seq - 1: ANCHOR_NOT_HEAD. An honest appender
 *   that read the head before another appended: it can rebuild on the new head.
 * - seq <= head.seq, built on anything else: ANCHOR_FORK. No honest appender of this history
 *   could have built it.
 * - seq = head.seq + 1 with prevRoot != head.root: ANCHOR_FORK, for the same reason (an honest
 *   appender takes seq and prevRoot from the same head).
 * - seq = head.seq + 1 whose root is anchored already: ANCHOR_DUPLICATE.
 * - seq > head.seq + 1: ANCHOR_NOT_HEAD. Built on a head this backend does not have (a view
 *   ahead of a lagging backend); nothing proves it wrong.
 */
export function checkAppend (header: BatchHeader, hash: Uint8Array, view: AppendView): void {
  const details = { seq: header.seq, headSeq: view.head.seq, headRoot: toHex(view.head.root) }
  if (header.seq <= view.head.seq) {
    const at = view.atSeq
    if (at === undefined) throw new LedgerError('ANCHOR_CORRUPT', `no batch at seq ${header.seq} below the head ${view.head.seq}`, { details })
    if (equalBytes(at.hash, hash) || equalBytes(at.root, header.root) || view.rootAnchored) {
      throw new LedgerError('ANCHOR_DUPLICATE', `batch ${toHex(header.root)} is anchored already`, { details })
    }
    if (view.parentRoot !== undefined && equalBytes(view.parentRoot, header.prevRoot)) {
      throw new LedgerError('ANCHOR_NOT_HEAD', `seq ${header.seq} is taken; the head is now ${view.head.seq}`, { details })
    }
    throw new LedgerError('ANCHOR_FORK', `seq ${header.seq} does not build on the batch anchored at seq ${header.seq - 1}`, { details })
  }
  if (header.seq === view.head.seq + 1) {
    if (!equalBytes(header.prevRoot, view.head.root)) {
      throw new LedgerError('ANCHOR_FORK', `seq ${header.seq} names a prevRoot that is not the head's root`, { details })
    }
    if (view.rootAnchored) throw new LedgerError('ANCHOR_DUPLICATE', `batch ${toHex(header.root)} is anchored already`, { details })
    return
  }
  throw new LedgerError('ANCHOR_NOT_HEAD', `seq ${header.seq} is beyond the head ${view.head.seq} + 1`, { details })
}

/** Query arguments every backend checks the same way. */
export function checkSeqQuery (seq: number): void {
  if (!Number.isSafeInteger(seq)) throw new LedgerError('ANCHOR_BAD_QUERY', `seq must be an integer, not ${String(seq)}`)
}

export function checkRootQuery (root: Uint8Array): void {
  if (!(root instanceof Uint8Array) || root.length !== ZERO_ROOT.length) throw new LedgerError('ANCHOR_BAD_QUERY', `a root is ${ZERO_ROOT.length} bytes`)
}

export function listRange (opts: ListOptions = {}): { fromSeq: number, limit: number } {
  const fromSeq = opts.fromSeq ?? GENESIS_SEQ + 1
  const limit = opts.limit ?? DEFAULT_LIST_LIMIT
  if (!Number.isSafeInteger(fromSeq)) throw new LedgerError('ANCHOR_BAD_QUERY', `fromSeq must be an integer, not ${String(fromSeq)}`)
  if (!Number.isSafeInteger(limit) || limit < 1) throw new LedgerError('ANCHOR_BAD_QUERY', `limit must be a positive integer, not ${String(limit)}`)
  return { fromSeq: Math.max(fromSeq, GENESIS_SEQ + 1), limit: Math.min(limit, MAX_LIST_LIMIT) }
}
