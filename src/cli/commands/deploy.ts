import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { connectToNode, type NodeClient, type OrderView } from '../../api/index.js'
import { SdlError, isSdlError, parseSdl } from '../../sdl/index.js'
import { RuntimeError, UsageError, errorMessage, isSkymeshError } from '../../util/errors.js'
import { printJson, boolOpt, stringOpt, type Command, type CommandContext } from '../command.js'
import { leaseLines, noLeaseLines, progressLine } from './market-format.js'

/** After the last reveal deadline: time for the award, the manifest and the provider's accept. */
const SETTLE_MS = 20_000
const POLL_MS = 500

/** An order is done when it has an outcome and, if leased, the provider accepted (or it closed). */
export function settled (o: OrderView): boolean {
  if (o.outcome === 'pending') return o.phase === 'expired'
  return o.lease === undefined || o.lease.state !== 'awarded'
}

/**
 * Follow orders to their end through the node's event stream (and a slow poll, in case an event
 * was missed), calling `onChange` with each new view. Resolves with the last views when every
 * order settled, or when the deadline passed.
 */
async function follow (client: NodeClient, orderIds: string[], deadline: number, signal: AbortSignal, onChange: (o: OrderView, prev: OrderView | undefined) => void): Promise<Map<string, OrderView>> {
  const views = new Map<string, OrderView>()
  const stop = new AbortController()
  const both = AbortSignal.any([signal, stop.signal])
  let wake: (() => void) | undefined
  const update = (o: OrderView): void => {
    if (!orderIds.includes(o.orderId)) return
    const prev = views.get(o.orderId)
    views.set(o.orderId, o)
    onChange(o, prev)
    wake?.()
  }
  const events = (async () => {
    try {
      for await (const o of client.orderEvents(both)) update(o)
    } catch { /* the poll below goes on */ }
  })()
  try {
    while (!signal.aborted && Date.now() < deadline) {
      for (const id of orderIds) {
        const v = views.get(id)
        if (v !== undefined && settled(v)) continue
        update(await client.order(id))
      }
      if (orderIds.every((id) => { const v = views.get(id); return v !== undefined && settled(v) })) break
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS)
        wake = () => { clearTimeout(t); resolve() }
      })
      wake = undefined
    }
  } finally {
    stop.abort()
    await events
  }
  return views
}

