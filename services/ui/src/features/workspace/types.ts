import type { Project, Role } from '../../api/types'

/** What every workspace tab gets: the project (with its current labels) and the viewer's role in it. */
export interface WorkspaceTabProps {
  project: Project
  role: Role
}
