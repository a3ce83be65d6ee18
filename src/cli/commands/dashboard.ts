import { spawn } from 'node:child_process'
import { connectToNode } from '../../api/index.js'
import { boolOpt, printJson, type Command } from '../command.js'

/** The program that opens a URL in the user's browser, per platform. */
function opener (): { cmd: string, args: string[] } {
  if (process.platform === 'darwin') return { cmd: 'open', args: [] }
  if (process.platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""'] }
  return { cmd: 'xdg-open', args: [] }
}

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'print (or open) a one-time link to the running node\'s dashboard; the link logs the page in once',
  usage: 'skymesh dashboard [--open] [--data DIR] [--json]',
  options: {
    open: { type: 'boolean', description: 'open the link in the default browser (xdg-open, open)' }
  },
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { code, expiresAt } = await client.dashboardLoginCode()
    // the code rides in the fragment: browsers never send it to a server or in a Referer
    const url = `${client.info.api}/#login=${code}`
    if (args.json) {
      printJson(ctx.io, { url, expiresAt: new Date(expiresAt).toISOString() })
    } else {
      ctx.io.stdout(`${url}\n`)
      ctx.io.stderr(`the link logs in once, within 5 minutes; reading needs no login (${client.info.api}/)\n`)
    }
    if (boolOpt(args, 'open')) {
      const o = opener()
      const child = spawn(o.cmd, [...o.args, url], { stdio: 'ignore', detached: true })
      child.on('error', () => { ctx.io.stderr(`could not run ${o.cmd}; open the link above by hand\n`) })
      child.unref()
    }
    return 0
  }
}
