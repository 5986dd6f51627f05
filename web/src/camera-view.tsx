import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, postJson } from './api.js';
import type { Confirmation } from './confirm-dialog.js';
import { addLine, addZone, clone, handleAt, moveHandle, swapLine, type Geometry, type Handle } from './geometry.js';
import { drawOverlay } from './overlay.js';
import type { CameraState, PageConfig } from './types.js';

type CameraConfig = PageConfig['cameras'][number];

/**
 * One camera: the MJPEG stream in an <img>, a canvas on top with lines, zones and tracks, and the line and
 * zone editor (drag ends and corners, name, swap A/B, add, delete, undo, save through set-config).
 */
export function CameraView({ camera, live, canSave, confirm }: { camera: CameraConfig; live: CameraState | null; canSave: boolean; confirm: (confirmation: Confirmation) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<Geometry>({ lines: camera.lines, zones: camera.zones });
  const [geometry, setGeometry] = useState<Geometry>(() => clone(saved));
  const [history, setHistory] = useState<Geometry[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const drag = useRef<{ handle: Handle; before: Geometry } | null>(null);
  const { width, height } = camera;

  const change = (next: Geometry) => {
    setHistory((past) => [...past.slice(-49), geometry]);
    setGeometry(next);
  };

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context || width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = element.clientWidth || width;
    element.width = Math.round(cssWidth * ratio);
    element.height = Math.round((cssWidth * height / width) * ratio);
    drawOverlay(context, element.width / width, width / cssWidth, geometry, live, editing, selected);
  });

  const toSource = (event: PointerEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * width, y: ((event.clientY - rect.top) / rect.height) * height };
  };
  const onPointerDown = (event: PointerEvent) => {
    if (!editing) return;
    const rect = canvas.current!.getBoundingClientRect();
    const handle = handleAt(geometry, toSource(event), (16 * width) / rect.width);
    if (!handle) return;
    drag.current = { handle, before: geometry };
    setSelected(handle.kind === 'line' ? `line:${geometry.lines[handle.index]!.name}` : `zone:${geometry.zones[handle.index]!.name}`);
    canvas.current!.setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    if (drag.current) setGeometry((current) => moveHandle(current, drag.current!.handle, toSource(event), width, height));
  };
  const onPointerUp = () => {
    if (!drag.current) return;
    const before = drag.current.before;
    drag.current = null;
    setHistory((past) => [...past.slice(-49), before]);
  };

  const undo = () => {
    const previous = history[history.length - 1];
    if (!previous) return;
    setHistory(history.slice(0, -1));
    setGeometry(previous);
  };
  const save = () =>
    confirm({
      title: 'Save lines and zones?',
      detail: 'The node checks the new config, writes it on trial and restarts to apply it: the signal goes through its startup flash. If the node does not come back healthy, the previous config is restored by itself.',
      action: 'Save and restart',
      run: async () => {
        try {
          await postJson(`/api/cameras/${encodeURIComponent(camera.id)}/geometry`, { ...geometry, confirm: true });
          setSaved(clone(geometry));
          setHistory([]);
          setMessage({ text: 'Saved. The node is restarting with the new lines and zones.', error: false });
        } catch (error) {
          setMessage({ text: error instanceof ApiError ? error.message : String(error), error: true });
        }
      },
    });

  const rename = (kind: 'lines' | 'zones', index: number, name: string) => {
    const next = clone(geometry);
    next[kind][index]!.name = name;
    change(next);
  };
  const remove = (kind: 'lines' | 'zones', index: number) => {
    const next = clone(geometry);
    next[kind].splice(index, 1);
    change(next);
  };
  const dirty = JSON.stringify(geometry) !== JSON.stringify(saved);

  return (
    <section>
      <h2>Camera {camera.id}</h2>
      <div class="camera" style={{ aspectRatio: `${width || 4} / ${height || 3}` }}>
        {camera.running && <img alt={`live view of camera ${camera.id}`} src={`/api/cameras/${encodeURIComponent(camera.id)}/live.mjpeg`} data-camera={camera.id} />}
        <canvas ref={canvas} data-overlay={camera.id} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={onPointerUp} />
      </div>
      {!camera.running && <p class="error">Camera not running.</p>}
      {live && (
        <p class="muted">
          {live.fps} fps · {live.processed} frames · {live.dropped} dropped · {live.msPerFrame} ms/frame · {live.tracks.length} tracks
        </p>
      )}
      {live && (
        <div class="row">
          {Object.entries(live.totals).map(([name, totals]) => (
            <span key={name} class="badge" data-line-count={name} data-total={totals.lr + totals.rl}>
              {name}: lr {totals.lr} · rl {totals.rl}
            </span>
          ))}
        </div>
      )}
      <div class="row">
        <button onClick={() => { setEditing(!editing); setMessage(null); }}>{editing ? 'Done editing' : 'Edit lines and zones'}</button>
        {editing && (
          <>
            <button onClick={() => change(addLine(geometry, width, height))}>Add line</button>
            <button onClick={() => change(addZone(geometry, width, height))}>Add zone</button>
            <button onClick={undo} disabled={history.length === 0}>Undo</button>
            <button class="primary" onClick={save} disabled={!dirty || !canSave} title={canSave ? '' : 'this node was not started from a writable config file'}>Save</button>
          </>
        )}
      </div>
      {message && <p class={message.error ? 'error' : 'ok'} role="status">{message.text}</p>}
      {editing && (
        <table>
          <tbody>
            {geometry.lines.map((line, index) => (
              <tr key={`line-${index}`}>
                <td>line</td>
                <td><input aria-label="line name" value={line.name} onInput={(event) => rename('lines', index, (event.target as HTMLInputElement).value)} /></td>
                <td><button onClick={() => change(swapLine(geometry, index))} title="reverse which way counts as lr">Swap A/B</button></td>
                <td><button onClick={() => remove('lines', index)}>Delete</button></td>
              </tr>
            ))}
            {geometry.zones.map((zone, index) => (
              <tr key={`zone-${index}`}>
                <td>zone</td>
                <td><input aria-label="zone name" value={zone.name} onInput={(event) => rename('zones', index, (event.target as HTMLInputElement).value)} /></td>
                <td />
                <td><button onClick={() => remove('zones', index)}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
