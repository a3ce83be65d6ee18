import { fromUtf8 } from '../util/bytes.js'
import { WireError } from './errors.js'

/**
 * The envelope has one fixed shape, so it is read and written by hand instead of through a
 * generic CBOR codec: a map of 4 in deterministic key order (shorter keys first)
 *   a4  63 "sig" bytes(64)  64 "body" bytes(n)  64 "type" text(t)  66 "signer" bytes(32)
 * with minimal length headers. Anything else, including trailing bytes, is malformed. This is
 * byte-for-byte what cborg writes for {type, body, signer, sig} (a test checks it), about four
 * times faster than decoding and re-encoding, and there is exactly one encoding per envelope.
 */
export interface RawEnvelope {
  type: string
  body: Uint8Array
  signer: Uint8Array
  sig: Uint8Array
}

const K_SIG = [0x63, 0x73, 0x69, 0x67]
const K_BODY = [0x64, 0x62, 0x6f, 0x64, 0x79]
const K_TYPE = [0x64, 0x74, 0x79, 0x70, 0x65]
const K_SIGNER = [0x66, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x72]
const MAJOR_BYTES = 0x40
const MAJOR_TEXT = 0x60

function header (major: number, len: number): number[] {
  if (len < 24) return [major | len]
  if (len < 0x100) return [major | 24, len]
  if (len < 0x10000) return [major | 25, len >> 8, len & 0xff]
  return [major | 26, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]
}

export function writeEnvelope (env: RawEnvelope): Uint8Array {
  const type = new TextEncoder().encode(env.type)
  const parts: Array<number[] | Uint8Array> = [
    [0xa4], K_SIG, header(MAJOR_BYTES, env.sig.length), env.sig,
    K_BODY, header(MAJOR_BYTES, env.body.length), env.body,
    K_TYPE, header(MAJOR_TEXT, type.length), type,
    K_SIGNER, header(MAJOR_BYTES, env.signer.length), env.signer
  ]
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

class Reader {
  off = 0
  constructor (readonly data: Uint8Array) {}

  fail (what: string): never {
    throw new WireError('MALFORMED_CBOR', `envelope: ${what} at byte ${this.off}`, { details: { offset: this.off } })
  }

  expect (bytes: number[], what: string): void {
    for (let i = 0; i < bytes.length; i++) {
      if (this.data[this.off + i] !== bytes[i]) this.fail(`expected ${what}`)
    }
    this.off += bytes.length
  }

  /** A byte or text string with a minimal length header; returns a view, no copy. */
  item (major: number, what: string): Uint8Array {
    const d = this.data
    const first = d[this.off]
    if (first === undefined || (first & 0xe0) !== major) this.fail(`expected ${what}`)
    const info = (first as number) & 0x1f
    let len: number
    let hdr: number
    if (info < 24) { len = info; hdr = 1 } else if (info === 24) { len = d[this.off + 1] ?? -1; hdr = 2; if (len < 24) this.fail(`non-minimal length of ${what}`) } else if (info === 25) {
      len = ((d[this.off + 1] ?? 0) << 8) | (d[this.off + 2] ?? 0); hdr = 3; if (len < 0x100 || this.off + 3 > d.length) this.fail(`non-minimal length of ${what}`)
    } else if (info === 26) {
      len = (((d[this.off + 1] ?? 0) << 24) >>> 0) + ((d[this.off + 2] ?? 0) << 16) + ((d[this.off + 3] ?? 0) << 8) + (d[this.off + 4] ?? 0); hdr = 5
      if (len < 0x10000 || this.off + 5 > d.length) this.fail(`non-minimal length of ${what}`)
    } else {
      return this.fail(`unsupported length of ${what}`)
    }
    const start = this.off + hdr
    if (len < 0 || start + len > d.length) this.fail(`truncated ${what}`)
    this.off = start + len
    return d.subarray(start, start + len)
  }
}

export function readEnvelope (data: Uint8Array): RawEnvelope {
  const r = new Reader(data)
  r.expect([0xa4], 'a map of 4 (sig, body, type, signer)')
  r.expect(K_SIG, 'key "sig"')
  const sig = r.item(MAJOR_BYTES, 'sig bytes')
  r.expect(K_BODY, 'key "body"')
  const body = r.item(MAJOR_BYTES, 'body bytes')
  r.expect(K_TYPE, 'key "type"')
  const typeBytes = r.item(MAJOR_TEXT, 'type text')
  r.expect(K_SIGNER, 'key "signer"')
  const signer = r.item(MAJOR_BYTES, 'signer bytes')
  if (r.off !== data.length) r.fail('trailing bytes')
  let type: string
  try {
    type = fromUtf8(typeBytes)
  } catch {
    return r.fail('type is not UTF-8')
  }
  return { type, body, signer, sig }
}
