// The project workspace's tabs and who sees them. Each tab is a component of its own feature folder.
import type { ComponentType } from 'react'
import type { Role } from '../../api/types'
import type { ProjectTab } from '../../app/router'
import { ExportTab } from '../exports/ExportTab'
import { ImportTab } from '../imports/ImportTab'
import { MembersTab } from '../members/MembersTab'
import { PrelabelTab } from '../prelabel/PrelabelTab'
import { LabelsTab } from '../schema/LabelsTab'
import { StatisticsTab } from '../statistics/StatisticsTab'
import { ExemplarSetsTab } from '../suggestions/ExemplarSetsTab'
import { TasksTab } from '../tasks/TasksTab'
import { WebhooksTab } from '../webhooks/WebhooksTab'
import { OverviewTab } from './OverviewTab'
import { SettingsTab } from './SettingsTab'
import type { WorkspaceTabProps } from './types'

const MANAGERS: readonly Role[] = ['admin', 'manager']
const REVIEWERS: readonly Role[] = ['admin', 'manager', 'reviewer']
const EVERYONE: readonly Role[] = ['admin', 'manager', 'reviewer', 'annotator']

export interface TabDefinition {
  key: ProjectTab
  roles: readonly Role[]
  Component: ComponentType<WorkspaceTabProps>
}

/** In the order they are shown; titles are `workspace:tabs.<key>`. */
export const TABS: readonly TabDefinition[] = [
  { key: 'overview', roles: EVERYONE, Component: OverviewTab },
  { key: 'labels', roles: MANAGERS, Component: LabelsTab },
  { key: 'import', roles: MANAGERS, Component: ImportTab },
  { key: 'tasks', roles: REVIEWERS, Component: TasksTab },
  { key: 'prelabel', roles: MANAGERS, Component: PrelabelTab },
  { key: 'golden', roles: REVIEWERS, Component: ExemplarSetsTab },
  { key: 'members', roles: MANAGERS, Component: MembersTab },
  { key: 'statistics', roles: REVIEWERS, Component: StatisticsTab },
  { key: 'export', roles: MANAGERS, Component: ExportTab },
  { key: 'webhooks', roles: MANAGERS, Component: WebhooksTab },
  { key: 'settings', roles: MANAGERS, Component: SettingsTab },
]

export function tabsFor(role: Role): TabDefinition[] {
  return TABS.filter((tab) => tab.roles.includes(role))
}
