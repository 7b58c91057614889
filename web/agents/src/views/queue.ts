/** Queue views: named filters over GET /cases, whose state lives in the URL
 * (`/queue?view=mine&q=refund&group=billing&sort=due`), so a view can be bookmarked, shared and
 * saved (a saved view stores this same query string).
 *
 * The API does every filter of a view (several statuses, assignee me/none, group, SLA state,
 * text) and every sort, so a view is one GET /cases stream read page by page. `matches` is the
 * same test done here over one case, to place live changes into cached views. */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { CHANNELS, PRIORITIES, type Case, type CaseStatus, type Channel, type Priority } from '@/api/types'

export const VIEW_IDS = [
  'mine',
  'unassigned',
  'open',
  'new',
  'pending_customer',
  'pending_department',
  'breaching_soon',
  'breached',
  'resolved',
  'all',
] as const
export type ViewId = (typeof VIEW_IDS)[number]

/** The API's sorts (QueueSort); none chosen: latest activity, or best match when searching. */
export const SORTS = ['updated', '-updated', 'created', 'priority', 'due'] as const
export type SortKey = (typeof SORTS)[number]

export interface QueueFilters {
  view: ViewId
  /** words or a case number (GET /cases?q=) */
  q: string | null
  group: string | null
  priority: Priority | null
  channel: Channel | null
  product: string | null
  sort: SortKey | null
}

export const OPEN_STATUSES: CaseStatus[] = ['new', 'open', 'pending_customer', 'pending_department']

export const DEFAULT_FILTERS: QueueFilters = {
  view: 'open',
  q: null,
  group: null,
  priority: null,
  channel: null,
  product: null,
  sort: null,
}

const ID = /^[A-Za-z0-9._:/-]{1,64}$/

function one(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first ? first : null
}

/** The search box's text as the API takes it (trimmed, 1 to 200 characters), or null. */
export function searchText(value: string | null | undefined): string | null {
  const text = (value ?? '').trim().slice(0, 200)
  return text || null
}

export function filtersFromQuery(query: LocationQuery): QueueFilters {
  const view = one(query.view)
  const priority = one(query.priority)
  const channel = one(query.channel)
  const sort = one(query.sort)
  const product = one(query.product)
  const group = one(query.group)
  return {
    view: (VIEW_IDS as readonly string[]).includes(view ?? '') ? (view as ViewId) : DEFAULT_FILTERS.view,
    q: searchText(one(query.q)),
    group: group && ID.test(group) ? group : null,
    priority: (PRIORITIES as string[]).includes(priority ?? '') ? (priority as Priority) : null,
    channel: (CHANNELS as string[]).includes(channel ?? '') ? (channel as Channel) : null,
    product: product && ID.test(product) ? product : null,
    sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : null,
  }
}

/** Only what differs from the defaults goes into the URL, in a fixed order. */
export function filtersToQuery(filters: QueueFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filters.view !== DEFAULT_FILTERS.view) query.view = filters.view
  if (filters.q) query.q = filters.q
  if (filters.group) query.group = filters.group
  if (filters.priority) query.priority = filters.priority
  if (filters.channel) query.channel = filters.channel
  if (filters.product) query.product = filters.product
  if (filters.sort) query.sort = filters.sort
  return query
}

/** GET /cases parameters (without limit and cursor). Several statuses go comma-separated. */
export type CaseListQuery = Record<string, string>

function viewStatuses(view: ViewId): CaseStatus[] | null {
  switch (view) {
    case 'mine':
    case 'unassigned':
    case 'open':
    case 'breaching_soon':
    case 'breached':
      return OPEN_STATUSES
    case 'all':
      return null
    default:
      return [view]
  }
}

export function apiQuery(filters: QueueFilters): CaseListQuery {
  const query: CaseListQuery = {}
  const statuses = viewStatuses(filters.view)
  if (statuses) query.status = statuses.join(',')
  if (filters.view === 'mine') query.assignee = 'me'
  if (filters.view === 'unassigned') query.assignee = 'none'
  if (filters.view === 'breaching_soon' || filters.view === 'breached') query.sla = filters.view
  if (filters.q) query.q = filters.q
  if (filters.group) query.group_id = filters.group
  if (filters.priority) query.priority = filters.priority
  if (filters.channel) query.channel = filters.channel
  if (filters.product) query.product = filters.product
  if (filters.sort) query.sort = filters.sort
  return query
}

