import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TimeOfDaySchedule } from '../../edge/signal/controller/time-of-day.js';

const schedule = new TimeOfDaySchedule({
  timeZone: 'Asia/Ho_Chi_Minh', // UTC+7, no daylight saving
  schedule: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '06:30', plan: 'peak' },
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', plan: 'day' },
    { days: ['fri'], start: '22:00', plan: 'weekend' },
  ],
});
// 2026-01-05 is a Monday.
const local = (day: number, hours: number, minutes: number) => Date.UTC(2026, 0, day, hours - 7, minutes);

test('the entry that started last applies, to the minute, in the schedule\'s time zone', () => {
  assert.is(schedule.planAt(local(5, 6, 29)), 'weekend', 'Monday before 06:30 is still in Friday 22:00 of the week before');
  assert.is(schedule.planAt(local(5, 6, 30)), 'peak');
  assert.is(schedule.planAt(local(5, 8, 59)), 'peak');
  assert.is(schedule.planAt(local(5, 9, 0)), 'day');
  assert.is(schedule.planAt(local(9, 21, 59)), 'day', 'Friday');
  assert.is(schedule.planAt(local(9, 22, 0)), 'weekend');
  assert.is(schedule.planAt(local(11, 12, 0)), 'weekend', 'Sunday');
});

test('the minute of the week is local: Monday 00:00 in Ho Chi Minh City is Sunday 17:00 UTC', () => {
  assert.is(schedule.minuteOfWeek(Date.UTC(2026, 0, 4, 17, 0)), 1 * 1440);
});

test('no entries: the base plan (null)', () => {
  assert.is(new TimeOfDaySchedule({ timeZone: 'UTC', schedule: [] }).planAt(Date.UTC(2026, 0, 5)), null);
});

test.run();
