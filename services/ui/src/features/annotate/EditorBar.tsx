// Above the editor: where I am (project / task / state) and what I can do (undo, redo, save, submit).
import { useTranslation } from 'react-i18next'
import type { Project, Task } from '../../api/types'
import { routeHref } from '../../app/router'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import type { SaveStatus } from './useTaskAnnotation'

interface Props {
  project: Project | null
  task: Task | null
  taskId: number
  canvas: AnnotationCanvas | null
  state: EditorState | null
  save: SaveStatus
  reviewing: boolean
  onSave: () => void
  onSubmit: () => void
}

export function EditorBar({ project, task, taskId, canvas, state, save, reviewing, onSave, onSubmit }: Props) {
  const { t } = useTranslation(['editor', 'projects'])
  const dirty = state?.dirty ?? false
  const status = save.kind === 'saving' ? t('save.saving') : dirty ? t('save.unsaved') : save.kind === 'saved' ? t('save.saved') : t('save.clean')
  return (
    <div className="editor-bar">
      <div className="editor-title">
        {project && <a href={routeHref({ name: 'project', projectId: project.id })}>{project.name}</a>}
        <span className="sep">/</span>
        <span data-testid="task-title">{t('taskTitle', { id: taskId })}</span>
        {task?.filename && <span className="muted ellipsis"> {task.filename}</span>}
        {task && <span className={`pill pill-${task.state}`}>{t(`projects:state.${task.state}`)}</span>}
      </div>
      <div className="editor-actions">
        {!reviewing && (
          <span className="save-status" data-testid="save-status">
            {status}
          </span>
        )}
        <button type="button" className="btn" disabled={!state?.canUndo} onClick={() => canvas?.undo()} title={t('hint.undo')}>
          {t('toolbar.undo')}
        </button>
        <button type="button" className="btn" disabled={!state?.canRedo} onClick={() => canvas?.redo()} title={t('hint.redo')}>
          {t('toolbar.redo')}
        </button>
        {!reviewing && (
          <>
            <button type="button" className="btn" data-testid="save" disabled={save.kind === 'saving'} onClick={onSave} title={t('hint.save')}>
              {t('toolbar.save')}
            </button>
            <button type="button" className="btn btn-primary" data-testid="submit" disabled={save.kind === 'saving'} onClick={onSubmit}>
              {t('toolbar.submitNext')}
            </button>
          </>
        )}
      </div>
    </div>
  )
}
