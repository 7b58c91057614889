import { describe, expect, it, vi } from 'vitest'
import type { JobView } from '@/api/queries/queue'
import { bulkRequest, bulkUpdate, followJob, parseTags, pollDelay } from './bulk'
import { DEFAULT_FILTERS } from './queue'
import { EMPTY_SELECTION, selectAllMatching, toggle } from './selection'

const job = (over: Partial<JobView>): JobView =>
  ({
    job_id: 'job-1',
    status: 'running',
    update: {},
    created_by: { kind: 'agent', id: 'sam' },
    created_at: '2026-01-01T00:00:00Z',
    failures: [],
    ...over,
  }) as JobView

describe('bulk requests', () => {
  it('turns each action into the update POST /cases/bulk takes', () => {
    expect(bulkUpdate({ kind: 'assign', assignee: 'lea' })).toEqual({ assignee: 'lea' })
    expect(bulkUpdate({ kind: 'assign', assignee: null })).toEqual({ unassign: true })
    expect(bulkUpdate({ kind: 'status', status: 'pending_customer' })).toEqual({ status: 'pending_customer' })
    expect(bulkUpdate({ kind: 'priority', priority: 'urgent' })).toEqual({ priority: 'urgent' })
    expect(bulkUpdate({ kind: 'tags', add: ['vip'], remove: ['spam'] })).toEqual({
      add_tags: ['vip'],
      remove_tags: ['spam'],
    })
    expect(bulkUpdate({ kind: 'problem', problemId: 'PB-1' })).toEqual({ problem_id: 'PB-1' })
    expect(bulkUpdate({ kind: 'merge', into: 'CB-1' })).toEqual({ merge_into: 'CB-1' })
  })

  it('sends the picked cases by id, and "all matching" as the view filter', () => {
    const picked = toggle(toggle(EMPTY_SELECTION, 'CB-1', []), 'CB-2', [])
    expect(bulkRequest(picked, DEFAULT_FILTERS, { kind: 'assign', assignee: 'lea' })).toEqual({
      case_ids: ['CB-1', 'CB-2'],
      update: { assignee: 'lea' },
    })
    const filters = { ...DEFAULT_FILTERS, view: 'mine' as const, q: 'refund', sort: 'due' as const }
    expect(bulkRequest(selectAllMatching(), filters, { kind: 'priority', priority: 'high' })).toEqual({
      filter: {
        status: ['new', 'open', 'pending_customer', 'pending_department'],
        assignee: 'me',
        q: 'refund',
      },
      update: { priority: 'high' },
    })
    const tagged = {
      ...DEFAULT_FILTERS,
      view: 'all' as const,
      status: ['new' as const],
      tags: ['vip', 'rma'],
    }
    expect(bulkRequest(selectAllMatching(), tagged, { kind: 'priority', priority: 'high' }).filter).toEqual({
      status: ['new'],
      tag: ['vip', 'rma'],
    })
    // "all matching" a customer's recent cases is those only, not every case of the view
    const theirs = {
      ...DEFAULT_FILTERS,
      view: 'all' as const,
      customer: 'nordwerk',
      updatedSince: '2026-12-01',
    }
    expect(bulkRequest(selectAllMatching(), theirs, { kind: 'priority', priority: 'high' }).filter).toEqual({
      customer_id: 'nordwerk',
      updated_since: '2026-12-01',
    })
  })

  it('leaves the merge target out of its own merge', () => {
    const picked = toggle(toggle(EMPTY_SELECTION, 'CB-1', []), 'CB-2', [])
    expect(bulkRequest(picked, DEFAULT_FILTERS, { kind: 'merge', into: 'CB-1' }).case_ids).toEqual(['CB-2'])
  })

  it('reads tags typed with commas or spaces and names the invalid ones', () => {
    expect(parseTags(' vip, billing  vip  two words!')).toEqual({
      tags: ['vip', 'billing', 'two'],
      invalid: ['words!'],
    })
  })
})

describe('following a bulk job', () => {
  it('reads the job until it is done, reporting progress, and waits longer each time up to 2 s', async () => {
    const reads = [
      job({ status: 'queued' }),
      job({ status: 'running', total: 3, done: 1, changed: 1 }),
      job({
        status: 'done',
        total: 3,
        done: 3,
        changed: 2,
        failed: 1,
        failures: [{ case_id: 'CB-3', error: 'invalid_transition', message: 'closed cases stay closed' }],
      }),
    ]
    const get = vi.fn(async () => reads.shift()!)
    const waits: number[] = []
    const seen: number[] = []
    const result = await followJob('job-1', {
      get,
      sleep: async (ms) => void waits.push(ms),
      onProgress: (p) => seen.push(p.done),
    })
    expect(get).toHaveBeenCalledTimes(3)
    expect(waits).toEqual([250, 500])
    expect(seen).toEqual([0, 1, 3])
    expect(result).toMatchObject({ finished: true, changed: 2, failed: 1, total: 3 })
    expect(result.failures[0]?.message).toBe('closed cases stay closed')
    expect(pollDelay(10)).toBe(2000)
  })

  it('stops reading after the reads it may make, unfinished', async () => {
    const result = await followJob('job-1', {
      get: async () => job({ status: 'running' }),
      sleep: async () => undefined,
      maxReads: 4,
    })
    expect(result.finished).toBe(false)
  })
})
