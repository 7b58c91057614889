/** Triage's suggestion on a case (GET /cases/{id} `triage`): one row per suggested field. */
import type { Case, CaseUpdate } from '@/api/types'

export type TriageField = 'category' | 'priority' | 'department'
export const TRIAGE_FIELDS: TriageField[] = ['category', 'priority', 'department']

export interface TriageRow {
  field: TriageField
  value: string
  confidence: number
  /** triage set it on the case */
  applied: boolean
  /** an agent confirmed the applied value (a training label) */
  confirmed: boolean
  /** the case holds this value now (applied, or an agent took it) */
  current: boolean
  /** an agent set another value (kept as training data) */
  corrected: string | null
}

/** The case field that holds a triage field (triage's department is the agent group). */
export const caseField = (field: TriageField): 'category' | 'priority' | 'group_id' =>
  field === 'department' ? 'group_id' : field

export function triageRows(c: Case): TriageRow[] {
  const t = c.triage
  if (!t) return []
  const rows: TriageRow[] = []
  for (const field of TRIAGE_FIELDS) {
    const s = t[field]
    if (!s) continue
    const now = c[caseField(field)] ?? null
    rows.push({
      field,
      value: s.value,
      confidence: s.confidence,
      applied: s.applied ?? false,
      confirmed: s.confirmed ?? false,
      current: now === s.value,
      corrected: c.triage_corrections?.[field] ?? null,
    })
  }
  return rows
}

/** The change that confirms one applied field as right (one click): a training label for triage. */
export function confirmUpdate(c: Case, row: TriageRow): CaseUpdate {
  return { version: c.version, triage_confirm: [row.field] }
}

/** The change that accepts one suggestion (one click), against the version the agent saw. */
export function acceptUpdate(c: Case, row: TriageRow): CaseUpdate {
  return { version: c.version, [caseField(row.field)]: row.value } as CaseUpdate
}
