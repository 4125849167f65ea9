// Server state of the workspace (TanStack Query): one key per resource, invalidated after each change.
import { useQuery } from '@tanstack/react-query'
import { projects as projectsApi } from '../../api/endpoints'

export const keys = {
  projects: ['projects'] as const,
  project: (id: number) => ['project', id] as const,
  schemaVersions: (id: number) => ['project', id, 'schema-versions'] as const,
  members: (id: number) => ['project', id, 'members'] as const,
  invites: (id: number) => ['project', id, 'invites'] as const,
  tokens: ['tokens'] as const,
}

export function useProject(projectId: number) {
  return useQuery({ queryKey: keys.project(projectId), queryFn: () => projectsApi.get(projectId) })
}

export function useProjects() {
  return useQuery({ queryKey: keys.projects, queryFn: () => projectsApi.list() })
}
