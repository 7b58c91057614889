import { describe, expect, it } from 'vitest'
import { makeCase } from '@/test/fixtures'
import type { Case } from '@/api/types'
import {
  apiQuery,
  customerFromInput,
  sinceSpanOf,
  withinMs,
  sinceFromInput,
  filtersFromQuery,
  filtersFromViewQuery,
  filtersToQuery,
  matchesView,
  nextDue,
  relativeTime,
  overridesView,
  sinceInstant,
  viewQueryString,
  withView,
  DEFAULT_FILTERS,
  OPEN_STATUSES as OPEN,
  VIEW_IDS,
} from './queue'

describe('queue views in the URL', () => {
  it('round-trips a view through the query string, keeping only what differs from the defaults', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      view: 'breached' as const,
      q: 'refund failed',
      group: 'billing',
      priority: 'high' as const,
      sort: 'due' as const,
    }
    const query = filtersToQuery(filters)
    expect(query).toEqual({
      view: 'breached',
      q: 'refund failed',
      group: 'billing',
      priority: 'high',
      sort: 'due',
    })
    expect(filtersFromQuery(query as Record<string, string>)).toEqual(filters)
    expect(filtersToQuery(DEFAULT_FILTERS)).toEqual({})
  })

  it('ignores values that are not a view, group, priority, channel, product or sort', () => {
    expect(
      filtersFromQuery({
        view: 'everything',
        priority: 'sky-high',
        channel: 'pigeon',
        product: 'a b',
        group: 'no spaces',
        sort: 'random',
        q: '   ',
      }),
    ).toEqual(DEFAULT_FILTERS)
  })

  it('trims the search text and keeps at most 200 characters', () => {
    expect(filtersFromQuery({ q: '  CB-100042 ' }).q).toBe('CB-100042')
    expect(filtersFromQuery({ q: 'x'.repeat(300) }).q).toHaveLength(200)
  })

  it('writes a view as the GET /cases query string a saved view stores, and reads it back', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      view: 'mine' as const,
      q: 'a&b=c',
      group: 'billing',
      sort: 'due' as const,
    }
    const text = viewQueryString(filters)
    expect(text).toBe(
      'status=new%2Copen%2Cpending_customer%2Cpending_department&assignee=me&q=a%26b%3Dc&group_id=billing&sort=due',
    )
    expect(filtersFromViewQuery(text)).toEqual(filters)
    for (const view of VIEW_IDS) {
      expect(filtersFromViewQuery(viewQueryString({ ...DEFAULT_FILTERS, view })).view).toBe(view)
    }
  })

  it('reads a saved view written elsewhere: statuses in any order or repeated', () => {
    expect(
      filtersFromViewQuery('?assignee=none&status=open&status=new,pending_department,pending_customer').view,
    ).toBe('unassigned')
  })

  it('opens a saved view that is no built-in view with exactly its statuses, assignee, SLA state and tags', () => {
    const filters = filtersFromViewQuery('status=open,new&priority=urgent&tag=vip&tag=billing')
    expect(filters).toEqual({
      ...DEFAULT_FILTERS,
      view: 'all',
      status: ['new', 'open'],
      priority: 'urgent',
      tags: ['vip', 'billing'],
    })
    expect(apiQuery(filters)).toEqual({ status: 'new,open', priority: 'urgent', tag: 'vip,billing' })
    // the URL carries all of it, and reading the URL back gives the same filters
    const url = filtersToQuery(filters)
    expect(url).toEqual({ view: 'all', status: 'new,open', priority: 'urgent', tag: ['vip', 'billing'] })
    expect(filtersFromQuery(url as Record<string, string | string[]>)).toEqual(filters)
    // and saving it again stores the same view
    expect(viewQueryString(filters)).toBe('status=new%2Copen&tag=vip%2Cbilling&priority=urgent')
    expect(filtersFromViewQuery(viewQueryString(filters))).toEqual(filters)

    const lea = filtersFromViewQuery('status=new,open,pending_customer,pending_department&assignee=lea')
    expect(lea).toEqual({ ...DEFAULT_FILTERS, view: 'all', status: [...OPEN], assignee: 'lea' })
    expect(apiQuery(lea)).toEqual({ status: OPEN.join(','), assignee: 'lea' })

    const breachedNew = filtersFromViewQuery('status=new&sla=breached')
    expect(breachedNew).toEqual({ ...DEFAULT_FILTERS, view: 'all', status: ['new'], sla: 'breached' })
    expect(apiQuery(breachedNew)).toEqual({ status: 'new', sla: 'breached' })

    const mineAnyStatus = filtersFromViewQuery('assignee=me')
    expect(mineAnyStatus).toEqual({ ...DEFAULT_FILTERS, view: 'all', assignee: 'me' })
    expect(apiQuery(mineAnyStatus)).toEqual({ assignee: 'me' })
  })

  it("lets the URL replace the view's statuses, assignee and SLA state; a built-in view link drops them", () => {
    const filters = filtersFromQuery({ view: 'mine', status: 'pending_customer', sla: 'breaching_soon' })
    expect(overridesView(filters)).toBe(true)
    expect(apiQuery(filters)).toEqual({ status: 'pending_customer', assignee: 'me', sla: 'breaching_soon' })
    const plain = withView(filters, 'unassigned')
    expect(overridesView(plain)).toBe(false)
    expect(filtersToQuery(plain)).toEqual({ view: 'unassigned' })
  })

  it('reads tags repeated or comma-separated, keeps valid ones once each and at most ten', () => {
    expect(filtersFromQuery({ tag: ['vip', 'billing,vip', ' rma '] }).tags).toEqual(['vip', 'billing', 'rma'])
    expect(filtersFromQuery({ tag: 'no spaces!,ok' }).tags).toEqual(['ok'])
    const many = Array.from({ length: 12 }, (_, i) => `t${i}`)
    expect(filtersFromQuery({ tag: many.join(',') }).tags).toEqual(many.slice(0, 10))
    expect(filtersToQuery({ ...DEFAULT_FILTERS, tags: ['vip'] })).toEqual({ tag: 'vip' })
    expect(filtersFromQuery({ status: 'closed,bogus,new,new' }).status).toEqual(['new', 'closed'])
    expect(filtersFromQuery({ status: 'bogus', assignee: 'a b', sla: 'late' })).toEqual(DEFAULT_FILTERS)
  })
})

