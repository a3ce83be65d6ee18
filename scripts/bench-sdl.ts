/**
 * SDL parser throughput over the corpus (test/fixtures/sdl/corpus): parses every file
 * repeatedly for a few seconds and prints `name: value unit` lines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSdl } from '../src/sdl/index.js'

function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
    dir = up
  }
  return dir
}

const corpusDir = join(packageRoot(), 'test', 'fixtures', 'sdl', 'corpus')
const texts = readdirSync(corpusDir).sort().map(f => readFileSync(join(corpusDir, f), 'utf8'))

let accepted = 0
for (const t of texts) {
  try { parseSdl(t); accepted++ } catch { /* rejected: counted below */ }
}

function run (ms: number): number {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    for (const t of texts) {
      try { parseSdl(t) } catch { /* rejections are part of the workload */ }
      n++
    }
  }
  return n / ((performance.now() - start) / 1000)
}

run(500) // warm-up
const rate = run(Number(process.env.BENCH_MS ?? 3000))
console.log(`sdl_corpus_files: ${texts.length} files`)
console.log(`sdl_files_per_second: ${Math.round(rate)} files/s (target > 7000)`)
console.log(`sdl_corpus_accepted: ${(100 * accepted / texts.length).toFixed(1)} % (target > 86)`)
