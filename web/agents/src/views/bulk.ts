/** Bulk actions on the queue: the request POST /cases/bulk takes (the picked cases, or every case
 * the view matches as a filter), and following the job it starts (GET /jobs/{id}) until every
 * case has its outcome. Pure apart from the `get` and `sleep` handed in. */
import type { BulkIn, BulkUpdate, JobView } from '@/api/queries/queue'
import type { CaseStatus, Priority } from '@/api/types'
import { apiQuery, type QueueFilters } from './queue'
import type { Selection } from './selection'

export type BulkAction =
  | { kind: 'assign'; assignee: string | null }
  | { kind: 'status'; status: CaseStatus }
  | { kind: 'priority'; priority: Priority }
  | { kind: 'tags'; add: string[]; remove: string[] }
  | { kind: 'problem'; problemId: string }
  | { kind: 'merge'; into: string }

export const BULK_KINDS = ['assign', 'status', 'priority', 'tags', 'problem', 'merge'] as const

const TAG = /^[A-Za-z0-9._:/-]{1,64}$/

/** Tags typed into a field, comma- or space-separated: the valid ones, and those that are not. */
export function parseTags(text: string): { tags: string[]; invalid: string[] } {
  const words = [...new Set(text.split(/[\s,]+/).filter(Boolean))]
  return { tags: words.filter((w) => TAG.test(w)), invalid: words.filter((w) => !TAG.test(w)) }
}

export function bulkUpdate(action: BulkAction): BulkUpdate {
  switch (action.kind) {
    case 'assign':
      return action.assignee ? { assignee: action.assignee } : { unassign: true }
    case 'status':
      return { status: action.status }
    case 'priority':
      return { priority: action.priority }
    case 'tags':
      return { add_tags: action.add, remove_tags: action.remove }
    case 'problem':
      return { problem_id: action.problemId }
    case 'merge':
      return { merge_into: action.into }
  }
}

/** The view's query as the filter a bulk job selects by (statuses and tags as lists; no sort, no paging). */
export function bulkFilter(filters: QueueFilters): NonNullable<BulkIn['filter']> {
  const query: Record<string, string | string[]> = { ...apiQuery(filters) }
  delete query.sort
  if (typeof query.status === 'string') query.status = query.status.split(',')
  if (typeof query.tag === 'string') query.tag = query.tag.split(',')
  return query as NonNullable<BulkIn['filter']>
}

export function bulkRequest(selection: Selection, filters: QueueFilters, action: BulkAction): BulkIn {
  const update = bulkUpdate(action)
  if (selection.all) return { filter: bulkFilter(filters), update }
  const ids = [...selection.ids]
  // merging a case into itself is not a change: the target stays out of its own merge
  const caseIds = action.kind === 'merge' ? ids.filter((id) => id !== action.into) : ids
  return { case_ids: caseIds, update }
}

export interface JobProgress {
  finished: boolean
  done: number
  total: number | null
  changed: number
  unchanged: number
  failed: number
  failures: NonNullable<JobView['failures']>
}

export function jobProgress(job: JobView): JobProgress {
  return {
    finished: job.status === 'done',
    done: job.done ?? 0,
    total: job.total ?? null,
    changed: job.changed ?? 0,
    unchanged: job.unchanged ?? 0,
    failed: job.failed ?? 0,
    failures: job.failures ?? [],
  }
}

/** Waits between reads of a job: quick at first, then every two seconds. */
export function pollDelay(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 2000)
}

export interface FollowOptions {
  get: (jobId: string) => Promise<JobView>
  sleep?: (ms: number) => Promise<void>
  onProgress?: (progress: JobProgress) => void
  /** give up after this many reads (the job goes on; the agent can look again) */
  maxReads?: number
  signal?: { cancelled: boolean }
}

/** Read the job until it is done; each read's progress goes to `onProgress`. */
export async function followJob(jobId: string, options: FollowOptions): Promise<JobProgress> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const maxReads = options.maxReads ?? 300
  let progress: JobProgress | null = null
  for (let attempt = 0; attempt < maxReads && !options.signal?.cancelled; attempt += 1) {
    progress = jobProgress(await options.get(jobId))
    options.onProgress?.(progress)
    if (progress.finished) return progress
    await sleep(pollDelay(attempt))
  }
  if (!progress) throw new Error('the job was not read')
  return progress
}
