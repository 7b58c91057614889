/** Queue views: named filters over GET /cases, whose state lives in the URL
 * (`/queue?view=mine&priority=high&sort=priority`), so a view can be bookmarked and shared.
 *
 * The API filters by one status, one assignee, priority, channel, product and customer, newest
 * activity first. A view over several statuses reads one stream per status and merges them
 * (`api/queries/cases.ts`); what the API cannot filter yet (no assignee) is filtered here and
 * named in `clientSide` so the list can say so. Saved views on the server will store these same
 * query strings. */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import { CHANNELS, PRIORITIES, type Case, type CaseStatus, type Channel, type Priority } from '@/api/types'

export const VIEW_IDS = [
  'mine',
  'unassigned',
  'open',
  'new',
  'pending_customer',
  'pending_department',
  'resolved',
  'all',
] as const
export type ViewId = (typeof VIEW_IDS)[number]

export const SORTS = ['updated', 'created', 'priority'] as const
export type SortKey = (typeof SORTS)[number]

export interface QueueFilters {
  view: ViewId
  priority: Priority | null
  channel: Channel | null
  product: string | null
  sort: SortKey
}

/** One GET /cases query (without limit and cursor). */
export interface CaseStreamQuery {
  status?: CaseStatus
  assignee?: string
  priority?: Priority
  channel?: Channel
  product?: string
}

export const OPEN_STATUSES: CaseStatus[] = ['new', 'open', 'pending_customer', 'pending_department']

export const DEFAULT_FILTERS: QueueFilters = {
  view: 'open',
  priority: null,
  channel: null,
  product: null,
  sort: 'updated',
}

function one(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first ? first : null
}

export function filtersFromQuery(query: LocationQuery): QueueFilters {
  const view = one(query.view)
  const priority = one(query.priority)
  const channel = one(query.channel)
  const sort = one(query.sort)
  const product = one(query.product)
  return {
    view: (VIEW_IDS as readonly string[]).includes(view ?? '') ? (view as ViewId) : DEFAULT_FILTERS.view,
    priority: (PRIORITIES as string[]).includes(priority ?? '') ? (priority as Priority) : null,
    channel: (CHANNELS as string[]).includes(channel ?? '') ? (channel as Channel) : null,
    product: product && /^[A-Za-z0-9._:/-]{1,64}$/.test(product) ? product : null,
    sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : DEFAULT_FILTERS.sort,
  }
}

/** Only what differs from the defaults goes into the URL. */
export function filtersToQuery(filters: QueueFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {}
  if (filters.view !== DEFAULT_FILTERS.view) query.view = filters.view
  if (filters.priority) query.priority = filters.priority
  if (filters.channel) query.channel = filters.channel
  if (filters.product) query.product = filters.product
  if (filters.sort !== DEFAULT_FILTERS.sort) query.sort = filters.sort
  return query
}

export interface QueuePlan {
  streams: CaseStreamQuery[]
  /** every case the view shows passes this (also used to place live changes) */
  matches: (c: Case) => boolean
  /** filtering the API cannot do yet, done over what was read */
  clientSide: boolean
}

export function planQueue(filters: QueueFilters, agentId: string): QueuePlan {
  const common: CaseStreamQuery = {}
  if (filters.priority) common.priority = filters.priority
  if (filters.channel) common.channel = filters.channel
  if (filters.product) common.product = filters.product
  const byCommon = (c: Case) =>
    (!filters.priority || c.priority === filters.priority) &&
    (!filters.channel || c.channel === filters.channel) &&
    (!filters.product || c.product === filters.product)
  const isOpen = (c: Case) => OPEN_STATUSES.includes(c.status ?? 'new')
  switch (filters.view) {
    case 'mine':
      return {
        streams: [{ ...common, assignee: agentId }],
        matches: (c) => byCommon(c) && c.assignee === agentId && isOpen(c),
        clientSide: true, // the API filters by assignee, not by "any open status"
      }
    case 'unassigned':
      return {
        streams: OPEN_STATUSES.map((status) => ({ ...common, status })),
        matches: (c) => byCommon(c) && isOpen(c) && !c.assignee,
        clientSide: true,
      }
    case 'open':
      return {
        streams: OPEN_STATUSES.map((status) => ({ ...common, status })),
        matches: (c) => byCommon(c) && isOpen(c),
        clientSide: false,
      }
    case 'all':
      return { streams: [common], matches: byCommon, clientSide: false }
    default: {
      const status = filters.view as CaseStatus
      return {
        streams: [{ ...common, status }],
        matches: (c) => byCommon(c) && c.status === status,
        clientSide: false,
      }
    }
  }
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 }

/** Newest activity first is the API's order; the other sorts order what has been read. */
export function sortCases(cases: Case[], sort: SortKey): Case[] {
  const byUpdated = (a: Case, b: Case) =>
    a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0
  const sorted = [...cases]
  if (sort === 'created')
    sorted.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0))
  else if (sort === 'priority')
    sorted.sort(
      (a, b) =>
        PRIORITY_RANK[a.priority ?? 'normal'] - PRIORITY_RANK[b.priority ?? 'normal'] || byUpdated(a, b),
    )
  else sorted.sort(byUpdated)
  return sorted
}