/** The lease's endpoints from its provider (once its services run), or why they are not known. */
async function endpointLines (client: NodeClient, leaseId: string): Promise<string> {
  try {
    const status = await client.leaseStatus(leaseId)
    const endpoints = status.services.flatMap((s) => s.endpoints.map((e) => `  endpoint  ${s.name}: ${e.uri}`))
    return endpoints.length === 0 ? '  endpoint  none (the SDL exposes no global port)\n' : endpoints.join('\n') + '\n'
  } catch (err) {
    if (isSkymeshError(err) && err.code === 'NO_WORKLOADS') return '  endpoint  none: the provider runs no workloads\n'
    return `  endpoint  unknown: ${errorMessage(err)}\n`
  }
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'deploy an Akash SDL file through the running tenant node: one order per group, then (--wait) the auction to its lease',
  usage: 'skymesh deploy FILE [--max-price UACT] [--wait] [--timeout SECONDS] [--data DIR] [--json]',
  options: {
    'max-price': { type: 'string', valueName: 'UACT', description: 'price ceiling per group, uact per block (e.g. 1000 or 1000uact); lowers the SDL\'s pricing, never raises it' },
    wait: { type: 'boolean', description: 'follow every order through commit, seal, reveal and award; print each lease, or why nobody bid' },
    timeout: { type: 'string', valueName: 'SECONDS', description: `with --wait: give up after this long (default: the auction windows + ${SETTLE_MS / 1000} s)` }
  },
  positionals: { name: 'FILE', min: 1, max: 1 },
  async run (args, ctx: CommandContext) {
    const file = args.positionals[0] as string
    const maxPrice = stringOpt(args, 'max-price')
    const timeoutArg = stringOpt(args, 'timeout')
    const timeoutS = timeoutArg === undefined ? undefined : Number(timeoutArg)
    if (timeoutS !== undefined && (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 86_400)) throw new UsageError('BAD_ARGUMENT', `--timeout takes seconds (1 to 86400), got ${JSON.stringify(timeoutArg?.slice(0, 20))}`)
    let text: string
    try {
      text = await readFile(resolve(ctx.cwd, file), 'utf8')
    } catch (err) {
      throw new UsageError('BAD_ARGUMENT', `cannot read ${file}: ${(err as Error).message}`)
    }
    // The node parses it again; parsing here reports a bad file even with no node running.
    let sdl
    try {
      sdl = parseSdl(text)
    } catch (err) {
      if (!isSdlError(err)) throw err
      const where = err.line !== undefined ? `:${err.line}${err.column !== undefined ? `:${err.column}` : ''}` : ''
      throw new SdlError(err.code, `${file}${where}: ${err.message}`, { path: err.path, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.column !== undefined ? { column: err.column } : {}), ...(err.expected !== undefined ? { expected: err.expected } : {}) })
    }

    const client = await connectToNode(args.dataDir)
    const { dseq, orderIds } = await client.post('/deploy', { sdl: text, ...(maxPrice !== undefined ? { maxPrice } : {}) })
    if (!boolOpt(args, 'wait')) {
      if (args.json) printJson(ctx.io, { dseq, orderIds, manifestHash: sdl.manifestHash })
      else {
        ctx.io.stdout(`deployment ${dseq}: ${orderIds.length} order${orderIds.length === 1 ? '' : 's'} broadcast (manifest ${sdl.manifestHash.slice(0, 16)}…)\n`)
        for (const id of orderIds) ctx.io.stdout(`  order ${id}\n`)
        ctx.io.stdout(`follow them with: skymesh orders --data ${args.dataDir}\n`)
      }
      return 0
    }

    if (!args.json) ctx.io.stdout(`deployment ${dseq}: ${orderIds.length} order${orderIds.length === 1 ? '' : 's'} broadcast, waiting for bids\n`)
    const first = await client.order(orderIds[0] as string)
    const deadline = Date.now() + (timeoutS !== undefined ? timeoutS * 1000 : Math.max(0, first.revealUntil - Date.now()) + SETTLE_MS)
    const views = await follow(client, orderIds, deadline, ctx.signal, (o, prev) => {
      if (args.json) return
      const line = progressLine(o, prev, Date.now())
      if (line !== undefined) ctx.io.stdout(line + '\n')
    })
    const orders = orderIds.map((id) => views.get(id)).filter((v): v is OrderView => v !== undefined)
    const leased = orders.filter((o) => o.lease !== undefined && o.lease.state === 'active')
    const done = orders.length === orderIds.length && orders.every(settled)
    if (args.json) {
      printJson(ctx.io, { dseq, orderIds, ok: done && leased.length === orderIds.length, orders, leases: orders.flatMap((o) => o.lease === undefined ? [] : [o.lease]) })
    } else {
      for (const o of orders) {
        if (o.lease !== undefined) {
          ctx.io.stdout(leaseLines(o.lease).join('\n') + '\n')
          if (o.lease.state === 'active') ctx.io.stdout(await endpointLines(client, o.lease.leaseId))
        }
        else if (settled(o)) ctx.io.stdout(noLeaseLines(o).join('\n') + '\n')
        else ctx.io.stdout(`order ${o.orderId}: still ${o.phase} when the wait ended\n`)
      }
    }
    if (ctx.signal.aborted) throw new RuntimeError('TIMEOUT', 'interrupted; the orders go on on the node (skymesh orders)')
    if (!done) throw new RuntimeError('TIMEOUT', `not every order settled in time; see skymesh orders --data ${args.dataDir}`)
    return leased.length === orderIds.length ? 0 : 1
  }
}

