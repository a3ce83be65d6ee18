import { formatDecimal, parseDecimal } from '../sdl/decimal.js'
import type { Group } from '../sdl/types.js'
import { fromHex } from '../util/bytes.js'
import { PRICE_SCALE, type Bodies, type OrderGroup, type Price } from '../wire/index.js'
import { orderTotal } from './rules.js'
import { ignore } from './errors.js'

/** Decimal places of wire prices relative to the denom (PRICE_SCALE = 10^6). */
const WIRE_DECIMALS = 6
const DEC_TO_WIRE = 10n ** 12n // Akash DecCoin has 18 decimals; the wire keeps 6

/**
 * SDL price (a DecCoin amount string) to wire units. Digits finer than 10^-6 of the denom are
 * dropped (rounded down): a maximum price only gets stricter.
 */
export function decimalToWire (amount: string): bigint {
  const v = parseDecimal(amount)
  if (v === undefined) throw new RangeError(`not a decimal amount: ${amount}`)
  return v / DEC_TO_WIRE
}

export function wireToDecimal (amount: bigint): string {
  return formatDecimal(amount, WIRE_DECIMALS)
}

/** An SDL group as it travels in an Order. */
export function orderGroupFromSdl (g: Group): OrderGroup {
  return {
    name: g.name,
    requirements: { attributes: g.requirements.attributes.map((a) => ({ ...a })), signedBy: { allOf: [...g.requirements.signedBy.allOf], anyOf: [...g.requirements.signedBy.anyOf] } },
    resources: g.resources.map((u) => ({
      id: u.id,
      count: u.count,
      price: { denom: u.price.denom, amount: decimalToWire(u.price.amount) },
      cpu: u.cpu,
      memory: u.memory,
      storage: u.storage.map((v) => ({ name: v.name, size: v.size, attributes: v.attributes.map((a) => ({ ...a })) })),
      gpu: { units: u.gpu.units, attributes: u.gpu.attributes.map((a) => ({ ...a })) },
      endpoints: u.endpoints.map((e) => ({ ...e }))
    }))
  }
}

/** The SDL view of an order's group, for hardware matching and display. */
export function sdlGroupFromOrder (g: OrderGroup): Group {
  return {
    name: g.name,
    requirements: g.requirements,
    resources: g.resources.map((u) => ({ ...u, price: { denom: u.price.denom, amount: wireToDecimal(u.price.amount) } }))
  }
}

export interface OrderWindows {
  commitWindowMs: number
  revealWindowMs: number
}

/** Build an Order body for one SDL group. Deadlines are measured from `now`. */
export function buildOrderBody (opts: { net: string, now: number, dseq: number, gseq: number, group: Group, manifestHash: string, windows: OrderWindows, sealSeedHash: Uint8Array }): Bodies['Order'] {
  const group = orderGroupFromSdl(opts.group)
  const hash = fromHex(opts.manifestHash)
  if (hash === undefined || hash.length !== 32) throw new RangeError('manifestHash must be 32 bytes of hex')
  const body: Bodies['Order'] = {
    net: opts.net,
    createdAt: opts.now,
    dseq: opts.dseq,
    gseq: opts.gseq,
    group,
    maxPrice: { denom: 'uact', amount: 0n },
    manifestHash: hash,
    sealSeedHash: opts.sealSeedHash,
    commitUntil: opts.now + opts.windows.commitWindowMs,
    revealUntil: opts.now + opts.windows.commitWindowMs + opts.windows.revealWindowMs
  }
  body.maxPrice = orderTotal(body)
  return body
}

/** A price ceiling from `--max-price` (uact per block, decimal), for every group of a deployment. */
export function applyMaxPrice (body: Bodies['Order'], max: Price): Bodies['Order'] {
  if (max.denom !== body.maxPrice.denom) throw ignore('PRICE_DENOM_MISMATCH', `--max-price is in ${max.denom}, the order in ${body.maxPrice.denom}`)
  if (max.amount >= body.maxPrice.amount) return body
  // Scale every unit's price down proportionally (rounding down) so the sum stays the maximum.
  const resources = body.group.resources.map((u) => ({ ...u, price: { ...u.price, amount: (u.price.amount * max.amount) / body.maxPrice.amount } }))
  const out = { ...body, group: { ...body.group, resources } }
  out.maxPrice = orderTotal(out)
  return out
}

export { PRICE_SCALE }
