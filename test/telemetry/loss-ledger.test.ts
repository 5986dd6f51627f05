import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LossLedger, droppedReportOf } from '../../edge/telemetry/loss-ledger.js';
import { hostSaysOnline } from '../../edge/telemetry/host-state.js';
import { pack } from 'msgpackr';

test('a gap the node reported as dropped is explained, whether the report comes before or after it', () => {
  const ledger = new LossLedger();
  assert.is(ledger.gap('s/n1', 3, { from: 10, to: 14 }), undefined, 'not explained yet');
  assert.equal(ledger.reportDropped('s/n1', 3, { from: 8, to: 12, reason: 'full' }), [{ node: 's/n1', boot: 3, from: 10, to: 12, reason: 'full' }]);
  assert.equal(ledger.unexplained('s/n1', 3), [{ from: 13, to: 14 }], 'the rest of the gap stays open');
  assert.equal(ledger.gap('s/n1', 3, { from: 20, to: 21 }), undefined);
  assert.equal(ledger.reportDropped('s/n1', 4, { from: 20, to: 21, reason: 'full' }), [], 'another boot explains nothing here');
  assert.equal(ledger.gap('s/n1', 3, { from: 9, to: 11 }), { from: 8, to: 12, reason: 'full' }, 'a later gap inside a reported range');
});

test('late arrivals close gaps', () => {
  const ledger = new LossLedger();
  ledger.gap('n', 0, { from: 5, to: 9 });
  ledger.filled('n', 0, 5);
  ledger.filled('n', 0, 7);
  assert.equal(ledger.unexplained('n', 0), [{ from: 6, to: 6 }, { from: 8, to: 9 }]);
  ledger.filled('n', 0, 6);
  ledger.filled('n', 0, 8);
  ledger.filled('n', 0, 9);
  assert.equal(ledger.unexplained('n', 0), []);
});

test('droppedReportOf reads a telemetry.dropped event and ignores anything else', () => {
  assert.equal(droppedReportOf({ type: 'telemetry.dropped', data: { boot: 2, fromSeq: 4, toSeq: 9, count: 6, reason: 'expired' } }), { boot: 2, from: 4, to: 9, reason: 'expired' });
  assert.is(droppedReportOf({ type: 'node.started', data: { boot: 2, fromSeq: 4, toSeq: 9 } }), undefined);
  assert.is(droppedReportOf({ type: 'telemetry.dropped', data: { boot: '2', fromSeq: 4, toSeq: 9 } }), undefined);
});

test('host state payloads: text, Sparkplug JSON, status maps, MessagePack', () => {
  assert.ok(hostSaysOnline(Buffer.from('online')));
  assert.ok(hostSaysOnline(Buffer.from(' ONLINE\n')));
  assert.ok(hostSaysOnline(Buffer.from(JSON.stringify({ online: true, timestamp: 1 }))));
  assert.ok(hostSaysOnline(Buffer.from(JSON.stringify({ status: 'online' }))));
  assert.ok(hostSaysOnline(Buffer.from(pack({ online: true }))));
  assert.not.ok(hostSaysOnline(Buffer.from(JSON.stringify({ online: false, timestamp: 1 }))));
  assert.not.ok(hostSaysOnline(Buffer.from('offline')));
  assert.not.ok(hostSaysOnline(Buffer.alloc(0)));
});

test.run();
