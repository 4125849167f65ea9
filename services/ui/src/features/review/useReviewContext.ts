// What a reviewer needs beside the shapes: the version history, earlier decisions with their comments, and
// the changes since the version reviewed last.
import { useQuery } from '@tanstack/react-query'
import { annotations as annotationsApi, projects as projectsApi } from '../../api/endpoints'
import type { Annotation } from '../../api/types'
import { diffShapes, type ShapeChange } from '../../editor/diff'

export function useReviewContext(projectId: number, annotation: Annotation | null) {
  const id = annotation?.id ?? 0
  const enabled = annotation !== null
  const history = useQuery({
    queryKey: ['annotation', id, 'history', annotation?.version],
    queryFn: () => annotationsApi.history(projectId, id),
    enabled,
  })
  const reviews = useQuery({
    queryKey: ['annotation', id, 'reviews', annotation?.version],
    queryFn: () => annotationsApi.reviews(projectId, id),
    enabled,
  })
  const members = useQuery({ queryKey: ['project', projectId, 'members'], queryFn: () => projectsApi.members(projectId), retry: false })
  const nameOf = (userId: number | null | undefined) => {
    const m = members.data?.find((x) => x.user_id === userId)
    return m ? m.display_name || m.email : userId ? `#${userId}` : '—'
  }
  // the version the last accept/reject looked at, and what changed since
  const lastDecision = (reviews.data ?? []).filter((r) => r.decision !== 'reopen').at(-1) ?? null
  const reviewedVersion = lastDecision ? (history.data ?? []).find((v) => v.version === lastDecision.annotation_version) : undefined
  const changes: ShapeChange[] | null = reviewedVersion && annotation ? diffShapes(reviewedVersion.result, annotation.result) : null
  return { history: history.data ?? [], reviews: reviews.data ?? [], lastDecision, changes, nameOf }
}
