import { describe, expect, it } from 'vitest'
import { toolsFor } from './labelTools'
import type { EditorLabel } from './types'

const label = (tools: EditorLabel['tools']): EditorLabel => ({ value: 'x', name: 'X', color: '#000', tools })

describe('tools per label', () => {
  it('offers only the drawing tools the label allows', () => {
    expect(toolsFor(label(['bbox']), true)).toEqual(['select', 'pan', 'bbox', 'segment'])
    expect(toolsFor(label(['keypoints']), true)).toEqual(['select', 'pan', 'keypoints'])
    expect(toolsFor(label([]), false)).toEqual(['select', 'pan', 'bbox', 'polygon', 'keypoints'])
  })

  it('hides smart select without an interactive worker', () => {
    expect(toolsFor(label(['polygon']), false)).toEqual(['select', 'pan', 'polygon'])
  })
})
