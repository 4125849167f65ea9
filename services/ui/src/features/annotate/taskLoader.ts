// Loading a task for the editor: what the server holds (project, task, my annotation or draft, predictions)
// and its decoded image. The next task is primed (loaded and decoded) as soon as it is known, before the
// editor page for it mounts, so "next task" waits for neither the page nor the image decode.
import { annotations as annotationsApi, drafts as draftsApi, predictions as predictionsApi, projects as projectsApi, taskImageUrl, tasks as tasksApi } from '../../api/endpoints'
import type { Annotation, Draft, Prediction, Project, Review, Task } from '../../api/types'
import { queryClient } from '../../app/Providers'
import { decodeImage } from '../../editor/AnnotationCanvas'
import { keys } from '../workspace/queries'

export interface Loaded {
  project: Project
  task: Task
  predictions: Prediction[]
}

/** What is saved on the server for me: a submitted annotation, a draft, or neither. */
export interface Saved {
  annotation: Annotation | null
  draft: Draft | null
  /** the reviewer's last word when my annotation was rejected */
  rejection: Review | null
}

/** Project and labels change rarely: one fetch serves a row of tasks (the schema editor invalidates it). */
const PROJECT_STALE_MS = 15_000

/** What the server holds for this task: mine (annotation + draft), or the one under review. */
export async function fetchSaved(projectId: number, taskId: number, userId: number, reviewAnnotationId?: number): Promise<Saved> {
  if (reviewAnnotationId !== undefined) return { annotation: await annotationsApi.get(projectId, reviewAnnotationId), draft: null, rejection: null }
  const [annotation, draft] = await Promise.all([annotationsApi.mine(projectId, taskId, userId), draftsApi.get(projectId, taskId)])
  let rejection: Review | null = null
  if (annotation?.status === 'rejected' || annotation?.status === 'rework') {
    const list = await annotationsApi.reviews(projectId, annotation.id).catch(() => [] as Review[])
    rejection = list.filter((r) => r.decision === 'reject' || r.decision === 'reopen').at(-1) ?? null
  }
  return { annotation, draft, rejection }
}

/** Everything the editor shows for a task, in parallel; `task` when it is known already (from "next"). */
export async function loadTask(projectId: number, taskId: number, userId: number, reviewAnnotationId?: number, task?: Task): Promise<{ loaded: Loaded; saved: Saved }> {
  const [project, theTask, saved, predictions] = await Promise.all([
    queryClient.fetchQuery({ queryKey: keys.project(projectId), queryFn: () => projectsApi.get(projectId), staleTime: PROJECT_STALE_MS }),
    task ?? tasksApi.get(projectId, taskId),
    fetchSaved(projectId, taskId, userId, reviewAnnotationId),
    reviewAnnotationId !== undefined ? Promise.resolve([]) : predictionsApi.forTask(projectId, taskId).catch(() => [] as Prediction[]),
  ])
  return { loaded: { project, task: theTask, predictions }, saved }
}

/** Primed data older than this is not handed out: what the server holds may have changed meanwhile (a
 * pre-label job finished, a reviewer answered) when the user went elsewhere before opening the task. */
const PRIMED_FRESH_MS = 20_000

interface Primed {
  projectId: number
  taskId: number
  userId: number
  /** each is handed out once (null after), so reloads and later visits go to the server */
  data: Promise<{ loaded: Loaded; saved: Saved }> | null
  url: string
  img: Promise<HTMLImageElement> | null
  /** when it was primed (Date.now()) */
  at: number
}

/** The one task primed for opening next (a newer one replaces it). */
let primed: Primed | null = null

/** Start loading the task the user is about to open: its data and its decoded image. */
export function primeTask(projectId: number, task: Task, userId: number): void {
  const url = taskImageUrl(task)
  const img = decodeImage(url)
  const data = loadTask(projectId, task.id, userId, undefined, task)
  // a failure shows when the page asks for it (and loads again); never as an unhandled rejection here
  img.catch(() => undefined)
  data.catch(() => undefined)
  primed = { projectId, taskId: task.id, userId, data, url, img, at: Date.now() }
}

/** The primed data for this task (once); null when it was not primed, or primed too long ago. */
export function takePrimedData(projectId: number, taskId: number, userId: number): Promise<{ loaded: Loaded; saved: Saved }> | null {
  if (!primed || primed.projectId !== projectId || primed.taskId !== taskId || primed.userId !== userId) return null
  if (Date.now() - primed.at > PRIMED_FRESH_MS) {
    primed.data = null
    return null
  }
  const { data } = primed
  primed.data = null
  return data
}

/** The decoded image for this URL if it was primed (once), else a fresh fetch and decode. */
export function takeImage(url: string): Promise<HTMLImageElement> {
  const img = primed?.url === url ? primed.img : null
  if (img) {
    primed = null
    return img
  }
  return decodeImage(url)
}

/** Ask the server for my next task (never one of `skip`), prime it, and return it (null: none left). */
export async function nextTask(projectId: number, userId: number, skip: number[] = []): Promise<Task | null> {
  const task = await tasksApi.next(projectId, skip)
  if (task) primeTask(projectId, task, userId)
  return task
}
