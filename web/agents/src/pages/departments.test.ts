import { cleanup, screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import type { Department } from '@/api/types'
import { setLanguage } from '@/i18n'
import DepartmentsPage from '@/pages/DepartmentsPage.vue'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'

const billing: Department = {
  department_id: 'billing',
  name: 'Billing',
  contact_email: 'billing@casebridge.local',
  manager_email: 'head.billing@casebridge.local',
  description: 'Invoices and refunds',
  version: 3,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

afterEach(async () => {
  cleanup()
  await setLanguage('en')
})

describe('departments (on the shared admin list)', () => {
  it('edits a department and saves it with the version read; a conflict is explained in German', async () => {
    await setLanguage('de')
    let stored = { ...billing }
    const calls = fakeApi((method, url, body) => {
      if (method === 'GET' && url.pathname === '/departments') return { body: { items: [stored] } }
      if (method === 'GET' && url.pathname === '/routing-rules') return { body: { rules: [], version: 1 } }
      if (method === 'PUT' && url.pathname === '/departments/billing') {
        if ((body as { version: number }).version !== stored.version)
          return { status: 409, body: { error: { code: 'version_conflict', message: 'stale', fields: [] } } }
        stored = { ...stored, ...(body as object), version: stored.version + 1 }
        return { body: stored }
      }
      return undefined
    })
    const { container } = await renderWithApp(DepartmentsPage)
    const user = userEvent.setup()
    expect(await screen.findByRole('rowheader', { name: /Billing/ })).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Abteilungen und Routing', level: 1 })).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'Billing bearbeiten' }))
    const form = screen.getByRole('form', { name: 'Billing bearbeiten' })
    expect((within(form).getByLabelText('Kennung') as HTMLInputElement).disabled).toBe(true)
    stored = { ...stored, manager_email: 'new.head@casebridge.local', version: 4 } // someone else meanwhile
    const description = within(form).getByLabelText('Beschreibung')
    await user.clear(description)
    await user.type(description, 'Invoices, refunds and dunning')
    await user.click(within(form).getByRole('button', { name: 'Speichern' }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Billing wurde inzwischen von jemand anderem geändert')
    expect(calls.filter((c) => c.method === 'PUT').map((c) => (c.body as Department).version)).toEqual([3])
    expect(await seriousViolations(container)).toEqual([])

    await user.click(within(alert).getByRole('button', { name: 'Meine Änderungen übertragen' }))
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
    await user.click(screen.getByRole('button', { name: 'Speichern' }))
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2))
    expect(calls.filter((c) => c.method === 'PUT')[1]?.body).toEqual({
      name: 'Billing',
      contact_email: 'billing@casebridge.local',
      manager_email: 'new.head@casebridge.local', // their change stands; mine is the description
      description: 'Invoices, refunds and dunning',
      escalation_policy: null,
      version: 4,
    })
  })
})

describe('routing rules (the shared rule table)', () => {
  it('moves a rule up, removes a saved one after the question and a new one at once, saves with the version', async () => {
    const rule = (id: string, order: number) => ({
      rule_id: id,
      department_id: 'billing',
      products: [],
      categories: [],
      keywords: [id],
      description: '',
      order,
    })
    const calls = fakeApi((method, url, body) => {
      if (method === 'GET' && url.pathname === '/departments') return { body: { items: [billing] } }
      if (method === 'GET' && url.pathname === '/routing-rules')
        return { body: { rules: [rule('first', 0), rule('second', 1), rule('third', 2)], version: 7 } }
      if (method === 'PUT' && url.pathname === '/routing-rules')
        return { body: { ...(body as object), version: 8 } }
      return undefined
    })
    await renderWithApp(DepartmentsPage)
    const user = userEvent.setup()
    await waitFor(() => expect((screen.getByLabelText('Rule 3: id') as HTMLInputElement).value).toBe('third'))

    await user.click(screen.getByRole('button', { name: 'Move rule 2 up' }))
    expect((screen.getByLabelText('Rule 1: id') as HTMLInputElement).value).toBe('second')
    await user.click(screen.getByRole('button', { name: 'Remove rule 3' }))
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove the rule third?' })
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }))
    await waitFor(() => expect(screen.queryByLabelText('Rule 3: id')).toBeNull())
    await user.click(screen.getByRole('button', { name: 'Add rule' }))
    await user.click(screen.getByRole('button', { name: 'Remove rule 3' })) // not saved yet: no question
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(screen.queryByLabelText('Rule 3: id')).toBeNull()

    await user.click(screen.getByRole('button', { name: 'Save rules' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
    const put = calls.find((c) => c.method === 'PUT')!.body as {
      version: number
      rules: { rule_id: string }[]
    }
    expect(put.version).toBe(7)
    expect(put.rules.map((r) => r.rule_id)).toEqual(['second', 'first'])
  })
})
