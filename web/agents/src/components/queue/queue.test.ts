import { cleanup, screen, waitFor } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { signInAsDevAgent, signOut } from '@/auth/session'
import BulkBar from '@/components/queue/BulkBar.vue'
import SavedViews from '@/components/queue/SavedViews.vue'
import { fakeApi, renderWithApp, seriousViolations, testConfig } from '@/test/render'
import { DEFAULT_FILTERS } from '@/views/queue'
import { EMPTY_SELECTION, toggle } from '@/views/selection'

// typing and axe in jsdom take seconds on a loaded machine
const SLOW = 30_000

afterEach(() => {
  cleanup()
  signOut(testConfig)
})

describe('the bulk bar', () => {
  it(
    'sends the picked cases as a job, follows it to its end and hands over "changed" and "failed" with reasons',
    async () => {
      const reads = [
        { status: 'running', total: 2, done: 1, changed: 1 },
        {
          status: 'done',
          total: 2,
          done: 2,
          changed: 1,
          failed: 1,
          failures: [{ case_id: 'CB-2', error: 'invalid_transition', message: 'closed cases stay closed' }],
        },
      ]
      const calls = fakeApi((method, url) => {
        if (method === 'GET' && url.pathname === '/agents')
          return {
            body: { items: [{ agent_id: 'lea@casebridge.local', name: 'Lea Berg', groups: [], roles: [] }] },
          }
        if (method === 'POST' && url.pathname === '/cases/bulk')
          return { status: 202, body: { job_id: 'job-7', status: 'queued' } }
        if (method === 'GET' && url.pathname === '/jobs/job-7')
          return {
            body: {
              job_id: 'job-7',
              update: {},
              created_by: { type: 'agent', id: 'sam' },
              created_at: '2026-01-01T00:00:00Z',
              failures: [],
              ...reads.shift(),
            },
          }
        return undefined
      })
      const selection = toggle(toggle(EMPTY_SELECTION, 'CB-1', []), 'CB-2', [])
      const { container, emitted } = await renderWithApp(BulkBar, {
        props: { selection, filters: DEFAULT_FILTERS, count: 2 },
      })
      expect(screen.getByText('2 cases selected')).toBeTruthy()
      const user = userEvent.setup()
      await screen.findByRole('option', { name: 'Lea Berg' })
      await user.selectOptions(screen.getByLabelText('Assignee'), 'lea@casebridge.local')
      expect(await seriousViolations(container)).toEqual([])
      await user.click(screen.getByRole('button', { name: 'Apply' }))

      await waitFor(() => expect(emitted().done).toBeTruthy(), { timeout: 10_000 })
      const post = calls.find((c) => c.method === 'POST')!
      expect(post.body).toEqual({ case_ids: ['CB-1', 'CB-2'], update: { assignee: 'lea@casebridge.local' } })
      expect(post.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
      expect(calls.filter((c) => c.path === '/jobs/job-7')).toHaveLength(2)
      const [result] = emitted().done![0] as [
        { changed: number; failed: number; failures: { case_id: string }[] },
      ]
      expect(result).toMatchObject({ changed: 1, failed: 1, failures: [{ case_id: 'CB-2' }] })
    },
    SLOW,
  )

  it('offers merge into one of the picked cases, and not for every case of the view', async () => {
    fakeApi(() => undefined)
    const selection = toggle(toggle(EMPTY_SELECTION, 'CB-1', []), 'CB-2', [])
    await renderWithApp(BulkBar, { props: { selection, filters: DEFAULT_FILTERS, count: 2 } })
    const user = userEvent.setup()
    await user.selectOptions(screen.getByLabelText('Action'), 'merge')
    expect(screen.getAllByRole('option', { name: /^CB-/ }).map((o) => o.textContent)).toEqual([
      'CB-1',
      'CB-2',
    ])
    cleanup()
    await renderWithApp(BulkBar, {
      props: { selection: { ids: new Set(), all: true, anchor: null }, filters: DEFAULT_FILTERS, count: 40 },
    })
    expect(screen.queryByRole('option', { name: 'Merge' })).toBeNull()
    expect(screen.getByText('40 cases selected')).toBeTruthy()
  })
})

describe('saved views', () => {
  const views = [
    {
      view_id: 'v1',
      name: 'My urgent',
      query: 'status=new%2Copen%2Cpending_customer%2Cpending_department&priority=urgent',
      owner: 'sam@casebridge.local',
      visibility: 'personal',
      version: 1,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    },
    {
      view_id: 'v2',
      name: 'Team breaches',
      query: 'status=new%2Copen%2Cpending_customer%2Cpending_department&sla=breached',
      owner: 'alex@casebridge.local',
      visibility: 'shared',
      version: 3,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    },
  ]

  it(
    'links each view to its filters, lets an agent change only their own, and saves the current filters',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const calls = fakeApi((method, url, body) => {
        if (method === 'GET' && url.pathname === '/views') return { body: { items: views } }
        if (method === 'POST' && url.pathname === '/views')
          return { status: 201, body: { ...(body as object), view_id: 'v3', owner: 'sam@casebridge.local' } }
        return undefined
      })
      const { container } = await renderWithApp(SavedViews, {
        props: { filters: { ...DEFAULT_FILTERS, priority: 'urgent' } },
      })
      const mine = await screen.findByRole('link', { name: 'My urgent' })
      expect(mine.getAttribute('href')).toBe('/queue?priority=urgent')
      expect(mine.getAttribute('aria-current')).toBe('page')
      const shared = screen.getByRole('link', { name: /Team breaches/ })
      expect(shared.getAttribute('href')).toBe('/queue?view=breached')
      expect(screen.getByRole('button', { name: 'Rename My urgent' })).toBeTruthy()
      expect(screen.queryByRole('button', { name: 'Rename Team breaches' })).toBeNull()
      expect(await seriousViolations(container)).toEqual([])

      const user = userEvent.setup()
      await user.click(screen.getByRole('button', { name: 'Save this view' }))
      expect(screen.queryByLabelText('Share with every agent')).toBeNull() // not an admin
      await user.type(screen.getByLabelText('Name of the view'), 'Urgent open')
      await user.click(screen.getByRole('button', { name: 'Save' }))
      await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
      expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
        name: 'Urgent open',
        query: 'status=new%2Copen%2Cpending_customer%2Cpending_department&priority=urgent',
        visibility: 'personal',
        order: 2,
      })
    },
    SLOW,
  )
})
