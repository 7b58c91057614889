import { screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import Composer from '@/components/case/Composer.vue'
import MacrosPage from '@/pages/MacrosPage.vue'
import { makeCase } from '@/test/fixtures'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'

const refund = {
  macro_id: 'm-refund',
  title: 'Refund approved',
  body: 'Hello {{customer.name}}, we refunded you.',
  owner: 'alex@casebridge.local',
  visibility: 'shared',
  actions: { status: 'pending_customer', add_tags: ['refund'] },
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 2,
}
const reset = { ...refund, macro_id: 'm-reset', title: 'Password reset', body: 'Use the link.', actions: {} }

describe('macros in the composer', () => {
  it('finds a macro by keyboard, previews it for the case, inserts the text and makes its field changes (again on a conflict)', async () => {
    const seen = makeCase({ case_id: 'CB-7', status: 'open', tags: ['vip'], version: 3 })
    const now = { ...seen, assignee: 'sam', version: 4 }
    const calls = fakeApi((method, url, body) => {
      if (method === 'GET' && url.pathname === '/macros') return { body: { items: [refund, reset] } }
      if (method === 'POST' && url.pathname === '/cases/CB-7/macros/m-refund/preview')
        return {
          body: {
            macro_id: 'm-refund',
            case_id: 'CB-7',
            language: null,
            title: 'Refund approved',
            body: 'Hello Anna Roth, we refunded you.',
            actions: refund.actions,
            missing: [],
          },
        }
      if (method === 'PATCH') {
        if ((body as { version: number }).version === 3)
          return { status: 409, body: { error: { code: 'version_conflict', message: 'stale', fields: [] } } }
        return { body: { ...now, status: 'pending_customer', version: 5 } }
      }
      if (method === 'GET' && url.pathname === '/cases/CB-7') return { body: { ...now, timeline: [] } }
      return undefined
    })
    const { unmount } = await renderWithApp(Composer, { props: { case: seen } })
    const user = userEvent.setup()
    await user.type(screen.getByRole('textbox', { name: /Reply/ }), 'Hi Anna,')
    await user.click(screen.getByRole('button', { name: 'Insert a macro' }))
    const search = await screen.findByRole('combobox', { name: 'Search macros' })
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(2))
    await user.type(search, 'refund{Enter}')
    const preview = await screen.findByText('Hello Anna Roth, we refunded you.')
    expect(preview).toBeTruthy()
    expect(screen.getByText('Status: Pending customer')).toBeTruthy()
    expect(screen.getByText('Tags added: refund')).toBeTruthy()
    expect(await seriousViolations(document.body)).toEqual([])
    await user.click(screen.getByRole('button', { name: 'Apply macro' }))

    await waitFor(() =>
      expect((screen.getByRole('textbox', { name: /Reply/ }) as HTMLTextAreaElement).value).toBe(
        'Hi Anna,\n\nHello Anna Roth, we refunded you.',
      ),
    )
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
        { version: 3, status: 'pending_customer', tags: ['vip', 'refund'] },
        { version: 4, status: 'pending_customer', tags: ['vip', 'refund'] },
      ]),
    )
    expect(calls.some((c) => c.path.endsWith('/replies'))).toBe(false) // sending stays the agent's
    expect((screen.getByLabelText('Then') as HTMLSelectElement).value).toBe('keep') // the macro's status stands
    unmount()
  }, 30_000) // typing and axe in jsdom take seconds on a loaded machine
})

describe('macros admin', () => {
  it('lists, creates, edits and deletes macros', async () => {
    const calls = fakeApi((method, url) => {
      if (method === 'GET' && url.pathname === '/macros') return { body: { items: [refund] } }
      if (method === 'POST' && url.pathname === '/macros') return { status: 201, body: reset }
      if (method === 'PUT') return { body: refund }
      if (method === 'DELETE') return { status: 204 }
      return undefined
    })
    const { container, unmount } = await renderWithApp(MacrosPage)
    const user = userEvent.setup()
    expect(await screen.findByRole('rowheader', { name: 'Refund approved' })).toBeTruthy()
    expect(await seriousViolations(container)).toEqual([])

    await user.type(screen.getByLabelText('Title'), 'Password reset')
    await user.type(screen.getByLabelText('Reply text'), 'Use the link.')
    await user.selectOptions(screen.getByLabelText('Set priority'), 'high')
    await user.click(screen.getByRole('button', { name: 'Save macro' }))
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
        title: 'Password reset',
        body: 'Use the link.',
        visibility: 'shared',
        actions: { priority: 'high' },
      }),
    )

    await user.click(screen.getByRole('button', { name: 'Edit: Refund approved' }))
    const title = screen.getByLabelText('Title')
    await user.clear(title)
    await user.type(title, 'Refund done')
    await user.click(screen.getByRole('button', { name: 'Save macro' }))
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'PUT')).toMatchObject({
        path: '/macros/m-refund',
        body: {
          title: 'Refund done',
          version: 2,
          actions: { status: 'pending_customer', add_tags: ['refund'] },
        },
      }),
    )

    // deleting asks first, in the app's own dialog: cancelling deletes nothing
    const deleteButton = screen.getByRole('button', { name: 'Delete: Refund approved' })
    await user.click(deleteButton)
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete Refund approved?' })
    expect(dialog.textContent).toContain('This cannot be undone.')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
    await user.click(deleteButton)
    await user.click(
      within(await screen.findByRole('alertdialog', { name: 'Delete Refund approved?' })).getByRole(
        'button',
        {
          name: 'Delete',
        },
      ),
    )
    await waitFor(() => expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/macros/m-refund'))
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1)
    unmount()
  }, 30_000) // typing and axe in jsdom take seconds on a loaded machine
})
