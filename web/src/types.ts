/** The page's view of what the node sends: the server's own types (edge/web/page-protocol.ts imports nothing). */
export type { CameraState, CountLine, LiveState, LoggedEvent, PageConfig, Point, Zone } from '../../edge/web/page-protocol.js';
