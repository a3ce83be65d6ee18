import type { GossipView, NodeStatus, PeerView, ProviderView } from '../api/routes.js'
import { bytes, duration, short } from './format.js'
import { Paged } from './pager.js'

export function NodeSection ({ status, gossip }: { status: NodeStatus, gossip: GossipView | undefined }): preact.JSX.Element {
  const params = Object.entries(status.networkParams).filter(([k]) => k !== 'name')
  return (
    <section id='node' aria-labelledby='node-h'>
      <h2 id='node-h'>Node</h2>
      <dl class='facts'>
        <dt>peer id</dt><dd class='mono' data-testid='peer-id'>{status.peerId}</dd>
        <dt>roles</dt><dd>{status.roles.join(', ')}</dd>
        <dt>network</dt><dd class='mono'>{status.network} (skymesh {status.version})</dd>
        <dt>uptime</dt><dd>{duration(status.uptimeMs)} (pid {status.pid})</dd>
        <dt>peers</dt><dd>{status.peers} ({status.connections.direct} direct, {status.connections.relayed} relayed connections)</dd>
        <dt>DHT</dt><dd>{status.dht.mode}, {status.dht.routingTable} in routing table</dd>
        <dt>providers</dt><dd>{status.providers} known</dd>
        {status.relayReservations !== undefined && <><dt>relay</dt><dd>{status.relayReservations} reservations</dd></>}
        {status.announce !== undefined && <><dt>announce</dt><dd>seq {status.announce.seq}, {status.announce.landed ? 'landed' : 'not landed yet'}, {status.announce.recipients} recipients</dd></>}
      </dl>
      <h3>Addresses</h3>
      <ul class='mono addrs'>{status.multiaddrs.map((a) => <li key={a}>{a}</li>)}</ul>
      <h3>Consensus parameters</h3>
      <table class='kv'><tbody>{params.map(([k, v]) => <tr key={k}><th scope='row'>{k}</th><td class='mono'>{String(v)}</td></tr>)}</tbody></table>
      {gossip !== undefined && <GossipTable gossip={gossip} />}
    </section>
  )
}