// -- saved views: the API's query string (GET /views stores GET /cases parameters) ----------------

/** The query string a saved view stores, e.g. `status=new%2Copen&assignee=me&q=refund`. */
export function viewQueryString(filters: QueueFilters): string {
  return new URLSearchParams(apiQuery(filters)).toString()
}

/** A saved view's query string back into the queue's filters: the built-in view whose statuses,
 * assignee and SLA state it names (else all cases), and the filters the queue has. */
export function filtersFromViewQuery(text: string): QueueFilters {
  const params = new URLSearchParams(text.replace(/^\?/, ''))
  const statuses = params
    .getAll('status')
    .flatMap((s) => s.split(','))
    .filter(Boolean)
  const key = (q: CaseListQuery) =>
    [[...(q.status?.split(',') ?? [])].sort().join(','), q.assignee ?? '', q.sla ?? ''].join('|')
  const wanted = [[...statuses].sort().join(','), params.get('assignee') ?? '', params.get('sla') ?? ''].join(
    '|',
  )
  const view = VIEW_IDS.find((id) => key(apiQuery({ ...DEFAULT_FILTERS, view: id })) === wanted) ?? 'all'
  const query: Record<string, string> = { view }
  for (const [name, as] of [
    ['q', 'q'],
    ['group_id', 'group'],
    ['priority', 'priority'],
    ['channel', 'channel'],
    ['product', 'product'],
    ['sort', 'sort'],
  ] as const) {
    const value = params.get(name)
    if (value) query[as] = value
  }
  return filtersFromQuery(query)
}

/** Every case the view shows passes this (the text search approximately: on what a case row holds). */
export function matchesView(filters: QueueFilters, agentId: string, c: Case): boolean {
  const statuses = viewStatuses(filters.view)
  if (statuses && !statuses.includes(c.status ?? 'new')) return false
  if (filters.view === 'mine' && c.assignee !== agentId) return false
  if (filters.view === 'unassigned' && c.assignee) return false
  if (filters.view === 'breached' && c.sla_state !== 'breached') return false
  if (filters.view === 'breaching_soon' && c.sla_state !== 'at_risk') return false
  if (filters.group && c.group_id !== filters.group) return false
  if (filters.priority && c.priority !== filters.priority) return false
  if (filters.channel && c.channel !== filters.channel) return false
  if (filters.product && c.product !== filters.product) return false
  if (filters.q) {
    const text = [c.case_id, c.subject, c.description, c.contact_name, c.contact_email, c.customer_name]
      .filter(Boolean)
      .join(' ')
      .toLowerCase()
    if (
      !filters.q
        .toLowerCase()
        .split(/\s+/)
        .every((word) => text.includes(word))
    )
      return false
  }
  return true
}

// -- the due time on a row -------------------------------------------------------------------------

export interface Due {
  metric: 'first_response' | 'resolution'
  at: string
  overdue: boolean
}

/** The next SLA due of a case: first response while none was given, else resolution; the earlier
 * of those still pending. None while the clock is paused or no policy covers the case. */
export function nextDue(c: Case, now: number): Due | null {
  const sla = c.sla
  if (!sla || sla.paused_since || c.status === 'resolved' || c.status === 'closed') return null
  const pending: Due[] = []
  if (sla.first_response_due && !sla.first_responded_at && !c.first_response_at)
    pending.push({ metric: 'first_response', at: sla.first_response_due, overdue: false })
  if (sla.resolution_due && !sla.resolved_at)
    pending.push({ metric: 'resolution', at: sla.resolution_due, overdue: false })
  const next = pending.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0]
  if (!next) return null
  return { ...next, overdue: Date.parse(next.at) <= now || c.sla_state === 'breached' }
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

const formats = new Map<string, Intl.RelativeTimeFormat>()

/** "in 3 hours" / "2 days ago" (future and past; minutes at the finest). */
export function relativeTime(at: string, now: number, locale: string): string {
  const seconds = (Date.parse(at) - now) / 1000
  let rtf = formats.get(locale)
  if (!rtf)
    formats.set(locale, (rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' })))
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') return rtf.format(Math.round(seconds / size), unit)
  }
  return ''
}
