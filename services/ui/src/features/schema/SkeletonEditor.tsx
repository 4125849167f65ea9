// Keypoints: the skeleton's point names (in order) and which points are joined by a line.
import { Button, Input, Select, Space, Tag } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'

interface Props {
  points: string[]
  edges: [number, number][]
  onChange: (points: string[], edges: [number, number][]) => void
  idPrefix: string
}

export function SkeletonEditor({ points, edges, onChange, idPrefix }: Props) {
  const { t } = useTranslation('schema')
  const [name, setName] = useState('')
  const [from, setFrom] = useState<number | null>(null)
  const [to, setTo] = useState<number | null>(null)
  const addPoint = () => {
    const clean = name.trim()
    if (!clean || points.includes(clean)) return
    onChange([...points, clean], edges)
    setName('')
  }
  const removePoint = (i: number) =>
    onChange(
      points.filter((_, j) => j !== i),
      edges.filter(([a, b]) => a !== i && b !== i).map(([a, b]) => [a > i ? a - 1 : a, b > i ? b - 1 : b] as [number, number]),
    )
  const options = points.map((p, i) => ({ value: i, label: `${i + 1}. ${p}` }))
  return (
    <div className="skeleton-editor" data-testid="skeleton-editor">
      <div className="skeleton-points">
        {points.map((p, i) => (
          <Tag key={p} closable onClose={() => removePoint(i)}>
            {i + 1}. {p}
          </Tag>
        ))}
      </div>
      <Space.Compact style={{ marginTop: 6 }}>
        <Input id={`${idPrefix}-point`} value={name} onChange={(e) => setName(e.target.value)} onPressEnter={(e) => { e.preventDefault(); addPoint() }} placeholder={t('skeleton.pointPlaceholder')} style={{ width: 220 }} data-testid="skeleton-point-name" />
        <Button onClick={addPoint} data-testid="skeleton-add-point">{t('skeleton.addPoint')}</Button>
      </Space.Compact>
      {points.length > 1 && (
        <>
          <p className="muted small" style={{ margin: '8px 0 4px' }}>{t('skeleton.edges')}</p>
          <div className="skeleton-points">
            {edges.map(([a, b], i) => (
              <Tag key={`${a}-${b}`} closable onClose={() => onChange(points, edges.filter((_, j) => j !== i))}>
                {points[a]} — {points[b]}
              </Tag>
            ))}
          </div>
          <Space.Compact style={{ marginTop: 6 }}>
            <Select aria-label={t('skeleton.from')} placeholder={t('skeleton.from')} value={from} onChange={setFrom} options={options} style={{ width: 150 }} />
            <Select aria-label={t('skeleton.to')} placeholder={t('skeleton.to')} value={to} onChange={setTo} options={options} style={{ width: 150 }} />
            <Button
              disabled={from === null || to === null || from === to || edges.some(([a, b]) => (a === from && b === to) || (a === to && b === from))}
              onClick={() => {
                if (from === null || to === null) return
                onChange(points, [...edges, [from, to]])
                setFrom(null)
                setTo(null)
              }}
            >
              {t('skeleton.addEdge')}
            </Button>
          </Space.Compact>
        </>
      )}
    </div>
  )
}
