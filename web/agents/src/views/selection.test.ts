import { describe, expect, it } from 'vitest'
import {
  EMPTY_SELECTION,
  isSelected,
  offerAllMatching,
  selectAllMatching,
  selectedCount,
  toggle,
  toggleLoaded,
  toggleRange,
} from './selection'

const loaded = ['CB-1', 'CB-2', 'CB-3', 'CB-4', 'CB-5']
const picked = (s: { ids: ReadonlySet<string> }) => [...s.ids].sort()

describe('the queue selection', () => {
  it('toggles one case at a time and remembers it as the anchor', () => {
    let s = toggle(EMPTY_SELECTION, 'CB-2', loaded)
    s = toggle(s, 'CB-4', loaded)
    expect(picked(s)).toEqual(['CB-2', 'CB-4'])
    s = toggle(s, 'CB-2', loaded)
    expect(picked(s)).toEqual(['CB-4'])
    expect(s.anchor).toBe('CB-2')
  })

  it('shift-click picks every case from the anchor to the clicked one, in either direction', () => {
    let s = toggle(EMPTY_SELECTION, 'CB-4', loaded)
    s = toggleRange(s, 'CB-2', loaded)
    expect(picked(s)).toEqual(['CB-2', 'CB-3', 'CB-4'])
    // from the new anchor CB-2 down to CB-5: all picked
    s = toggleRange(s, 'CB-5', loaded)
    expect(picked(s)).toEqual(['CB-2', 'CB-3', 'CB-4', 'CB-5'])
    // a range ending on a picked case un-picks the range
    s = toggleRange(s, 'CB-3', loaded)
    expect(picked(s)).toEqual(['CB-2'])
  })

  it('a shift-click without an anchor in the list is a plain toggle', () => {
    const s = toggleRange({ ...EMPTY_SELECTION, anchor: 'CB-99' }, 'CB-3', loaded)
    expect(picked(s)).toEqual(['CB-3'])
  })

  it('selects every matching case across pages, counts the view total, and leaves that mode on a toggle', () => {
    const all = selectAllMatching()
    expect(isSelected(all, 'CB-1')).toBe(true)
    expect(isSelected(all, 'not-loaded')).toBe(true)
    expect(selectedCount(all, 1234)).toBe(1234)
    expect(selectedCount(all, null)).toBeNull()
    const less = toggle(all, 'CB-3', loaded)
    expect(less.all).toBe(false)
    expect(picked(less)).toEqual(['CB-1', 'CB-2', 'CB-4', 'CB-5'])
  })

  it('the header checkbox picks every loaded case, then none', () => {
    const s = toggleLoaded(EMPTY_SELECTION, loaded)
    expect(picked(s)).toEqual(loaded)
    expect(toggleLoaded(s, loaded)).toEqual(EMPTY_SELECTION)
  })

  it('offers "all N matching" only when every loaded case is picked and the view holds more', () => {
    const every = toggleLoaded(EMPTY_SELECTION, loaded)
    expect(offerAllMatching(every, loaded, 200, false)).toBe(true)
    expect(offerAllMatching(every, loaded, null, true)).toBe(true)
    expect(offerAllMatching(every, loaded, 5, false)).toBe(false)
    expect(offerAllMatching(toggle(EMPTY_SELECTION, 'CB-1', loaded), loaded, 200, true)).toBe(false)
    expect(offerAllMatching(selectAllMatching(), loaded, 200, true)).toBe(false)
  })
})
