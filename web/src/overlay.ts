import { lrDirection, type Geometry } from './geometry.js';
import type { CameraState } from './types.js';

/** Draws lines (with their lr arrow and live counts), zones (with occupancy) and tracks in source pixels. */
/** `scale`: canvas pixels per source pixel; `unit`: source pixels per CSS pixel (keeps text and handles a readable size). */
export function drawOverlay(context: CanvasRenderingContext2D, scale: number, unit: number, geometry: Geometry, live: CameraState | null, editing: boolean, selected: string | null): void {
  const { canvas } = context;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(scale, 0, 0, scale, 0, 0);
  context.lineWidth = 2 * unit;
  context.font = `${13 * unit}px system-ui, sans-serif`;

  geometry.zones.forEach((zone) => {
    const state = live?.zones.find((candidate) => candidate.name === zone.name);
    const occupancy = state?.occupancy ?? 0;
    context.beginPath();
    zone.points.forEach((point, i) => (i === 0 ? context.moveTo(point.x, point.y) : context.lineTo(point.x, point.y)));
    context.closePath();
    context.fillStyle = `rgba(255, 200, 0, ${0.08 + 0.4 * occupancy})`;
    context.fill();
    context.strokeStyle = state?.present ? '#ffcc00' : selected === `zone:${zone.name}` ? '#fff' : 'rgba(255, 200, 0, .6)';
    context.stroke();
    const first = zone.points[0]!;
    context.fillStyle = '#ffcc00';
    context.fillText(`${zone.name} ${Math.round(occupancy * 100)}%`, first.x + 2 * unit, first.y + 14 * unit);
    if (editing) for (const point of zone.points) dot(context, point.x, point.y, 6 * unit, '#ffcc00');
  });

  geometry.lines.forEach((line) => {
    context.strokeStyle = selected === `line:${line.name}` ? '#fff' : '#00e5ff';
    context.beginPath();
    context.moveTo(line.a.x, line.a.y);
    context.lineTo(line.b.x, line.b.y);
    context.stroke();
    const mid = { x: (line.a.x + line.b.x) / 2, y: (line.a.y + line.b.y) / 2 };
    const direction = lrDirection(line);
    arrow(context, mid.x, mid.y, mid.x + direction.x * 22 * unit, mid.y + direction.y * 22 * unit, '#00e5ff', unit);
    const totals = live?.totals[line.name];
    context.fillStyle = '#00e5ff';
    context.fillText(`${line.name}  lr ${totals?.lr ?? 0} · rl ${totals?.rl ?? 0}`, mid.x + 4 * unit, mid.y - 6 * unit);
    if (editing) {
      dot(context, line.a.x, line.a.y, 8 * unit, '#00e5ff');
      dot(context, line.b.x, line.b.y, 8 * unit, '#ff4df0');
      context.fillStyle = '#fff';
      context.fillText('A', line.a.x + 9 * unit, line.a.y - 9 * unit);
      context.fillText('B', line.b.x + 9 * unit, line.b.y - 9 * unit);
    }
  });

  if (!editing && live) {
    context.strokeStyle = '#3f3';
    context.fillStyle = '#3f3';
    for (const track of live.tracks) {
      context.strokeRect(track.x, track.y, track.w, track.h);
      context.fillText(String(track.id), track.x, track.y - 2 * unit);
    }
  }
}

function dot(context: CanvasRenderingContext2D, x: number, y: number, radius: number, color: string): void {
  context.beginPath();
  context.arc(x, y, radius, 0, Math.PI * 2);
  context.fillStyle = color;
  context.fill();
}

function arrow(context: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, color: string, unit: number): void {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  context.strokeStyle = color;
  context.beginPath();
  context.moveTo(x0, y0);
  context.lineTo(x1, y1);
  context.lineTo(x1 - 8 * unit * Math.cos(angle - 0.5), y1 - 8 * unit * Math.sin(angle - 0.5));
  context.moveTo(x1, y1);
  context.lineTo(x1 - 8 * unit * Math.cos(angle + 0.5), y1 - 8 * unit * Math.sin(angle + 0.5));
  context.stroke();
}
