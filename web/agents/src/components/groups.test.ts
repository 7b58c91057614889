import { screen, waitFor } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import GroupsPage from '@/pages/GroupsPage.vue'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'

const agents = [
  { agent_id: 'alex@casebridge.local', name: 'Alex Meyer', available: true, groups: [], roles: [] },
  { agent_id: 'sam@casebridge.local', name: 'Sam Garcia', available: true, groups: [], roles: [] },
]

describe('groups and assignment rules', () => {
  it('creates a group with members from the directory and routes a rule to it round robin', async () => {
    const groups: { group_id: string; name: string; members: string[]; version: number }[] = [
      { group_id: 'billing', name: 'Billing', members: ['sam@casebridge.local'], version: 1 },
    ]
    const calls = fakeApi((method, url, body) => {
      if (method === 'GET' && url.pathname === '/agents') return { body: { items: agents } }
      if (method === 'GET' && url.pathname === '/groups') return { body: { items: groups } }
      if (method === 'GET' && url.pathname === '/assignment-rules') return { body: { rules: [], version: 4 } }
      if (method === 'POST' && url.pathname === '/groups') {
        groups.push({ ...(body as (typeof groups)[number]), version: 1 })
        return { status: 201, body: groups.at(-1) }
      }
      if (method === 'PUT' && url.pathname === '/assignment-rules')
        return { body: { ...(body as object), version: 5 } }
      return undefined
    })
    const { container, unmount } = await renderWithApp(GroupsPage)
    const user = userEvent.setup()
    expect(await screen.findByRole('rowheader', { name: /Billing/ })).toBeTruthy()
    expect(await screen.findByRole('cell', { name: 'Sam Garcia' })).toBeTruthy()
    expect(screen.getByText('No assignment rules: new cases stay unassigned.')).toBeTruthy()
    expect(await seriousViolations(container)).toEqual([])

    await user.type(screen.getByLabelText('Group ID'), 'printers')
    await user.type(screen.getByLabelText('Name'), 'Printer team')
    await user.click(screen.getByRole('checkbox', { name: 'Alex Meyer' }))
    await user.click(screen.getByRole('checkbox', { name: 'Sam Garcia' }))
    await user.click(screen.getByRole('button', { name: 'Create group' }))
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
        group_id: 'printers',
        name: 'Printer team',
        description: '',
        members: ['alex@casebridge.local', 'sam@casebridge.local'],
      }),
    )

    await user.click(screen.getByRole('button', { name: 'Add rule' }))
    await waitFor(() => expect(screen.getByRole('option', { name: 'printers' })).toBeTruthy())
    await user.selectOptions(screen.getByLabelText('Group 1'), 'printers')
    await user.type(screen.getByLabelText('Keywords (comma separated) 1'), 'printer, toner')
    await user.click(screen.getByRole('button', { name: 'Save assignment rules' }))
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
        version: 4,
        rules: [
          {
            rule_id: 'assign-1',
            group_id: 'printers',
            mode: 'round_robin',
            match: { keywords: ['printer', 'toner'] },
            description: '',
          },
        ],
      }),
    )
    expect(await seriousViolations(container)).toEqual([])
    unmount()
  }, 30_000) // typing and axe in jsdom take seconds on a loaded machine
})
