import { cleanup, screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import type { Calendar, SlaPolicy } from '@/api/types'
import { signInAsDevAgent, signOut } from '@/auth/session'
import { setLanguage } from '@/i18n'
import SlaPage from '@/pages/SlaPage.vue'
import { fakeApi, renderWithApp, seriousViolations, testConfig } from '@/test/render'

const office: Calendar = {
  calendar_id: 'office',
  name: 'Office',
  timezone: 'Europe/Berlin',
  hours: { mon: [{ start: '09:00:00', end: '17:00:00' }] },
  holidays: ['2026-12-25'],
  version: 2,
}
const standard: SlaPolicy = {
  policy_id: 'std',
  name: 'Standard',
  calendar_id: 'office',
  rank: 100,
  warn_before_minutes: 30,
  match_tiers: [],
  match_channels: [],
  targets: { high: { first_response_minutes: 60, resolution_minutes: null } },
  version: 1,
}

// typing and axe in jsdom take seconds on a loaded machine
const SLOW = 30_000

function api(calendars: Calendar[] = [office], policies: SlaPolicy[] = [standard]) {
  return fakeApi((method, url, body) => {
    if (method === 'GET' && url.pathname === '/sla/calendars') return { body: { items: calendars } }
    if (method === 'GET' && url.pathname === '/sla/policies') return { body: { items: policies } }
    if (method === 'POST') return { status: 201, body: { ...(body as object), version: 1 } }
    if (method === 'PUT') return { body: { ...(body as object) } }
    return undefined
  })
}

function signIn(roles: string[]): void {
  signInAsDevAgent({ id: 'pat@casebridge.local', name: 'Pat', roles, token: 't' })
}

afterEach(async () => {
  cleanup()
  signOut(testConfig)
  await setLanguage('en')
})

describe('SLA administration', () => {
  it(
    'shows an agent who is not an administrator the calendars and policies read-only',
    async () => {
      signIn([])
      api()
      const { container } = await renderWithApp(SlaPage)
      expect(await screen.findByRole('rowheader', { name: /Office/ })).toBeTruthy()
      expect(screen.getByText(/Mon 09:00–17:00/)).toBeTruthy()
      expect(screen.getByText('one holiday')).toBeTruthy()
      expect(screen.getByRole('rowheader', { name: /Standard/ })).toBeTruthy()
      expect(screen.getByText(/Only administrators can change/)).toBeTruthy()
      expect(screen.queryByRole('button', { name: /Edit|Delete|Create/ })).toBeNull()
      expect(screen.queryByRole('textbox')).toBeNull()
      expect(await seriousViolations(container)).toEqual([])
    },
    SLOW,
  )

  it(
    'lets an administrator create a calendar with hours, time zone and a holiday, by keyboard',
    async () => {
      signIn(['admin'])
      const calls = api([], [])
      const user = userEvent.setup()
      const { container } = await renderWithApp(SlaPage)
      const form = await screen.findByRole('form', { name: 'New calendar' })
      expect(await seriousViolations(container)).toEqual([])

      await user.type(within(form).getByRole('textbox', { name: 'Id' }), 'support-hours')
      await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Support hours')
      const zone = within(form).getByRole('combobox', { name: 'Time zone' })
      await user.clear(zone)
      await user.type(zone, 'America/New_York')
      await user.click(within(form).getByRole('checkbox', { name: 'Open on Saturday' }))
      await user.click(within(form).getByRole('checkbox', { name: 'Open on Friday' }))
      const holiday = within(form).getByLabelText('Holiday')
      await user.type(holiday, '2026-07-04')
      await user.click(within(form).getByRole('button', { name: 'Add holiday' }))
      expect(within(form).getByRole('button', { name: 'Remove holiday 2026-07-04' })).toBeTruthy()
      await user.click(within(form).getByRole('button', { name: 'Create calendar' }))

      await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
      const post = calls.find((c) => c.method === 'POST')!
      expect(post.path).toBe('/sla/calendars')
      expect(post.body).toMatchObject({
        calendar_id: 'support-hours',
        name: 'Support hours',
        timezone: 'America/New_York',
        holidays: ['2026-07-04'],
      })
      expect(Object.keys((post.body as Calendar).hours ?? {})).toEqual(['mon', 'tue', 'wed', 'thu', 'sat'])
    },
    SLOW,
  )

  it(
    'lets an administrator create a policy with targets by priority, conditions, rank and warning',
    async () => {
      signIn(['admin'])
      const calls = api([office], [])
      const user = userEvent.setup()
      await renderWithApp(SlaPage)
      const form = await screen.findByRole('form', { name: 'New policy' })
      await user.type(within(form).getByRole('textbox', { name: 'Id' }), 'gold')
      await user.type(within(form).getByRole('textbox', { name: 'Name' }), 'Gold')
      await user.selectOptions(within(form).getByRole('combobox', { name: 'Calendar' }), 'office')
      const rank = within(form).getByRole('spinbutton', { name: 'Rank' })
      await user.clear(rank)
      await user.type(rank, '10')
      await user.type(within(form).getByRole('textbox', { name: 'Customer tiers' }), 'gold, enterprise')
      await user.type(
        within(form).getByRole('spinbutton', { name: 'First response target for Urgent (minutes)' }),
        '30',
      )
      await user.type(
        within(form).getByRole('spinbutton', { name: 'Resolution target for Urgent (minutes)' }),
        '240',
      )
      await user.click(within(form).getByRole('button', { name: 'Create policy' }))

      await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
      const post = calls.find((c) => c.method === 'POST')!
      expect(post.path).toBe('/sla/policies')
      expect(post.body).toEqual({
        policy_id: 'gold',
        name: 'Gold',
        calendar_id: 'office',
        rank: 10,
        warn_before_minutes: 30,
        match_tiers: ['gold', 'enterprise'],
        match_channels: [],
        targets: { urgent: { first_response_minutes: 30, resolution_minutes: 240 } },
      })
    },
    SLOW,
  )

  it(
    'saves an edited calendar with the version it was read at',
    async () => {
      signIn(['admin'])
      const calls = api()
      const user = userEvent.setup()
      await renderWithApp(SlaPage)
      await user.click(await screen.findByRole('button', { name: 'Edit calendar Office' }))
      const form = screen.getByRole('form', { name: 'Edit calendar Office' })
      await user.click(within(form).getByRole('checkbox', { name: 'Open on Tuesday' }))
      await user.click(within(form).getByRole('button', { name: 'Save' }))
      await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true))
      const put = calls.find((c) => c.method === 'PUT')!
      expect(put.path).toBe('/sla/calendars/office')
      expect(put.body).toMatchObject({ version: 2, name: 'Office' })
      expect(Object.keys((put.body as Calendar).hours ?? {})).toEqual(['mon', 'tue'])
    },
    SLOW,
  )

  it(
    'speaks German',
    async () => {
      signIn(['admin'])
      api()
      await setLanguage('de')
      const { container } = await renderWithApp(SlaPage)
      expect(await screen.findByRole('heading', { name: 'Geschäftszeiten-Kalender' })).toBeTruthy()
      expect(screen.getByRole('group', { name: 'Neue Richtlinie' })).toBeTruthy()
      expect(screen.getByRole('checkbox', { name: 'Geöffnet am Samstag' })).toBeTruthy()
      expect(await seriousViolations(container)).toEqual([])
    },
    SLOW,
  )
})
