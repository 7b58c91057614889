/** Queue views: named filters over GET /cases, whose state lives in the URL
 * (`/queue?view=mine&q=refund&group=billing&tag=vip&sort=due`), so a view can be bookmarked,
 * shared and saved (a saved view stores the GET /cases query string this maps to).
 *
 * A built-in view names statuses, an assignee and an SLA state; `status=`, `assignee=` and `sla=`
 * in the URL replace the view's own (a saved view whose combination is no built-in view opens as
 * all cases with exactly these), so the URL alone says which cases the queue shows.
 *
 * The API does every filter of a view (several statuses, assignee me/none, group, customer, SLA
 * state, updated since, text) and every sort, so a view is one GET /cases stream read page by page.
 * `matches` is the same test done here over one case, to place live changes into cached views.
 * Every filter of GET /cases is one here too (`customer=` is `customer_id`, `updated_since=` an
 * ISO date or date-time, UTC when it carries no offset, inclusive as the API's): a saved view or a
 * link never opens wider than it means. */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import {
  CASE_STATUSES,
  CHANNELS,
  PRIORITIES,
  type Case,
  type CaseStatus,
  type Channel,
  type Priority,
} from '@/api/types'

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

export const SLA_FILTERS = ['breaching_soon', 'breached'] as const
export type SlaFilter = (typeof SLA_FILTERS)[number]

export interface QueueFilters {
  view: ViewId
  /** statuses in place of the view's (in CASE_STATUSES order), or null: the view's */
  status: CaseStatus[] | null
  /** an agent id, `me` or `none` in place of the view's assignee, or null: the view's */
  assignee: string | null
  /** an SLA state in place of the view's, or null: the view's */
  sla: SlaFilter | null
  /** cases carrying every one of these tags (GET /cases?tag=, at most 10) */
  tags: string[]
  /** words or a case number (GET /cases?q=) */
  q: string | null
  group: string | null
  priority: Priority | null
  channel: Channel | null
  product: string | null
  /** one customer's cases (GET /cases?customer_id=) */
  customer: string | null
  /** cases changed at or after this instant (GET /cases?updated_since=): an ISO date or date-time as
   * given in the URL (see `sinceInstant`) */
  updatedSince: string | null
  /** cases changed within this span before now (GET /cases?updated_within=): an ISO 8601 duration
   * (`P7D`, `PT24H`), kept relative in the URL and a saved view, so the view rolls with time */
  updatedWithin: string | null
  sort: SortKey | null
}

export const OPEN_STATUSES: CaseStatus[] = ['new', 'open', 'pending_customer', 'pending_department']

export const DEFAULT_FILTERS: QueueFilters = {
  view: 'open',
  status: null,
  assignee: null,
  sla: null,
  tags: [],
  q: null,
  group: null,
  priority: null,
  channel: null,
  product: null,
  customer: null,
  updatedSince: null,
  updatedWithin: null,
  sort: null,
}

const ID = /^[A-Za-z0-9._:/-]{1,64}$/
const AGENT = /^[A-Za-z0-9._:@+-]{1,128}$/
export const MAX_TAGS = 10

function one(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first ? first : null
}

/** Every value of a parameter given repeated or comma-separated, trimmed, without empties. */
function listed(value: LocationQuery[string] | undefined): string[] {
  const items = Array.isArray(value) ? value : [value]
  return items
    .flatMap((item) => (typeof item === 'string' ? item.split(',') : []))
    .flatMap((part) => {
      const trimmed = part.trim()
      return trimmed ? [trimmed] : []
    })
}

/** Statuses named in the URL: the valid ones, once each, in CASE_STATUSES order; none: null. */
function statusSet(value: LocationQuery[string] | undefined): CaseStatus[] | null {
  const named = new Set(listed(value))
  const statuses = CASE_STATUSES.filter((s) => named.has(s))
  return statuses.length ? statuses : null
}

/** Tags as the API takes them (letters, digits and . _ : / -), once each, at most MAX_TAGS. */
export function tagList(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => ID.test(v)))].slice(0, MAX_TAGS)
}

/** The search box's text as the API takes it (trimmed, 1 to 200 characters), or null. */
export function searchText(value: string | null | undefined): string | null {
  const text = (value ?? '').trim().slice(0, 200)
  return text || null
}

