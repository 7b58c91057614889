import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import type { Customer } from '@/api/types'
import { signInAsDevAgent, signOut } from '@/auth/session'
import CustomerPanel from '@/components/case/CustomerPanel.vue'
import { setLanguage } from '@/i18n'
import QueuePage from '@/pages/QueuePage.vue'
import { makeCase } from '@/test/fixtures'
import { fakeApi, renderWithApp, seriousViolations, testConfig } from '@/test/render'

// typing and axe in jsdom take seconds on a loaded machine
const SLOW = 30_000

const nordwerk = {
  customer_id: 'nordwerk',
  name: 'Nordwerk GmbH',
  tier: 'gold',
  language: 'de',
  contacts: [],
  created_at: '2026-01-01T00:00:00Z',
} as unknown as Customer

const kiefer = {
  ...nordwerk,
  customer_id: 'kiefer-druck',
  name: 'Kiefer Druck',
  language: 'en',
} as unknown as Customer

/** A fake API with a customer, one case of theirs and the saved views POST /views creates. */
function api() {
  const views: object[] = []
  const calls = fakeApi((method, url, body) => {
    if (method === 'GET' && url.pathname === '/cases')
      return {
        body: {
          items: [
            makeCase({
              case_id: 'CB-7',
              subject: 'Label printer jams',
              customer_id: 'nordwerk',
              customer_name: 'Nordwerk GmbH',
              updated_at: '2026-12-02T08:00:00Z',
            }),
          ],
          total_estimate: 1,
        },
      }
    if (method === 'GET' && url.pathname === '/customers/nordwerk') return { body: nordwerk }
    if (method === 'GET' && url.pathname === '/customers') {
      // as the API: a search finds a customer whose id or name holds every word; the first page
      // (a page of one here) holds only some customers
      const words = (url.searchParams.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean)
      if (!words.length) return { body: { items: [nordwerk], next_cursor: 'more' } }
      const found = [nordwerk, kiefer].filter((c) =>
        words.every((w) => `${c.customer_id} ${c.name}`.toLowerCase().includes(w)),
      )
      return { body: { items: found } }
    }
    if (method === 'GET' && url.pathname === '/groups') return { body: { items: [] } }
    if (method === 'GET' && url.pathname === '/views') return { body: { items: views } }
    if (method === 'POST' && url.pathname === '/views') {
      const view = {
        ...(body as object),
        view_id: `v${views.length + 1}`,
        owner: 'sam@casebridge.local',
        version: 1,
        created_at: '2026-12-04T00:00:00Z',
        updated_at: '2026-12-04T00:00:00Z',
      }
      views.push(view)
      return { status: 201, body: view }
    }
    return undefined
  })
  /** The GET /cases queries asked, as their parameters (without limit and cursor). */
  const caseQueries = () =>
    calls
      .filter((c) => c.method === 'GET' && c.path.startsWith('/cases?'))
      .map((c) => {
        const params = new URLSearchParams(c.path.slice('/cases?'.length))
        params.delete('limit')
        params.delete('cursor')
        return Object.fromEntries(params)
      })
  return { calls, caseQueries }
}

afterEach(async () => {
  cleanup()
  signOut(testConfig)
  await setLanguage('en')
})

