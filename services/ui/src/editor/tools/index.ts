import { BoxTool } from './boxTool'
import { KeypointsTool } from './keypointsTool'
import { PanTool } from './panTool'
import { PolygonTool } from './polygonTool'
import { SegmentTool } from './segmentTool'
import { SelectTool } from './selectTool'
import type { Tool } from './tool'
import type { ToolName } from '../types'

export function createTool(name: ToolName): Tool {
  switch (name) {
    case 'select':
      return new SelectTool()
    case 'pan':
      return new PanTool()
    case 'bbox':
      return new BoxTool()
    case 'polygon':
      return new PolygonTool()
    case 'keypoints':
      return new KeypointsTool()
    case 'segment':
      return new SegmentTool()
  }
}

export type { Notice, Tool, ToolContext, PointerInput } from './tool'
