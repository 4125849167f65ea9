// Translation catalogues, one namespace per feature; zh-CN and en must have the same keys (tested).
import authEn from './locales/en/auth.json'
import commonEn from './locales/en/common.json'
import editorEn from './locales/en/editor.json'
import errorsEn from './locales/en/errors.json'
import projectsEn from './locales/en/projects.json'
import reviewEn from './locales/en/review.json'
import suggestionsEn from './locales/en/suggestions.json'
import workspaceEn from './locales/en/workspace.json'
import authZh from './locales/zh-CN/auth.json'
import commonZh from './locales/zh-CN/common.json'
import editorZh from './locales/zh-CN/editor.json'
import errorsZh from './locales/zh-CN/errors.json'
import projectsZh from './locales/zh-CN/projects.json'
import reviewZh from './locales/zh-CN/review.json'
import suggestionsZh from './locales/zh-CN/suggestions.json'
import workspaceZh from './locales/zh-CN/workspace.json'

export const NAMESPACES = ['common', 'auth', 'projects', 'editor', 'review', 'errors', 'workspace', 'suggestions'] as const
export type Namespace = (typeof NAMESPACES)[number]

export const en = { common: commonEn, auth: authEn, projects: projectsEn, editor: editorEn, review: reviewEn, errors: errorsEn, workspace: workspaceEn, suggestions: suggestionsEn }
export const zhCN: Record<Namespace, object> = { common: commonZh, auth: authZh, projects: projectsZh, editor: editorZh, review: reviewZh, errors: errorsZh, workspace: workspaceZh, suggestions: suggestionsZh }

export const resources = { en, 'zh-CN': zhCN }