describe('a view as one GET /cases query', () => {
  it('asks the API for the open statuses, the assignee and the SLA state of a view', () => {
    const open = 'new,open,pending_customer,pending_department'
    expect(apiQuery(DEFAULT_FILTERS)).toEqual({ status: open })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'mine' })).toEqual({ status: open, assignee: 'me' })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'unassigned' })).toEqual({ status: open, assignee: 'none' })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'breaching_soon' })).toEqual({
      status: open,
      sla: 'breaching_soon',
    })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'breached' })).toEqual({ status: open, sla: 'breached' })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'pending_customer' })).toEqual({ status: 'pending_customer' })
    expect(apiQuery({ ...DEFAULT_FILTERS, view: 'all' })).toEqual({})
  })

  it('passes the text, group, filters and sort through', () => {
    expect(
      apiQuery({
        ...DEFAULT_FILTERS,
        view: 'all',
        q: 'refund',
        group: 'billing',
        priority: 'urgent',
        channel: 'chat',
        product: 'X1',
        sort: '-updated',
      }),
    ).toEqual({
      q: 'refund',
      group_id: 'billing',
      priority: 'urgent',
      channel: 'chat',
      product: 'X1',
      sort: '-updated',
    })
  })

  it('places a changed case into the views it matches', () => {
    const mine = { ...DEFAULT_FILTERS, view: 'mine' as const }
    expect(matchesView(mine, 'sam', makeCase({ case_id: 'CB-1', assignee: 'sam', status: 'open' }))).toBe(
      true,
    )
    expect(matchesView(mine, 'sam', makeCase({ case_id: 'CB-2', assignee: 'sam', status: 'closed' }))).toBe(
      false,
    )
    const unassigned = { ...DEFAULT_FILTERS, view: 'unassigned' as const }
    expect(matchesView(unassigned, 'sam', makeCase({ case_id: 'CB-3' }))).toBe(true)
    expect(matchesView(unassigned, 'sam', makeCase({ case_id: 'CB-4', assignee: 'lea' }))).toBe(false)
    const breached = { ...DEFAULT_FILTERS, view: 'breached' as const }
    expect(matchesView(breached, 'sam', makeCase({ case_id: 'CB-5', sla_state: 'breached' }))).toBe(true)
    expect(matchesView(breached, 'sam', makeCase({ case_id: 'CB-6', sla_state: 'at_risk' }))).toBe(false)
    const search = { ...DEFAULT_FILTERS, q: 'Printer JAM', group: 'hw' }
    const printer = makeCase({ case_id: 'CB-7', subject: 'The printer has a jam', group_id: 'hw' })
    expect(matchesView(search, 'sam', printer)).toBe(true)
    expect(matchesView(search, 'sam', { ...printer, group_id: 'sw' })).toBe(false)
    expect(matchesView(search, 'sam', { ...printer, subject: 'Printer broken' })).toBe(false)
    const tagged = { ...DEFAULT_FILTERS, view: 'all' as const, tags: ['vip', 'rma'] }
    expect(matchesView(tagged, 'sam', makeCase({ case_id: 'CB-8', tags: ['rma', 'vip', 'x'] }))).toBe(true)
    expect(matchesView(tagged, 'sam', makeCase({ case_id: 'CB-9', tags: ['vip'] }))).toBe(false)
    const leasNew = { ...DEFAULT_FILTERS, view: 'all' as const, status: ['new' as const], assignee: 'lea' }
    expect(matchesView(leasNew, 'sam', makeCase({ case_id: 'CB-10', status: 'new', assignee: 'lea' }))).toBe(
      true,
    )
    expect(matchesView(leasNew, 'sam', makeCase({ case_id: 'CB-11', status: 'open', assignee: 'lea' }))).toBe(
      false,
    )
    expect(matchesView(leasNew, 'sam', makeCase({ case_id: 'CB-12', status: 'new', assignee: 'sam' }))).toBe(
      false,
    )
  })
})

