#!/usr/bin/env node
import '../util/polyfill.js'
import { runCli } from './main.js'

const controller = new AbortController()
let interrupts = 0
const onSignal = (): void => {
  interrupts++
  // First Ctrl-C: stop cleanly. Second: the user means it.
  if (interrupts > 1) process.exit(130)
  controller.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

const code = await runCli(process.argv.slice(2), {
  io: {
    stdout: (t) => { process.stdout.write(t) },
    stderr: (t) => { process.stderr.write(t) }
  },
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal
})
process.exitCode = code
// libp2p leaves a debounce timer of about 1 s after stop (STACK.md trap 10); do not wait for it.
if (controller.signal.aborted || code !== 0) setTimeout(() => process.exit(code), 50).unref()
