// A save lost the race: both versions side by side, a choice per differing shape (or all of one side).
// Nothing I drew is dropped unless I choose so; "theirs" may be me in another tab, and says so.
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { conflictRows, type Choice } from '../../editor/merge'
import type { EditorLabel, Shape } from '../../editor/types'
import { ShapePreview } from './ShapePreview'

export interface ConflictState {
  mine: Shape[]
  theirs: Shape[]
  /** the saved version I lost to (null: a draft) */
  version: number | null
  /** saved by me, in another tab */
  self: boolean
}

interface Props {
  conflict: ConflictState
  labels: EditorLabel[]
  image: { url: string; width: number; height: number }
  saving: boolean
  onResolve: (choices: Record<string, Choice>) => void
  onCancel: () => void
}

export function ConflictDialog({ conflict, labels, image, saving, onResolve, onCancel }: Props) {
  const { t } = useTranslation('annotate')
  const { rows, same } = useMemo(() => conflictRows(conflict.mine, conflict.theirs), [conflict])
  const [choices, setChoices] = useState<Record<string, Choice>>({})
  const undecided = rows.filter((r) => !choices[r.id]).length
  const nameOf = (s: Shape | null) => (s ? (labels.find((l) => l.value === s.label)?.name ?? s.label) : '')
  const differing = new Set(rows.map((r) => r.id))
  const all = (choice: 'mine' | 'theirs') => setChoices(Object.fromEntries(rows.map((r) => [r.id, choice])))
  return (
    <div className="overlay-backdrop" role="presentation">
      <div className="overlay conflict-dialog" role="dialog" aria-modal="true" aria-label={t('conflict.title')} data-testid="conflict-dialog">
        <h2>{t('conflict.title')}</h2>
        <p>{t(conflict.self ? 'conflict.bySelf' : 'conflict.byOther', { version: conflict.version ?? '—' })}</p>
        <p className="muted small">{t(conflict.self ? 'conflict.explainSelf' : 'conflict.explain')}</p>
        <div className="conflict-sides">
          <figure>
            <figcaption>{t('conflict.mine')}</figcaption>
            <ShapePreview imageUrl={image.url} width={image.width} height={image.height} shapes={conflict.mine} labels={labels} highlight={differing} testId="conflict-mine" />
          </figure>
          <figure>
            <figcaption>{t(conflict.self ? 'conflict.theirsSelf' : 'conflict.theirs')}</figcaption>
            <ShapePreview imageUrl={image.url} width={image.width} height={image.height} shapes={conflict.theirs} labels={labels} highlight={differing} testId="conflict-theirs" />
          </figure>
        </div>
        <div className="actions">
          <button type="button" className="btn btn-small" onClick={() => all('mine')} data-testid="take-all-mine">
            {t('conflict.takeAllMine')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => all('theirs')} data-testid="take-all-theirs">
            {t('conflict.takeAllTheirs')}
          </button>
          {same > 0 && <span className="muted small">{t('conflict.same')}: {same}</span>}
        </div>
        <table className="table conflict-rows" data-testid="conflict-rows">
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.id} data-testid="conflict-row" data-shape-id={r.id}>
                <td>
                  {i + 1}. {nameOf(r.mine ?? r.theirs)}
                </td>
                <td className="muted small">{t(`conflict.${r.kind}`)}</td>
                <td className="conflict-choices">
                  {(['mine', 'theirs', 'both'] as const)
                    .filter((c) => c !== 'both' || r.kind === 'differs')
                    .map((c) => (
                      <label key={c}>
                        <input
                          type="radio"
                          name={`choice-${r.id}`}
                          checked={choices[r.id] === c}
                          onChange={() => setChoices((prev) => ({ ...prev, [r.id]: c }))}
                          data-testid={`choose-${c}`}
                        />
                        {t(c === 'mine' ? 'conflict.keepMine' : c === 'theirs' ? 'conflict.keepTheirs' : 'conflict.keepBoth')}
                      </label>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {undecided > 0 && <p className="field-error">{t('conflict.undecided', { count: undecided })}</p>}
        <div className="actions">
          <button type="button" className="btn btn-primary" disabled={undecided > 0 || saving} onClick={() => onResolve(choices)} data-testid="conflict-save">
            {saving ? t('conflict.saving') : t('conflict.save')}
          </button>
          <button type="button" className="btn" onClick={onCancel} data-testid="conflict-cancel">
            {t('conflict.cancel')}
          </button>
        </div>
      </div>
    </div>
  )
}