describe('the customer and "updated since" filters', () => {
  const every = {
    ...DEFAULT_FILTERS,
    view: 'all' as const,
    status: ['new' as const, 'pending_customer' as const],
    assignee: 'lea@casebridge.local',
    sla: 'breaching_soon' as const,
    tags: ['vip', 'rma'],
    q: 'label printer',
    group: 'hardware',
    priority: 'high' as const,
    channel: 'email' as const,
    product: 'LP-200',
    customer: 'nordwerk',
    updatedSince: '2026-11-01T08:30:00+01:00',
    updatedWithin: 'P7D',
    sort: 'due' as const,
  }

  it('reads them from the URL, writes them back and asks GET /cases for them', () => {
    const filters = filtersFromQuery({ customer: 'nordwerk', updated_since: '2026-12-01' })
    expect(filters).toEqual({ ...DEFAULT_FILTERS, customer: 'nordwerk', updatedSince: '2026-12-01' })
    expect(filtersToQuery(filters)).toEqual({ customer: 'nordwerk', updated_since: '2026-12-01' })
    expect(apiQuery(filters)).toEqual({
      status: OPEN.join(','),
      customer_id: 'nordwerk',
      updated_since: '2026-12-01',
    })
    // a customer is no replacement of the view's own statuses: the view stays itself
    expect(overridesView(filters)).toBe(false)
    expect(filtersToQuery(withView(filters, 'mine'))).toEqual({
      view: 'mine',
      customer: 'nordwerk',
      updated_since: '2026-12-01',
    })
    expect(filtersFromQuery({ customer: ' acme.de ' }).customer).toBe('acme.de')
  })

  it('round-trips every filter through the URL and through a saved view', () => {
    const url = filtersToQuery(every)
    expect(url).toMatchObject({ customer: 'nordwerk', updated_since: '2026-11-01T08:30:00+01:00' })
    expect(filtersFromQuery(url as Record<string, string | string[]>)).toEqual(every)
    const stored = viewQueryString(every)
    const params = new URLSearchParams(stored)
    expect(params.get('customer_id')).toBe('nordwerk')
    expect(params.get('updated_since')).toBe('2026-11-01T08:30:00+01:00')
    expect(params.get('updated_within')).toBe('P7D')
    expect(filtersFromViewQuery(stored)).toEqual(every)
    // a view saved through the API, parameters in another order, opens with them too
    expect(filtersFromViewQuery('updated_since=2026-12-01&customer_id=nordwerk&status=open')).toEqual({
      ...DEFAULT_FILTERS,
      view: 'all',
      status: ['open'],
      customer: 'nordwerk',
      updatedSince: '2026-12-01',
    })
  })

  it('drops a customer id or a time the API would refuse', () => {
    for (const customer of ['no spaces', 'x'.repeat(65), 'ä', '']) {
      expect(filtersFromQuery({ customer }).customer).toBeNull()
    }
    for (const since of [
      'yesterday',
      '20261201',
      '1733050000',
      '2026-13-01',
      '2026-02-30',
      '2023-02-29',
      '2026-12-01T24:00',
      '2026-12-01T10',
      '2026-12-01T10:00:60Z',
      '2026-12-01Z',
      '2026-12-01T10:00+24:00',
      '0000-01-01',
    ]) {
      expect(filtersFromQuery({ updated_since: since }).updatedSince, since).toBeNull()
    }
    expect(filtersFromViewQuery('customer_id=a%20b&updated_since=soon')).toEqual({
      ...DEFAULT_FILTERS,
      view: 'all',
    })
  })

  it('reads the ISO forms the API reads, a date or a time without offset as UTC', () => {
    expect(sinceInstant('2026-12-01')).toBe('2026-12-01T00:00:00.000000Z')
    expect(sinceInstant('2024-02-29')).toBe('2024-02-29T00:00:00.000000Z')
    expect(sinceInstant('2026-12-01T10:00')).toBe('2026-12-01T10:00:00.000000Z')
    expect(sinceInstant('2026-12-01 10:00:05Z')).toBe('2026-12-01T10:00:05.000000Z')
    expect(sinceInstant('2026-12-01T00:30:00+01:00')).toBe('2026-11-30T23:30:00.000000Z')
    expect(sinceInstant('2026-12-01T10:00-0530')).toBe('2026-12-01T15:30:00.000000Z')
    expect(sinceInstant('2026-12-01T10:00:00.1234567Z')).toBe('2026-12-01T10:00:00.123456Z')
    expect(sinceInstant('2026-12-01T10:00:00.5Z')).toBe('2026-12-01T10:00:00.500000Z')
  })

  it("places a live change into a view only if it is the customer's and changed at or after the time", () => {
    const view = {
      ...DEFAULT_FILTERS,
      view: 'all' as const,
      customer: 'nordwerk',
      updatedSince: '2026-12-01',
    }
    const theirs = makeCase({ case_id: 'CB-1', customer_id: 'nordwerk', updated_at: '2026-12-01T00:00:00Z' })
    expect(matchesView(view, 'sam', theirs)).toBe(true) // the very instant: included, as the API's >=
    expect(matchesView(view, 'sam', { ...theirs, updated_at: '2026-11-30T23:59:59.999999Z' })).toBe(false)
    expect(matchesView(view, 'sam', { ...theirs, customer_id: 'acme' })).toBe(false)
    expect(matchesView(view, 'sam', { ...theirs, customer_id: null })).toBe(false)
    // microseconds count, and an offset is an instant like any other
    const precise = { ...view, updatedSince: '2026-12-01T10:00:00.000002+01:00' }
    expect(matchesView(precise, 'sam', { ...theirs, updated_at: '2026-12-01T09:00:00.000002Z' })).toBe(true)
    expect(matchesView(precise, 'sam', { ...theirs, updated_at: '2026-12-01T09:00:00.000001Z' })).toBe(false)
  })
})

