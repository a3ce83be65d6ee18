import { describe, expect, it } from 'vitest'
import { providerAttributes } from '../../../src/hardware/index.js'
import { gpu, h100x8, mount, probeOf } from './helpers.js'

describe('provider attributes (Akash conventions)', () => {
  it('announces every GPU key form an SDL may ask for, cpu arch, storage classes and operator attributes', () => {
    const p = probeOf({ gpus: [...h100x8(), gpu(8, 'rtx4090', '24Gi', 'pcie')] })
    const attrs = providerAttributes(p, [{ key: 'region', value: 'eu-west' }, { key: 'host', value: 'akash' }])
    expect(attrs.slice(0, 2)).toEqual([{ key: 'region', value: 'eu-west' }, { key: 'host', value: 'akash' }])
    const map = new Map(attrs.map((a) => [a.key, a.value]))
    for (const k of [
      'capabilities/gpu/vendor/nvidia/model/h100',
      'capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi',
      'capabilities/gpu/vendor/nvidia/model/h100/interface/sxm',
      'capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm',
      'capabilities/gpu/vendor/nvidia/model/rtx4090/ram/24Gi/interface/pcie',
      'capabilities/cpu/arch/amd64'
    ]) expect(map.get(k)).toBe('true')
    expect(map.get('capabilities/cpu/arch')).toBe('amd64')
    expect(map.get('capabilities/storage/1/class')).toBe('beta2')
    expect(map.get('capabilities/storage/1/persistent')).toBe('true')
    expect(map.get('capabilities/storage/2/class')).toBe('beta3')
    expect(map.get('capabilities/storage/3/class')).toBe('ram')
    expect(map.get('capabilities/storage/3/persistent')).toBe('false')
    expect(new Set(attrs.map((a) => a.key)).size).toBe(attrs.length)
  })

  it('leaves unusable GPUs out and honours persistentMounts and ramClass', () => {
    const broken = { ...gpu(0, 'h100', '80Gi', 'sxm'), usable: false }
    const p = probeOf({ gpus: [broken], storage: [mount('/', 'beta1', 10), mount('/fast', 'beta3', 10)] })
    const keys = providerAttributes(p, [], { ephemeralMount: '/', persistentMounts: ['/fast'], ramClass: false }).map((a) => `${a.key}=${a.value}`)
    expect(keys.filter((k) => k.includes('gpu'))).toEqual([])
    expect(keys.filter((k) => k.includes('storage'))).toEqual(['capabilities/storage/1/class=beta3', 'capabilities/storage/1/persistent=true'])
  })
})
