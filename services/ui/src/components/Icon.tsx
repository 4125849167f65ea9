// Inline SVG icons: no icon font, no emoji (factory PCs often lack emoji fonts), nothing fetched.
const PATHS = {
  select: 'M5 3l13 7-6 1.5L9 18z',
  pan: 'M12 2v20M2 12h20M12 2l-3 3M12 2l3 3M12 22l-3-3M12 22l3-3M2 12l3-3M2 12l3 3M22 12l-3-3M22 12l-3 3',
  bbox: 'M4 5h16v14H4z',
  polygon: 'M12 3l8 6-3 10H7L4 9z',
  keypoints: 'M6 7a1.5 1.5 0 1 0 0.01 0M17 6a1.5 1.5 0 1 0 0.01 0M12 17a1.5 1.5 0 1 0 0.01 0M6 7l6 10 5-11',
  segment: 'M4 20l10-10M14 4v3M14 13v3M10 8h-3M21 8h-3M17 5l-1.5 1.5M17 11l-1.5-1.5M11 5l1.5 1.5',
  zoomIn: 'M10 4a6 6 0 1 0 0.01 0M10 7v6M7 10h6M15 15l5 5',
  zoomOut: 'M10 4a6 6 0 1 0 0.01 0M7 10h6M15 15l5 5',
  fit: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
} as const

export type IconName = keyof typeof PATHS

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={PATHS[name]} />
    </svg>
  )
}