describe('the due time on a row', () => {
  const now = Date.parse('2026-03-02T12:00:00Z')
  const sla = (over: Partial<NonNullable<Case['sla']>>): Case['sla'] =>
    ({
      policy_id: 'p',
      calendar_id: 'c',
      priority: 'normal',
      started_at: '2026-03-02T08:00:00Z',
      breached: [],
      warned: [],
      ...over,
    }) as NonNullable<Case['sla']>

  it('is the first response until one was given, then the resolution', () => {
    const c = makeCase({
      case_id: 'CB-1',
      status: 'open',
      sla: sla({ first_response_due: '2026-03-02T13:00:00Z', resolution_due: '2026-03-03T12:00:00Z' }),
    })
    expect(nextDue(c, now)).toEqual({ metric: 'first_response', at: '2026-03-02T13:00:00Z', overdue: false })
    const answered = { ...c, first_response_at: '2026-03-02T09:00:00Z' }
    expect(nextDue(answered, now)).toEqual({
      metric: 'resolution',
      at: '2026-03-03T12:00:00Z',
      overdue: false,
    })
  })

  it('is overdue once its time has passed, and absent while paused, resolved or without a policy', () => {
    const late = makeCase({
      case_id: 'CB-2',
      status: 'open',
      sla: sla({ first_response_due: '2026-03-02T11:00:00Z', resolution_due: '2026-03-03T12:00:00Z' }),
    })
    expect(nextDue(late, now)?.overdue).toBe(true)
    expect(nextDue({ ...late, sla: { ...late.sla!, paused_since: '2026-03-02T10:00:00Z' } }, now)).toBeNull()
    expect(nextDue({ ...late, status: 'resolved' }, now)).toBeNull()
    expect(nextDue({ ...late, sla: null }, now)).toBeNull()
  })

  it('says how far ahead or behind in words', () => {
    expect(relativeTime('2026-03-02T14:00:00Z', now, 'en')).toBe('in 2 hr.')
    expect(relativeTime('2026-03-02T11:30:00Z', now, 'en')).toBe('30 min. ago')
    expect(relativeTime('2026-03-04T12:00:00Z', now, 'de')).toBe('übermorgen')
  })
})

