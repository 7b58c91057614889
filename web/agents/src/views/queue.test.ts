import { describe, expect, it } from 'vitest'
import { makeCase } from '@/test/fixtures'
import { filtersFromQuery, filtersToQuery, planQueue, sortCases, DEFAULT_FILTERS } from './queue'

describe('queue views in the URL', () => {
  it('round-trips a view through the query string, keeping only what differs from the defaults', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      view: 'mine' as const,
      priority: 'high' as const,
      sort: 'priority' as const,
    }
    const query = filtersToQuery(filters)
    expect(query).toEqual({ view: 'mine', priority: 'high', sort: 'priority' })
    expect(filtersFromQuery(query as Record<string, string>)).toEqual(filters)
    expect(filtersToQuery(DEFAULT_FILTERS)).toEqual({})
  })

  it('ignores values that are not a view, priority, channel or product', () => {
    expect(
      filtersFromQuery({ view: 'everything', priority: 'sky-high', channel: 'pigeon', product: 'a b' }),
    ).toEqual(DEFAULT_FILTERS)
  })

  it('reads all open cases as one stream per open status, and mine by assignee', () => {
    const open = planQueue({ ...DEFAULT_FILTERS, priority: 'urgent' }, 'sam')
    expect(open.streams).toEqual([
      { status: 'new', priority: 'urgent' },
      { status: 'open', priority: 'urgent' },
      { status: 'pending_customer', priority: 'urgent' },
      { status: 'pending_department', priority: 'urgent' },
    ])
    const mine = planQueue({ ...DEFAULT_FILTERS, view: 'mine' }, 'sam')
    expect(mine.streams).toEqual([{ assignee: 'sam' }])
    expect(mine.matches(makeCase({ case_id: 'CB-1', assignee: 'sam', status: 'open' }))).toBe(true)
    expect(mine.matches(makeCase({ case_id: 'CB-2', assignee: 'sam', status: 'closed' }))).toBe(false)
  })

  it('filters unassigned cases in the app and says so', () => {
    const plan = planQueue({ ...DEFAULT_FILTERS, view: 'unassigned' }, 'sam')
    expect(plan.clientSide).toBe(true)
    expect(plan.matches(makeCase({ case_id: 'CB-1' }))).toBe(true)
    expect(plan.matches(makeCase({ case_id: 'CB-2', assignee: 'lea' }))).toBe(false)
  })

  it('sorts by priority, then latest activity', () => {
    const cases = [
      makeCase({ case_id: 'low', priority: 'low', updated_at: '2026-01-03T00:00:00Z' }),
      makeCase({ case_id: 'urgent-old', priority: 'urgent', updated_at: '2026-01-01T00:00:00Z' }),
      makeCase({ case_id: 'urgent-new', priority: 'urgent', updated_at: '2026-01-02T00:00:00Z' }),
    ]
    expect(sortCases(cases, 'priority').map((c) => c.case_id)).toEqual(['urgent-new', 'urgent-old', 'low'])
    expect(sortCases(cases, 'updated').map((c) => c.case_id)).toEqual(['low', 'urgent-new', 'urgent-old'])
  })
})
