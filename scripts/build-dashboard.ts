import { copyFile, mkdir, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Bundles the dashboard (src/dashboard, preact) into dist/dashboard: index.html, app.js, app.css.
 * The node serves that directory (src/api/static-assets.ts); nothing is fetched at run time.
 * Compiled by `tsc` to dist/scripts/build-dashboard.js, so the root is three levels up.
 */
const root = fileURLToPath(new URL('../../', import.meta.url))
const src = `${root}src/dashboard/`
const out = `${root}dist/dashboard/`

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
const result = await build({
  entryPoints: [`${src}app.tsx`],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: ['chrome111', 'firefox113', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true
})
await copyFile(`${src}index.html`, `${out}index.html`)
await copyFile(`${src}app.css`, `${out}app.css`)
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
process.stdout.write(`dashboard: ${out} (app.js ${bytes} bytes)\n`)
