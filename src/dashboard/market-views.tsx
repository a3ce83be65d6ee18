import type { LeaseView, OrderView, TenantView } from '../api/routes.js'
import { short, time } from './format.js'
import { Paged } from './pager.js'

/** One auction as a timeline: commits, seal, reveals, award, lease; each step once it happened. */
function Timeline ({ o }: { o: OrderView }): preact.JSX.Element {
  const sealed = o.bids.filter((b) => b.sealed)
  const revealed = o.bids.filter((b) => b.price !== undefined)
  const awarded = o.bids.filter((b) => b.awarded === true)
  const steps: Array<{ key: string, label: string, done: boolean, detail: string }> = [
    { key: 'commit', label: 'commits', done: o.bids.length > 0, detail: `${o.bids.length} until ${time(o.commitUntil)}` },
    { key: 'seal', label: 'seal', done: sealed.length > 0 || ['reveal', 'awarding', 'awarded'].includes(o.phase), detail: `${sealed.length} sealed` },
    { key: 'reveal', label: 'reveals', done: revealed.length > 0, detail: `${revealed.length} until ${time(o.revealUntil)}` },
    { key: 'award', label: 'award', done: awarded.length > 0, detail: awarded.map((b) => `${short(b.provider, 4)} at ${b.price ?? '?'}`).join(', ') || `until ${time(o.awardUntil)}` },
    { key: 'lease', label: 'lease', done: o.lease !== undefined, detail: o.lease !== undefined ? o.lease.state : o.outcome }
  ]
  return (
    <ol class='timeline' aria-label={`auction of order ${short(o.orderId)}`}>
      {steps.map((s) => <li key={s.key} class={s.done ? 'done' : 'todo'} data-step={s.key}><span class='step'>{s.label}</span> <span class='detail'>{s.detail}</span></li>)}
    </ol>
  )
}

function OrderCard ({ o }: { o: OrderView }): preact.JSX.Element {
  // no-bid reasons grouped by code: a hundred providers saying "no GPU" is one line
  const reasons = new Map<string, { message: string, providers: string[] }>()
  for (const nb of o.noBids) {
    for (const r of nb.reasons) {
      const g = reasons.get(r.code) ?? { message: r.message, providers: [] }
      g.providers.push(nb.provider)
      reasons.set(r.code, g)
    }
  }
  const leftOut = o.bids.filter((b) => b.leftOut !== undefined)
  const equivocated = o.bids.filter((b) => b.equivocated === true)
  const om = o.omissions
  return (
    <article class='order' data-order={o.orderId} aria-labelledby={`o-${o.orderId}`}>
      <h3 id={`o-${o.orderId}`}>
        <span class='mono' title={o.orderId}>{short(o.orderId)}</span> dseq {o.dseq}/{o.gseq} <span class={`phase ${o.phase}`}>{o.phase}</span>
        {o.mine && <span class='tag'>mine</span>} {o.final && <span class='tag'>final</span>}
      </h3>
      <p class='sub'>group {o.group}, max {o.maxPrice.amount} {o.maxPrice.denom}/block, tenant <span class='mono' title={o.tenant}>{short(o.tenant)}</span>{o.outcomeReason !== undefined ? `, ${o.outcomeReason}` : ''}</p>
      <Timeline o={o} />
      {o.bids.length > 0 && (
        <details>
          <summary>{o.bids.length} bids</summary>
          <ul class='bids'>{o.bids.map((b) => <li key={b.commitId}><span class='mono'>{short(b.provider)}</span> {b.sealed ? 'sealed' : 'not sealed'}{b.price !== undefined ? `, ${b.price}` : ''}{b.awarded === true ? ', awarded' : ''}{b.leftOut !== undefined ? `, ${b.leftOut} left out` : ''}{b.equivocated === true ? ', equivocated' : ''}</li>)}</ul>
        </details>
      )}
      {reasons.size > 0 && (
        <div class='nobids'><h4>Why providers did not bid</h4>
          <ul>{[...reasons].map(([code, g]) => <li key={code}><strong>{code}</strong> ({g.providers.length}): {g.message}</li>)}</ul>
        </div>
      )}
      {o.myReasons !== undefined && o.myReasons.length > 0 && <p class='sub'>this node did not bid: {o.myReasons.map((r) => r.code).join(', ')}</p>}
      {(om.commitsLeftOut + om.revealsLeftOut + om.complaints > 0 || leftOut.length > 0) && (
        <p class='warn' role='note'>omissions: {om.commitsLeftOut} commits and {om.revealsLeftOut} reveals left out ({om.cheaperLeftOut} cheaper), {om.complaints} complaints{leftOut.length > 0 ? `; left out: ${leftOut.map((b) => short(b.provider, 4)).join(', ')}` : ''}</p>
      )}
      {(o.evidence.length > 0 || equivocated.length > 0) && (
        <p class='bad' role='note'>equivocation: {[...o.evidence, ...equivocated.map((b) => `bid:${short(b.provider, 4)}`)].join(', ')}</p>
      )}
    </article>
  )
}

