import { screen } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import MergeSplit from '@/components/case/MergeSplit.vue'
import { makeCase, makeCaseView } from '@/test/fixtures'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'

const timeline = [
  { event_id: 'e1', case_id: 'CB-1', at: '2026-01-01T00:00:00Z', kind: 'created', actor: { type: 'system' } },
  {
    event_id: 'e2',
    case_id: 'CB-1',
    at: '2026-01-01T00:01:00Z',
    kind: 'message_in',
    actor: { type: 'customer', id: 'anna@x.example' },
    message: {
      channel: 'email',
      direction: 'in',
      subject: 'Second printer jams too',
      body_text: 'The second printer jams as well.',
    },
  },
]

describe('merge and split', () => {
  it('finds the target by text, shows both subjects, asks for the other-customer confirmation, and announces the merge', async () => {
    const source = makeCaseView({ case_id: 'CB-1', subject: 'Printer jams', customer_id: 'c1', version: 2 })
    const calls = fakeApi((method, url, body) => {
      if (method === 'GET' && url.pathname === '/cases')
        return {
          body: {
            items: [
              makeCase({ case_id: 'CB-1', subject: 'Printer jams' }),
              makeCase({ case_id: 'CB-2', subject: 'Printer jams again', customer_id: 'c2' }),
            ],
          },
        }
      if (method === 'POST' && url.pathname === '/cases/CB-1/merge')
        return {
          body: {
            case: makeCase({ case_id: 'CB-2' }),
            merged: makeCase({
              case_id: 'CB-1',
              status: 'closed',
              merged_into: (body as { into: string }).into,
            }),
            moved_events: 3,
          },
        }
      return undefined
    })
    const { unmount } = await renderWithApp(MergeSplit, { props: { case: source } })
    const user = userEvent.setup()
    await user.click(screen.getByRole('button', { name: 'Merge into another case' }))
    await user.type(await screen.findByRole('searchbox'), 'printer{Enter}')
    await user.click(await screen.findByRole('button', { name: 'Choose: CB-2' }))
    expect(screen.queryByRole('button', { name: 'Choose: CB-1' })).toBeNull()
    const dialog = screen.getByRole('dialog')
    expect(dialog.textContent).toContain('Printer jams')
    expect(dialog.textContent).toContain('Printer jams again')
    expect(await seriousViolations(document.body)).toEqual([])
    const mergeButton = screen.getByRole('button', { name: 'Merge' })
    expect((mergeButton as HTMLButtonElement).disabled).toBe(true)
    await user.click(screen.getByLabelText(/different customers/))
    await user.click(mergeButton)
    expect(await screen.findByText(/CB-1 was merged into CB-2; 3 interactions moved/)).toBeTruthy()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      into: 'CB-2',
      version: 2,
      confirm_other_customer: true,
    })
    expect(calls.find((c) => c.method === 'GET')?.path).toBe('/cases?q=printer&limit=20')
    unmount()
  })

  it('splits the chosen interactions into a new case', async () => {
    const source = makeCaseView({ case_id: 'CB-1', subject: 'Printer jams', version: 5, timeline } as never)
    const calls = fakeApi((method, url) => {
      if (method === 'POST' && url.pathname === '/cases/CB-1/split')
        return {
          status: 201,
          body: {
            case: makeCase({ case_id: 'CB-9' }),
            original: makeCase({ case_id: 'CB-1' }),
            moved_events: 1,
          },
        }
      return undefined
    })
    const { unmount } = await renderWithApp(MergeSplit, { props: { case: source } })
    const user = userEvent.setup()
    await user.click(screen.getByRole('button', { name: 'Split off interactions' }))
    expect(screen.getAllByRole('checkbox')).toHaveLength(1) // "created" is no interaction
    await user.click(screen.getByRole('checkbox', { name: /The second printer jams as well/ }))
    const subject = screen.getByLabelText('Subject of the new case')
    await user.clear(subject)
    await user.type(subject, 'Second printer')
    expect(await seriousViolations(document.body)).toEqual([])
    await user.click(screen.getByRole('button', { name: 'Split into a new case' }))
    expect(await screen.findByText(/1 interactions moved to the new case CB-9/)).toBeTruthy()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      event_ids: ['e2'],
      subject: 'Second printer',
      version: 5,
    })
    unmount()
  })
})
