/**
 * The ffmpeg command line for a camera or video input decoded to the raw gray plane on stdout, kept in one
 * place so the flags can be reviewed (and tested) without spawning anything.
 */
export type FfmpegInput =
  | {
      kind: 'file';
      path: string;
      /** Restart from the beginning at the end (-stream_loop -1): a file standing in for a camera. */
      loop?: boolean;
      /** Read at the native frame rate (-re), pacing like a camera, instead of as fast as it decodes. */
      realtime?: boolean;
    }
  | {
      kind: 'v4l2';
      device: string;
      /** The device's pixel format, e.g. mjpeg or yuyv422; the driver's default when absent. */
      inputFormat?: string;
    }
  | {
      kind: 'rtsp';
      url: string;
      /** TCP by default: UDP loses packets (and so slices of frames) on a busy cabinet network. */
      transport?: 'tcp' | 'udp';
    };

export interface FfmpegOutput {
  width: number;
  height: number;
  /** Output rate (fps filter, dropping or duplicating frames); null keeps every decoded frame. */
  fps: number | null;
  /** For rtsp: a socket read with no data for this long ends ffmpeg, so a dead camera is noticed. */
  socketTimeoutMs: number;
}

/** True for inputs that never end by themselves: their process is restarted when it exits or stalls. */
export function isLiveInput(input: FfmpegInput): boolean {
  return input.kind !== 'file' || input.loop === true || input.realtime === true;
}

export function buildFfmpegArgs(input: FfmpegInput, output: FfmpegOutput): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  switch (input.kind) {
    case 'file':
      if (input.loop === true) args.push('-stream_loop', '-1');
      if (input.realtime === true) args.push('-re');
      args.push('-i', input.path);
      break;
    case 'v4l2':
      args.push('-f', 'video4linux2');
      if (input.inputFormat !== undefined) args.push('-input_format', input.inputFormat);
      args.push('-i', input.device);
      break;
    case 'rtsp':
      // ffmpeg 5.x: -timeout is the RTSP socket I/O timeout in µs (the old -stimeout is gone).
      args.push('-rtsp_transport', input.transport ?? 'tcp', '-timeout', String(Math.round(output.socketTimeoutMs * 1000)));
      args.push('-fflags', '+genpts+discardcorrupt', '-i', input.url);
      break;
  }
  const filters: string[] = [];
  if (output.fps !== null) filters.push(`fps=${output.fps}`);
  // Area averaging: the best downscale for counting (no aliasing of lane markings), cheap on a Pi.
  filters.push(`scale=${output.width}:${output.height}:flags=area`, 'format=gray');
  // passthrough: one output frame per decoded frame; the rawvideo muxer would otherwise duplicate some.
  args.push('-an', '-sn', '-dn', '-vf', filters.join(','), '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  return args;
}
