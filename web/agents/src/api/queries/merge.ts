/** Reading several newest-first GET /cases streams as one newest-first list (a k-way merge).
 *
 * Each call reads one more page of every stream whose buffer ran dry, then hands out only the
 * cases at least as new as the oldest buffered case of any stream that still has more: nothing
 * read later can then come before what was already shown. Pure over a `fetchPage` function. */
import type { Case, CasePage } from '@/api/types'
import type { CaseStreamQuery } from '@/views/queue'

export interface StreamState {
  query: CaseStreamQuery
  cursor: string | null
  done: boolean
  buffer: Case[]
}

export interface MergeState {
  streams: StreamState[]
}

export interface MergedPage {
  items: Case[]
  next: MergeState | null
}

export type FetchPage = (query: CaseStreamQuery, cursor: string | null) => Promise<CasePage>

export function initialState(queries: CaseStreamQuery[]): MergeState {
  return { streams: queries.map((query) => ({ query, cursor: null, done: false, buffer: [] })) }
}

const newestFirst = (a: Case, b: Case) =>
  a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : a.case_id < b.case_id ? 1 : -1

/** Read until at least `want` cases pass `keep` (or every stream is exhausted), at most `rounds` reads. */
export async function readMerged(
  state: MergeState,
  fetchPage: FetchPage,
  keep: (c: Case) => boolean,
  want: number,
  rounds = 5,
): Promise<MergedPage> {
  const streams = state.streams.map((s) => ({ ...s, buffer: [...s.buffer] }))
  const items: Case[] = []
  for (let round = 0; round < rounds && items.length < want; round += 1) {
    await Promise.all(
      streams
        .filter((s) => !s.done && s.buffer.length === 0)
        .map(async (s) => {
          const page = await fetchPage(s.query, s.cursor)
          s.buffer.push(...page.items)
          s.cursor = page.next_cursor ?? null
          s.done = !s.cursor
        }),
    )
    const live = streams.filter((s) => !s.done)
    // The watermark: the oldest last-read case among streams that have more to read.
    const watermark = live.length
      ? live
          .map((s) => s.buffer[s.buffer.length - 1]?.updated_at ?? '\uffff')
          .reduce((a, b) => (a > b ? a : b))
      : ''
    const ready: Case[] = []
    for (const s of streams) {
      const cut = s.buffer.findIndex((c) => c.updated_at < watermark)
      const taken = cut < 0 ? s.buffer.splice(0) : s.buffer.splice(0, cut)
      ready.push(...taken)
    }
    items.push(...ready.filter(keep).sort(newestFirst))
    if (streams.every((s) => s.done && s.buffer.length === 0)) return { items: dedupe(items), next: null }
  }
  return { items: dedupe(items), next: { streams } }
}

function dedupe(items: Case[]): Case[] {
  const seen = new Set<string>()
  return items.filter((c) => (seen.has(c.case_id) ? false : (seen.add(c.case_id), true)))
}
