/** What the whole app shares besides server state: the runtime config and the live-update source. */
import { inject, type App, type InjectionKey } from 'vue'
import type { AppConfig } from '@/config'
import type { LiveUpdates } from '@/live/types'

export interface AppContext {
  config: AppConfig
  live: LiveUpdates
}

const KEY: InjectionKey<AppContext> = Symbol('casebridge')

export function provideApp(app: App, context: AppContext): void {
  app.provide(KEY, context)
}

export function useAppContext(): AppContext {
  const context = inject(KEY)
  if (!context) throw new Error('the app context is not provided')
  return context
}