/** An id as the API's Code takes it (trimmed; letters, digits and . _ : / -, at most 64), or null. */
function code(value: string | null): string | null {
  const trimmed = value?.trim() ?? ''
  return ID.test(trimmed) ? trimmed : null
}

/** The ISO forms GET /cases?updated_since= takes (pydantic's datetime): a date, or a date and a time
 * (minutes at least; T, t or a space between) with an optional fraction and offset. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|([+-])(\d{2}):?(\d{2}))?)?$/

/** The instant an `updated_since` value names, as the API writes times (UTC, microseconds:
 * `2026-12-01T09:30:00.000000Z`, which sort as text in time order), or null when it is no valid ISO
 * date or date-time. A date is its midnight, a time without offset is UTC (as the API reads them). */
export function sinceInstant(value: string | null | undefined): string | null {
  const m = ISO.exec(value?.trim() ?? '')
  if (!m) return null
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 10, 11].map(
    (i) => Number(m[i] ?? 0),
  ) as [number, number, number, number, number, number, number, number]
  const monthEnd = new Date(0)
  monthEnd.setUTCFullYear(year, month, 0) // the month's last day (not Date.UTC: it reads years below 100 as 19xx)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > monthEnd.getUTCDate()) return null
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null
  const at = new Date(0)
  at.setUTCFullYear(year, month - 1, day)
  at.setUTCHours(hour, minute - (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes), second, 0)
  const micro = (m[7] ?? '').slice(0, 6).padEnd(6, '0')
  return `${at.toISOString().slice(0, 19)}.${micro}Z`
}

/** An `updated_since` value the API takes (trimmed), or null. */
function since(value: string | null): string | null {
  const trimmed = value?.trim() ?? ''
  return sinceInstant(trimmed) ? trimmed : null
}

// -- the filter bar's customer and "updated since" fields: what an agent types, as filter values ---

/** A customer the field can suggest (GET /customers' items). */
export interface CustomerChoice {
  customer_id: string
  name?: string | null
}

/** What was typed into the customer field as the `customer` filter: nothing clears it; a known
 * customer's id, or their name (case-insensitive, when one customer alone has it), is that customer;
 * any other id the API takes is taken as typed (`known`: the customers GET /customers?q= found for
 * the text, so a name is known whatever page it is on). `undefined`: neither a known name nor an id
 * the API takes. */
export function customerFromInput(text: string, known: CustomerChoice[]): string | null | undefined {
  const typed = text.trim()
  if (!typed) return null
  if (known.some((c) => c.customer_id === typed)) return typed
  const named = known.filter((c) => c.name?.trim().toLowerCase() === typed.toLowerCase())
  if (named.length === 1) return named[0]!.customer_id
  return code(typed) ?? undefined
}

/** What was typed into the "updated since" field as the `updatedSince` filter: nothing clears it,
 * an ISO date or date-time (as the URL takes them) is kept as typed; `undefined`: no such date. */
export function sinceFromInput(text: string): string | null | undefined {
  const typed = text.trim()
  if (!typed) return null
  return sinceInstant(typed) ? typed : undefined
}

/** The quick choices of "updated in the last": spans before now, as GET /cases?updated_within= takes them. */
export const SINCE_SPANS = { day: 'P1D', week: 'P7D', month: 'P30D' } as const
export type SinceSpan = keyof typeof SINCE_SPANS

/** The ISO 8601 durations this app reads (weeks, days, hours, minutes: what the quick choices and a
 * person writing a saved view use), up to the API's longest, a year of 366 days; the API's own
 * grammar (functions/cases/models.py, WINDOW) is the same. */
const DURATION = /^P(?=\d|T\d)(?:(\d{1,4})W)?(?:(\d{1,4})D)?(?:T(?=\d)(?:(\d{1,5})H)?(?:(\d{1,6})M)?)?$/
const MAX_WITHIN_MS = 366 * 24 * 3600_000

