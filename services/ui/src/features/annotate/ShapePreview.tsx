// A small still picture of one version: the task image with its shapes, the highlighted ones thicker.
import type { EditorLabel, Shape } from '../../editor/types'

interface Props {
  imageUrl: string
  width: number
  height: number
  shapes: readonly Shape[]
  labels: readonly EditorLabel[]
  highlight?: ReadonlySet<string>
  testId?: string
}

export function ShapePreview({ imageUrl, width, height, shapes, labels, highlight, testId }: Props) {
  const color = (s: Shape) => labels.find((l) => l.value === s.label)?.color ?? '#9aa5b1'
  const stroke = Math.max(width, height) / 250
  return (
    <svg className="shape-preview" viewBox={`0 0 ${width} ${height}`} data-testid={testId} role="img">
      <image href={imageUrl} width={width} height={height} />
      {shapes.map((s) => {
        const w = highlight?.has(s.id) ? stroke * 2.5 : stroke
        const common = { stroke: color(s), strokeWidth: w, fill: color(s), fillOpacity: highlight?.has(s.id) ? 0.3 : 0.1 }
        if (s.type === 'bbox') return <rect key={s.id} x={s.x} y={s.y} width={s.w} height={s.h} {...common} />
        if (s.type === 'polygon') return <polygon key={s.id} points={s.points.map((p) => p.join(',')).join(' ')} {...common} />
        if (s.type === 'keypoints')
          return (
            <g key={s.id}>
              {s.points
                .filter((p) => p[2] > 0)
                .map((p, i) => (
                  <circle key={i} cx={p[0]} cy={p[1]} r={w * 2} {...common} fillOpacity={1} />
                ))}
            </g>
          )
        return null
      })}
    </svg>
  )
}
