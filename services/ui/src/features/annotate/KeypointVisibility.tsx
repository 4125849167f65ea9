// COCO keypoint visibility of the selected keypoints shape: 0 not labelled, 1 occluded, 2 visible.
import { useTranslation } from 'react-i18next'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import type { EditorLabel, KeypointsShape } from '../../editor/types'

const LEVELS = [0, 1, 2] as const

export function KeypointVisibility({ canvas, shape, label, readOnly }: { canvas: AnnotationCanvas | null; shape: KeypointsShape; label: EditorLabel | undefined; readOnly: boolean }) {
  const { t } = useTranslation('annotate')
  return (
    <section className="panel" data-testid="keypoint-visibility">
      <h3>{t('keypoints.title')}</h3>
      <ul className="kp-list">
        {shape.points.map((p, i) => (
          <li key={i} data-testid={`kp-${i}`}>
            <span className="kp-name">{label?.skeleton?.points[i] ?? t('keypoints.point', { n: i + 1 })}</span>
            <span className="kp-levels" role="radiogroup">
              {LEVELS.map((v) => (
                <button
                  key={v}
                  type="button"
                  role="radio"
                  aria-checked={p[2] === v}
                  className={p[2] === v ? 'btn btn-small active' : 'btn btn-small'}
                  disabled={readOnly}
                  title={t(`keypoints.v${v}`)}
                  data-testid={`kp-${i}-v${v}`}
                  onClick={() => canvas?.setKeypointVisibility(shape.id, i, v)}
                >
                  {v} {t(`keypoints.v${v}`)}
                </button>
              ))}
            </span>
          </li>
        ))}
      </ul>
      <p className="muted small">{t('keypoints.hint')}</p>
    </section>
  )
}
