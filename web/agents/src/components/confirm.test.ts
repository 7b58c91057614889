import { cleanup, screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { signInAsDevAgent, signOut } from '@/auth/session'
import SavedViews from '@/components/queue/SavedViews.vue'
import GroupsPage from '@/pages/GroupsPage.vue'
import { fakeApi, renderWithApp, seriousViolations, testConfig } from '@/test/render'
import { DEFAULT_FILTERS } from '@/views/queue'

// typing and axe in jsdom take seconds on a loaded machine
const SLOW = 30_000

afterEach(() => {
  cleanup()
  signOut(testConfig)
})

describe('deleting asks in an accessible dialog of the app', () => {
  it(
    'deletes a saved view only once the dialog is confirmed; Escape cancels',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const view = {
        view_id: 'v1',
        name: 'My urgent',
        query: 'priority=urgent',
        owner: 'sam@casebridge.local',
        visibility: 'personal',
        version: 4,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      }
      const calls = fakeApi((method, url) => {
        if (method === 'GET' && url.pathname === '/views') return { body: { items: [view] } }
        if (method === 'DELETE') return { status: 204 }
        return undefined
      })
      const nativeConfirm = vi.spyOn(window, 'confirm')
      await renderWithApp(SavedViews, { props: { filters: DEFAULT_FILTERS } })
      const user = userEvent.setup()
      const remove = await screen.findByRole('button', { name: 'Delete My urgent' })

      await user.click(remove)
      const dialog = await screen.findByRole('alertdialog', { name: 'Delete the view My urgent?' })
      expect(await seriousViolations(document.body)).toEqual([])
      await user.keyboard('{Escape}')
      await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
      expect(dialog.isConnected).toBe(false)
      expect(calls.some((c) => c.method === 'DELETE')).toBe(false)

      await user.click(remove)
      const again = await screen.findByRole('alertdialog', { name: 'Delete the view My urgent?' })
      await user.click(within(again).getByRole('button', { name: 'Delete' }))
      await waitFor(() => expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/views/v1'))
      expect(calls.find((c) => c.method === 'DELETE')?.headers?.['If-Match']).toBe('"4"')
      expect(nativeConfirm).not.toHaveBeenCalled()
      nativeConfirm.mockRestore()
    },
    SLOW,
  )

  it(
    'asks before deleting a group and before removing a saved assignment rule, not a row just added',
    async () => {
      const calls = fakeApi((method, url) => {
        if (method === 'GET' && url.pathname === '/agents') return { body: { items: [] } }
        if (method === 'GET' && url.pathname === '/groups')
          return { body: { items: [{ group_id: 'billing', name: 'Billing', members: [], version: 1 }] } }
        if (method === 'GET' && url.pathname === '/assignment-rules')
          return {
            body: {
              rules: [
                { rule_id: 'assign-1', group_id: 'billing', mode: 'round_robin', keywords: ['refund'] },
              ],
              version: 2,
            },
          }
        if (method === 'DELETE') return { status: 204 }
        return undefined
      })
      await renderWithApp(GroupsPage)
      const user = userEvent.setup()

      await user.click(await screen.findByRole('button', { name: 'Delete group: Billing' }))
      const dialog = await screen.findByRole('alertdialog', { name: 'Delete Billing?' })
      await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
      await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
      expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
      await user.click(screen.getByRole('button', { name: 'Delete group: Billing' }))
      await user.click(
        within(await screen.findByRole('alertdialog', { name: 'Delete Billing?' })).getByRole('button', {
          name: 'Delete',
        }),
      )
      await waitFor(() => expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/groups/billing'))

      // a rule row added since the last save goes at once
      await user.click(screen.getByRole('button', { name: 'Add rule' }))
      await user.click(screen.getByRole('button', { name: 'Remove rule assign-2' }))
      expect(screen.queryByRole('alertdialog')).toBeNull()
      expect(screen.queryByRole('button', { name: 'Remove rule assign-2' })).toBeNull()
      // a saved one asks; cancelled, it stays; confirmed, it leaves the table
      await user.click(screen.getByRole('button', { name: 'Remove rule assign-1' }))
      const ruleDialog = await screen.findByRole('alertdialog', { name: 'Remove the rule assign-1?' })
      expect(ruleDialog.textContent).toContain('It is gone once the rules are saved.')
      await user.click(within(ruleDialog).getByRole('button', { name: 'Cancel' }))
      expect(screen.getByRole('button', { name: 'Remove rule assign-1' })).toBeTruthy()
      await user.click(screen.getByRole('button', { name: 'Remove rule assign-1' }))
      await user.click(
        within(await screen.findByRole('alertdialog', { name: 'Remove the rule assign-1?' })).getByRole(
          'button',
          { name: 'Remove' },
        ),
      )
      await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove rule assign-1' })).toBeNull())
    },
    SLOW,
  )
})
