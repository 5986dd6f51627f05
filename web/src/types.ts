/** The page's view of what the node sends: the server's own types (edge/web/page-protocol.ts imports nothing). */
export type { CameraState, CheckRow, CountLine, LiveState, LoggedEvent, PageConfig, Point, SelftestReport, SelftestStatus, Zone } from '../../edge/web/page-protocol.js';
