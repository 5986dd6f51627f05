import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PrometheusText } from '../../edge/web/prometheus-text.js';

const test = suite('Prometheus text exposition');

test('one HELP and TYPE per family, then its samples with labels', () => {
  const text = new PrometheusText()
    .sample('nutgiao_line_crossings_total', 'counter', 'Vehicles counted.', 3, { camera: 'cam1', line: 'stop', direction: 'lr' })
    .sample('nutgiao_line_crossings_total', 'counter', 'Vehicles counted.', 0, { camera: 'cam1', line: 'stop', direction: 'rl' })
    .sample('nutgiao_monitor_latched', 'gauge', 'Latched.', 0)
    .toString();
  assert.is(
    text,
    [
      '# HELP nutgiao_line_crossings_total Vehicles counted.',
      '# TYPE nutgiao_line_crossings_total counter',
      'nutgiao_line_crossings_total{camera="cam1",line="stop",direction="lr"} 3',
      'nutgiao_line_crossings_total{camera="cam1",line="stop",direction="rl"} 0',
      '# HELP nutgiao_monitor_latched Latched.',
      '# TYPE nutgiao_monitor_latched gauge',
      'nutgiao_monitor_latched 0',
      '',
    ].join('\n'),
  );
});

test('label values are escaped and special numbers spelled as Prometheus reads them', () => {
  const text = new PrometheusText()
    .sample('x', 'gauge', 'help with \\ and\nnewline', NaN, { zone: 'a"b\\c\nd' })
    .sample('x', 'gauge', 'ignored', Infinity)
    .toString();
  assert.match(text, /^# HELP x help with \\\\ and\\nnewline$/m);
  assert.match(text, /^x\{zone="a\\"b\\\\c\\nd"\} NaN$/m);
  assert.match(text, /^x \+Inf$/m);
});

test.run();