describe('the queue page with a customer and an "updated since" filter', () => {
  it(
    'asks the API for them, shows each as a chip by name, and removes each one from the URL',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const { caseQueries } = api()
      const { container, router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all&customer=nordwerk&updated_since=2026-12-01&priority=high')

      const chips = await screen.findByRole('list', { name: 'Active filters' })
      await within(chips).findByText(/Customer: Nordwerk GmbH/)
      expect(within(chips).getByText(/Updated since Dec 1, 2026/)).toBeTruthy()
      await waitFor(() =>
        expect(caseQueries()).toContainEqual({
          customer_id: 'nordwerk',
          updated_since: '2026-12-01',
          priority: 'high',
        }),
      )
      // the case the API answered is loaded (the virtual list draws no rows without a layout)
      expect(await screen.findByText('Select the case shown')).toBeTruthy()
      expect(await seriousViolations(container)).toEqual([])

      const user = userEvent.setup()
      await user.click(screen.getByRole('button', { name: 'Remove the filter Customer' }))
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({
          view: 'all',
          updated_since: '2026-12-01',
          priority: 'high',
        }),
      )
      await waitFor(() =>
        expect(caseQueries()).toContainEqual({ updated_since: '2026-12-01', priority: 'high' }),
      )
      expect(within(chips).queryByText(/Customer:/)).toBeNull()

      await user.click(screen.getByRole('button', { name: 'Remove the filter Updated since' }))
      await waitFor(() => expect(router.currentRoute.value.query).toEqual({ view: 'all', priority: 'high' }))
      // no filter left to remove: no chips (priority is a field of the filter bar)
      await waitFor(() => expect(screen.queryByRole('list', { name: 'Active filters' })).toBeNull())
    },
    SLOW,
  )

  it(
    "shows the customer by id while no record names them, a time in the agent's zone, and in German",
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      await setLanguage('de')
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?customer=acme&updated_since=2026-12-01T09:30:00Z')
      const chips = await screen.findByRole('list', { name: 'Aktive Filter' })
      expect(within(chips).getByText(/Kunde: acme/)).toBeTruthy()
      const since = within(chips).getByText(/Aktualisiert seit/)
      expect(since.getAttribute('title')).toBe('2026-12-01T09:30:00Z')
      expect(since.textContent).toMatch(/2026/)
      expect(screen.getByRole('button', { name: 'Filter Kunde entfernen' })).toBeTruthy()
      expect(screen.getByRole('button', { name: 'Filter Aktualisiert seit entfernen' })).toBeTruthy()
    },
    SLOW,
  )

  it(
    'saves the queue with every filter as a view, and the view opens with all of them again',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const { calls } = api()
      const { router } = await renderWithApp(QueuePage)
      const url =
        '/queue?view=all&status=new,pending_customer&assignee=lea&sla=breaching_soon&tag=vip&tag=rma' +
        '&q=label&group=hardware&priority=high&channel=email&product=LP-200&customer=nordwerk' +
        '&updated_since=2026-11-01T08:30:00%2B01:00&sort=due'
      await router.push(url)
      const before = { ...router.currentRoute.value.query }
      expect(before).toMatchObject({ customer: 'nordwerk', updated_since: '2026-11-01T08:30:00+01:00' })

      const user = userEvent.setup()
      await user.click(await screen.findByRole('button', { name: 'Save this view' }))
      await user.type(screen.getByLabelText('Name of the view'), 'Nordwerk printers')
      await user.click(screen.getByRole('button', { name: 'Save' }))
      await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
      const stored = new URLSearchParams(
        (calls.find((c) => c.method === 'POST')!.body as { query: string }).query,
      )
      expect(stored.get('customer_id')).toBe('nordwerk')
      expect(stored.get('updated_since')).toBe('2026-11-01T08:30:00+01:00')

      // elsewhere, then back through the saved view: the same URL, so the same filters
      await router.push('/queue')
      const link = await screen.findByRole('link', { name: 'Nordwerk printers' })
      await user.click(link)
      await waitFor(() => expect(router.currentRoute.value.query).toEqual(before))
      expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/Nordwerk printers/)
    },
    SLOW,
  )
})

