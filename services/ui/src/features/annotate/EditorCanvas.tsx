// React host for the framework-free AnnotationCanvas: mounts it once and hands the instance up.
import { useEffect, useRef } from 'react'
import { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import type { EditorLabel } from '../../editor/types'

export function EditorCanvas({ labels, onReady }: { labels: EditorLabel[]; onReady: (canvas: AnnotationCanvas | null) => void }) {
  const host = useRef<HTMLDivElement>(null)
  const canvas = useRef<AnnotationCanvas | null>(null)
  const initialLabels = useRef(labels)

  useEffect(() => {
    const instance = new AnnotationCanvas(host.current!, { labels: initialLabels.current })
    canvas.current = instance
    onReady(instance)
    return () => {
      onReady(null)
      instance.destroy()
      canvas.current = null
    }
  }, [onReady])

  useEffect(() => {
    canvas.current?.setLabels(labels)
  }, [labels])

  return <div className="stage" ref={host} />
}
