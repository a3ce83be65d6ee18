import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  EMPTY_ROOT, MerkleTree, assertInclusion, leafHash, merkleRoot, nodeHash, rootFromInclusionProof, verifyInclusion, verifyInclusionHash
} from '../../../src/ledger/index.js'
import { fromHex, toHex } from '../../../src/util/bytes.js'

const hex = (s: string): Uint8Array => fromHex(s) as Uint8Array

/*
 * Reference vectors shared by Certificate Transparency implementations (transparency-dev/merkle
 * proof/verify_test.go, google/certificate-transparency-go): leaf inputs, tree heads of sizes
 * 1..8 and four audit paths. Their inclusion vectors number leaves from 1; ours from 0.
 */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex)
const CT_EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]
const CT_INCLUSION: Array<{ leaf: number, size: number, path: string[] }> = [
  { leaf: 1, size: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { leaf: 6, size: 8, path: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { leaf: 3, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { leaf: 2, size: 5, path: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] }
]
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456')

// A literal reading of RFC 6962 section 2.1, independent of the implementation under test.
function largestPow2Below (n: number): number { let k = 1; while (k * 2 < n) k *= 2; return k }
function sha (...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
function mth (d: Uint8Array[], memo = new Map<string, Uint8Array>(), lo = 0, hi = d.length): Uint8Array {
  const key = `${lo}:${hi}`
  const known = memo.get(key)
  if (known !== undefined) return known
  let h: Uint8Array
  if (hi - lo === 0) h = sha()
  else if (hi - lo === 1) h = sha(new Uint8Array([0]), d[lo] as Uint8Array)
  else {
    const k = largestPow2Below(hi - lo)
    h = sha(new Uint8Array([1]), mth(d, memo, lo, lo + k), mth(d, memo, lo + k, hi))
  }
  memo.set(key, h)
  return h
}
function refPath (m: number, d: Uint8Array[], memo = new Map<string, Uint8Array>(), lo = 0, hi = d.length): Uint8Array[] {
  if (hi - lo <= 1) return []
  const k = largestPow2Below(hi - lo)
  return m < k
    ? [...refPath(m, d, memo, lo, lo + k), mth(d, memo, lo + k, hi)]
    : [...refPath(m - k, d, memo, lo + k, hi), mth(d, memo, lo, lo + k)]
}
/** Which side each path element sits on: the sequence of hash calls a verifier makes. */
function shape (m: number, n: number): string {
  if (n <= 1) return ''
  const k = largestPow2Below(n)
  return m < k ? shape(m, k) + 'R' : shape(m - k, n - k) + 'L'
}

function flipBit (b: Uint8Array, bit: number): Uint8Array {
  const c = new Uint8Array(b)
  c[(bit >> 3) % c.length] = (c[(bit >> 3) % c.length] as number) ^ (1 << (bit & 7))
  return c
}

describe('RFC 6962 reference vectors', () => {
  it('hashes leaves with 0x00 and the empty tree as sha256()', () => {
    expect(toHex(EMPTY_ROOT)).toBe(CT_EMPTY_ROOT)
    expect(toHex(merkleRoot([]))).toBe(CT_EMPTY_ROOT)
    expect(toHex(leafHash(new Uint8Array(0)))).toBe(CT_ROOTS[0])
  })

  it('gives the published tree head for every size 1..8', () => {
    for (let n = 1; n <= 8; n++) expect(toHex(merkleRoot(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n - 1])
  })

  it('produces and verifies the published audit paths', () => {
    for (const v of CT_INCLUSION) {
      const tree = MerkleTree.fromData(CT_LEAVES.slice(0, v.size))
      const proof = tree.proof(v.leaf - 1)
      expect(proof.path.map(toHex), `leaf ${v.leaf} of ${v.size}`).toEqual(v.path)
      expect(verifyInclusion(CT_LEAVES[v.leaf - 1] as Uint8Array, v.leaf - 1, v.size, v.path.map(hex), hex(CT_ROOTS[v.size - 1] as string))).toBe(true)
    }
  })

  it('refuses the corrupted proofs of the reference suite', () => {
    for (const v of CT_INCLUSION) {
      const i = v.leaf - 1
      const n = v.size
      const root = hex(CT_ROOTS[n - 1] as string)
      const leaf = leafHash(CT_LEAVES[i] as Uint8Array)
      const path = v.path.map(hex)
      const probes: Array<[string, number, number, Uint8Array, Uint8Array, Uint8Array[]]> = [
        ['index - 1', i - 1, n, root, leaf, path],
        ['index + 1', i + 1, n, root, leaf, path],
        ['index ^ 2', i ^ 2, n, root, leaf, path],
        ['size * 2', i, n * 2, root, leaf, path],
        ['size / 2', i, Math.floor(n / 2), root, leaf, path],
        ['wrong leaf', i, n, root, new TextEncoder().encode('WrongLeaf'), path],
        ['empty root', i, n, EMPTY_ROOT, leaf, path],
        ['random root', i, n, SOME_HASH, leaf, path],
        ['trailing garbage', i, n, root, leaf, [...path, new Uint8Array(0)]],
        ['trailing root', i, n, root, leaf, [...path, root]],
        ['preceding garbage', i, n, root, leaf, [new Uint8Array(0), ...path]],
        ['preceding root', i, n, root, leaf, [root, ...path]],
        ['removed component', i, n, root, leaf, path.slice(0, -1)]
      ]
      if (path.length > 1) probes.push(['inserted component', i, n, root, leaf, [path[0] as Uint8Array, SOME_HASH, ...path.slice(1)]])
      path.forEach((_, k) => { probes.push([`modified path[${k}] bit 3`, i, n, root, leaf, path.map((p, j) => j === k ? flipBit(p, 3) : p)]) })
      for (const [desc, pi, pn, proot, pleaf, ppath] of probes) {
        expect(verifyInclusionHash(pleaf, pi, pn, ppath, proot), `leaf ${v.leaf} of ${n}: ${desc}`).toBe(false)
      }
    }
  })

  it('a one-leaf tree has an empty path and the leaf hash as root', () => {
    const d = new TextEncoder().encode('data')
    const tree = MerkleTree.fromData([d])
    expect(tree.root).toEqual(leafHash(d))
    expect(tree.proof(0).path).toEqual([])
    expect(verifyInclusion(d, 0, 1, [], tree.root)).toBe(true)
    expect(verifyInclusion(d, 0, 1, [], new Uint8Array(0))).toBe(false)
    for (const [index, size] of [[0, 0], [1, 0], [2, 1], [-1, 1], [0.5, 1]] as const) {
      expect(verifyInclusionHash(SOME_HASH, index, size, [], EMPTY_ROOT)).toBe(false)
    }
  })
})

const leafData = fc.uint8Array({ maxLength: 40 })

describe('Merkle properties', () => {
  it('matches a literal reading of the RFC: roots and audit paths, every size to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const data = Array.from({ length: n }, (_, i) => new Uint8Array([i, n, i * 3]))
      const tree = MerkleTree.fromData(data)
      const memo = new Map<string, Uint8Array>()
      expect(toHex(tree.root), `size ${n}`).toBe(toHex(mth(data, memo)))
      for (let i = 0; i < n; i++) expect(tree.proof(i).path.map(toHex), `leaf ${i} of ${n}`).toEqual(refPath(i, data, memo).map(toHex))
    }
  })

  it('every proof of every leaf verifies', () => {
    fc.assert(fc.property(fc.array(leafData, { minLength: 1, maxLength: 150 }), (data) => {
      const tree = MerkleTree.fromData(data)
      for (let i = 0; i < data.length; i++) {
        const p = tree.proof(i)
        expect(verifyInclusion(data[i] as Uint8Array, p.index, p.size, p.path, tree.root)).toBe(true)
        expect(rootFromInclusionProof(leafHash(data[i] as Uint8Array), p.index, p.size, p.path)).toEqual(tree.root)
      }
    }), { numRuns: 60 })
  })

  it('a flipped bit in the data, any path element or the root fails', () => {
    fc.assert(fc.property(fc.array(leafData, { minLength: 1, maxLength: 120 }), fc.nat(), fc.nat(), fc.nat(2), (data, pick, bit, where) => {
      const tree = MerkleTree.fromData(data)
      const i = pick % data.length
      const p = tree.proof(i)
      const d = data[i] as Uint8Array
      if (where === 0 && d.length > 0) expect(verifyInclusion(flipBit(d, bit), i, p.size, p.path, tree.root)).toBe(false)
      if (where === 1 && p.path.length > 0) {
        const k = bit % p.path.length
        expect(verifyInclusion(d, i, p.size, p.path.map((x, j) => j === k ? flipBit(x, bit) : x), tree.root)).toBe(false)
      }
      if (where === 2) expect(verifyInclusion(d, i, p.size, p.path, flipBit(tree.root, bit))).toBe(false)
    }), { numRuns: 300 })
  })

  it('a wrong index always fails', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), fc.nat(), (n, a, b) => {
      const data = Array.from({ length: n }, (_, i) => new Uint8Array([i & 0xff, i >> 8]))
      const tree = MerkleTree.fromData(data)
      const i = a % n
      const j = b % n
      fc.pre(i !== j)
      const p = tree.proof(i)
      expect(verifyInclusion(data[i] as Uint8Array, j, n, p.path, tree.root)).toBe(false)
      expect(shape(i, n) === shape(j, n) && i !== j).toBe(false)
    }), { numRuns: 400 })
  })

  /*
   * RFC 6962 proofs do not bind the tree size: leaf 0 of a 3-leaf tree has the same two hash
   * calls as leaf 0 of a 4-leaf tree, so its proof also "verifies" at size 4. A wrong size
   * passes exactly when it makes the verifier do the same hash calls; this is why a batch's
   * proofs are only checked at the size its anchored header states (verifyAnchoredRecord).
   */
  it('a wrong size fails unless it asks for the very same hash calls', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 400 }), fc.nat(), (n, m, a) => {
      fc.pre(m !== n)
      const data = Array.from({ length: n }, (_, i) => new Uint8Array([i & 0xff, i >> 8, 7]))
      const tree = MerkleTree.fromData(data)
      const i = a % n
      const p = tree.proof(i)
      const sameCalls = i < m && shape(i, n) === shape(i, m)
      expect(verifyInclusion(data[i] as Uint8Array, i, m, p.path, tree.root)).toBe(sameCalls)
    }), { numRuns: 500 })
    expect(verifyInclusion(new Uint8Array([0, 0, 7]), 0, 4, MerkleTree.fromData([0, 1, 2].map((i) => new Uint8Array([i, 0, 7]))).proof(0).path, merkleRoot([0, 1, 2].map((i) => new Uint8Array([i, 0, 7]))))).toBe(true)
  })

  it('out-of-range indexes are typed errors when proving and plain false when verifying', () => {
    const tree = MerkleTree.fromData([new Uint8Array([1]), new Uint8Array([2])])
    expect(() => tree.proof(2)).toThrow(expect.objectContaining({ code: 'MERKLE_BAD_INDEX' }))
    expect(() => tree.proof(-1)).toThrow(expect.objectContaining({ code: 'MERKLE_BAD_INDEX' }))
    expect(() => MerkleTree.fromLeafHashes([new Uint8Array(31)])).toThrow(expect.objectContaining({ code: 'MERKLE_BAD_LEAF' }))
    expect(() => { assertInclusion(new Uint8Array([9]), tree.proof(0), tree.root) }).toThrow(expect.objectContaining({ code: 'PROOF_INVALID' }))
    expect(verifyInclusion(new Uint8Array([1]), Number.MAX_SAFE_INTEGER + 1, 2, tree.proof(0).path, tree.root)).toBe(false)
  })

  it('inner nodes use 0x01 and never equal a leaf over the same 64 bytes', () => {
    const a = leafHash(new Uint8Array([1]))
    const b = leafHash(new Uint8Array([2]))
    expect(nodeHash(a, b)).toEqual(sha(new Uint8Array([1]), a, b))
    const concat = new Uint8Array([...a, ...b])
    expect(toHex(leafHash(concat))).not.toBe(toHex(nodeHash(a, b)))
  })

  it('builds 10,000 leaves quickly (a loose bound against accidental quadratic work)', () => {
    const data = Array.from({ length: 10_000 }, (_, i) => new Uint8Array(200).fill(i & 0xff))
    const t0 = performance.now()
    const tree = MerkleTree.fromData(data)
    const ms = performance.now() - t0
    expect(tree.size).toBe(10_000)
    expect(ms).toBeLessThan(1000)
  })
})
