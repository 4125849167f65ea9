// Which tools the toolbox offers for a label: the label schema's `tools` decide (empty: every drawing tool).
import type { EditorLabel, ToolName } from './types'

const DRAWING: readonly ToolName[] = ['bbox', 'polygon', 'keypoints']

/** Select and pan always; drawing tools the label allows; smart select where it may draw boxes or polygons
 * and an interactive worker is there to answer. */
export function toolsFor(label: EditorLabel | null | undefined, smartSelect: boolean): ToolName[] {
  const tools: ToolName[] = ['select', 'pan']
  const allows = (t: ToolName) => !label || label.tools.length === 0 || label.tools.includes(t as never)
  for (const t of DRAWING) if (allows(t)) tools.push(t)
  if (smartSelect && (allows('polygon') || allows('bbox'))) tools.push('segment')
  return tools
}