/** Counters per topic; the snapshot's fields beyond `peers` are per-topic records of numbers. */
function GossipTable ({ gossip }: { gossip: GossipView }): preact.JSX.Element | null {
  const topics = Object.keys(gossip.peers)
  const counters = Object.entries(gossip).filter(([k, v]) => k !== 'peers' && typeof v === 'object' && v !== null) as Array<[string, Record<string, unknown>]>
  if (topics.length === 0) return null
  const cell = (v: unknown): string => typeof v === 'number' ? String(v) : typeof v === 'object' && v !== null ? Object.entries(v as Record<string, unknown>).filter(([, n]) => typeof n === 'number' && n !== 0).map(([k, n]) => `${k} ${String(n)}`).join(', ') : ''
  return (
    <>
      <h3>Gossip</h3>
      <div class='scroll'>
        <table>
          <thead><tr><th scope='col'>topic</th><th scope='col'>subscribers</th><th scope='col'>mesh</th>{counters.map(([k]) => <th scope='col' key={k}>{k}</th>)}</tr></thead>
          <tbody>
            {topics.map((t) => (
              <tr key={t}>
                <th scope='row' class='mono'>{t.split('/').pop()}</th>
                <td>{gossip.peers[t]?.subscribers}</td><td>{gossip.peers[t]?.mesh}</td>
                {counters.map(([k, rec]) => <td key={k}>{cell(rec[t])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

export function PeersSection ({ peers, self }: { peers: PeerView[], self: string }): preact.JSX.Element {
  return (
    <section id='peers' aria-labelledby='peers-h'>
      <h2 id='peers-h'>Peers <span class='count'>{peers.length}</span></h2>
      <PeerGraph peers={peers} self={self} />
      <Paged items={peers} pageSize={25} label='peers'>
        {(page) => (
          <div class='scroll'>
            <table data-testid='peers-table'>
              <thead><tr><th scope='col'>peer</th><th scope='col'>via</th><th scope='col'>latency</th><th scope='col'>roles</th><th scope='col'>score</th><th scope='col'>protocols</th></tr></thead>
              <tbody>
                {page.map((p) => (
                  <tr key={p.peerId}>
                    <td class='mono' title={p.peerId}>{short(p.peerId)}</td>
                    <td>{p.via}{p.direction === 'inbound' ? ' (in)' : ' (out)'}</td>
                    <td>{p.latencyMs === null ? '–' : `${p.latencyMs} ms`}</td>
                    <td>{p.roles.join(', ')}</td>
                    <td>{p.gossipScore.toFixed(1)}</td>
                    <td class='protocols'>{p.protocols.filter((x) => !x.startsWith('/meshsub')).map((x) => x.split('/').filter(Boolean).slice(-2).join('/')).join(' ')}</td>
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

/**
 * This node's connections (the API knows no others): itself in the middle, each peer on a circle,
 * relayed connections dashed. Past 100 peers the labels go and the dots stay.
 */
function PeerGraph ({ peers, self }: { peers: PeerView[], self: string }): preact.JSX.Element {
  const size = 320
  const c = size / 2
  const r = c - 40
  const labels = peers.length <= 24
  return (
    <figure class='graph'>
      <svg viewBox={`0 0 ${size} ${size}`} role='img' aria-label={`connection graph: this node and ${peers.length} peers`}>
        {peers.map((p, i) => {
          const a = (2 * Math.PI * i) / Math.max(1, peers.length) - Math.PI / 2
          const x = c + r * Math.cos(a)
          const y = c + r * Math.sin(a)
          return (
            <g key={p.peerId}>
              <line x1={c} y1={c} x2={x} y2={y} class={p.via === 'relayed' ? 'edge relayed' : 'edge'} />
              <circle cx={x} cy={y} r={6} class={`peer ${p.roles.join(' ')}`}><title>{p.peerId} ({p.roles.join(', ')}, {p.via})</title></circle>
              {labels && <text x={x} y={y + (y > c ? 18 : -10)} text-anchor='middle'>{p.peerId.slice(-4)}</text>}
            </g>
          )
        })}
        <circle cx={c} cy={c} r={10} class='self'><title>this node {self}</title></circle>
      </svg>
      <figcaption>this node's connections; dashed: relayed</figcaption>
    </figure>
  )
}

export function ProvidersSection ({ providers }: { providers: ProviderView[] }): preact.JSX.Element {
  return (
    <section id='providers' aria-labelledby='providers-h'>
      <h2 id='providers-h'>Providers <span class='count'>{providers.length}</span></h2>
      <Paged items={providers} pageSize={20} label='providers'>
        {(page) => (
          <div class='scroll'>
            <table>
              <thead><tr><th scope='col'>provider</th><th scope='col'>cpu (avail / total)</th><th scope='col'>memory</th><th scope='col'>GPUs</th><th scope='col'>runtime</th><th scope='col'>attributes</th><th scope='col'>reputation</th><th scope='col'>via</th></tr></thead>
              <tbody>
                {page.map((p) => (
                  <tr key={p.peerId}>
                    <td class='mono' title={p.peerId}>{short(p.peerId)}</td>
                    <td>{(p.available.cpu / 1000).toFixed(1)} / {(p.total.cpu / 1000).toFixed(1)}</td>
                    <td>{bytes(p.available.memory)} / {bytes(p.total.memory)}</td>
                    <td>{gpus(p)}</td>
                    <td>{p.runtime}</td>
                    <td class='attrs'>{p.attributes.map((a) => `${a.key}=${a.value}`).join(' ')}</td>
                    <td>{p.reputation.sealed} sealed, {p.reputation.unrevealed} unrevealed{p.reputation.equivocations > 0 ? `, ${p.reputation.equivocations} equivocations` : ''}{p.reputation.complaints > 0 ? `, ${p.reputation.complaints} complaints` : ''}</td>
                    <td>{p.source} #{p.seq}</td>
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

function gpus (p: ProviderView): string {
  return p.total.gpus.length === 0 ? '–' : p.total.gpus.map((g) => `${g.units}× ${g.vendor} ${g.model}${g.ram !== '' ? ` ${g.ram}` : ''}`).join(', ')
}