export function OrdersSection ({ orders }: { orders: OrderView[] }): preact.JSX.Element {
  return (
    <section id='orders' aria-labelledby='orders-h'>
      <h2 id='orders-h'>Orders <span class='count'>{orders.length}</span></h2>
      <Paged items={orders} pageSize={10} label='orders'>
        {(page) => <div class='orders'>{page.map((o) => <OrderCard key={o.orderId} o={o} />)}</div>}
      </Paged>
    </section>
  )
}

export function LeasesSection ({ leases, canAct, onClose }: { leases: LeaseView[], canAct: boolean, onClose: (leaseId: string) => void }): preact.JSX.Element {
  return (
    <section id='leases' aria-labelledby='leases-h'>
      <h2 id='leases-h'>Leases <span class='count'>{leases.length}</span></h2>
      <Paged items={leases} pageSize={25} label='leases'>
        {(page) => (
          <div class='scroll'>
            <table data-testid='leases-table'>
              <thead><tr><th scope='col'>lease</th><th scope='col'>state</th><th scope='col'>provider</th><th scope='col'>per block</th><th scope='col'>per month</th><th scope='col'>resources</th>{canAct && <th scope='col'><span class='sr'>actions</span></th>}</tr></thead>
              <tbody>
                {page.map((l) => (
                  <tr key={l.leaseId} data-lease={l.leaseId}>
                    <td class='mono' title={l.leaseId}>{short(l.leaseId)}</td>
                    <td><span class={`state ${l.state}`}>{l.state}</span>{l.closeReason !== undefined ? ` (${l.closeReason})` : ''}</td>
                    <td class='mono' title={l.provider}>{short(l.provider)}</td>
                    <td>{l.pricePerBlock} {l.denom}</td>
                    <td>{l.pricePerMonth} {l.denom} ({l.actPerMonth} ACT)</td>
                    <td>{l.resources.map((r) => `${r.count}× ${r.cpu / 1000} cpu${r.gpu > 0 ? ` ${r.gpu} gpu` : ''}`).join(', ')}</td>
                    {canAct && <td>{l.state !== 'closed' && <button type='button' onClick={() => onClose(l.leaseId)} aria-label={`close lease ${short(l.leaseId)}`}>close</button>}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Paged>
    </section>
  )
}

export function TenantsSection ({ tenants }: { tenants: TenantView[] }): preact.JSX.Element {
  return (
    <section id='tenants' aria-labelledby='tenants-h'>
      <h2 id='tenants-h'>Tenants <span class='count'>{tenants.length}</span></h2>
      <div class='scroll'>
        <table>
          <thead><tr><th scope='col'>tenant</th><th scope='col'>orders</th><th scope='col'>commits left out</th><th scope='col'>reveals left out</th><th scope='col'>cheaper left out</th><th scope='col'>equivocations</th></tr></thead>
          <tbody>{tenants.map((t) => <tr key={t.tenant}><td class='mono' title={t.tenant}>{short(t.tenant)}</td><td>{t.orders}</td><td>{t.commitsLeftOut}</td><td>{t.revealsLeftOut}</td><td>{t.cheaperLeftOut}</td><td>{t.equivocations}</td></tr>)}</tbody>
        </table>
      </div>
      <p class='sub'>Leaving commits out of a seal is the tenant's right; leaving a cheaper reveal out of an award is not.</p>
    </section>
  )
}
