import { QueryClient } from '@tanstack/vue-query'
import { describe, expect, it, vi } from 'vitest'
import { caseKeys } from '@/api/queries/cases'
import type { CasePage } from '@/api/types'
import { DEFAULT_FILTERS } from '@/views/queue'
import { makeCase } from '@/test/fixtures'
import { applyChanges, applyChatHint, applyProblemHint } from './apply'
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

  it('a problem hint refreshes the problems lists and that problem, a chat hint that conversation and the list', () => {
    const client = new QueryClient()
    const keys = {
      open: ['problems', 'list', 'open'],
      all: ['problems', 'list', null],
      p1: ['problems', 'detail', 'P-1'],
      p1part: ['problems', 'detail', 'P-1', 'escalations'],
      p2: ['problems', 'detail', 'P-2'],
      s1: ['chat', 'session', 'S-1'],
      s2: ['chat', 'session', 'S-2'],
      sessions: ['chat', 'sessions'],
    }
    for (const key of Object.values(keys)) client.setQueryData(key, {})
    const stale = () =>
      Object.entries(keys)
        .filter(([, key]) => client.getQueryState(key)?.isInvalidated)
        .map(([name]) => name)
    applyProblemHint(client, 'P-1')
    expect(stale()).toEqual(['open', 'all', 'p1', 'p1part'])
    applyChatHint(client, 'S-1')
    expect(stale()).toEqual(['open', 'all', 'p1', 'p1part', 's1', 'sessions'])
  })
})
