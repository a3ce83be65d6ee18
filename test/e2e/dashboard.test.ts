import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_TOKEN_FILE_NAME, connectToNode } from '../../src/api/index.js'
import { builtDashboardDir } from '../../src/cli/commands/start.js'
import type { SkymeshNode } from '../../src/node/runtime.js'
import { MarketNodes, REDIS_SDL, tcpAddr, waitForMarketMesh, type MarketNetwork } from '../helpers/market-nodes.js'

/**
 * The dashboard in a real browser (Debian's chromium, STACK.md trap 13) against a mesh of four
 * in-process nodes: a tenant with its API and three providers. Skips, saying why, without
 * /usr/bin/chromium or without a built dashboard (npm run build).
 */
const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  // a name of "another site" that resolves to the node: what DNS rebinding achieves
  '--host-resolver-rules=MAP rebind.test 127.0.0.1']
const SCREENSHOTS = new URL('../../dist/screenshots/', import.meta.url).pathname
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } }

const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : builtDashboardDir() === undefined ? 'the dashboard is not built (npm run build)' : undefined
if (missing !== undefined) process.stderr.write(`dashboard browser tests skipped: ${missing}\n`)

const NET: MarketNetwork = { id: 'skymesh-e2e-dashboard', commitWindowMs: 1500, revealWindowMs: 1200, maxClockSkewMs: 400 }
const CHEAP_PRICING = 'unit: usd-per-month\ncpu: 1.00\n'

