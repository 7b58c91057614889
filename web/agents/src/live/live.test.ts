import { QueryClient } from '@tanstack/vue-query'
import { describe, expect, it, vi } from 'vitest'
import { caseKeys } from '@/api/queries/cases'
import type { CasePage } from '@/api/types'
import { DEFAULT_FILTERS } from '@/views/queue'
import { makeCase } from '@/test/fixtures'
import { applyChanges } from './apply'
import { createPollingUpdates } from './polling'

describe('live updates', () => {
  it('polls for cases changed since the last poll and reports each change once', async () => {
    vi.useFakeTimers()
    const changed = makeCase({ case_id: 'CB-9', updated_at: '2026-01-01T00:00:05Z' })
    const fetchChanged = vi.fn(async () => ({ items: [changed], next_cursor: null }))
    const live = createPollingUpdates({ intervalMs: 1000, fetchChanged, now: () => 10_000 })
    const seen: string[][] = []
    live.onChanges((changes) => seen.push(changes.map((c) => c.caseId)))
    live.start()
    await vi.advanceTimersByTimeAsync(2500)
    live.stop()
    vi.useRealTimers()
    expect(fetchChanged).toHaveBeenCalledTimes(2)
    expect(fetchChanged.mock.calls[0]).toEqual([new Date(8_000).toISOString(), null])
    expect(seen).toEqual([['CB-9']])
  })

  it('puts a new case into the queues whose view it matches and takes a changed one out of those it left', () => {
    const client = new QueryClient()
    const openKey = caseKeys.list(DEFAULT_FILTERS, 'sam')
    const resolvedKey = caseKeys.list({ ...DEFAULT_FILTERS, view: 'resolved' }, 'sam')
    const page = (ids: string[]): { pages: CasePage[]; pageParams: unknown[] } => ({
      pages: [{ items: ids.map((id) => makeCase({ case_id: id })), next_cursor: null }],
      pageParams: [null],
    })
    client.setQueryData(openKey, page(['CB-1', 'CB-2']))
    client.setQueryData(resolvedKey, page([]))

    const result = applyChanges(client, [
      { caseId: 'CB-3', updatedAt: 't', current: makeCase({ case_id: 'CB-3' }) },
      { caseId: 'CB-1', updatedAt: 't', current: makeCase({ case_id: 'CB-1', status: 'resolved' }) },
    ])

    const ids = (key: readonly unknown[]) =>
      client.getQueryData<{ pages: CasePage[] }>(key)!.pages.flatMap((p) => p.items.map((c) => c.case_id))
    expect(ids(openKey)).toEqual(['CB-3', 'CB-2'])
    expect(ids(resolvedKey)).toEqual(['CB-1'])
    expect(result.added.sort()).toEqual(['CB-1', 'CB-3'])
  })
})
