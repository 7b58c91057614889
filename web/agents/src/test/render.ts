/** Renders a component as the app does: i18n, a router in memory, the query client, the app context. */
import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query'
import { render, type RenderOptions } from '@testing-library/vue'
import axe from 'axe-core'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import { createApiClient, setApi } from '@/api/client'
import { provideApp } from '@/app-context'
import type { AppConfig } from '@/config'
import { i18n } from '@/i18n'
import type { LiveUpdates } from '@/live/types'

export const testConfig: AppConfig = {
  apiBaseUrl: 'http://api.test',
  pollIntervalMs: 5000,
  auth: {
    mode: 'dev',
    agents: [
      { id: 'alex@casebridge.local', name: 'Alex Meyer', roles: ['reviewers'], token: 'alex-token' },
      { id: 'sam@casebridge.local', name: 'Sam Garcia', roles: [], token: 'sam-token' },
    ],
  },
}

export type Route = (
  method: string,
  url: URL,
  body: unknown,
) => { status?: number; body?: unknown } | undefined

/** A fake API: each request goes to `route`; the calls are recorded. */
export function fakeApi(route: Route) {
  const calls: { method: string; path: string; body: unknown; headers: Record<string, string> }[] = []
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input))
    const body = init?.body ? JSON.parse(String(init.body)) : undefined
    calls.push({
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      body,
      headers: (init?.headers ?? {}) as Record<string, string>,
    })
    const answer = route(init?.method ?? 'GET', url, body) ?? {
      status: 404,
      body: { error: { code: 'not_found', message: 'no route' } },
    }
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'Content-Type': 'application/json' },
    })
  }
  setApi(
    createApiClient({
      baseUrl: testConfig.apiBaseUrl,
      token: async () => 'test-token',
      fetch: fetcher as typeof fetch,
    }),
  )
  return calls
}

const idleLive: LiveUpdates = { mode: 'polling', start() {}, stop() {}, onChanges: () => () => {} }

export async function renderWithApp(component: Component, options: RenderOptions<unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { template: '<div />' } },
      { path: '/:any(.*)*', name: 'any', component: { template: '<div />' } },
      { path: '/cases/:caseId', name: 'case', component: { template: '<div />' } },
      { path: '/queue', name: 'queue', component: { template: '<div />' } },
      { path: '/problems/:problemId', name: 'problem', component: { template: '<div />' } },
      { path: '/knowledge/:articleId', name: 'article', component: { template: '<div />' } },
      { path: '/chat/:sessionId?', name: 'chat', component: { template: '<div />' } },
      { path: '/sign-in', name: 'sign-in', component: { template: '<div />' } },
    ],
  })
  await router.push('/')
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const result = render(component, {
    ...options,
    global: {
      plugins: [i18n, router, [VueQueryPlugin, { queryClient }], appContextPlugin],
      ...(options.global ?? {}),
    },
  })
  return { ...result, router, queryClient }
}

/** Provide the app context on the app instance used by @testing-library/vue. */
export const appContextPlugin = {
  install(app: import('vue').App) {
    provideApp(app, { config: testConfig, live: idleLive })
  },
}

/** axe on the rendered DOM: serious and critical violations (colour contrast needs layout: the browser tests check it). */
export async function seriousViolations(container: Element): Promise<string[]> {
  const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}