describe("the filter bar's customer and updated-since fields", () => {
  const known = [
    { customer_id: 'nordwerk', name: 'Nordwerk GmbH' },
    { customer_id: 'acme-1', name: 'Acme' },
    { customer_id: 'acme-2', name: 'ACME' },
  ]

  it('takes a known id, a name one customer alone has, or any id the API takes; nothing clears', () => {
    expect(customerFromInput(' nordwerk ', known)).toBe('nordwerk')
    expect(customerFromInput('nordwerk gmbh', known)).toBe('nordwerk')
    // two customers are called acme: the text is no name, but an id the API takes
    expect(customerFromInput('acme', known)).toBe('acme')
    expect(customerFromInput('CUST-0042', [])).toBe('CUST-0042')
    expect(customerFromInput('   ', known)).toBeNull()
    // a name with a space no customer has is no id either
    expect(customerFromInput('Kiefer Druck', known)).toBeUndefined()
    expect(customerFromInput('x'.repeat(65), known)).toBeUndefined()
  })

  it('takes an ISO date or date-time as typed and refuses anything else', () => {
    expect(sinceFromInput(' 2026-12-01 ')).toBe('2026-12-01')
    expect(sinceFromInput('2026-12-01T09:30Z')).toBe('2026-12-01T09:30Z')
    expect(sinceFromInput('')).toBeNull()
    for (const bad of ['2026-02-30', '01.12.2026', 'yesterday', '2026-12-01T25:00', '2026-13-01'])
      expect(sinceFromInput(bad)).toBeUndefined()
  })

  it('keeps a quick choice a span before now: in the URL, the API query and a saved view, never an instant', () => {
    const filters = filtersFromQuery({ updated_within: 'P7D' })
    expect(filters.updatedWithin).toBe('P7D')
    expect(sinceSpanOf(filters.updatedWithin)).toBe('week')
    expect(sinceSpanOf('P14D')).toBeNull()
    expect(apiQuery(filters).updated_within).toBe('P7D')
    expect(apiQuery(filters).updated_since).toBeUndefined()
    expect(filtersFromViewQuery(viewQueryString(filters))).toEqual(filters)
    // the spans the API takes: weeks, days, hours, minutes; more than zero, at most 366 days
    expect(withinMs('PT24H')).toBe(24 * 3600_000)
    expect(withinMs('P1W')).toBe(7 * 24 * 3600_000)
    expect(withinMs('P1DT12H')).toBe(36 * 3600_000)
    for (const bad of ['P0D', 'P', 'PT', 'P1DT', 'P367D', '-P1D', '7d', 'week', '', 'P1M', 'P1Y', 'PT30S'])
      expect(filtersFromQuery({ updated_within: bad }).updatedWithin, bad).toBeNull()
  })

  it('matches a case by a span before the time it is asked (the view rolls with time)', () => {
    const filters = filtersFromQuery({ updated_within: 'P1D', view: 'all' })
    const c = makeCase({ case_id: 'CB-9', updated_at: '2026-12-04T09:00:00.000000Z' })
    expect(matchesView(filters, 'sam', c, Date.parse('2026-12-05T09:00:00Z'))).toBe(true) // exactly a day: inclusive
    expect(matchesView(filters, 'sam', c, Date.parse('2026-12-05T09:00:01Z'))).toBe(false)
  })
})
