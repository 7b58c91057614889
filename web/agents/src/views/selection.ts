/** The queue's selection for bulk actions: cases picked one by one (a checkbox, `x`, shift-click
 * for a range), or every case the view matches across all its pages ("select all N").
 *
 * Pure: each function takes the selection and the ids loaded in the list's order and gives a new
 * selection. */

export interface Selection {
  /** cases picked (ignored while `all`) */
  ids: ReadonlySet<string>
  /** every case the view matches, not only those loaded */
  all: boolean
  /** the last case toggled: a shift-click selects from here */
  anchor: string | null
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), all: false, anchor: null }

export function isSelected(selection: Selection, id: string): boolean {
  return selection.all || selection.ids.has(id)
}

/** Toggle one case. Taking one out of "all matching" leaves every other loaded case picked. */
export function toggle(selection: Selection, id: string, loaded: readonly string[]): Selection {
  const ids = new Set(selection.all ? loaded : selection.ids)
  if (ids.has(id)) ids.delete(id)
  else ids.add(id)
  return { ids, all: false, anchor: id }
}

/** Shift-click: every case between the anchor and this one (both included) takes this one's new
 * state (picked if it was not). Without an anchor on screen, a plain toggle. */
export function toggleRange(selection: Selection, id: string, loaded: readonly string[]): Selection {
  const from = selection.anchor ? loaded.indexOf(selection.anchor) : -1
  const to = loaded.indexOf(id)
  if (from < 0 || to < 0) return toggle(selection, id, loaded)
  const pick = !isSelected(selection, id)
  const ids = new Set(selection.all ? loaded : selection.ids)
  for (const between of loaded.slice(Math.min(from, to), Math.max(from, to) + 1)) {
    if (pick) ids.add(between)
    else ids.delete(between)
  }
  return { ids, all: false, anchor: id }
}

/** The header checkbox: every loaded case, or none when all of them are picked already. */
export function toggleLoaded(selection: Selection, loaded: readonly string[]): Selection {
  const every = loaded.length > 0 && loaded.every((id) => isSelected(selection, id))
  return every ? EMPTY_SELECTION : { ids: new Set(loaded), all: false, anchor: null }
}

export function selectAllMatching(): Selection {
  return { ids: new Set(), all: true, anchor: null }
}

/** How many cases the selection holds: the view's total for "all" (null when not counted). */
export function selectedCount(selection: Selection, total: number | null): number | null {
  return selection.all ? total : selection.ids.size
}

/** Offer "select all N matching" once every loaded case is picked and the view holds more. */
export function offerAllMatching(
  selection: Selection,
  loaded: readonly string[],
  total: number | null,
  more: boolean,
): boolean {
  if (selection.all || !loaded.length || !loaded.every((id) => selection.ids.has(id))) return false
  return more || (total !== null && total > loaded.length)
}