/** A span's length in ms, or null when it is no duration the API takes (zero, over a year, malformed). */
export function withinMs(value: string | null | undefined): number | null {
  const m = DURATION.exec(value?.trim() ?? '')
  if (!m) return null
  const [weeks, days, hours, minutes] = [1, 2, 3, 4].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
  ]
  const ms = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60_000
  return ms > 0 && ms <= MAX_WITHIN_MS ? ms : null
}

/** The quick choice a span is, or null (a saved view may hold another span). */
export function sinceSpanOf(value: string | null): SinceSpan | null {
  const found = Object.entries(SINCE_SPANS).find(([, duration]) => duration === value)
  return found ? (found[0] as SinceSpan) : null
}

export function filtersFromQuery(query: LocationQuery): QueueFilters {
  const view = one(query.view)
  const priority = one(query.priority)
  const channel = one(query.channel)
  const sort = one(query.sort)
  const product = one(query.product)
  const group = one(query.group)
  const assignee = one(query.assignee)
  const sla = one(query.sla)
  return {
    view: (VIEW_IDS as readonly string[]).includes(view ?? '') ? (view as ViewId) : DEFAULT_FILTERS.view,
    status: statusSet(query.status),
    assignee: assignee && AGENT.test(assignee) ? assignee : null,
    sla: (SLA_FILTERS as readonly string[]).includes(sla ?? '') ? (sla as SlaFilter) : null,
    tags: tagList(listed(query.tag)),
    q: searchText(one(query.q)),
    group: group && ID.test(group) ? group : null,
    priority: (PRIORITIES as string[]).includes(priority ?? '') ? (priority as Priority) : null,
    channel: (CHANNELS as string[]).includes(channel ?? '') ? (channel as Channel) : null,
    product: product && ID.test(product) ? product : null,
    customer: code(one(query.customer)),
    updatedSince: since(one(query.updated_since)),
    updatedWithin: withinMs(one(query.updated_within)) ? one(query.updated_within)!.trim() : null,
    sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : null,
  }
}

/** Only what differs from the defaults goes into the URL, in a fixed order. */
export function filtersToQuery(filters: QueueFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filters.view !== DEFAULT_FILTERS.view) query.view = filters.view
  if (filters.status?.length) query.status = filters.status.join(',')
  if (filters.assignee) query.assignee = filters.assignee
  if (filters.sla) query.sla = filters.sla
  if (filters.tags.length) query.tag = filters.tags.length === 1 ? filters.tags[0] : [...filters.tags]
  if (filters.q) query.q = filters.q
  if (filters.group) query.group = filters.group
  if (filters.priority) query.priority = filters.priority
  if (filters.channel) query.channel = filters.channel
  if (filters.product) query.product = filters.product
  if (filters.customer) query.customer = filters.customer
  if (filters.updatedSince) query.updated_since = filters.updatedSince
  if (filters.updatedWithin) query.updated_within = filters.updatedWithin
  if (filters.sort) query.sort = filters.sort
  return query
}

/** Whether the URL replaces the view's statuses, assignee or SLA state (the view is then not
 * itself: its link is not the current page). */
export function overridesView(filters: QueueFilters): boolean {
  return filters.status !== null || filters.assignee !== null || filters.sla !== null
}

/** The filters with another built-in view: the view's own statuses, assignee and SLA state. */
export function withView(filters: QueueFilters, view: ViewId): QueueFilters {
  return { ...filters, view, status: null, assignee: null, sla: null }
}

/** GET /cases parameters (without limit and cursor). Several statuses and tags go comma-separated. */
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

function viewAssignee(view: ViewId): string | null {
  if (view === 'mine') return 'me'
  if (view === 'unassigned') return 'none'
  return null
}

function viewSla(view: ViewId): SlaFilter | null {
  return view === 'breaching_soon' || view === 'breached' ? view : null
}

/** What the view and the URL together ask: statuses (null: any), assignee and SLA state. */
function scope(filters: QueueFilters) {
  return {
    statuses: filters.status ?? viewStatuses(filters.view),
    assignee: filters.assignee ?? viewAssignee(filters.view),
    sla: filters.sla ?? viewSla(filters.view),
  }
}

