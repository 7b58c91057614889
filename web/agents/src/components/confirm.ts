/** Asking before something is deleted: `ask(text)` opens the page's ConfirmDialog and resolves
 * true (confirmed) or false (cancelled, Escape); an accessible in-app dialog, not window.confirm. */
import { reactive } from 'vue'

export interface ConfirmState {
  open: boolean
  title: string
  description: string
  action: string
  answer: ((yes: boolean) => void) | null
}

export function useConfirm() {
  const state = reactive<ConfirmState>({ open: false, title: '', description: '', action: '', answer: null })
  function ask(request: { title: string; description?: string; action: string }): Promise<boolean> {
    state.answer?.(false) // a question still open is a no
    return new Promise((resolve) => {
      Object.assign(state, {
        open: true,
        title: request.title,
        description: request.description ?? '',
        action: request.action,
        answer: resolve,
      })
    })
  }
  return { state, ask }
}

/** The dialog's answer: resolves the question once and closes it. */
export function answer(state: ConfirmState, yes: boolean): void {
  const resolve = state.answer
  state.answer = null
  state.open = false
  resolve?.(yes)
}
