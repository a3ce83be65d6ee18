import { describe, expect, it } from 'vitest'
import { assembleLeaseStatus, eventFromRuntime, exitReason, replicaFromInspect, serviceState } from '../../../src/workload/index.js'
import type { ReplicaStatus } from '../../../src/workload/index.js'
import { expose, inspectInfo, manifest, service } from './helpers.js'

const ctx = { host: '127.0.0.1', exposes: [expose(80), expose(53, { proto: 'UDP' as const }), expose(3000, { as: 80 }), expose(5432)] }

describe('exitReason', () => {
  it.each([
    [0, false, 'completed'],
    [1, false, 'error'],
    [3, false, 'error'],
    [137, false, 'oom-killed'],
    [1, true, 'oom-killed'],
    [143, false, 'terminated'],
    [130, false, 'interrupted'],
    [139, false, 'segfault'],
    [126, false, 'command-not-executable'],
    [127, false, 'command-not-found'],
    [129, false, 'signal']
  ] as const)('exit %i (OOMKilled %s) → %s', (code, oom, reason) => {
    expect(exitReason(code, oom)).toBe(reason)
  })
})

describe('replicaFromInspect', () => {
  it('running replica with endpoints from its host-ports label, URI by scheme', () => {
    const r = replicaFromInspect(inspectInfo({}, { 'skymesh.host-ports': '80/tcp=30001,53/udp=30002,3000/tcp=30003,5432/tcp=30004' }), ctx)
    expect(r).toMatchObject({ replica: 0, name: 'skymesh-x-web-0', state: 'running', restarts: 0, startedAt: '2026-01-01T00:00:00Z' })
    expect(r).not.toHaveProperty('exitCode')
    expect(r).not.toHaveProperty('finishedAt')
    expect(r.endpoints.map(e => e.uri)).toEqual(['http://127.0.0.1:30001', 'udp://127.0.0.1:30002', 'http://127.0.0.1:30003', 'tcp://127.0.0.1:30004'])
    expect(r.endpoints[0]).toEqual({ service: 'web', replica: 0, port: 80, proto: 'tcp', host: '127.0.0.1', hostPort: 30001, uri: 'http://127.0.0.1:30001', hosts: [] })
  })

  it('exit 137 after the memory limit: failed, oom-killed, even with OOMKilled false (cgroup v1)', () => {
    const r = replicaFromInspect(inspectInfo({ Status: 'exited', Running: false, ExitCode: 137, OOMKilled: false, FinishedAt: '2026-01-01T00:00:05Z' }, {}, { restarts: 5 }), ctx)
    expect(r).toMatchObject({ state: 'failed', exitCode: 137, reason: 'oom-killed', restarts: 5, finishedAt: '2026-01-01T00:00:05Z' })
  })

  it('exit 0 is completed; exit 3 is failed with its code', () => {
    expect(replicaFromInspect(inspectInfo({ Status: 'exited', ExitCode: 0 }), ctx)).toMatchObject({ state: 'completed', exitCode: 0, reason: 'completed' })
    expect(replicaFromInspect(inspectInfo({ Status: 'exited', ExitCode: 3 }), ctx)).toMatchObject({ state: 'failed', exitCode: 3, reason: 'error' })
  })

  it('a start that failed: from the runtime error or from what the executor saw', () => {
    const a = replicaFromInspect(inspectInfo({ Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z', Error: 'exec: "nope": executable file not found in $PATH' }), ctx)
    expect(a).toMatchObject({ state: 'failed', reason: 'start-failed', error: 'exec: "nope": executable file not found in $PATH' })
    const b = replicaFromInspect(inspectInfo({ Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z' }), { ...ctx, startError: 'no such file' })
    expect(b).toMatchObject({ state: 'failed', reason: 'start-failed', error: 'no such file' })
    expect(replicaFromInspect(inspectInfo({ Status: 'created', Running: false }), ctx).state).toBe('created')
  })

  it('an exit with on-failure retries left is restarting, not failed (Podman shows it exited)', () => {
    expect(replicaFromInspect(inspectInfo({ Status: 'exited', ExitCode: 3 }, {}, { restarts: 2, maxRetries: 5 }), ctx)).toMatchObject({ state: 'restarting', exitCode: 3, reason: 'error' })
    expect(replicaFromInspect(inspectInfo({ Status: 'exited', ExitCode: 3 }, {}, { restarts: 5, maxRetries: 5 }), ctx)).toMatchObject({ state: 'failed' })
    expect(replicaFromInspect(inspectInfo({ Status: 'exited', ExitCode: 0 }, {}, { restarts: 0, maxRetries: 5 }), ctx)).toMatchObject({ state: 'completed' })
  })

  it('restarting and paused pass through', () => {
    expect(replicaFromInspect(inspectInfo({ Status: 'restarting' }), ctx).state).toBe('restarting')
    expect(replicaFromInspect(inspectInfo({ Status: 'paused' }), ctx).state).toBe('paused')
  })
})

describe('serviceState', () => {
  const r = (state: ReplicaStatus['state']): ReplicaStatus => ({ replica: 0, name: '', state, restarts: 0, endpoints: [] })
  it('ready, degraded, failed, completed, progressing', () => {
    expect(serviceState(2, [r('running'), r('running')])).toBe('ready')
    expect(serviceState(2, [r('running'), r('failed')])).toBe('degraded')
    expect(serviceState(1, [r('failed')])).toBe('failed')
    expect(serviceState(1, [r('completed')])).toBe('completed')
    expect(serviceState(2, [r('running'), r('missing')])).toBe('progressing')
  })
})

describe('eventFromRuntime', () => {
  const attrs = { 'skymesh.service': 'web', 'skymesh.replica': '1', 'skymesh.lease': 'l', 'skymesh.managed': '1' }
  it('keeps the verb, the replica, and the exit code with its reason', () => {
    expect(eventFromRuntime({ Type: 'container', Action: 'die', time: 1700000000, timeNano: 1700000000123456789, Actor: { Attributes: { ...attrs, exitCode: '137' } } }))
      .toEqual({ time: 1700000000123, service: 'web', replica: 1, action: 'die', exitCode: 137, reason: 'oom-killed' })
    expect(eventFromRuntime({ Type: 'container', Action: 'oom', time: 1, Actor: { Attributes: attrs } })).toMatchObject({ action: 'oom', reason: 'oom-killed', time: 1000 })
  })

  it('drops exec, attach, cleanup noise and events of other objects', () => {
    expect(eventFromRuntime({ Type: 'container', Action: 'exec_start: sh -c ls', Actor: { Attributes: attrs } })).toBeUndefined()
    expect(eventFromRuntime({ Type: 'container', Action: 'cleanup', Actor: { Attributes: attrs } })).toBeUndefined()
    expect(eventFromRuntime({ Type: 'image', Action: 'pull', Actor: { Attributes: attrs } })).toBeUndefined()
    expect(eventFromRuntime({ Type: 'container', Action: 'start', Actor: { Attributes: {} } })).toBeUndefined()
  })
})

describe('assembleLeaseStatus', () => {
  const labels = (svc: string, replica: number, count: number): Record<string, string> => ({ 'skymesh.service': svc, 'skymesh.replica': String(replica), 'skymesh.count': String(count), 'skymesh.host-ports': `80/tcp=3100${replica}` })
  const rep = (svc: string, replica: number, count: number, state: object = {}): { labels: Record<string, string>, info: ReturnType<typeof inspectInfo>, startError: undefined } =>
    ({ labels: labels(svc, replica, count), info: inspectInfo(state, labels(svc, replica, count)), startError: undefined })

  it('with the manifest: names missing replicas and services without containers', () => {
    const m = manifest('l', [service('web', { count: 3, expose: [expose(80)] }), service('db')])
    const st = assembleLeaseStatus({ leaseId: 'l', manifest: m, replicas: [rep('web', 0, 3), rep('web', 2, 3, { Status: 'exited', ExitCode: 1 })], events: [], host: 'h', eventsPerService: 10 })
    expect(st.ready).toBe(false)
    expect(st.services.map(s => [s.name, s.desired, s.ready, s.state])).toEqual([['web', 3, 1, 'degraded'], ['db', 1, 0, 'progressing']])
    expect(st.services[0]!.replicas.map(r => r.state)).toEqual(['running', 'missing', 'failed'])
    expect(st.services[0]!.endpoints.map(e => e.uri)).toEqual(['http://h:31000', 'http://h:31002'])
    expect(st.services[1]!.replicas).toEqual([{ replica: 0, name: '', state: 'missing', restarts: 0, endpoints: [] }])
  })

  it('without it (after a restart): services and desired counts from the labels; last events per service', () => {
    const events = [
      { time: 3, service: 'web', action: 'die', exitCode: 137 },
      { time: 1, service: 'web', action: 'create' },
      { time: 2, service: 'web', action: 'start' },
      { time: 2, service: 'other', action: 'start' }
    ]
    const st = assembleLeaseStatus({ leaseId: 'l', manifest: undefined, replicas: [rep('web', 1, 2)], events, host: 'h', eventsPerService: 2 })
    expect(st.services.map(s => [s.name, s.image, s.desired, s.ready])).toEqual([['web', 'localhost/tiny:1', 2, 1]])
    expect(st.services[0]!.replicas.map(r => r.state)).toEqual(['missing', 'running'])
    expect(st.services[0]!.lastEvents.map(e => e.action)).toEqual(['start', 'die'])
  })
})
