import type { Config } from '../../config/index.js';
import { WEEK_DAYS, type WeekDay } from '../../config/signal-schema-parts.js';

const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;

interface WeekStart {
  minuteOfWeek: number;
  plan: string;
}

/**
 * Which plan the schedule selects at a wall-clock time: the entry whose start (day of week and local
 * time in signal.timeZone) came last, wrapping to the previous week. No entries: null (the base plan).
 */
export class TimeOfDaySchedule {
  private readonly starts: WeekStart[];
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cachedPlan: string | null = null;

  constructor(signal: Pick<Config['signal'], 'schedule' | 'timeZone'>) {
    this.starts = signal.schedule
      .flatMap((entry) => {
        const [hours, minutes] = entry.start.split(':').map(Number) as [number, number];
        return [...new Set(entry.days)].map((day) => ({ minuteOfWeek: WEEK_DAYS.indexOf(day) * MINUTES_PER_DAY + hours * 60 + minutes, plan: entry.plan }));
      })
      .sort((a, b) => a.minuteOfWeek - b.minuteOfWeek);
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: signal.timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  planAt(wallMs: number): string | null {
    if (this.starts.length === 0) return null;
    const minute = Math.floor(wallMs / MS_PER_MINUTE);
    if (minute !== this.cachedMinute) {
      this.cachedMinute = minute;
      this.cachedPlan = this.lookup(this.minuteOfWeek(wallMs));
    }
    return this.cachedPlan;
  }

  /** Minutes since Sunday 00:00 local time. */
  minuteOfWeek(wallMs: number): number {
    let day = 0;
    let hour = 0;
    let minute = 0;
    for (const part of this.format.formatToParts(wallMs)) {
      if (part.type === 'weekday') day = WEEK_DAYS.indexOf(part.value.toLowerCase().slice(0, 3) as WeekDay);
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    return day * MINUTES_PER_DAY + hour * 60 + minute;
  }

  private lookup(minuteOfWeek: number): string {
    let active = this.starts[this.starts.length - 1]!;
    for (const start of this.starts) {
      if (start.minuteOfWeek > minuteOfWeek) break;
      active = start;
    }
    return active.plan;
  }
}