describe("the filter bar's customer and updated-since fields", () => {
  it(
    'set the customer by name or id into the URL, the API query and the chips; an emptied field removes it',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const { calls, caseQueries } = api()
      const { container, router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all')
      const user = userEvent.setup()
      const field = await screen.findByLabelText('Customer')
      expect(field.getAttribute('list')).toBe('queue-customer-choices')

      // the suggestions are read once the field is used: the first customers by id, with their
      // names; then those the API finds for what is typed
      expect(calls.some((c) => c.path.startsWith('/customers?'))).toBe(false)
      const choices = () =>
        [...container.querySelectorAll('#queue-customer-choices option')].map((o) => [
          o.getAttribute('value'),
          o.textContent?.trim(),
        ])
      await user.click(field)
      await waitFor(() => expect(choices()).toEqual([['nordwerk', 'Nordwerk GmbH']]))
      await user.type(field, 'kief')
      await waitFor(() => expect(choices()).toEqual([['kiefer-druck', 'Kiefer Druck']]))
      expect(calls.some((c) => c.path.includes('/customers?q=kief&'))).toBe(true)
      // a name is that customer, on whatever page of customers it is
      await user.type(field, 'er druck')
      await user.tab()
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({ view: 'all', customer: 'kiefer-druck' }),
      )
      await waitFor(() => expect(caseQueries()).toContainEqual({ customer_id: 'kiefer-druck' }))
      const chips = await screen.findByRole('list', { name: 'Active filters' })
      expect(within(chips).getByText(/Customer: Kiefer Druck/)).toBeTruthy()
      expect((field as HTMLInputElement).value).toBe('Kiefer Druck')

      // an id is taken as typed, and the field shows the customer's name once it is known
      await user.clear(field)
      await user.type(field, 'nordwerk{Enter}')
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({ view: 'all', customer: 'nordwerk' }),
      )
      await waitFor(() => expect((field as HTMLInputElement).value).toBe('Nordwerk GmbH'))
      expect(screen.queryByRole('alert')).toBeNull()
      expect(await seriousViolations(container)).toEqual([])

      // emptied: no customer filter, no chip
      await user.clear(field)
      await user.tab()
      await waitFor(() => expect(router.currentRoute.value.query).toEqual({ view: 'all' }))
      await waitFor(() => expect(screen.queryByRole('list', { name: 'Active filters' })).toBeNull())
    },
    SLOW,
  )

  it(
    'refuse what is no customer with a message, leaving the URL and the list as they are',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const { caseQueries } = api()
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all&customer=nordwerk')
      const field = await screen.findByLabelText('Customer')
      await waitFor(() => expect((field as HTMLInputElement).value).toBe('Nordwerk GmbH'))
      const asked = caseQueries().length
      const user = userEvent.setup()
      await user.clear(field)
      await user.type(field, 'Müller & Söhne')
      await user.tab()
      const alert = await screen.findByRole('alert')
      expect(alert.textContent).toMatch(/No customer has this name, and it is no customer id.*Müller & Söhne/)
      expect(field.getAttribute('aria-invalid')).toBe('true')
      expect(field.getAttribute('aria-describedby')).toBe(alert.id)
      // kept in the field to be corrected, also once the page drew the message
      expect((field as HTMLInputElement).value).toBe('Müller & Söhne')
      expect(router.currentRoute.value.query).toEqual({ view: 'all', customer: 'nordwerk' })
      expect(caseQueries().length).toBe(asked)
    },
    SLOW,
  )

  it(
    'set "updated since" from a typed date or a quick choice, refuse a bad date with a message, and clear it',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      const { caseQueries } = api()
      const { container, router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all')
      const user = userEvent.setup()
      const field = (await screen.findByLabelText('Updated since')) as HTMLInputElement
      expect(field.placeholder).toBe('YYYY-MM-DD')

      await user.type(field, '2026-12-01')
      await user.tab()
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({ view: 'all', updated_since: '2026-12-01' }),
      )
      await waitFor(() => expect(caseQueries()).toContainEqual({ updated_since: '2026-12-01' }))
      const chips = await screen.findByRole('list', { name: 'Active filters' })
      expect(within(chips).getByText(/Updated since Dec 1, 2026/)).toBeTruthy()

      // a date written otherwise is refused: said, and neither the URL nor the API query has it
      await user.clear(field)
      await user.type(field, '31.12.2026')
      await user.tab()
      const alert = await screen.findByRole('alert')
      expect(alert.textContent).toMatch(/Not a date: write it as YYYY-MM-DD.*31\.12\.2026/)
      expect(field.getAttribute('aria-invalid')).toBe('true')
      expect(field.getAttribute('aria-describedby')).toBe(alert.id)
      expect(field.value).toBe('31.12.2026')
      expect(router.currentRoute.value.query).toEqual({ view: 'all', updated_since: '2026-12-01' })
      expect(caseQueries().some((q) => q.updated_since === '31.12.2026')).toBe(false)
      expect(await seriousViolations(container)).toEqual([])

      // a quick choice: a span before now, kept relative in the URL and the API query (a saved view
      // of it rolls with time); it takes the typed date's place, and the message is gone
      await user.selectOptions(screen.getByLabelText('Updated in the last'), '7 days')
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({ view: 'all', updated_within: 'P7D' }),
      )
      await waitFor(() => expect(field.value).toBe(''))
      expect(screen.queryByRole('alert')).toBeNull()
      expect((screen.getByLabelText('Updated in the last') as HTMLSelectElement).value).toBe('week')
      await waitFor(() => expect(caseQueries()).toContainEqual({ updated_within: 'P7D' }))
      expect(
        within(await screen.findByRole('list', { name: 'Active filters' })).getByText(
          /Updated in the last 7 days/,
        ),
      ).toBeTruthy()

      // a date typed then takes the span's place
      await user.type(field, '2026-12-01')
      await user.tab()
      await waitFor(() =>
        expect(router.currentRoute.value.query).toEqual({ view: 'all', updated_since: '2026-12-01' }),
      )
      expect((screen.getByLabelText('Updated in the last') as HTMLSelectElement).value).toBe('')

      // emptied: the filter is gone
      await user.clear(field)
      await user.tab()
      await waitFor(() => expect(router.currentRoute.value.query).toEqual({ view: 'all' }))
      expect((screen.getByLabelText('Updated in the last') as HTMLSelectElement).value).toBe('')
    },
    SLOW,
  )

  it(
    'both leave the URL when emptied one right after the other (before the first reached the URL)',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all&customer=nordwerk&updated_since=2026-12-01')
      const since = (await screen.findByLabelText('Updated since')) as HTMLInputElement
      const customer = screen.getByLabelText('Customer') as HTMLInputElement
      since.value = ''
      customer.value = ''
      await fireEvent.change(since)
      await fireEvent.change(customer)
      await waitFor(() => expect(router.currentRoute.value.query).toEqual({ view: 'all' }))
      await new Promise((r) => setTimeout(r, 50))
      expect(router.currentRoute.value.query).toEqual({ view: 'all' })
    },
    SLOW,
  )

  it(
    'are labelled in German too',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      await setLanguage('de')
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all')
      const since = (await screen.findByLabelText('Aktualisiert seit')) as HTMLInputElement
      expect(since.placeholder).toBe('JJJJ-MM-TT')
      expect((screen.getByLabelText('Kunde') as HTMLInputElement).placeholder).toBe('Name oder Kundennummer')
      const within_ = screen.getByLabelText('Aktualisiert in den letzten')
      expect(within(within_).getByRole('option', { name: '7 Tagen' })).toBeTruthy()
      const user = userEvent.setup()
      await user.type(since, 'gestern')
      await user.tab()
      expect((await screen.findByRole('alert')).textContent).toMatch(/Kein Datum/)
    },
    SLOW,
  )
})

