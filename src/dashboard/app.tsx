import { render } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import type { GossipView, LeaseView, NodeStatus, OrderView, PeerView, ProviderView, TenantView } from '../api/routes.js'
import { closeLease, get, loginFromFragment, logout, sessionToken } from './client.js'
import { DeployForm } from './deploy-form.js'
import { LeasesSection, OrdersSection, TenantsSection } from './market-views.js'
import { NodeSection, PeersSection, ProvidersSection } from './mesh-views.js'

/**
 * Data without events (status, peers, gossip, providers, tenants) is read again this often while
 * the page is visible; orders and leases come live from /events and cost nothing when idle.
 */
const SLOW_REFRESH_MS = 10_000

type Link = 'connecting' | 'live' | 'lost'

function App (): preact.JSX.Element {
  const [status, setStatus] = useState<NodeStatus>()
  const [peers, setPeers] = useState<PeerView[]>([])
  const [gossip, setGossip] = useState<GossipView>()
  const [providers, setProviders] = useState<ProviderView[]>([])
  const [tenants, setTenants] = useState<TenantView[]>([])
  const [orders, setOrders] = useState<Map<string, OrderView>>(new Map())
  const [leases, setLeases] = useState<Map<string, LeaseView>>(new Map())
  const [link, setLink] = useState<Link>('connecting')
  const [loggedIn, setLoggedIn] = useState(sessionToken() !== null)
  const [notice, setNotice] = useState<string>()

  const refreshSlow = useCallback(async () => {
    const [s, p, g, pr, t] = await Promise.all([get('/status'), get('/peers'), get('/gossip'), get('/providers'), get('/tenants')])
    setStatus(s); setPeers(p.peers); setGossip(g); setProviders(pr.providers); setTenants(t.tenants)
  }, [])
  const refreshMarket = useCallback(async () => {
    const [o, l] = await Promise.all([get('/orders'), get('/leases')])
    setOrders(new Map(o.orders.map((x) => [x.orderId, x])))
    setLeases(new Map(l.leases.map((x) => [x.leaseId, x])))
  }, [])

  useEffect(() => {
    loginFromFragment().then(setLoggedIn, () => { setLoggedIn(false); setNotice('that login link was already used or has expired; run `skymesh dashboard` for a new one') })
  }, [])

  // live orders: every event replaces one order (and its lease); after a lost connection, read
  // everything again, since events sent meanwhile are gone
  useEffect(() => {
    const es = new EventSource('/events')
    let wasLost = false
    es.onopen = () => {
      setLink('live')
      if (wasLost) { wasLost = false; void refreshMarket().catch(() => {}); void refreshSlow().catch(() => {}) }
    }
    es.onerror = () => { wasLost = true; setLink('lost') }
    es.addEventListener('order', (ev: MessageEvent<string>) => {
      const o = JSON.parse(ev.data) as OrderView
      setOrders((m) => new Map(m).set(o.orderId, o))
      if (o.lease !== undefined) { const l = o.lease; setLeases((m) => new Map(m).set(l.leaseId, l)) }
    })
    return () => { es.close() }
  }, [refreshMarket, refreshSlow])

  useEffect(() => {
    void refreshMarket().catch(() => setLink('lost'))
    void refreshSlow().catch(() => setLink('lost'))
    let timer: ReturnType<typeof setInterval> | undefined
    const schedule = (): void => {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      if (document.visibilityState === 'visible') timer = setInterval(() => { void refreshSlow().catch(() => {}) }, SLOW_REFRESH_MS)
    }
    const onVisible = (): void => { if (document.visibilityState === 'visible') void refreshSlow().catch(() => {}); schedule() }
    document.addEventListener('visibilitychange', onVisible)
    schedule()
    return () => { document.removeEventListener('visibilitychange', onVisible); if (timer !== undefined) clearInterval(timer) }
  }, [refreshMarket, refreshSlow])

  const onClose = (leaseId: string): void => {
    closeLease(leaseId).then((l) => { setLeases((m) => new Map(m).set(l.leaseId, l)); setNotice(`lease closed`) }, (err: Error) => { setLoggedIn(sessionToken() !== null); setNotice(`close failed: ${err.message}`) })
  }
  const orderList = [...orders.values()].sort((a, b) => b.commitUntil - a.commitUntil)
  const leaseList = [...leases.values()]
  return (
    <>
      <header>
        <h1>skymesh</h1>
        <nav aria-label='sections'>
          <a href='#node'>node</a>
          {peers.length > 0 && <a href='#peers'>peers</a>}
          {providers.length > 0 && <a href='#providers'>providers</a>}
          {orderList.length > 0 && <a href='#orders'>orders</a>}
          {leaseList.length > 0 && <a href='#leases'>leases</a>}
          {tenants.length > 0 && <a href='#tenants'>tenants</a>}
          {loggedIn && <a href='#deploy'>deploy</a>}
        </nav>
        <p class={`link ${link}`} role='status' data-testid='link'>{link === 'live' ? 'live' : link === 'lost' ? 'connection lost, reconnecting…' : 'connecting…'}</p>
        {loggedIn
          ? <button type='button' onClick={() => { void logout().finally(() => setLoggedIn(false)) }}>log out</button>
          : <p class='sub'>read only: run <code>skymesh dashboard</code> and open its link to deploy or close leases</p>}
      </header>
      {notice !== undefined && <p class='notice' role='status'>{notice}</p>}
      <main>
        {status !== undefined && <NodeSection status={status} gossip={gossip} />}
        {peers.length > 0 && <PeersSection peers={peers} self={status?.peerId ?? ''} />}
        {providers.length > 0 && <ProvidersSection providers={providers} />}
        {loggedIn && <DeployForm onDeployed={() => { void refreshMarket().catch(() => {}) }} />}
        {orderList.length > 0 && <OrdersSection orders={orderList} />}
        {leaseList.length > 0 && <LeasesSection leases={leaseList} canAct={loggedIn} onClose={onClose} />}
        {tenants.length > 0 && <TenantsSection tenants={tenants} />}
      </main>
    </>
  )
}

render(<App />, document.getElementById('app') as HTMLElement)
