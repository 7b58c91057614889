import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query'
import { createApp } from 'vue'
import { ApiError, createApiClient, setApi } from '@/api/client'
import { fetchCasePage } from '@/api/queries/cases'
import { bearerToken, signOut } from '@/auth/session'
import { loadConfig, type AppConfig } from '@/config'
import { i18n, preferredLanguage, setLanguage } from '@/i18n'
import { createPollingUpdates } from '@/live/polling'
import { createWebSocketUpdates } from '@/live/websocket'
import { provideApp } from '@/app-context'
import App from './App.vue'
import { createAppRouter } from './router'
import './styles.css'

async function start(): Promise<void> {
  let config: AppConfig
  try {
    config = await loadConfig()
  } catch (error) {
    document.getElementById('app')!.textContent = `Casebridge cannot start: ${(error as Error).message}`
    return
  }
  await setLanguage(preferredLanguage())
  const router = createAppRouter()
  setApi(
    createApiClient({
      baseUrl: config.apiBaseUrl,
      token: () => bearerToken(config),
      onUnauthorized: () => {
        signOut(config)
        void router.push({ name: 'sign-in', query: { next: router.currentRoute.value.fullPath } })
      },
    }),
  )
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        retry: (count, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  })
  const app = createApp(App)
  const polling = createPollingUpdates({ intervalMs: config.pollIntervalMs })
  const live = config.liveUrl
    ? createWebSocketUpdates({
        url: config.liveUrl,
        token: () => bearerToken(config),
        fallback: polling,
        fetchChanged: async (since) => (await fetchCasePage({ updated_since: since }, null, 200)).items,
      })
    : polling
  provideApp(app, { config, live })
  app.use(i18n).use(router).use(VueQueryPlugin, { queryClient })
  app.mount('#app')
}

void start()
