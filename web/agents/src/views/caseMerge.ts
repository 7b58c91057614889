/** Merging and splitting cases, pure parts: which cases a case can be merged into, which timeline
 * events can be split off (the interactions: functions/cases/actions/rules.py INTERACTIONS), and
 * when the merge needs the "different customers" confirmation (rules.check_merge). */
import type { Case, TimelineEvent } from '@/api/types'

export const INTERACTION_KINDS: ReadonlySet<TimelineEvent['kind']> = new Set([
  'message_in',
  'message_out',
  'note',
  'chat_transcript',
  'auto_reply',
  'handoff',
  'delivery_failed',
])

export function interactions(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline.filter((e) => INTERACTION_KINDS.has(e.kind))
}

/** A case can go on as a merge target unless it is this case, closed, or itself merged away. */
export function mergeTargets(found: readonly Case[], caseId: string): Case[] {
  return found.filter((c) => c.case_id !== caseId && c.status !== 'closed' && !c.merged_into)
}

export function needsCustomerConfirm(source: Case, target: Case): boolean {
  return (source.customer_id ?? null) !== (target.customer_id ?? null)
}

/** One line for an interaction in the split list. */
export function eventSummary(e: TimelineEvent, max = 80): string {
  // what was written tells messages apart; the subject repeats along a thread
  const text = (e.message?.body_text || e.body || e.message?.subject || '').replace(/\s+/g, ' ').trim()
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