describe.skipIf(missing !== undefined)('dashboard in chromium', () => {
  const nodes = new MarketNodes(NET)
  let tenant: SkymeshNode
  let dataDir: string
  let api: string
  let browser: Browser | undefined
  const errors: string[] = []

  beforeAll(async () => {
    const launched = await nodes.launch({ roles: ['tenant'] })
    tenant = launched.node
    dataDir = launched.dataDir
    api = launched.server.url
    const hub = [tcpAddr(tenant)]
    const providers = await Promise.all([
      nodes.start({ roles: ['provider'], bootstrap: hub, pricing: CHEAP_PRICING }),
      nodes.start({ roles: ['provider'], bootstrap: hub }),
      nodes.start({ roles: ['provider'], bootstrap: hub, attributes: { region: 'eu-west' } })
    ])
    await waitForMarketMesh(providers.map((p) => p.node))
    await waitForMarketMesh([tenant], 3)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 20_000 })
    nodes.onClose(async () => { await browser?.close() })
    await mkdir(SCREENSHOTS, { recursive: true })
  }, 90_000)

  afterAll(async () => { await nodes.closeAll() }, 30_000)

  /** A fresh page; console errors and uncaught exceptions are collected to assert none. */
  async function open (path: string, viewport = WIDTHS.desktop): Promise<Page> {
    const page = await (browser as Browser).newPage({ viewport })
    page.setDefaultTimeout(15_000)
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`${path}: ${m.text()}`) })
    page.on('pageerror', (e) => { errors.push(`${path}: ${e.message}`) })
    await page.goto(api + path)
    return page
  }

  /** What `skymesh dashboard` prints: the one-time link. */
  async function loginLink (): Promise<string> {
    const { code } = await (await connectToNode(dataDir)).dashboardLoginCode()
    return `/#login=${code}`
  }

  it('lists the peers, read-only without a login', async () => {
    const page = await open('/')
    await expect.poll(async () => await page.locator('[data-testid=peers-table] tbody tr').count(), { timeout: 15_000 }).toBe(3)
    await expect.poll(async () => await page.getByTestId('link').textContent()).toBe('live')
    expect(await page.getByTestId('peer-id').textContent()).toBe(tenant.status().peerId)
    expect(await page.locator('#deploy').count()).toBe(0)
    await page.close()
  })

  it('a deploy from the page ends in a lease that appears live, without a reload; then it closes', async () => {
    const page = await open(await loginLink())
    await page.getByLabel('SDL (YAML)').fill(REDIS_SDL)
    // the code left the address bar once traded
    expect(new URL(page.url()).hash).toBe('')
    const loads: string[] = []
    page.on('load', () => loads.push('load'))
    await page.getByRole('button', { name: 'deploy' }).click()
    await page.getByRole('status').filter({ hasText: 'deployed dseq' }).waitFor()
    const row = page.locator('[data-testid=leases-table] tbody tr').filter({ hasText: 'active' })
    await row.waitFor({ timeout: 20_000 })
    const order = page.locator('article.order').first()
    await expect.poll(async () => await order.locator('[data-step=lease].done').count()).toBe(1)
    expect(loads).toEqual([])
    await shootAll(page, 'desktop')
    await page.setViewportSize(WIDTHS.phone)
    await shootAll(page, 'phone')
    await page.setViewportSize(WIDTHS.desktop)
    // close it with the keyboard: focus the button, press Enter
    await row.getByRole('button', { name: /close lease/ }).focus()
    await page.keyboard.press('Enter')
    await page.locator('[data-testid=leases-table] tbody tr').filter({ hasText: 'closed' }).waitFor()
    await page.close()
  }, 60_000)

  it('a bad SDL shows its error at the line it names', async () => {
    const page = await open(await loginLink())
    const bad = REDIS_SDL.replace('units: 1', 'units: lots')
    const line = bad.split('\n').findIndex((l) => l.includes('units: lots')) + 1
    await page.getByLabel('SDL (YAML)').fill(bad)
    await page.getByRole('button', { name: 'deploy' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain(`line ${line}`)
    expect(await page.locator('.error-line').getAttribute('data-line')).toBe(String(line))
    expect(await page.locator('.error-line').textContent()).toContain('units: lots')
    await page.locator('#deploy').screenshot({ path: join(SCREENSHOTS, 'deploy-error-desktop.png') })
    // the 400 is the point of this test, not a console error of the page's own
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('status of 400')))
    await page.close()
  })

  it('a request without the token is refused; so is one with a foreign Origin or Host, from the browser too', async () => {
    const page = await open('/')
    const status = await page.evaluate(async () => (await fetch('/deploy', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sdl":"x"}' })).status)
    expect(status).toBe(401)
    // DNS rebinding: another name, resolving to the node, on the node's port
    const rebound = await page.goto(api.replace('127.0.0.1', 'rebind.test') + '/status')
    expect(rebound?.status()).toBe(400)
    expect(await rebound?.json()).toMatchObject({ error: { code: 'BAD_HOST' } })
    await page.close()
    const token = (await readFile(join(dataDir, API_TOKEN_FILE_NAME), 'utf8')).trim()
    const foreign = await raw(api + '/deploy', { origin: 'http://evil.example', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{"sdl":"x"}')
    expect(foreign).toMatchObject({ status: 403, code: 'FORBIDDEN_ORIGIN' })
    const host = await raw(api + '/orders', { host: 'evil.example' })
    expect(host).toMatchObject({ status: 400, code: 'BAD_HOST' })
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('status of 401') && !e.includes('status of 400')))
  })

  it('orders and peers render at most one page of rows (10 orders, 25 peers)', async () => {
    const page = await open('/')
    await page.locator('#orders').waitFor()
    // the views page their rows; the node's own lists are small here, so check the cap itself
    expect(await page.locator('article.order').count()).toBeLessThanOrEqual(10)
    expect(await page.locator('[data-testid=peers-table] tbody tr').count()).toBeLessThanOrEqual(25)
    await page.close()
  })

  it('logged no console errors', () => {
    expect(errors).toEqual([])
  })

  /** One screenshot per view that has data, named <view>-<width>.png. */
  async function shootAll (page: Page, width: keyof typeof WIDTHS): Promise<void> {
    for (const id of ['node', 'peers', 'providers', 'deploy', 'orders', 'leases', 'tenants']) {
      const s = page.locator(`#${id}`)
      if (await s.count() === 0) continue
      await s.screenshot({ path: join(SCREENSHOTS, `${id}-${width}.png`) })
    }
    await page.screenshot({ path: join(SCREENSHOTS, `page-${width}.png`), fullPage: true })
  }
})

async function raw (url: string, headers: Record<string, string>, body?: string): Promise<{ status: number, code: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, code: (JSON.parse(Buffer.concat(chunks).toString()) as { error: { code: string } }).error.code }) })
    })
    req.on('error', reject)
    req.end(body)
  })
}
