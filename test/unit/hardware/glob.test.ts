import { describe, expect, it } from 'vitest'
import { attributesSubsetOf, globMatch } from '../../../src/hardware/index.js'

describe('Go filepath.Match semantics for attribute keys', () => {
  it.each([
    ['region', 'region', true],
    ['region', 'regions', false],
    ['capabilities/gpu/vendor/nvidia/model/*', 'capabilities/gpu/vendor/nvidia/model/h100', true],
    // * never crosses '/', so a bare model glob does not match the ram/interface forms
    ['capabilities/gpu/vendor/nvidia/model/*', 'capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi', false],
    ['capabilities/gpu/vendor/*/model/h100', 'capabilities/gpu/vendor/nvidia/model/h100', true],
    ['host?', 'hosta', true],
    ['host?', 'host/', false],
    ['tier-[a-c]', 'tier-b', true],
    ['tier-[^a-c]', 'tier-b', false],
    ['tier-[^a-c]', 'tier-d', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['bad[', 'bad[', false],
    ['x.y', 'xzy', false]
  ])('%s vs %s → %s', (pattern, key, want) => {
    expect(globMatch(pattern, key)).toBe(want)
  })

  it('requires equal values and every requirement to be met', () => {
    const have = [{ key: 'region', value: 'us-west' }, { key: 'tier', value: 'community' }]
    expect(attributesSubsetOf([{ key: 'reg*', value: 'us-west' }], have)).toBe(true)
    expect(attributesSubsetOf([{ key: 'region', value: 'us-east' }], have)).toBe(false)
    expect(attributesSubsetOf([{ key: 'region', value: 'us-west' }, { key: 'audit', value: 'x' }], have)).toBe(false)
    expect(attributesSubsetOf([], have)).toBe(true)
  })
})
