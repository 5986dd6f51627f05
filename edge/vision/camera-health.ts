/**
 * Watches one camera from the statistics the vision worker publishes and raises health events: no
 * frames, a frozen image, too dark, defocus, a sudden global change (tamper, a light switched). It can
 * act too: power-cycle the camera through a relay after it has delivered nothing for a while, and switch
 * an infrared illuminator with the light level. Pure logic on the injected time; evaluate() is called
 * about once a second.
 */
export interface CameraHealthOptions {
  noFramesMs: number;
  frozenMs: number;
  darkBelow: number;
  defocusRatio: number;
  /** Power-cycle after this long without frames (when a relay is configured), then at most this often. */
  powerCycleAfterMs?: number;
  /** Infrared on below / off above these mean luma levels, each held for 10 s. */
  infrared?: { onBelow: number; offAbove: number };
}

export interface CameraImageFacts {
  /** Frames processed so far. */
  processed: number;
  mean: number;
  sharpness: number;
  /** Mean change from the previous frame; NaN before the second frame. */
  change: number;
  suddenChanges: number;
}

export interface CameraHealthEvent {
  type: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
  data: Record<string, number | string | boolean>;
}

export interface CameraHealthActions {
  powerCycle?: () => Promise<void>;
  setInfrared?: (on: boolean) => Promise<void>;
}

const HOLD_MS = 10_000;
const DEFOCUS_HOLD_MS = 30_000;
const SHARPNESS_WARMUP_MS = 60_000;
const FROZEN_CHANGE = 0.05;

type Condition = 'noFrames' | 'frozen' | 'dark' | 'defocus';

export class CameraHealthMonitor {
  private readonly since: Record<Condition, number> = { noFrames: Number.NaN, frozen: Number.NaN, dark: Number.NaN, defocus: Number.NaN };
  private readonly active: Record<Condition, boolean> = { noFrames: false, frozen: false, dark: false, defocus: false };
  private lastProcessed = -1;
  private lastFrameMs = Number.NaN;
  private suddenChanges = 0;
  private sharpnessBaseline = Number.NaN;
  private firstMs = Number.NaN;
  private lastPowerCycleMs = Number.NEGATIVE_INFINITY;
  private infraredOn = false;
  private infraredSince = Number.NaN;
  powerCycles = 0;

  constructor(
    private readonly camera: string,
    private readonly options: CameraHealthOptions,
    private readonly actions: CameraHealthActions,
    private readonly emit: (event: CameraHealthEvent) => void,
  ) {}

  evaluate(nowMs: number, facts: CameraImageFacts): void {
    if (Number.isNaN(this.firstMs)) {
      this.firstMs = nowMs;
      this.lastFrameMs = nowMs;
      this.suddenChanges = facts.suddenChanges;
    }
    const fresh = facts.processed !== this.lastProcessed;
    if (fresh) {
      this.lastProcessed = facts.processed;
      this.lastFrameMs = nowMs;
    }
    this.track('noFrames', nowMs, !fresh && nowMs - this.lastFrameMs >= this.options.noFramesMs, 0, 'camera.no-frames', 'error', `camera ${this.camera} delivers no frames`, 'camera.frames-restored');
    this.maybePowerCycle(nowMs);
    if (!fresh) return;

    this.track('frozen', nowMs, facts.change < FROZEN_CHANGE, this.options.frozenMs, 'camera.frozen', 'error', `camera ${this.camera} repeats the same image`, 'camera.unfrozen');
    const dark = this.active.dark ? facts.mean < this.options.darkBelow + 10 : facts.mean < this.options.darkBelow;
    this.track('dark', nowMs, dark, HOLD_MS, 'camera.dark', 'warning', `camera ${this.camera} image too dark (mean ${facts.mean.toFixed(0)})`, 'camera.light-restored');
    this.checkDefocus(nowMs, facts.sharpness);
    if (facts.suddenChanges > this.suddenChanges) {
      this.emit({
        type: 'camera.tamper',
        severity: 'warning',
        message: `camera ${this.camera}: the whole image changed at once (covered, moved, or a light switched)`,
        data: { camera: this.camera, resets: facts.suddenChanges },
      });
      this.suddenChanges = facts.suddenChanges;
    }
    this.followLight(nowMs, facts.mean);
  }

