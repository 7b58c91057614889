/** Keyboard-first work: single-key shortcuts and the command palette's commands.
 *
 * Pages register what they offer while mounted (`useShortcuts`, `useCommands`); the most recently
 * registered shortcut for a key wins, so a case page's `j` beats the queue's. Keys typed into a
 * field, or with Ctrl/Alt/Meta held, are never taken (Ctrl/Cmd+K opens the palette anywhere). */
import { onBeforeUnmount, onMounted, reactive } from 'vue'

export interface Shortcut {
  /** `event.key` as typed: 'j', '?', 'Enter', 'Escape' */
  key: string
  /** i18n key of what it does (cheat sheet) */
  label: string
  run: () => void
}

export interface Command {
  id: string
  /** shown, already translated */
  title: string
  group: string
  shortcut?: string
  run: () => void
}

const shortcuts = reactive<Shortcut[]>([])
const commands = reactive<Command[]>([])

export const palette = reactive({ open: false })
export const cheatSheet = reactive({ open: false })

export function registeredShortcuts(): readonly Shortcut[] {
  return shortcuts
}

export function registeredCommands(): readonly Command[] {
  return commands
}

function register<T>(list: T[], items: T[]): () => void {
  list.push(...items)
  return () => {
    for (const item of items) {
      const index = list.lastIndexOf(item)
      if (index >= 0) list.splice(index, 1)
    }
  }
}

export function addShortcuts(items: Shortcut[]): () => void {
  return register(shortcuts as Shortcut[], items)
}

export function addCommands(items: Command[]): () => void {
  return register(commands as Command[], items)
}

/** Register while the calling component is mounted. */
export function useShortcuts(items: () => Shortcut[]): void {
  let remove: (() => void) | null = null
  onMounted(() => {
    remove = addShortcuts(items())
  })
  onBeforeUnmount(() => remove?.())
}

export function useCommands(items: () => Command[]): void {
  let remove: (() => void) | null = null
  onMounted(() => {
    remove = addCommands(items())
  })
  onBeforeUnmount(() => remove?.())
}

export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el || !el.tagName) return false
  const tag = el.tagName.toLowerCase()
  if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true
  if (tag === 'input') {
    const type = (el as HTMLInputElement).type
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type)
  }
  return false
}

export function handleKeydown(event: KeyboardEvent): boolean {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
    event.preventDefault()
    palette.open = !palette.open
    return true
  }
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return false
  if (palette.open || cheatSheet.open || document.querySelector('[role="dialog"]')) return false
  if (isTypingTarget(event.target)) return false
  for (let i = shortcuts.length - 1; i >= 0; i -= 1) {
    const shortcut = shortcuts[i]
    if (shortcut && shortcut.key === event.key) {
      event.preventDefault()
      shortcut.run()
      return true
    }
  }
  return false
}

export function installKeyboard(): () => void {
  const listener = (event: KeyboardEvent) => void handleKeydown(event)
  window.addEventListener('keydown', listener)
  return () => window.removeEventListener('keydown', listener)
}

/** Move focus to an element by id after the DOM updated (a shortcut that opens a composer). */
export function focusById(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus())
}
