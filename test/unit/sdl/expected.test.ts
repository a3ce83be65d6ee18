import { describe, expect, it } from 'vitest'
import { parseSdl, compareDecimal, formatGoDec, canonicalJson } from '../../../src/sdl/index.js'
import type { Group } from '../../../src/sdl/index.js'
import { listFixtures, readFixture } from './fixtures.js'

// Go's GroupSpec JSON (fixtures/expected/*__group-specs.json) → skymesh's Group shape.
type GoVal = { val: string | Record<string, number> }
const val = (v: GoVal | undefined): number => {
  if (v === undefined) return 0
  return Number(typeof v.val === 'string' ? v.val : String.fromCharCode(...Object.values(v.val)))
}
const KINDS = ['SHARED_HTTP', 'RANDOM_PORT', 'LEASED_IP'] as const
/* eslint-disable @typescript-eslint/no-explicit-any */
function fromGo (specs: any[]): Group[] {
  return specs.map(g => ({
    name: g.name,
    requirements: {
      attributes: g.requirements.attributes ?? [],
      signedBy: {
        allOf: g.requirements.signed_by?.all_of ?? g.requirements.signedBy?.allOf ?? [],
        anyOf: g.requirements.signed_by?.any_of ?? g.requirements.signedBy?.anyOf ?? []
      }
    },
    resources: g.resources.map((u: any) => ({
      id: u.resource.id,
      count: u.count,
      price: { denom: u.price.denom, amount: u.price.amount },
      cpu: val(u.resource.cpu.units),
      memory: val(u.resource.memory.size ?? u.resource.memory.quantity),
      storage: u.resource.storage.map((s: any) => ({ name: s.name, size: val(s.size ?? s.quantity), attributes: s.attributes ?? [] })),
      gpu: { units: val(u.resource.gpu.units), attributes: u.resource.gpu.attributes ?? [] },
      endpoints: (u.resource.endpoints ?? []).map((e: any) => ({ kind: KINDS[e.kind ?? 0], sequence: e.sequence_number }))
    }))
  }))
}

/** Prices compare as numbers ("150" == "150.000000000000000000"); everything else exactly. */
function expectSameGroups (ours: Group[], theirs: Group[]): void {
  expect(ours.length).toBe(theirs.length)
  ours.forEach((g, i) => g.resources.forEach((u, j) => {
    const t = theirs[i]?.resources[j]
    expect(t).toBeDefined()
    expect(compareDecimal(u.price.amount, t!.price.amount)).toBe(0)
    t!.price.amount = u.price.amount
  }))
  expect(ours).toEqual(theirs)
}

const expected = listFixtures('fixtures/expected')
const groupSpecs = expected.filter(f => f.endsWith('__group-specs.json') || f === 'ts-test__groups-basic-snapshot.json')
const manifests = expected.filter(f => f.endsWith('manifest.json') || f === 'ts-test__manifest-basic-snapshot.json')

function sourceOf (expectedFile: string): string {
  if (expectedFile.startsWith('ts-test__')) return 'fixtures/expected/ts-test__sdl-basic.json'
  if (expectedFile.startsWith('ts__')) return 'fixtures/valid/' + expectedFile.replace('.manifest.json', '.sdl.yml')
  return 'fixtures/valid/' + expectedFile.replace(/__(group-specs|manifest)\.json$/, '.yaml')
}

describe('Akash expected outputs (fixtures/expected)', () => {
  it('covers every expected file', () => {
    expect(groupSpecs.length + manifests.length).toBe(expected.length - 1) // minus the SDL input ts-test__sdl-basic.json
  })

  it.each(groupSpecs)('group specs of %s match field by field', file => {
    const res = parseSdl(readFixture(sourceOf(file)))
    expectSameGroups(res.groups, fromGo(JSON.parse(readFixture('fixtures/expected/' + file))))
  })

  it.each(manifests)('manifest of %s matches', file => {
    const res = parseSdl(readFixture(sourceOf(file)))
    const theirs = JSON.parse(readFixture('fixtures/expected/' + file))
    // older TS snapshots print some values as numbers and call a size "quantity"
    const norm = (m: unknown): unknown => JSON.parse(JSON.stringify(m).replace(/"quantity":/g, '"size":'), (k, v: unknown) => (k === 'val' ? String(v) : v))
    expect(norm(JSON.parse(canonicalJson(res.manifest)))).toEqual(norm(JSON.parse(canonicalJson(theirs))))
  })

  it('prints prices in canonical form, Go form available', () => {
    const res = parseSdl(readFixture('fixtures/valid/testdata__v2.0__http-options.yaml'))
    expect(res.groups[0]?.resources[0]?.price).toEqual({ denom: 'uakt', amount: '150' })
    expect(formatGoDec('150')).toBe('150.000000000000000000')
  })
})