describe("the filter bar's product and tags fields", () => {
  it(
    'keep what is typed while the page draws again (another filter changes before the field is left)',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all')
      const user = userEvent.setup()
      const product = (await screen.findByLabelText('Product')) as HTMLInputElement
      const tags = screen.getByLabelText('Tags') as HTMLInputElement
      const priority = screen.getByLabelText('Priority') as HTMLSelectElement
      const redraw = async (query: string) => {
        // the page draws again: a filter changed through the URL while the field holds typed text
        await router.push(`/queue?view=all&${query}`)
        await waitFor(() => expect(priority.value).toBe(query.split('=')[1]))
        await new Promise((r) => setTimeout(r, 20))
      }
      await user.type(product, 'PX-2')
      await redraw('priority=high')
      expect(product.value).toBe('PX-2')
      tags.focus()
      await user.type(tags, 'billing, vip')
      await redraw('priority=low')
      expect(tags.value).toBe('billing, vip')
      // and a filter set from elsewhere still shows in the field
      await router.push('/queue?view=all&product=PX-9&tag=urgent')
      await waitFor(() => expect(product.value).toBe('PX-9'))
      expect(tags.value).toBe('urgent')
    },
    SLOW,
  )

  it(
    'take the valid tags and say the refused ones, also once the valid ones reached the URL',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      const { router } = await renderWithApp(QueuePage)
      await router.push('/queue?view=all')
      const tags = (await screen.findByLabelText('Tags')) as HTMLInputElement
      const user = userEvent.setup()
      await user.type(tags, 'vip, b@d')
      await user.tab()
      await waitFor(() => expect(router.currentRoute.value.query).toEqual({ view: 'all', tag: 'vip' }))
      await new Promise((r) => setTimeout(r, 50))
      expect((await screen.findByRole('alert')).textContent).toMatch(/Not a valid tag.*b@d/)
    },
    SLOW,
  )
})

describe("the customer panel's other cases", () => {
  it(
    'links to every case of the customer in the queue',
    async () => {
      signInAsDevAgent({ id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 't' })
      api()
      const here = makeCase({ case_id: 'CB-1', customer_id: 'nordwerk' })
      const { container } = await renderWithApp(CustomerPanel, { props: { case: here } })
      const link = await screen.findByRole('link', { name: 'All cases of Nordwerk GmbH in the queue' })
      expect(link.getAttribute('href')).toBe('/queue?view=all&customer=nordwerk')
      expect(await seriousViolations(container)).toEqual([])
    },
    SLOW,
  )
})
