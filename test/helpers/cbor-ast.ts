/**
 * CBOR data items as their encoding sees them, not as a decoder returns them: header widths,
 * indefinite lengths, chunking and map entry order are explicit. The wire fuzz tests parse a
 * valid (canonical) envelope or body into items, rewrite them into every non-canonical or broken
 * form a strict decoder must refuse, and write them back out byte by byte. cborg cannot do
 * this: it only writes canonical CBOR.
 */

/** Bytes after the initial byte that hold the argument; 0 means inside the initial byte (< 24). */
export type ArgWidth = 0 | 1 | 2 | 4 | 8

export type CborItem =
  | { kind: 'uint', value: bigint, width?: ArgWidth }
  /** the integer -1 - value */
  | { kind: 'nint', value: bigint, width?: ArgWidth }
  /** chunks > 0: an indefinite-length string of that many definite chunks */
  | { kind: 'bytes' | 'text', value: Uint8Array, width?: ArgWidth, chunks?: number }
  | { kind: 'array', items: CborItem[], width?: ArgWidth, indefinite?: boolean }
  | { kind: 'map', entries: Array<[CborItem, CborItem]>, width?: ArgWidth, indefinite?: boolean }
  | { kind: 'tag', tag: bigint, item: CborItem, width?: ArgWidth }
  /** major type 7 with a simple value (20 false, 21 true, 22 null, 23 undefined; others unassigned) */
  | { kind: 'simple', value: number }
  | { kind: 'float', value: number, size: 2 | 4 | 8 }
  /** written as is: stray break codes, reserved headers, lengths that lie */
  | { kind: 'raw', bytes: Uint8Array }

const MAJOR = { uint: 0, nint: 1, bytes: 2, text: 3, array: 4, map: 5, tag: 6, simple: 7 } as const

export function minimalWidth (v: bigint): ArgWidth {
  if (v < 24n) return 0
  if (v < 0x100n) return 1
  if (v < 0x10000n) return 2
  if (v < 0x100000000n) return 4
  return 8
}

/** The header of `major` with argument `v`, in `width` bytes when it fits, else minimally. */
export function header (major: number, v: bigint, width?: ArgWidth): number[] {
  const min = minimalWidth(v)
  const w = width !== undefined && width >= min ? width : min
  if (w === 0) return [(major << 5) | Number(v)]
  const info = { 1: 24, 2: 25, 4: 26, 8: 27 }[w]
  const out = [(major << 5) | info]
  for (let i = w - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn))
  return out
}

/** IEEE 754 half-precision bits of `v`, or undefined when a half cannot hold it exactly. */
export function halfBits (v: number): number | undefined {
  if (Number.isNaN(v)) return 0x7e00
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0
  const a = Math.abs(v)
  if (a === Infinity) return sign | 0x7c00
  if (a === 0) return sign
  if (a < 2 ** -14) {
    const m = a / 2 ** -24
    return Number.isInteger(m) ? sign | m : undefined
  }
  let e = Math.floor(Math.log2(a))
  if (2 ** e > a) e--
  if (2 ** (e + 1) <= a) e++
  if (e > 15) return undefined
  const m = (a / 2 ** e - 1) * 1024
  return Number.isInteger(m) ? sign | ((e + 15) << 10) | m : undefined
}

/** The encoding of `v` as a float of `size` bytes, or undefined when that size loses precision. */
export function floatBytes (v: number, size: 2 | 4 | 8): number[] | undefined {
  if (size === 2) {
    const h = halfBits(v)
    return h === undefined ? undefined : [0xf9, h >> 8, h & 0xff]
  }
  const dv = new DataView(new ArrayBuffer(size))
  if (size === 4) {
    if (!Number.isNaN(v) && Math.fround(v) !== v) return undefined
    dv.setFloat32(0, v)
    return [0xfa, ...new Uint8Array(dv.buffer)]
  }
  dv.setFloat64(0, v)
  return [0xfb, ...new Uint8Array(dv.buffer)]
}

function split (value: Uint8Array, chunks: number): Uint8Array[] {
  if (chunks <= 1 || value.length === 0) return [value]
  const out: Uint8Array[] = []
  const step = Math.max(1, Math.ceil(value.length / chunks))
  for (let i = 0; i < value.length; i += step) out.push(value.subarray(i, i + step))
  return out
}

// a loop, not push(...bytes): spreading a 64 KiB body would pass 64 Ki arguments
function pushAll (out: number[], bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i] as number)
}

function emitInto (item: CborItem, out: number[]): void {
  switch (item.kind) {
    case 'uint':
    case 'nint':
      out.push(...header(MAJOR[item.kind], item.value, item.width))
      return
    case 'bytes':
    case 'text': {
      const major = MAJOR[item.kind]
      if (item.chunks !== undefined && item.chunks > 0) {
        out.push((major << 5) | 31)
        for (const c of split(item.value, item.chunks)) { pushAll(out, header(major, BigInt(c.length), item.width)); pushAll(out, c) }
        out.push(0xff)
        return
      }
      pushAll(out, header(major, BigInt(item.value.length), item.width))
      pushAll(out, item.value)
      return
    }
    case 'array':
      if (item.indefinite === true) out.push(0x9f)
      else out.push(...header(MAJOR.array, BigInt(item.items.length), item.width))
      for (const i of item.items) emitInto(i, out)
      if (item.indefinite === true) out.push(0xff)
      return
    case 'map':
      if (item.indefinite === true) out.push(0xbf)
      else out.push(...header(MAJOR.map, BigInt(item.entries.length), item.width))
      for (const [k, v] of item.entries) { emitInto(k, out); emitInto(v, out) }
      if (item.indefinite === true) out.push(0xff)
      return
    case 'tag':
      out.push(...header(MAJOR.tag, item.tag, item.width))
      emitInto(item.item, out)
      return
    case 'simple':
      out.push(...(item.value < 24 ? [0xe0 | item.value] : [0xf8, item.value & 0xff]))
      return
    case 'float':
      out.push(...(floatBytes(item.value, item.size) ?? floatBytes(item.value, 8) as number[]))
      return
    case 'raw':
      pushAll(out, item.bytes)
  }
}

