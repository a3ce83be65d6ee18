import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** ~/.skymesh unless SKYMESH_DATA is set; --data on any command overrides both. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const fromEnv = env.SKYMESH_DATA
  if (fromEnv !== undefined && fromEnv !== '') return resolve(cwd, fromEnv)
  return join(homedir(), '.skymesh')
}
