/** A case edit with the version check: what the agent changed, what others changed meanwhile.
 *
 * The agent edits against the version they saw. On 409 the app reads the case again and shows,
 * field by field, what someone else changed; the agent's own edit is kept and can be applied on
 * top of the new version (or dropped). Nothing the agent typed is lost. */
import type { Case, CaseStatus, CaseUpdate, Priority } from '@/api/types'

export interface CaseEdit {
  status: CaseStatus
  priority: Priority
  assignee: string
  tags: string
}

export const EDIT_FIELDS = ['status', 'priority', 'assignee', 'tags'] as const
export type EditField = (typeof EDIT_FIELDS)[number]

export function editFrom(c: Case): CaseEdit {
  return {
    status: c.status ?? 'new',
    priority: c.priority ?? 'normal',
    assignee: c.assignee ?? '',
    tags: (c.tags ?? []).join(', '),
  }
}

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\s]+/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ]
}

/** Fields where the edit differs from the case it was made on. */
export function changedFields(base: Case, edit: CaseEdit): EditField[] {
  const from = editFrom(base)
  return EDIT_FIELDS.filter((f) =>
    f === 'tags'
      ? parseTags(from.tags).join(',') !== parseTags(edit.tags).join(',')
      : from[f].trim() !== edit[f].trim(),
  )
}

/** The PATCH body: only the changed fields, against `base.version`. */
export function toUpdate(base: Case, edit: CaseEdit, comment?: string): CaseUpdate {
  const update: CaseUpdate = { version: base.version ?? 1 }
  for (const field of changedFields(base, edit)) {
    if (field === 'status') update.status = edit.status
    else if (field === 'priority') update.priority = edit.priority
    else if (field === 'tags') update.tags = parseTags(edit.tags)
    else if (edit.assignee.trim()) update.assignee = edit.assignee.trim()
    else update.unassign = true
  }
  if (comment?.trim()) update.comment = comment.trim()
  return update
}

export interface FieldConflict {
  field: EditField
  seen: string
  now: string
  mine: string | null
}

/** Field by field, what others changed since the version the agent saw and what the agent changed. */
export function othersChanges(seen: Case, current: Case, edit: CaseEdit): FieldConflict[] {
  const before = editFrom(seen)
  const after = editFrom(current)
  const mine = new Set(changedFields(seen, edit))
  return EDIT_FIELDS.filter((f) => before[f] !== after[f] || mine.has(f)).map((field) => ({
    field,
    seen: before[field],
    now: after[field],
    mine: mine.has(field) ? edit[field] : null,
  }))
}

/** The agent's edit carried onto the current version: their changed fields, the rest as it is now. */
export function rebase(seen: Case, current: Case, edit: CaseEdit): CaseEdit {
  const next = editFrom(current)
  for (const field of changedFields(seen, edit)) next[field] = edit[field] as never
  return next
}

/** Status changes the API allows (functions/cases/rules.py), to offer only those. */
const TRANSITIONS: Record<CaseStatus, CaseStatus[]> = {
  new: ['open', 'pending_customer', 'pending_department', 'resolved', 'closed'],
  open: ['pending_customer', 'pending_department', 'resolved'],
  pending_customer: ['open', 'pending_department', 'resolved', 'closed'],
  pending_department: ['open', 'pending_customer', 'resolved'],
  resolved: ['open', 'closed'],
  closed: [],
}

export function statusChoices(current: CaseStatus): CaseStatus[] {
  return [current, ...TRANSITIONS[current]]
}
