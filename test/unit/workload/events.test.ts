import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/util/clock.js'
import { silentLogger } from '../../../src/util/logger.js'
import { RuntimeEventLog, defaultEventLogOptions } from '../../../src/workload/index.js'

function log (perLease = 3, maxLeases = 2): RuntimeEventLog {
  const docker = { getEvents: async () => { throw new Error('not used') } }
  return new RuntimeEventLog({ ...defaultEventLogOptions, perLease, maxLeases }, { docker: docker as never, logger: silentLogger, clock: new ManualClock() })
}
const ev = (lease: string, action: string, time: number, managed = '1'): object => ({
  Type: 'container', Action: action, time, timeNano: time * 1e9, Actor: { ID: 'c1', Attributes: { 'skymesh.lease': lease, 'skymesh.managed': managed, 'skymesh.service': 'web', 'skymesh.replica': '0' } }
})

describe('RuntimeEventLog', () => {
  it('keeps managed container events per lease, bounded, without duplicates', () => {
    const l = log()
    for (const [a, t] of [['create', 1], ['start', 2], ['start', 2], ['die', 3], ['restart', 4]] as const) l.ingest(ev('A', a, t))
    l.ingest(ev('A', 'start', 5, '0'))
    l.ingest({ Type: 'image', Action: 'pull', time: 6, Actor: { Attributes: { 'skymesh.lease': 'A', 'skymesh.managed': '1', 'skymesh.service': 'web' } } })
    expect(l.forLease('A').map(e => e.action)).toEqual(['start', 'die', 'restart'])
    l.forget('A')
    expect(l.forLease('A')).toEqual([])
  })

  it('drops the least recently updated lease beyond maxLeases', () => {
    const l = log(3, 2)
    l.ingest(ev('A', 'start', 1))
    l.ingest(ev('B', 'start', 2))
    l.ingest(ev('A', 'die', 3))
    l.ingest(ev('C', 'start', 4))
    expect(l.forLease('B')).toEqual([])
    expect(l.forLease('A')).toHaveLength(2)
    expect(l.forLease('C')).toHaveLength(1)
  })
})
