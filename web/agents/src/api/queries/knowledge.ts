import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type {
  ArticleEdit,
  ArticleIn,
  ArticlePage,
  ArticleStatus,
  ArticleView,
  VersionList,
} from '@/api/types'

export const articleKeys = {
  all: ['articles'] as const,
  list: (status: ArticleStatus | null) => ['articles', 'list', status] as const,
  detail: (id: string, version: number | null) => ['articles', 'detail', id, version] as const,
  versions: (id: string) => ['articles', 'detail', id, 'versions'] as const,
}

const path = (id: string) => `/knowledge/articles/${encodeURIComponent(id)}`

export function useArticles(status: Ref<ArticleStatus | null>) {
  return useQuery({
    queryKey: computed(() => articleKeys.list(status.value)),
    queryFn: () => api().get<ArticlePage>('/knowledge/articles', { status: status.value, limit: 200 }),
  })
}

export function useArticle(id: Ref<string>, version: Ref<number | null>) {
  return useQuery({
    queryKey: computed(() => articleKeys.detail(id.value, version.value)),
    queryFn: () => api().get<ArticleView>(path(id.value), { version: version.value }),
  })
}

export function useVersions(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => articleKeys.versions(id.value)),
    queryFn: () => api().get<VersionList>(`${path(id.value)}/versions`),
  })
}

export type ArticleAction = 'submit' | 'publish' | 'reject' | 'retire'

export function useArticleActions(id: Ref<string>) {
  const client = useQueryClient()
  const refresh = () => client.invalidateQueries({ queryKey: articleKeys.all })
  return {
    edit: useMutation({
      mutationFn: (edit: ArticleEdit) => api().patch<ArticleView>(path(id.value), edit),
      onSuccess: refresh,
    }),
    transition: useMutation({
      mutationFn: (input: { action: ArticleAction; comment?: string }) =>
        api().post<ArticleView>(
          `${path(id.value)}/${input.action}`,
          input.comment ? { comment: input.comment } : {},
        ),
      onSuccess: refresh,
    }),
  }
}

export function useCreateArticle() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (article: ArticleIn) => api().post<ArticleView>('/knowledge/articles', article),
    onSuccess: () => client.invalidateQueries({ queryKey: articleKeys.all }),
  })
}