/** Write an item exactly as described. Recursive: nest deeply with a 'raw' prefix instead. */
export function emitCbor (item: CborItem): Uint8Array {
  const out: number[] = []
  emitInto(item, out)
  return new Uint8Array(out)
}

function readHalf (bits: number): number {
  const sign = (bits & 0x8000) !== 0 ? -1 : 1
  const e = (bits >> 10) & 0x1f
  const m = bits & 0x3ff
  if (e === 0) return sign * m * 2 ** -24
  if (e === 31) return m === 0 ? sign * Infinity : NaN
  return sign * (1 + m / 1024) * 2 ** (e - 15)
}

/**
 * Parse definite-length CBOR into items, keeping each header's width so that
 * emitCbor(parseCbor(b)) is b again. Only for test inputs this suite produced itself: it throws
 * a plain Error on indefinite lengths, reserved headers or truncation. `offsets`, when given,
 * receives the offset of every item's initial byte, in pre-order.
 */
export function parseCbor (data: Uint8Array, offsets?: number[]): CborItem {
  let off = 0
  const byte = (): number => {
    const b = data[off++]
    if (b === undefined) throw new Error('parseCbor: truncated')
    return b
  }
  const arg = (info: number): { value: bigint, width: ArgWidth } => {
    if (info < 24) return { value: BigInt(info), width: 0 }
    const width = ({ 24: 1, 25: 2, 26: 4, 27: 8 } as Record<number, ArgWidth | undefined>)[info]
    if (width === undefined) throw new Error(`parseCbor: unsupported additional info ${info}`)
    let v = 0n
    for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(byte())
    return { value: v, width }
  }
  const item = (): CborItem => {
    offsets?.push(off)
    const first = byte()
    const major = first >> 5
    const info = first & 0x1f
    if (major === 7) {
      if (info < 24) return { kind: 'simple', value: info }
      if (info === 24) return { kind: 'simple', value: byte() }
      const size = ({ 25: 2, 26: 4, 27: 8 } as Record<number, 2 | 4 | 8 | undefined>)[info]
      if (size === undefined) throw new Error(`parseCbor: unsupported simple/float header ${first}`)
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i++) bytes[i] = byte()
      const dv = new DataView(bytes.buffer)
      const value = size === 2 ? readHalf(dv.getUint16(0)) : size === 4 ? dv.getFloat32(0) : dv.getFloat64(0)
      return { kind: 'float', value, size }
    }
    const { value, width } = arg(info)
    switch (major) {
      case 0: return { kind: 'uint', value, width }
      case 1: return { kind: 'nint', value, width }
      case 2:
      case 3: {
        const n = Number(value)
        if (off + n > data.length) throw new Error('parseCbor: truncated string')
        const v = data.slice(off, off + n)
        off += n
        return { kind: major === 2 ? 'bytes' : 'text', value: v, width }
      }
      case 4: {
        const items: CborItem[] = []
        for (let i = 0n; i < value; i++) items.push(item())
        return { kind: 'array', items, width }
      }
      case 5: {
        const entries: Array<[CborItem, CborItem]> = []
        for (let i = 0n; i < value; i++) { const k = item(); entries.push([k, item()]) }
        return { kind: 'map', entries, width }
      }
      default:
        return { kind: 'tag', tag: value, item: item(), width }
    }
  }
  const out = item()
  if (off !== data.length) throw new Error('parseCbor: trailing bytes')
  return out
}

/** Children of an item, in encoding order. */
export function childrenOf (item: CborItem): CborItem[] {
  switch (item.kind) {
    case 'array': return item.items
    case 'map': return item.entries.flat()
    case 'tag': return [item.item]
    default: return []
  }
}

/** Number of items in the tree (the item itself included), i.e. the valid indexes of mapNth. */
export function countItems (item: CborItem): number {
  let n = 1
  for (const c of childrenOf(item)) n += countItems(c)
  return n
}

/** The n-th item in pre-order (0 is the root). */
export function nthItem (item: CborItem, n: number): CborItem | undefined {
  let left = n
  const walk = (it: CborItem): CborItem | undefined => {
    if (left === 0) return it
    left--
    for (const c of childrenOf(it)) {
      const found = walk(c)
      if (found !== undefined) return found
    }
    return undefined
  }
  return walk(item)
}

/** A copy of the tree with its n-th item (pre-order) replaced by f(that item). */
export function mapNth (item: CborItem, n: number, f: (it: CborItem) => CborItem): CborItem {
  let left = n
  const walk = (it: CborItem): CborItem => {
    if (left < 0) return it
    if (left === 0) { left = -1; return f(it) }
    left--
    switch (it.kind) {
      case 'array': return { ...it, items: it.items.map(walk) }
      case 'map': return { ...it, entries: it.entries.map(([k, v]) => { const k2 = walk(k); return [k2, walk(v)] as [CborItem, CborItem] }) }
      case 'tag': return { ...it, item: walk(it.item) }
      default: return it
    }
  }
  return walk(item)
}
