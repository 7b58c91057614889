import { screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import TriageSuggestion from '@/components/case/TriageSuggestion.vue'
import { makeCase } from '@/test/fixtures'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'
import { acceptUpdate, confirmUpdate, triageRows } from '@/views/triage'

const suggested = makeCase({
  case_id: 'CB-7',
  version: 3,
  category: 'lost_card',
  priority: 'normal',
  group_id: null,
  triage: {
    model_version: '20261203T080000Z-abcd1234',
    at: '2026-12-03T08:00:00Z',
    category: { value: 'lost_card', confidence: 0.97, applied: true },
    priority: { value: 'urgent', confidence: 0.62, applied: false },
    department: { value: 'cards', confidence: 0.55, applied: false },
  },
  triage_corrections: {},
})

describe('triage rows', () => {
  it('tells applied suggestions from open ones and maps department to the agent group', () => {
    const rows = triageRows(suggested)
    expect(rows.map((r) => [r.field, r.value, r.applied, r.current])).toEqual([
      ['category', 'lost_card', true, true],
      ['priority', 'urgent', false, false],
      ['department', 'cards', false, false],
    ])
    expect(acceptUpdate(suggested, rows[2]!)).toEqual({ version: 3, group_id: 'cards' })
    expect(confirmUpdate(suggested, rows[0]!)).toEqual({ version: 3, triage_confirm: ['category'] })
    expect(triageRows(makeCase({ case_id: 'CB-8' }))).toEqual([])
  })

  it('shows an agent’s correction', () => {
    const corrected = { ...suggested, category: 'billing', triage_corrections: { category: 'billing' } }
    const [row] = triageRows(corrected)
    expect(row).toMatchObject({ field: 'category', current: false, corrected: 'billing' })
  })
})

describe('triage suggestion panel', () => {
  it('shows each suggestion with its confidence and accepts one in one click', async () => {
    const calls = fakeApi((method, _url, body) =>
      method === 'PATCH' ? { body: { ...suggested, ...(body as object), version: 4 } } : undefined,
    )
    const { container } = await renderWithApp(TriageSuggestion, { props: { case: suggested } })
    expect(screen.getByText('Suggested by triage')).toBeTruthy()
    expect(screen.getByText('97% confident')).toBeTruthy()
    expect(screen.getByText('applied')).toBeTruthy()
    expect(screen.getByText('62% confident')).toBeTruthy()
    // the applied category has no accept button; priority and group have one each
    expect(screen.getAllByRole('button', { name: /^Accept/ })).toHaveLength(2)
    await userEvent.setup().click(screen.getByRole('button', { name: 'Accept Priority Urgent' }))
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
        { version: 3, priority: 'urgent' },
      ]),
    )
    expect(await seriousViolations(container)).toEqual([])
  })

  it('confirms an applied field in one click, and shows it confirmed', async () => {
    const calls = fakeApi((method, _url, body) =>
      method === 'PATCH' ? { body: { ...suggested, ...(body as object), version: 4 } } : undefined,
    )
    const { container } = await renderWithApp(TriageSuggestion, { props: { case: suggested } })
    const panel = within(container as HTMLElement)
    expect(panel.getAllByRole('button', { name: /^Confirm/ })).toHaveLength(1) // only the applied category
    await userEvent.setup().click(panel.getByRole('button', { name: 'Confirm Category lost_card' }))
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
        { version: 3, triage_confirm: ['category'] },
      ]),
    )
    expect(await seriousViolations(container)).toEqual([])
  })

  it('shows a confirmed field without its button', async () => {
    const confirmed = {
      ...suggested,
      triage: {
        ...suggested.triage!,
        category: { value: 'lost_card', confidence: 0.97, applied: true, confirmed: true },
      },
    }
    fakeApi(() => undefined)
    const { container } = await renderWithApp(TriageSuggestion, { props: { case: confirmed } })
    const panel = within(container as HTMLElement)
    expect(panel.getByText('confirmed')).toBeTruthy()
    expect(panel.queryAllByRole('button', { name: /^Confirm/ })).toHaveLength(0)
  })
})