  private checkDefocus(nowMs: number, sharpness: number): void {
    // The baseline learns slowly from a camera in focus, and not from soft frames, so a lens going soft
    // shows as a lasting drop against it.
    const warm = nowMs - this.firstMs >= SHARPNESS_WARMUP_MS;
    const soft = warm && (this.active.defocus ? sharpness < 0.6 * this.sharpnessBaseline : sharpness < this.options.defocusRatio * this.sharpnessBaseline);
    if (!soft && !this.active.defocus) {
      this.sharpnessBaseline = Number.isNaN(this.sharpnessBaseline) ? sharpness : this.sharpnessBaseline + (sharpness - this.sharpnessBaseline) * (warm ? 0.01 : 0.1);
    }
    if (!warm) return;
    this.track('defocus', nowMs, soft, DEFOCUS_HOLD_MS, 'camera.defocus', 'warning', `camera ${this.camera} image out of focus (sharpness ${sharpness.toFixed(1)} against ${this.sharpnessBaseline.toFixed(1)})`, 'camera.focus-restored');
  }

  /** Raises a condition after it has held for holdMs, and reports its end once. */
  private track(condition: Condition, nowMs: number, holds: boolean, holdMs: number, type: string, severity: 'warning' | 'error', message: string, clearedType: string): void {
    if (!holds) {
      this.since[condition] = Number.NaN;
      if (this.active[condition]) {
        this.active[condition] = false;
        this.emit({ type: clearedType, severity: 'info', message: `camera ${this.camera}: ${clearedType.slice('camera.'.length).replace('-', ' ')}`, data: { camera: this.camera } });
      }
      return;
    }
    if (Number.isNaN(this.since[condition])) this.since[condition] = nowMs;
    if (!this.active[condition] && nowMs - this.since[condition] >= holdMs) {
      this.active[condition] = true;
      this.emit({ type, severity, message, data: { camera: this.camera } });
    }
  }

  private maybePowerCycle(nowMs: number): void {
    const after = this.options.powerCycleAfterMs;
    const powerCycle = this.actions.powerCycle;
    if (after === undefined || !powerCycle || !this.active.noFrames) return;
    if (nowMs - this.lastFrameMs < after || nowMs - this.lastPowerCycleMs < after) return;
    this.lastPowerCycleMs = nowMs;
    this.powerCycles++;
    this.emit({
      type: 'camera.power-cycled',
      severity: 'warning',
      message: `camera ${this.camera}: no frames for ${Math.round((nowMs - this.lastFrameMs) / 1000)} s, power-cycling it`,
      data: { camera: this.camera, powerCycles: this.powerCycles },
    });
    void powerCycle().catch((error: Error) =>
      this.emit({ type: 'camera.power-cycle-failed', severity: 'error', message: `camera ${this.camera}: power cycle failed: ${error.message}`, data: { camera: this.camera } }),
    );
  }

  private followLight(nowMs: number, mean: number): void {
    const infrared = this.options.infrared;
    const setInfrared = this.actions.setInfrared;
    if (!infrared || !setInfrared) return;
    const wantOn = this.infraredOn ? !(mean > infrared.offAbove) : mean < infrared.onBelow;
    if (wantOn === this.infraredOn) {
      this.infraredSince = Number.NaN;
      return;
    }
    if (Number.isNaN(this.infraredSince)) this.infraredSince = nowMs;
    if (nowMs - this.infraredSince < HOLD_MS) return;
    this.infraredOn = wantOn;
    this.infraredSince = Number.NaN;
    this.emit({ type: 'camera.infrared', severity: 'info', message: `camera ${this.camera}: infrared illuminator ${wantOn ? 'on' : 'off'} (mean ${mean.toFixed(0)})`, data: { camera: this.camera, on: wantOn } });
    void setInfrared(wantOn);
  }
}
