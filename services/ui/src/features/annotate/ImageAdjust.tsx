import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'

/** Brightness and contrast sliders for dark or flat images; on screen only, kept while moving between tasks. */
export function ImageAdjust({ canvas }: { canvas: AnnotationCanvas | null }) {
  const { t } = useTranslation('editor')
  const [brightness, setBrightness] = useState(() => Number(sessionStorage.getItem('labelhive.brightness')) || 1)
  const [contrast, setContrast] = useState(() => Number(sessionStorage.getItem('labelhive.contrast')) || 1)

  useEffect(() => {
    canvas?.setImageAdjust({ brightness, contrast })
    sessionStorage.setItem('labelhive.brightness', String(brightness))
    sessionStorage.setItem('labelhive.contrast', String(contrast))
  }, [canvas, brightness, contrast])

  return (
    <section className="panel image-adjust">
      <h3>{t('image.title')}</h3>
      <label>
        <span>{t('image.brightness')}</span>
        <input type="range" min={0.4} max={2.5} step={0.05} value={brightness} onChange={(e) => setBrightness(Number(e.target.value))} />
      </label>
      <label>
        <span>{t('image.contrast')}</span>
        <input type="range" min={0.4} max={2.5} step={0.05} value={contrast} onChange={(e) => setContrast(Number(e.target.value))} />
      </label>
      {(brightness !== 1 || contrast !== 1) && (
        <button
          type="button"
          className="btn btn-small btn-quiet"
          onClick={() => {
            setBrightness(1)
            setContrast(1)
          }}
        >
          {t('image.reset')}
        </button>
      )}
    </section>
  )
}
