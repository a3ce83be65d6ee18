import type { Attribute } from '../sdl/types.js'

/**
 * Go's path/filepath.Match, which Akash uses for attribute keys (Attribute.SubsetOf): `*` is any
 * run of non-'/' characters, `?` one non-'/' character, `[...]` a class (`^` negates, ranges,
 * `\` escapes). A malformed pattern matches nothing, as Go returns ErrBadPattern and Akash treats
 * that as no match.
 */
export function globToRegExp (pattern: string): RegExp | undefined {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '*') { re += '[^/]*'; continue }
    if (c === '?') { re += '[^/]'; continue }
    if (c === '\\') {
      i++
      if (i >= pattern.length) return undefined
      re += escapeRe(pattern[i] as string)
      continue
    }
    if (c === '[') {
      let j = i + 1
      let negate = false
      if (pattern[j] === '^') { negate = true; j++ }
      let cls = ''
      let closed = false
      let first = true
      while (j < pattern.length) {
        let ch = pattern[j] as string
        if (ch === ']' && !first) { closed = true; break }
        first = false
        if (ch === '\\') { j++; if (j >= pattern.length) return undefined; ch = pattern[j] as string }
        if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
          let hi = pattern[j + 2] as string
          let skip = 2
          if (hi === '\\') { hi = pattern[j + 3] ?? ''; skip = 3; if (hi === '') return undefined }
          if (hi < ch) return undefined
          cls += `${escapeClass(ch)}-${escapeClass(hi)}`
          j += skip + 1
          continue
        }
        cls += escapeClass(ch)
        j++
      }
      if (!closed || cls === '') return undefined
      re += negate ? `(?!/)[^${cls}]` : `(?!/)[${cls}]`
      i = j
      continue
    }
    re += escapeRe(c)
  }
  return new RegExp(re + '$')
}

function escapeRe (c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function escapeClass (c: string): string {
  return c.replace(/[\]\\^-]/g, '\\$&')
}

const cache = new Map<string, RegExp | null>()

export function globMatch (pattern: string, key: string): boolean {
  let re = cache.get(pattern)
  if (re === undefined) {
    re = globToRegExp(pattern) ?? null
    if (cache.size > 1024) cache.clear()
    cache.set(pattern, re)
  }
  return re !== null && re.test(key)
}

/** Akash Attribute.SubsetOf: the requirement's key is a glob over the provider's key; values are equal. */
export function attributeSatisfied (req: Attribute, have: readonly Attribute[]): boolean {
  return have.some((a) => globMatch(req.key, a.key) && a.value === req.value)
}

/** Akash AttributesSubsetOf: every requirement is satisfied by some attribute. */
export function attributesSubsetOf (reqs: readonly Attribute[], have: readonly Attribute[]): boolean {
  return reqs.every((r) => attributeSatisfied(r, have))
}

/**
 * Akash Attributes.GetCapabilitiesGroup(prefix): `capabilities/<prefix>/<group>/<key>` attributes
 * grouped by <group>, keys stripped to <key>. Used for storage: each group is one storage class.
 */
export function capabilityGroups (attrs: readonly Attribute[], prefix: string): Attribute[][] {
  const groups = new Map<string, Attribute[]>()
  for (const a of attrs) {
    if (!a.key.startsWith(`capabilities/${prefix}`)) continue
    const tokens = a.key.slice('capabilities/'.length).split('/')
    if (tokens.length !== 3) continue
    const group = tokens[1] as string
    const list = groups.get(group) ?? []
    list.push({ key: tokens[2] as string, value: a.value })
    groups.set(group, list)
  }
  return [...groups.values()]
}
