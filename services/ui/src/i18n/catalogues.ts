// Translation catalogues, one namespace per feature; zh-CN and en must have the same keys (tested).
import authEn from './locales/en/auth.json'
import statisticsEn from './locales/en/statistics.json'
import webhooksEn from './locales/en/webhooks.json'
import exportsEn from './locales/en/exports.json'
import prelabelEn from './locales/en/prelabel.json'
import tasksEn from './locales/en/tasks.json'
import jobsEn from './locales/en/jobs.json'
import importsEn from './locales/en/imports.json'
import commonEn from './locales/en/common.json'
import editorEn from './locales/en/editor.json'
import errorsEn from './locales/en/errors.json'
import formsEn from './locales/en/forms.json'
import projectsEn from './locales/en/projects.json'
import reviewEn from './locales/en/review.json'
import schemaEn from './locales/en/schema.json'
import membersEn from './locales/en/members.json'
import profileEn from './locales/en/profile.json'
import suggestionsEn from './locales/en/suggestions.json'
import workEn from './locales/en/work.json'
import annotateEn from './locales/en/annotate.json'
import workspaceEn from './locales/en/workspace.json'
import authZh from './locales/zh-CN/auth.json'
import statisticsZh from './locales/zh-CN/statistics.json'
import webhooksZh from './locales/zh-CN/webhooks.json'
import exportsZh from './locales/zh-CN/exports.json'
import prelabelZh from './locales/zh-CN/prelabel.json'
import tasksZh from './locales/zh-CN/tasks.json'
import jobsZh from './locales/zh-CN/jobs.json'
import importsZh from './locales/zh-CN/imports.json'
import commonZh from './locales/zh-CN/common.json'
import editorZh from './locales/zh-CN/editor.json'
import errorsZh from './locales/zh-CN/errors.json'
import formsZh from './locales/zh-CN/forms.json'
import projectsZh from './locales/zh-CN/projects.json'
import reviewZh from './locales/zh-CN/review.json'
import schemaZh from './locales/zh-CN/schema.json'
import membersZh from './locales/zh-CN/members.json'
import profileZh from './locales/zh-CN/profile.json'
import suggestionsZh from './locales/zh-CN/suggestions.json'
import workZh from './locales/zh-CN/work.json'
import annotateZh from './locales/zh-CN/annotate.json'
import workspaceZh from './locales/zh-CN/workspace.json'

// One line per namespace (fewer merge conflicts when features add theirs).
export const NAMESPACES = [
  'common',
  'auth',
  'projects',
  'editor',
  'review',
  'errors',
  'workspace',
  'suggestions',
  'imports',
  'jobs',
  'tasks',
  'prelabel',
  'exports',
  'webhooks',
  'statistics',
  'forms',
  'work',
  'annotate',
  'schema',
  'members',
  'profile',
] as const
export type Namespace = (typeof NAMESPACES)[number]

export const en = {
  common: commonEn,
  auth: authEn,
  projects: projectsEn,
  editor: editorEn,
  review: reviewEn,
  errors: errorsEn,
  workspace: workspaceEn,
  suggestions: suggestionsEn,
  imports: importsEn,
  jobs: jobsEn,
  tasks: tasksEn,
  prelabel: prelabelEn,
  exports: exportsEn,
  webhooks: webhooksEn,
  statistics: statisticsEn,
  forms: formsEn,
  work: workEn,
  annotate: annotateEn,
  schema: schemaEn,
  members: membersEn,
  profile: profileEn,
}
export const zhCN: Record<Namespace, object> = {
  common: commonZh,
  auth: authZh,
  projects: projectsZh,
  editor: editorZh,
  review: reviewZh,
  errors: errorsZh,
  workspace: workspaceZh,
  suggestions: suggestionsZh,
  imports: importsZh,
  jobs: jobsZh,
  tasks: tasksZh,
  prelabel: prelabelZh,
  exports: exportsZh,
  webhooks: webhooksZh,
  statistics: statisticsZh,
  forms: formsZh,
  work: workZh,
  annotate: annotateZh,
  schema: schemaZh,
  members: membersZh,
  profile: profileZh,
}

export const resources = { en, 'zh-CN': zhCN }
