import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseSdl, isSdlError, SdlError, manifestHash, groupMaxPrice } from '../../../src/sdl/index.js'
import type { SdlErrorCode } from '../../../src/sdl/index.js'
import { listFixtures, readFixture } from './fixtures.js'

const BASE = `version: "2.0"
services:
  web:
    image: nginx:1.25
    expose:
      - port: 80
        to:
          - global: true
profiles:
  compute:
    web:
      resources:
        cpu:
          units: 0.5
        memory:
          size: 512Mi
        storage:
          size: 1Gi
  placement:
    dc:
      pricing:
        web:
          denom: uact
          amount: 1000
deployment:
  web:
    dc:
      profile: web
      count: 2
`

function rejects (text: string): SdlError {
  try {
    parseSdl(text)
  } catch (e) {
    if (isSdlError(e)) return e
    throw e
  }
  throw new Error('accepted')
}

function expectReject (text: string, code: SdlErrorCode, path: string, line?: number): SdlError {
  const e = rejects(text)
  expect({ code: e.code, path: e.path }).toEqual({ code, path })
  if (line !== undefined) expect(e.line).toBe(line)
  return e
}

describe('parseSdl', () => {
  it('derives a group with units in millicores and bytes', () => {
    const r = parseSdl(BASE)
    expect(r.version).toBe('2.0')
    expect(r.groups).toEqual([{
      name: 'dc',
      requirements: { attributes: [], signedBy: { allOf: [], anyOf: [] } },
      resources: [{
        id: 1, count: 2, price: { denom: 'uact', amount: '1000' }, cpu: 500, memory: 536870912,
        storage: [{ name: 'default', size: 1073741824, attributes: [] }],
        gpu: { units: 0, attributes: [] },
        endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }]
      }]
    }])
    expect(groupMaxPrice(r.groups[0]!)).toEqual({ denom: 'uact', amount: '2000' })
    expect(r.manifestHash).toMatch(/^[0-9a-f]{64}$/)
    expect(r.warnings).toEqual([])
  })

  it('hashes the manifest deterministically and as canonical JSON', () => {
    const a = parseSdl(BASE)
    const b = parseSdl(BASE.replace('image: nginx:1.25', 'image: "nginx:1.25"'))
    expect(a.manifestHash).toBe(b.manifestHash)
    expect(parseSdl(BASE.replace('nginx:1.25', 'nginx:1.26')).manifestHash).not.toBe(a.manifestHash)
    for (const f of listFixtures('corpus')) {
      let r
      try { r = parseSdl(readFixture('corpus/' + f)) } catch { continue }
      expect(manifestHash(r.manifest), f).toBe(r.manifestHash)
    }
  })

  it('accepts keys Go ignores, with a warning naming the path', () => {
    const r = parseSdl(BASE.replace('    image: nginx:1.25\n', '    image: nginx:1.25\n    depends_on:\n      - db\n'))
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'IGNORED_KEY', path: 'services.web.depends_on', line: 5, column: 5 })])
  })

  it('names the YAML path, line and column of a bad value', () => {
    const e = expectReject(BASE.replace('units: 0.5', 'units: lots'), 'INVALID_UNIT', 'profiles.compute.web.resources.cpu.units', 14)
    expect(e.column).toBe(18)
    expect(e.expected).toMatch(/millicores/)
    expect(e.badInput).toBe(true)
  })

  it.each<[string, string, string, SdlErrorCode, string]>([
    ['a port written as a string', 'port: 80', 'port: "80"', 'WRONG_TYPE', 'services.web.expose[0].port'],
    ['a port above 65535', 'port: 80', 'port: 70000', 'INVALID_VALUE', 'services.web.expose[0].port'],
    ['cpu above 384 cores', 'units: 0.5', 'units: 400', 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.cpu.units'],
    ['cpu below 10m', 'units: 0.5', 'units: 5m', 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.cpu.units'],
    ['memory above 2Ti', 'size: 512Mi', 'size: 3Ti', 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.memory.size'],
    ['memory below 1Mi', 'size: 512Mi', 'size: 1000', 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.memory.size'],
    ['storage below 5Mi', 'size: 1Gi', 'size: 1Mi', 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.storage.size'],
    ['price above 10,000,000', 'amount: 1000', 'amount: 10000001', 'LIMIT_EXCEEDED', 'profiles.placement.dc.pricing.web.amount'],
    ['a zero price', 'amount: 1000', 'amount: 0', 'INVALID_VALUE', 'profiles.placement.dc.pricing.web.amount'],
    ['a price with 19 decimals', 'amount: 1000', 'amount: 0.0000000000000000001', 'INVALID_VALUE', 'profiles.placement.dc.pricing.web.amount'],
    ['an exponent price', 'amount: 1000', 'amount: 1e3', 'INVALID_VALUE', 'profiles.placement.dc.pricing.web.amount'],
    ['a bad denom', 'denom: uact', 'denom: "$"', 'INVALID_VALUE', 'profiles.placement.dc.pricing.web.denom'],
    ['an unknown profile', 'profile: web', 'profile: api', 'UNKNOWN_REFERENCE', 'deployment.web.dc.profile'],
    ['a count of 0', 'count: 2', 'count: 0', 'LIMIT_EXCEEDED', 'deployment.web.dc.count'],
    ['a negative count', 'count: 2', 'count: -1', 'INVALID_VALUE', 'deployment.web.dc.count'],
    ['a huge count', 'count: 2', 'count: 99999999999999999999', 'INVALID_VALUE', 'deployment.web.dc.count'],
    ['a bad service name', '  web:\n    image', '  Web_1:\n    image', 'UNKNOWN_REFERENCE', 'deployment.web'],
    ['an unknown protocol', 'port: 80', 'port: 80\n        proto: sctp', 'INVALID_VALUE', 'services.web.expose[0].proto'],
    ['an unknown top-level key', 'services:', 'servics: {}\nservices:', 'UNKNOWN_FIELD', 'servics'],
    ['an unknown cpu field', 'units: 0.5', 'units: 0.5\n          cores: 2', 'UNKNOWN_FIELD', 'profiles.compute.web.resources.cpu.cores'],
    ['a list where a mapping belongs', '      resources:', '      resources: [1]\n      x:', 'WRONG_TYPE', 'profiles.compute.web.resources'],
    ['version 3', 'version: "2.0"', 'version: "3.0"', 'UNSUPPORTED_VERSION', 'version'],
    ['a bad http option', 'to:', 'http_options:\n          next_cases: [error, teapot]\n        to:', 'INVALID_VALUE', 'services.web.expose[0].http_options.next_cases[1]'],
    ['an accept host with a space', 'to:', 'accept: ["a b.com"]\n        to:', 'INVALID_VALUE', 'services.web.expose[0].accept[0]'],
    ['an accept host that is not DNS', 'to:', 'accept: ["Example.COM"]\n        to:', 'INVALID_VALUE', 'services.web.expose[0].accept'],
    ['an env name with a space', '    image: nginx:1.25\n', '    image: nginx:1.25\n    env: ["MY VAR=1"]\n', 'INVALID_VALUE', 'services.web.env[0]'],
    ['no global expose', 'global: true', 'global: false', 'NO_GLOBAL_SERVICE', 'services']
  ])('rejects %s', (_what, from, to, code, path) => {
    expectReject(BASE.replace(from, to), code, path)
  })

  it('rejects a GPU request without a vendor and maps models to Akash attributes', () => {
    const gpu = (attrs: string): string => BASE.replace('        storage:\n          size: 1Gi\n', `        storage:\n          size: 1Gi\n        gpu:\n          units: 2\n${attrs}`)
    expectReject(gpu(''), 'MISSING_FIELD', 'profiles.compute.web.resources.gpu.attributes')
    const r = parseSdl(gpu('          attributes:\n            vendor:\n              nvidia:\n                - model: h100\n                  ram: 80Gi\n                  interface: sxm\n                - model: a100\n'))
    expect(r.groups[0]?.resources[0]?.gpu).toEqual({
      units: 2,
      attributes: [
        { key: 'vendor/nvidia/model/a100', value: 'true' },
        { key: 'vendor/nvidia/model/h100/ram/80Gi/interface/sxm', value: 'true' }
      ]
    })
    expectReject(gpu('          attributes:\n            vendor:\n              nvidia:\n                - model: h100\n                  interface: nvlink\n'),
      'INVALID_VALUE', 'profiles.compute.web.resources.gpu.attributes.vendor.nvidia[0].interface')
    expectReject(gpu('          attributes:\n            vendor:\n              nvidia:\n                - model: rtx 4090\n'), 'INVALID_VALUE', 'profiles.compute.web.resources.gpu.attributes')
    const over = BASE.replace('        storage:\n          size: 1Gi\n', '        storage:\n          size: 1Gi\n        gpu:\n          units: 25\n          attributes: {vendor: {nvidia: }}\n')
    expectReject(over, 'LIMIT_EXCEEDED', 'profiles.compute.web.resources.gpu.units')
  })

  it('v2.1 merges services that share a compute profile in a placement; v2.0 does not', () => {
    const two = (v: string): string => BASE.replace('version: "2.0"', `version: "${v}"`)
      .replace('deployment:\n', 'deployment:\n  api:\n    dc:\n      profile: web\n      count: 3\n')
      .replace('services:\n', 'services:\n  api:\n    image: api:1\n    expose:\n      - port: 8080\n        to:\n          - global: true\n')
    const v21 = parseSdl(two('2.1'))
    expect(v21.groups[0]?.resources.map(u => [u.id, u.count, u.endpoints.map(e => e.kind)])).toEqual([[1, 5, ['RANDOM_PORT', 'SHARED_HTTP']]])
    expect(v21.manifest[0]?.services.map(s => [s.name, s.resources.id, s.count])).toEqual([['api', 1, 3], ['web', 1, 2]])
    const v20 = parseSdl(two('2.0'))
    expect(v20.groups[0]?.resources.map(u => [u.id, u.count])).toEqual([[1, 3], [2, 2]])
  })

  it('sorts groups by placement name and adds one group per placement', () => {
    const r = parseSdl(BASE.replace('  placement:\n', '  placement:\n    ab:\n      attributes:\n        region: us-west\n        tier: premium\n      signedBy:\n        anyOf: [akash1xyz]\n      pricing:\n        web: {denom: uact, amount: "0.5"}\n')
      .replace('    dc:\n      profile: web\n      count: 2\n', '    dc:\n      profile: web\n      count: 2\n    ab:\n      profile: web\n      count: 1\n'))
    expect(r.groups.map(g => g.name)).toEqual(['ab', 'dc'])
    expect(r.groups[0]?.requirements).toEqual({ attributes: [{ key: 'region', value: 'us-west' }, { key: 'tier', value: 'premium' }], signedBy: { allOf: [], anyOf: ['akash1xyz'] } })
    expect(r.groups[0]?.resources[0]?.price).toEqual({ denom: 'uact', amount: '0.5' })
  })

  it('rejects mixed denominations across groups', () => {
    const text = BASE.replace('  placement:\n', '  placement:\n    ab:\n      pricing:\n        web: {denom: uakt, amount: 1}\n')
      .replace('    dc:\n      profile: web\n', '    ab:\n      profile: web\n      count: 1\n    dc:\n      profile: web\n')
    expectReject(text, 'CONFLICT', 'profiles.placement.dc.pricing.web.denom')
  })

  it('accepts persistent storage with a mount and rejects one without (v2.0)', () => {
    const persist = BASE.replace('        storage:\n          size: 1Gi\n', '        storage:\n          - size: 1Gi\n          - name: data\n            size: 10Gi\n            attributes:\n              persistent: true\n              class: beta3\n')
    expectReject(persist, 'MISSING_FIELD', 'services.web.params.storage.data')
    const r = parseSdl(persist.replace('    image: nginx:1.25\n', '    image: nginx:1.25\n    params:\n      storage:\n        data:\n          mount: /data\n'))
    expect(r.groups[0]?.resources[0]?.storage[1]).toEqual({ name: 'data', size: 10737418240, attributes: [{ key: 'class', value: 'beta3' }, { key: 'persistent', value: 'true' }] })
    expect(r.manifest[0]?.services[0]?.params?.storage).toEqual([{ mount: '/data', name: 'data', readOnly: false }])
  })

  it('derives leased IP endpoints with sequence numbers', () => {
    const r = parseSdl(BASE.replace('          - global: true\n', '          - global: true\n            ip: myip\n') + 'endpoints:\n  myip:\n    kind: ip\n')
    expect(r.groups[0]?.resources[0]?.endpoints).toEqual([{ kind: 'SHARED_HTTP', sequence: 0 }, { kind: 'LEASED_IP', sequence: 1 }])
  })

  it('reports reclamation', () => {
    expect(parseSdl(BASE + 'reclamation:\n  min_window: 24h\n').reclamationMinWindowSeconds).toBe(86400)
    expectReject(BASE + 'reclamation:\n  min_window: 0s\n', 'INVALID_VALUE', 'reclamation.min_window', 31)
  })

  it('accepts tee params (v2.1) and projects the type as a requirement', () => {
    const r = parseSdl(BASE.replace('"2.0"', '"2.1"').replace('    image: nginx:1.25\n', '    image: nginx:1.25\n    params:\n      tee:\n        type: tdx\n        attestation: false\n'))
    expect(r.groups[0]?.requirements.attributes).toEqual([{ key: 'tee/type', value: 'tdx' }])
    expect(r.manifest[0]?.services[0]?.params?.tee).toEqual({ attestation: false, type: 'tdx' })
    expectReject(BASE.replace('    image: nginx:1.25\n', '    image: nginx:1.25\n    params:\n      tee: sgx\n'), 'INVALID_VALUE', 'services.web.params.tee')
  })

  it.each<[string, string, SdlErrorCode]>([
    ['empty input', '', 'MISSING_VERSION'],
    ['a comment only', '# nothing\n', 'MISSING_VERSION'],
    ['a YAML list', '- version: "2.0"\n', 'NOT_A_MAPPING'],
    ['a scalar', 'hello', 'NOT_A_MAPPING'],
    ['broken YAML', 'a: [1, 2\nb: }', 'YAML_SYNTAX'],
    ['binary junk', '\u0000\u0001\u00ff\ufffe::\t-', 'YAML_SYNTAX'],
    ['no version', 'services: {}\n', 'MISSING_VERSION'],
    ['a version mapping', 'version: {a: 1}\n', 'UNSUPPORTED_VERSION']
  ])('rejects %s with a typed error', (_what, text, code) => {
    expect(rejects(text).code).toBe(code)
  })

  it('rejects oversized input before parsing', () => {
    expect(rejects('#'.repeat(100), ).code).toBe('MISSING_VERSION')
    try { parseSdl('#'.repeat(100), { maxBytes: 10 }) } catch (e) { expect(isSdlError(e) && e.code).toBe('INPUT_TOO_LARGE') }
  })
})

describe('storage written as one mapping instead of a list', () => {
  // Akash's Go parser (v2ResourceStorageArray.UnmarshalYAML) accepts both forms. A list item keeps
  // its `name` ("default" when absent); a single mapping is always named "default", even when it
  // has a `name`. (Akash's TypeScript SDK keeps that name; Go is the reference here.)
  const single = (volume: string): string => BASE.replace('        storage:\n          size: 1Gi\n', `        storage:\n${volume}`)

  it('accepts a real two-service file and names each single volume "default"', () => {
    const r = parseSdl(readFixture('go-compat/storage-single-map.yaml'))
    expect(r.version).toBe('2.1')
    expect(r.groups[0]?.resources.map(u => u.storage)).toEqual([
      [{ name: 'default', size: 10737418240, attributes: [{ key: 'class', value: 'beta2' }, { key: 'persistent', value: 'true' }] }],
      [{ name: 'default', size: 1073741824, attributes: [] }]
    ])
    expect(r.manifest[0]?.services.find(s => s.name === 'db')?.params?.storage).toEqual([{ mount: '/var/lib/mysql', name: 'default', readOnly: false }])
    expect(r.warnings).toEqual([])
  })

  it('rejects a mount under the name the mapping gave, as Go does ("references to no-existing compute volume")', () => {
    const e = expectReject(readFixture('go-compat/storage-single-map-mount-by-name.yaml'), 'UNKNOWN_REFERENCE', 'services.db.params.storage.data', 23)
    expect(e.column).toBe(9)
  })

  it('keeps the attributes and applies their rules to a single mapping', () => {
    const r = parseSdl(single('          name: scratch\n          size: 2Gi\n          attributes:\n            class: ram\n'))
    expect(r.groups[0]?.resources[0]?.storage).toEqual([{ name: 'default', size: 2147483648, attributes: [{ key: 'class', value: 'ram' }, { key: 'persistent', value: 'false' }] }])
    expectReject(single('          name: data\n          size: 2Gi\n          attributes:\n            class: beta1\n'), 'CONFLICT', 'profiles.compute.web.resources.storage.attributes.class')
    // v2.0: a persistent volume needs a mount, under the name "default"
    expectReject(single('          name: data\n          size: 2Gi\n          attributes:\n            persistent: true\n'), 'MISSING_FIELD', 'services.web.params.storage.default')
  })

  it('still checks the type of the name it ignores (Go decodes it into a string first)', () => {
    expectReject(single('          name: [data]\n          size: 2Gi\n'), 'WRONG_TYPE', 'profiles.compute.web.resources.storage.name')
  })

  it('keeps names in a list, "default" only when absent, and rejects two unnamed volumes', () => {
    const r = parseSdl(single('          - size: 1Gi\n          - name: cache\n            size: 2Gi\n'))
    expect(r.groups[0]?.resources[0]?.storage.map(v => v.name)).toEqual(['default', 'cache'])
    expectReject(single('          - size: 1Gi\n          - size: 2Gi\n'), 'DUPLICATE', 'profiles.compute.web.resources.storage[1].name')
  })
})

describe('bad input never escapes as an untyped exception (property)', () => {
  const onlySdlErrors = (text: string): boolean => {
    try { parseSdl(text) } catch (e) {
      if (!(e instanceof SdlError)) throw e
      expect(e.code).toMatch(/^[A-Z_]+$/)
    }
    return true
  }

  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), onlySdlErrors), { numRuns: 2000 })
  })

  it('random YAML-ish text', () => {
    const token = fc.constantFrom('version: "2.0"\n', 'version: 2.1\n', 'services:\n', '  web:\n', '    image: x\n', '    expose:\n', '      - port: 80\n',
      '        to:\n', '          - global: true\n', 'profiles:\n', '  compute:\n', '    web:\n', '      resources:\n', '        cpu: {units: 1}\n',
      '        memory: {size: 1Gi}\n', '        storage: [{size: 1Gi}]\n', '  placement:\n', '    dc:\n', '      pricing:\n', '        web: {denom: uact, amount: 1}\n',
      'deployment:\n', '    dc: {profile: web, count: 1}\n', '- ', ': ', '"', "'", '[', ']', '{', '}', '&a ', '*a ', '!!str ', '|\n', '>-\n', '#', '\t', '---\n',
      '99999999999999999999999', '-1', '1e400', '0x', 'null', '~', '<<: *a\n', '? ', '%YAML 1.2\n', '\\u0000')
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }).map(t => t.join('')), onlySdlErrors), { numRuns: 3000 })
  })

  it('mutations of real files', () => {
    const texts = listFixtures('corpus').slice(0, 40).map(f => readFixture('corpus/' + f))
    fc.assert(fc.property(fc.constantFrom(...texts), fc.nat(), fc.nat({ max: 30 }), fc.string({ maxLength: 8 }), (t, at, del, ins) => {
      const i = at % (t.length + 1)
      return onlySdlErrors(t.slice(0, i) + ins + t.slice(i + del))
    }), { numRuns: 2000 })
  })
})