export function apiQuery(filters: QueueFilters): CaseListQuery {
  const query: CaseListQuery = {}
  const { statuses, assignee, sla } = scope(filters)
  if (statuses) query.status = statuses.join(',')
  if (assignee) query.assignee = assignee
  if (sla) query.sla = sla
  if (filters.tags.length) query.tag = filters.tags.join(',')
  if (filters.q) query.q = filters.q
  if (filters.group) query.group_id = filters.group
  if (filters.priority) query.priority = filters.priority
  if (filters.channel) query.channel = filters.channel
  if (filters.product) query.product = filters.product
  if (filters.customer) query.customer_id = filters.customer
  if (filters.updatedSince) query.updated_since = filters.updatedSince
  if (filters.updatedWithin) query.updated_within = filters.updatedWithin
  if (filters.sort) query.sort = filters.sort
  return query
}

// -- saved views: the API's query string (GET /views stores GET /cases parameters) ----------------

/** The query string a saved view stores, e.g. `status=new%2Copen&assignee=me&q=refund`. */
export function viewQueryString(filters: QueueFilters): string {
  return new URLSearchParams(apiQuery(filters)).toString()
}

/** A saved view's query string back into the queue's filters, exactly: the built-in view whose
 * statuses, assignee and SLA state it names, else all cases with these three given in the URL;
 * and the other filters the queue has. */
export function filtersFromViewQuery(text: string): QueueFilters {
  const params = new URLSearchParams(text.replace(/^\?/, ''))
  const statuses = statusSet(params.getAll('status'))
  const assignee = params.get('assignee') || null
  const sla = params.get('sla') || null
  const key = (s: CaseStatus[] | null, a: string | null, l: string | null) =>
    [(s ?? []).join(','), a ?? '', l ?? ''].join('|')
  const wanted = key(statuses, assignee, sla)
  const builtIn = VIEW_IDS.find((id) => key(viewStatuses(id), viewAssignee(id), viewSla(id)) === wanted)
  const query: Record<string, string | string[]> = builtIn
    ? { view: builtIn }
    : {
        view: 'all',
        ...(statuses ? { status: statuses.join(',') } : {}),
        ...(assignee ? { assignee } : {}),
        ...(sla ? { sla } : {}),
      }
  const tags = params.getAll('tag')
  if (tags.length) query.tag = tags
  for (const [name, as] of [
    ['q', 'q'],
    ['group_id', 'group'],
    ['priority', 'priority'],
    ['channel', 'channel'],
    ['product', 'product'],
    ['customer_id', 'customer'],
    ['updated_since', 'updated_since'],
    ['updated_within', 'updated_within'],
    ['sort', 'sort'],
  ] as const) {
    const value = params.get(name)
    if (value) query[as] = value
  }
  return filtersFromQuery(query)
}

/** Every case the view shows passes this (the text search approximately: on what a case row holds);
 * `now` (ms) is when a span before now starts counting back. */
export function matchesView(
  filters: QueueFilters,
  agentId: string,
  c: Case,
  now: number = Date.now(),
): boolean {
  const { statuses, assignee, sla } = scope(filters)
  if (statuses && !statuses.includes(c.status ?? 'new')) return false
  if (
    assignee === 'none' ? !!c.assignee : assignee && c.assignee !== (assignee === 'me' ? agentId : assignee)
  )
    return false
  if (sla === 'breached' && c.sla_state !== 'breached') return false
  if (sla === 'breaching_soon' && c.sla_state !== 'at_risk') return false
  if (filters.tags.some((tag) => !(c.tags ?? []).includes(tag))) return false
  if (filters.group && c.group_id !== filters.group) return false
  if (filters.priority && c.priority !== filters.priority) return false
  if (filters.channel && c.channel !== filters.channel) return false
  if (filters.product && c.product !== filters.product) return false
  if (filters.customer && c.customer_id !== filters.customer) return false
  if (filters.updatedSince) {
    // inclusive, as the API's `updated_at >= updated_since`; both as UTC microseconds, compared as text
    const from = sinceInstant(filters.updatedSince)
    const updated = sinceInstant(c.updated_at)
    if (from && (!updated || updated < from)) return false
  }
  const within = withinMs(filters.updatedWithin)
  if (within !== null) {
    const from = sinceInstant(new Date(now - within).toISOString())
    const updated = sinceInstant(c.updated_at)
    if (from && (!updated || updated < from)) return false
  }
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
