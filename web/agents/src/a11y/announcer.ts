/** One aria-live announcer for the whole app: polite for news (a new case in the queue, saved),
 * assertive for failures. Rendered once by Announcer.vue. */
import { reactive } from 'vue'

export const announcements = reactive({ polite: '', assertive: '' })

export function announce(message: string, politeness: 'polite' | 'assertive' = 'polite'): void {
  // Clear first so that the same message twice is announced twice.
  announcements[politeness] = ''
  setTimeout(() => {
    announcements[politeness] = message
  }, 50)
}
