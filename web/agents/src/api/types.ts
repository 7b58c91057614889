/** Names for the API's models, generated from docs/openapi.json (`npm run api-types`). */
import type { components } from './schema'

type S = components['schemas']

export type Case = S['Case']
export type CaseView = S['CaseView']
export type CasePage = S['CasePage']
export type CaseUpdate = S['CaseUpdate']
export type CaseStatus = S['CaseStatus']
export type Priority = S['Priority']
export type Channel = S['Channel']
export type TimelineEvent = S['TimelineEvent']
export type Message = S['Message']
export type SimilarCases = S['SimilarCases']
export type DraftFromCase = S['DraftFromCase']
export type Customer = S['Customer']
export type Problem = S['Problem']
export type ProblemView = S['ProblemView']
export type ProblemPage = S['ProblemPage']
export type ProblemStatus = S['ProblemStatus']
export type ProblemUpdate = S['ProblemUpdate']
export type SuggestedCases = S['SuggestedCases']
export type DepartmentSuggestion = S['DepartmentSuggestion']
export type EscalationList = S['EscalationList']
export type Notice = S['Notice']
export type NoticeView = S['NoticeView']
export type NoticeList = S['NoticeList']
export type NoticePatch = S['NoticePatch']
export type NoticeChannel = S['NoticeChannel']
export type AudiencePreview = S['AudiencePreview']
export type NoticeDeliveries = S['NoticeDeliveries']
export type Article = S['Article']
export type ArticleView = S['ArticleView']
export type ArticlePage = S['ArticlePage']
export type ArticleEdit = S['ArticleEdit']
export type ArticleIn = S['ArticleIn']
export type ArticleStatus = S['ArticleStatus']
export type VersionList = S['VersionList']
export type InboundPage = S['InboundPage']
export type ReplayResult = S['ReplayResult']
export type Department = S['Department']
export type DepartmentList = S['DepartmentList']
export type DepartmentIn = S['DepartmentIn']
export type DepartmentCreate = S['DepartmentCreate']
export type RoutingRule = S['RoutingRule']
export type RoutingRules = S['RoutingRules']
export type ChatSessionList = S['ChatSessionList']
export type AgentChatPage = S['AgentChatPage']

/** The evidence detection records on a candidate problem (functions/problems/detection/models.py). */
export interface Growth {
  observed: number
  expected: number
  window_cases: number
  baseline_share: number
  p_value: number
  window_seconds: number
  segment?: string | null
  groups?: number
}
export interface ThreadItem {
  attribute: string
  value: string
  count: number
  group_share: number
  base_share: number
  lift: number
  p_value: number
}
export interface Evidence {
  growth?: Growth
  common_thread?: ThreadItem[]
  top_terms?: string[]
  detector_title?: string
}

export const CASE_STATUSES: CaseStatus[] = [
  'new',
  'open',
  'pending_customer',
  'pending_department',
  'resolved',
  'closed',
]
export const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low']
export const CHANNELS: Channel[] = ['email', 'web', 'chat', 'phone', 'api']
export const PROBLEM_STATUSES: ProblemStatus[] = [
  'candidate',
  'confirmed',
  'root_cause_analysis',
  'fix_in_progress',
  'resolved',
  'closed',
  'dismissed',
]
export const ARTICLE_STATUSES: ArticleStatus[] = ['draft', 'in_review', 'published', 'retired']
export type Calendar = S['Calendar']
export type CalendarCreate = S['CalendarCreate']
export type CalendarUpdate = S['CalendarUpdate']
export type CalendarList = S['CalendarList']
export type SlaPolicy = S['SlaPolicy']
export type SlaPolicyCreate = S['SlaPolicyCreate']
export type SlaPolicyUpdate = S['SlaPolicyUpdate']
export type SlaPolicyList = S['SlaPolicyList']

export type AgentProfile = S['AgentProfile']
export type AgentList = S['AgentList']
export type Group = S['Group']
export type GroupList = S['GroupList']
export type GroupCreate = S['GroupCreate']
export type GroupUpdate = S['GroupUpdate']
export type AssignmentRule = S['AssignmentRule']
export type AssignmentRules = S['AssignmentRules']
export type Macro = S['Macro']
export type MacroList = S['MacroList']
export type MacroIn = S['MacroIn']
export type MacroPreview = S['MacroPreview']
export type MacroActions = S['MacroActions']
export type CaseMergeResult = S['functions__cases__actions__models__MergeResult']
export type SplitResult = S['SplitResult']
