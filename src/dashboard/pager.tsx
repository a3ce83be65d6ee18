import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'

/**
 * Rows a page at a time: a thousand orders or a hundred peers render as one page of DOM, not all
 * of it (the page stays fast however large the node's lists grow).
 */
export function Paged<T> (props: { items: T[], pageSize: number, label: string, children: (page: T[]) => ComponentChildren }): ComponentChildren {
  const [page, setPage] = useState(0)
  const pages = Math.max(1, Math.ceil(props.items.length / props.pageSize))
  const p = Math.min(page, pages - 1)
  const slice = props.items.slice(p * props.pageSize, (p + 1) * props.pageSize)
  return (
    <>
      {props.children(slice)}
      {pages > 1 && (
        <nav class='pager' aria-label={`${props.label} pages`}>
          <button type='button' disabled={p === 0} onClick={() => setPage(p - 1)} aria-label={`previous page of ${props.label}`}>‹ previous</button>
          <span aria-live='polite'>page {p + 1} of {pages} ({props.items.length} {props.label})</span>
          <button type='button' disabled={p >= pages - 1} onClick={() => setPage(p + 1)} aria-label={`next page of ${props.label}`}>next ›</button>
        </nav>
      )}
    </>
  )
}
