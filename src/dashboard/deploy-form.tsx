import { useState } from 'preact/hooks'
import { RequestError, deploy } from './client.js'

interface SdlProblem { message: string, code: string, line?: number, column?: number, path?: string }

/**
 * Paste or upload an SDL and deploy it. A refusal of the SDL checker is shown at the line it
 * names, in a numbered copy of the text (the textarea itself cannot mark a line).
 */
export function DeployForm ({ onDeployed }: { onDeployed: (orderIds: string[]) => void }): preact.JSX.Element {
  const [sdl, setSdl] = useState('')
  const [maxPrice, setMaxPrice] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<SdlProblem | undefined>()
  const [done, setDone] = useState<string | undefined>()

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy(true); setProblem(undefined); setDone(undefined)
    try {
      const r = await deploy(sdl, maxPrice)
      setDone(`deployed dseq ${r.dseq}: ${r.orderIds.length} order(s)`)
      onDeployed(r.orderIds)
    } catch (err) {
      if (err instanceof RequestError) {
        const d = err.details
        setProblem({ message: err.message, code: err.code, ...(typeof d.line === 'number' ? { line: d.line } : {}), ...(typeof d.column === 'number' ? { column: d.column } : {}), ...(typeof d.path === 'string' ? { path: d.path } : {}) })
      } else setProblem({ message: String(err), code: 'NETWORK' })
    } finally { setBusy(false) }
  }
  const upload = async (e: Event): Promise<void> => {
    const f = (e.currentTarget as HTMLInputElement).files?.[0]
    if (f !== undefined) setSdl(await f.text())
  }
  const lines = sdl.split('\n')
  return (
    <section id='deploy' aria-labelledby='deploy-h'>
      <h2 id='deploy-h'>Deploy</h2>
      <form onSubmit={(e) => { void submit(e) }}>
        <label for='sdl'>SDL (YAML)</label>
        <textarea id='sdl' name='sdl' rows={14} spellcheck={false} value={sdl} onInput={(e) => setSdl((e.currentTarget as HTMLTextAreaElement).value)} aria-describedby={problem !== undefined ? 'sdl-error' : undefined} />
        <div class='row'>
          <label for='sdl-file'>or upload a file</label>
          <input id='sdl-file' type='file' accept='.yaml,.yml,text/yaml' onChange={(e) => { void upload(e) }} />
        </div>
        <div class='row'>
          <label for='max-price'>max price per block (uact, optional)</label>
          <input id='max-price' inputMode='numeric' value={maxPrice} onInput={(e) => setMaxPrice((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type='submit' disabled={busy || sdl.trim() === ''}>{busy ? 'deploying…' : 'deploy'}</button>
      </form>
      {done !== undefined && <p class='ok' role='status'>{done}</p>}
      {problem !== undefined && (
        <div class='sdl-error' id='sdl-error' role='alert'>
          <p><strong>{problem.code}</strong>{problem.line !== undefined ? ` at line ${problem.line}${problem.column !== undefined ? `, column ${problem.column}` : ''}` : ''}{problem.path !== undefined && problem.path !== '' ? ` (${problem.path})` : ''}: {problem.message}</p>
          {problem.line !== undefined && (
            <ol class='sdl-lines' aria-label='the SDL with the line in error marked'>
              {lines.map((text, i) => {
                const n = i + 1
                const near = problem.line !== undefined && Math.abs(n - problem.line) <= 3
                if (!near) return null
                return <li key={n} value={n} data-line={n} class={n === problem.line ? 'error-line' : undefined} aria-current={n === problem.line ? 'true' : undefined}><code>{text === '' ? ' ' : text}</code></li>
              })}
            </ol>
          )}
        </div>
      )}
    </section>
  )
}
