/** Macros in the composer, pure parts: finding one by what the agent types, and the case update
 * applying one makes (only the fields it really changes, against the version seen). */
import type { Case, CaseStatus, CaseUpdate, Macro, MacroActions, MacroIn, Priority } from '@/api/types'

/** Every word typed must appear in the title or the text; title matches first. */
export function filterMacros(macros: readonly Macro[], query: string): Macro[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const hits = macros.filter((m) => {
    const hay = `${m.title}\n${m.body}`.toLowerCase()
    return words.every((w) => hay.includes(w))
  })
  const inTitle = (m: Macro) => words.every((w) => m.title.toLowerCase().includes(w))
  return hits.sort((a, b) => Number(inTitle(b)) - Number(inTitle(a)) || a.title.localeCompare(b.title))
}

/** The PATCH that applies a macro's actions to the case as it is, or null when nothing changes. */
export function macroUpdate(current: Case, actions: MacroActions | undefined): CaseUpdate | null {
  const update: CaseUpdate = { version: current.version ?? 1 }
  let changed = false
  if (actions?.status && actions.status !== current.status) {
    update.status = actions.status
    changed = true
  }
  if (actions?.priority && actions.priority !== current.priority) {
    update.priority = actions.priority
    changed = true
  }
  const tags = current.tags ?? []
  const added = (actions?.add_tags ?? []).filter((t) => !tags.includes(t))
  if (added.length) {
    update.tags = [...tags, ...added]
    changed = true
  }
  return changed ? update : null
}

/** The reply text with the macro's text inserted: appended after what is already typed. */
export function insertText(current: string, body: string): string {
  const before = current.replace(/\s+$/, '')
  return before ? `${before}\n\n${body}` : body
}

/** The admin screen's form for a macro (empty for a new one), and the body it sends. */
export interface MacroForm {
  title: string
  body: string
  visibility: 'personal' | 'shared'
  status: string
  priority: string
  tags: string
}

export function macroForm(m?: Macro): MacroForm {
  return {
    title: m?.title ?? '',
    body: m?.body ?? '',
    visibility: m?.visibility ?? 'shared',
    status: m?.actions?.status ?? '',
    priority: m?.actions?.priority ?? '',
    tags: (m?.actions?.add_tags ?? []).join(', '),
  }
}

export function macroIn(form: MacroForm, version?: number): MacroIn {
  const actions: MacroActions = {}
  if (form.status) actions.status = form.status as CaseStatus
  if (form.priority) actions.priority = form.priority as Priority
  const tags = form.tags
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean)
  if (tags.length) actions.add_tags = [...new Set(tags)]
  const body: MacroIn = { title: form.title.trim(), body: form.body, visibility: form.visibility, actions }
  if (version) body.version = version
  return body
}
