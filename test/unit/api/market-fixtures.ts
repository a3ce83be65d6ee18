import type { ApiSource, DeployResponse, LeaseView, OrderView } from '../../../src/api/index.js'
import { fakeSource, fakeStatus, type MeshSource } from './fake-source.js'

/** Market views as a node serves them (plain data; the market layer's own tests make real ones). */
export const ORDER_ID = 'ab'.repeat(32)
export const PROVIDER = '12D3KooWGzBGvBwQcBkBMTr9JvbbJu3ZRLkg6hjWoSBjYSrWjdn5'

export function fakeLease (over: Partial<LeaseView> = {}): LeaseView {
  return {
    leaseId: `${ORDER_ID}/${'cd'.repeat(32)}`,
    orderId: ORDER_ID,
    tenant: fakeStatus().peerId,
    provider: PROVIDER,
    state: 'active',
    pricePerBlock: '2.281589',
    pricePerMonth: '1000000.000000',
    actPerMonth: '1.000000',
    denom: 'uact',
    resources: [{ count: 1, cpu: 1000, memory: 1024 ** 3, storage: 1024 ** 3, gpu: 0 }],
    ...over
  }
}

export function fakeOrder (over: Partial<OrderView> = {}): OrderView {
  return {
    orderId: ORDER_ID,
    tenant: fakeStatus().peerId,
    dseq: 1_700_000_000_000,
    gseq: 1,
    group: 'dcloud',
    phase: 'awarded',
    maxPrice: { denom: 'uact', amount: '100000' },
    commitUntil: 1_700_000_003_000,
    revealUntil: 1_700_000_005_000,
    awardUntil: 1_700_000_015_000,
    finalUntil: 1_700_000_075_000,
    final: false,
    bids: [{ provider: PROVIDER, commitId: 'ef'.repeat(32), sealed: true, price: '2.281589', revealId: '01'.repeat(32) }],
    outcome: 'leased',
    lease: fakeLease(),
    noBids: [{ provider: '12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a', reasons: [{ code: 'CPU_SHORT', message: 'cpu short by 1 core' }] }],
    omissions: { commitsLeftOut: 0, revealsLeftOut: 0, cheaperLeftOut: 0, complaints: 0 },
    evidence: [],
    mine: true,
    ...over
  }
}

export type MarketSource = Pick<ApiSource, 'orders' | 'order' | 'leases' | 'deploy' | 'closeLease' | 'onOrderUpdate'>

/**
 * A source whose market routes answer from `orders` (by id) and record what was asked of them;
 * `listeners` holds the event-stream subscriptions currently open.
 */
export function marketSource (orders: OrderView[] = [fakeOrder()], over: Partial<MarketSource & MeshSource> = {}): ApiSource & {
  listeners: Set<(orderId: string) => void>
  deploys: Array<{ sdl: string, opts: { maxPrice?: string } }>
  closes: Array<{ leaseId: string, reason: string }>
  asked: string[]
} {
  const listeners = new Set<(orderId: string) => void>()
  const deploys: Array<{ sdl: string, opts: { maxPrice?: string } }> = []
  const closes: Array<{ leaseId: string, reason: string }> = []
  const asked: string[] = []
  const market: MarketSource = {
    orders: () => orders,
    order: (id) => { asked.push(id); return orders.find((o) => o.orderId === id) },
    leases: () => orders.flatMap((o) => o.lease !== undefined ? [o.lease] : []),
    deploy: async (sdl, opts): Promise<DeployResponse> => { deploys.push({ sdl, opts }); return { dseq: 42, orderIds: [ORDER_ID] } },
    closeLease: async (leaseId, reason) => { closes.push({ leaseId, reason }); return fakeLease({ leaseId, state: 'closed', closedBy: 'tenant', closeReason: reason }) },
    onOrderUpdate: (listener) => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
  const { status, peers, providers, gossipView, ...marketOver } = over
  const mesh = Object.fromEntries(Object.entries({ status, peers, providers, gossipView }).filter(([, v]) => v !== undefined)) as Partial<MeshSource>
  return { ...fakeSource(mesh), ...market, ...marketOver, listeners, deploys, closes, asked }
}
