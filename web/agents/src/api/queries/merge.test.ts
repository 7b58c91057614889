import { describe, expect, it } from 'vitest'
import type { Case, CasePage } from '@/api/types'
import type { CaseStreamQuery } from '@/views/queue'
import { makeCase } from '@/test/fixtures'
import { initialState, readMerged } from './merge'

/** Two newest-first streams served two cases a page. */
function streams(data: Record<string, Case[]>) {
  const reads: string[] = []
  const fetchPage = async (query: CaseStreamQuery, cursor: string | null): Promise<CasePage> => {
    const all = data[query.status ?? ''] ?? []
    const start = cursor ? Number(cursor) : 0
    reads.push(`${query.status}@${start}`)
    const items = all.slice(start, start + 2)
    return { items, next_cursor: start + 2 < all.length ? String(start + 2) : null }
  }
  return { fetchPage, reads }
}

const at = (id: string, minute: number, over: Partial<Case> = {}) =>
  makeCase({ case_id: id, updated_at: `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`, ...over })

describe('merging case streams', () => {
  it('hands out cases newest first across streams, never one older than a stream still unread', async () => {
    const { fetchPage } = streams({
      new: [at('n1', 50), at('n2', 40), at('n3', 10)],
      open: [at('o1', 45), at('o2', 44), at('o3', 43), at('o4', 5)],
    })
    const first = await readMerged(
      initialState([{ status: 'new' }, { status: 'open' }]),
      fetchPage,
      () => true,
      1,
    )
    // new's last read is 40 and open's 44: only cases from 44 on are certain to be in order
    expect(first.items.map((c) => c.case_id)).toEqual(['n1', 'o1', 'o2'])
    let all = [...first.items]
    let state = first.next
    while (state) {
      const page = await readMerged(state, fetchPage, () => true, 1)
      all = [...all, ...page.items]
      state = page.next
    }
    expect(all.map((c) => c.case_id)).toEqual(['n1', 'o1', 'o2', 'o3', 'n2', 'n3', 'o4'])
  })

  it('reads on until enough cases pass a filter the API cannot apply', async () => {
    const { fetchPage, reads } = streams({
      new: [at('a', 9, { assignee: 'x' }), at('b', 8, { assignee: 'x' }), at('c', 7), at('d', 6)],
    })
    const page = await readMerged(initialState([{ status: 'new' }]), fetchPage, (c) => !c.assignee, 2)
    expect(page.items.map((c) => c.case_id)).toEqual(['c', 'd'])
    expect(reads).toEqual(['new@0', 'new@2'])
    expect(page.next).toBeNull()
  })
})
