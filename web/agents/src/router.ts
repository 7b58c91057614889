import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { isSignedIn } from '@/auth/session'
import QueuePage from '@/pages/QueuePage.vue'

// The queue is the first screen and ships in the entry chunk; every other page is loaded when opened.
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/queue' },
  {
    path: '/sign-in',
    name: 'sign-in',
    component: () => import('@/pages/SignInPage.vue'),
    meta: { public: true },
  },
  {
    path: '/auth/callback',
    name: 'auth-callback',
    component: () => import('@/pages/AuthCallbackPage.vue'),
    meta: { public: true },
  },
  { path: '/queue', name: 'queue', component: QueuePage, meta: { title: 'nav.queue' } },
  { path: '/cases/:caseId', name: 'case', component: () => import('@/pages/CasePage.vue'), props: true },
  { path: '/chat/:sessionId?', name: 'chat', component: () => import('@/pages/ChatPage.vue'), props: true },
  { path: '/problems', name: 'problems', component: () => import('@/pages/ProblemsPage.vue') },
  {
    path: '/problems/:problemId',
    name: 'problem',
    component: () => import('@/pages/ProblemPage.vue'),
    props: true,
  },
  {
    path: '/notices/:noticeId',
    name: 'notice',
    component: () => import('@/pages/NoticePage.vue'),
    props: true,
  },
  { path: '/knowledge', name: 'knowledge', component: () => import('@/pages/KnowledgePage.vue') },
  {
    path: '/knowledge/:articleId',
    name: 'article',
    component: () => import('@/pages/ArticlePage.vue'),
    props: true,
  },
  { path: '/inbound', name: 'inbound', component: () => import('@/pages/InboundPage.vue') },
  { path: '/departments', name: 'departments', component: () => import('@/pages/DepartmentsPage.vue') },
  { path: '/sla', name: 'sla', component: () => import('@/pages/SlaPage.vue') },
  { path: '/macros', name: 'macros', component: () => import('@/pages/MacrosPage.vue') },
  { path: '/groups', name: 'groups', component: () => import('@/pages/GroupsPage.vue') },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/NotFoundPage.vue') },
]

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes })
  router.beforeEach((to) => {
    if (!to.meta.public && !isSignedIn.value) return { name: 'sign-in', query: { next: to.fullPath } }
    return true
  })
  return router
}
