/** Paths of the SDL test data copied from /work/shared/sdl (Apache-2.0, see LICENSE-NOTICE.md). */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const FIXTURES = fileURLToPath(new URL('../../fixtures/sdl/', import.meta.url))

export function readFixture (rel: string): string {
  return readFileSync(FIXTURES + rel, 'utf8')
}

export function listFixtures (dir: string): string[] {
  return readdirSync(FIXTURES + dir).sort()
}
