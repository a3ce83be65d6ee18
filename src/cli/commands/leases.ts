import { connectToNode } from '../../api/index.js'
import { UsageError } from '../../util/errors.js'
import { boolOpt, printJson, stringOpt, type Command, type CommandContext, type ParsedArgs } from '../command.js'
import type { LogLine } from '../../workload/index.js'
import { leaseLines, resourcesLine } from './market-format.js'
import { shortId, table } from './node-format.js'

export const leasesCommand: Command = {
  name: 'leases',
  summary: 'list the leases the running node knows: provider, state, price per block and per month, resources',
  usage: 'skymesh leases [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { leases } = await client.get('/leases')
    if (args.json) {
      printJson(ctx.io, { leases })
      return 0
    }
    if (leases.length === 0) {
      ctx.io.stdout('no leases\n')
      return 0
    }
    ctx.io.stdout(table([
      ['LEASE', 'TENANT', 'PROVIDER', 'STATE', 'PRICE/BLOCK', 'ACT/MONTH', 'RESOURCES'],
      ...leases.map((l) => [
        `${l.orderId.slice(0, 16)}…`,
        shortId(l.tenant),
        shortId(l.provider),
        l.state,
        `${l.pricePerBlock} ${l.denom}`,
        l.actPerMonth,
        resourcesLine(l)
      ])
    ]))
    return 0
  }
}

export const leaseCommand: Command = {
  name: 'lease',
  summary: 'act on a lease this node is a party to: close it, read its workload status (services, replicas, endpoints, events) or its logs',
  usage: 'skymesh lease close LEASE_ID [--reason TEXT] | lease status LEASE_ID | lease logs LEASE_ID [--service S] [--tail N] [--follow] [--data DIR] [--json]',
  options: {
    reason: { type: 'string', valueName: 'TEXT', description: 'close: why the lease closes (at most 512 characters; shown to both parties)' },
    service: { type: 'string', valueName: 'S', description: 'logs: one service of the lease only' },
    tail: { type: 'string', valueName: 'N', description: 'logs: the last N lines per replica (default 200)' },
    follow: { type: 'boolean', description: 'logs: keep printing new lines until Ctrl-C' }
  },
  positionals: { name: 'close|status|logs LEASE_ID', min: 2, max: 2 },
  async run (args, ctx) {
    const [action, leaseId] = args.positionals as [string, string]
    if (!['close', 'status', 'logs'].includes(action)) throw new UsageError('BAD_ARGUMENT', `lease: unknown action ${JSON.stringify(action.slice(0, 20))}; usage: ${this.usage}`)
    if (!/^[0-9a-f]{64}\/[0-9a-f]{64}$/.test(leaseId)) throw new UsageError('BAD_ARGUMENT', `a lease id is <order id>/<provider key>, 64 hex digits each (skymesh leases --json shows them), got ${JSON.stringify(leaseId.slice(0, 140))}`)
    if (action === 'status') return await leaseStatus(args, ctx, leaseId)
    if (action === 'logs') return await leaseLogs(args, ctx, leaseId)
    const reason = stringOpt(args, 'reason') ?? 'closed by the user'
    if (reason.length > 512) throw new UsageError('BAD_ARGUMENT', `--reason is at most 512 characters, got ${reason.length}`)
    const client = await connectToNode(args.dataDir)
    const lease = await client.post('/leases/close', { leaseId, reason })
    if (args.json) printJson(ctx.io, lease)
    else ctx.io.stdout(leaseLines(lease).join('\n') + '\n')
    return 0
  }
}

async function leaseStatus (args: ParsedArgs, ctx: CommandContext, leaseId: string): Promise<number> {
  const client = await connectToNode(args.dataDir)
  const status = await client.leaseStatus(leaseId)
  if (args.json) {
    printJson(ctx.io, status)
    return 0
  }
  const state = (status as { state?: string }).state ?? (status.ready ? 'running' : 'deploying')
  const lines = [`lease ${leaseId}: ${state}`]
  for (const s of status.services) {
    lines.push(`  service ${s.name}: ${s.state}, ${s.ready}/${s.desired} ready, ${s.restarts} restarts`)
    for (const e of s.endpoints) lines.push(`    endpoint ${e.uri}`)
    for (const r of s.replicas) {
      if (r.exitCode !== undefined) lines.push(`    replica ${r.replica}: ${r.state}, exited ${r.exitCode}${r.reason !== undefined ? ` (${r.reason})` : ''}`)
      if (r.error !== undefined) lines.push(`    replica ${r.replica}: ${r.error}`)
    }
    for (const ev of s.lastEvents.slice(-5)) lines.push(`    ${new Date(ev.time).toISOString()} ${ev.action}${ev.replica !== undefined ? ` replica ${ev.replica}` : ''}${ev.exitCode !== undefined ? ` exit ${ev.exitCode}` : ''}${ev.reason !== undefined ? ` (${ev.reason})` : ''}`)
  }
  ctx.io.stdout(lines.join('\n') + '\n')
  return 0
}

async function leaseLogs (args: ParsedArgs, ctx: CommandContext, leaseId: string): Promise<number> {
  const tailText = stringOpt(args, 'tail')
  if (tailText !== undefined && !/^\d{1,5}$/.test(tailText)) throw new UsageError('BAD_ARGUMENT', `--tail is a number of lines, got ${JSON.stringify(tailText.slice(0, 20))}`)
  const service = stringOpt(args, 'service')
  if (service !== undefined && !/^[a-z][-a-z0-9]{0,62}$/.test(service)) throw new UsageError('BAD_ARGUMENT', `--service is an SDL service name, got ${JSON.stringify(service.slice(0, 70))}`)
  const client = await connectToNode(args.dataDir)
  const opts = { ...(service !== undefined ? { service } : {}), tail: tailText !== undefined ? Number(tailText) : 200 }
  const seen = new Set<string>()
  const print = (lines: LogLine[]): void => {
    for (const l of lines) {
      const key = `${l.service}/${l.replica}/${l.time ?? ''}/${l.line}`
      if (seen.has(key)) continue
      seen.add(key)
      if (args.json) printJson(ctx.io, l)
      else ctx.io.stdout(`${l.service}[${l.replica}] ${l.line}\n`)
    }
  }
  print(await client.leaseLogs(leaseId, opts))
  if (!boolOpt(args, 'follow')) return 0
  // followed by asking again for the latest lines every second: the provider answers one
  // request at a time, and lines already printed are skipped by their time and text
  while (!ctx.signal.aborted) {
    await new Promise<void>((resolve) => { const t = setTimeout(resolve, 1000); ctx.signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true }) })
    if (ctx.signal.aborted) break
    print(await client.leaseLogs(leaseId, { ...opts, tail: 100 }))
  }
  return 0
}
