import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '@sinclair/typebox';
import { applyDefaults } from '../../edge/config/defaults.js';
import { checkOutboxConfig, outboxDir, outboxOptionsFrom, OutboxSchema, type OutboxConfig } from '../../edge/config/outbox-schema.js';
import { formatSchemaError, schemaErrors } from '../../edge/config/schema-errors.js';

const test = suite('outbox config section');

/** The section as it will sit in the config, so error paths read as an installer sees them. */
const Wrapped = Type.Object({ outbox: OutboxSchema }, { additionalProperties: false });

function validate(outbox: unknown): { config: OutboxConfig; errors: string[] } {
  const value = applyDefaults(Wrapped, outbox === undefined ? {} : { outbox }) as { outbox: OutboxConfig };
  const errors = schemaErrors(Wrapped, value).map(formatSchemaError);
  return { config: value.outbox, errors: errors.length === 0 ? checkOutboxConfig(value.outbox) : errors };
}

test('absent: sane defaults, fsync per message, the log inside the state folder', () => {
  const { config, errors } = validate(undefined);
  assert.equal(errors, []);
  assert.equal(config, { maxBytes: 256 * 1024 * 1024, maxAgeH: 168, segmentBytes: 4 * 1024 * 1024, fsync: 'always', memoryMaxBytes: 16 * 1024 * 1024, replay: { messagesPerS: 200 } });
  assert.is(outboxDir(config, '/var/lib/nutgiao'), '/var/lib/nutgiao/outbox');
  assert.equal(outboxOptionsFrom(config, '/x'), { dir: '/x', maxBytes: 268_435_456, maxAgeMs: 168 * 3_600_000, segmentBytes: 4_194_304, fsync: 'always', memoryMaxBytes: 16_777_216 });
});

test('replay budget: messages per second with an optional byte rate; zero is refused with the path', () => {
  assert.equal(validate({ replay: { messagesPerS: 50, bytesPerS: 65536 } }).config.replay, { messagesPerS: 50, bytesPerS: 65536 });
  const { errors } = validate({ replay: { messagesPerS: 0 } });
  assert.is(errors.length, 1);
  assert.match(errors[0]!, /outbox\.replay\.messagesPerS/);
});

test('batched fsync takes its window, with a default', () => {
  assert.equal(validate({ fsync: { batchMs: 250 } }).config.fsync, { batchMs: 250 });
  assert.equal(validate({ fsync: {} }).config.fsync, { batchMs: 100 });
  assert.equal(outboxOptionsFrom(validate({ fsync: { batchMs: 250 } }).config, '/x').fsync, { batchMs: 250 });
});

test('a relative dir is relative to the config file', () => {
  const { config } = validate({ dir: 'spool' });
  assert.is(outboxDir(config, '/state', '/etc/nutgiao'), '/etc/nutgiao/spool');
  assert.is(outboxDir(validate({ dir: '/data/outbox' }).config, '/state', '/etc/nutgiao'), '/data/outbox');
});

test('out-of-bounds values and typos are errors naming the path', () => {
  assert.equal(validate({ segmentBytes: 1000 }).errors, ['outbox.segmentBytes: must be >= 65536 bytes']);
  assert.equal(validate({ maxAgeH: 0 }).errors, ['outbox.maxAgeH: must be >= 0.1 h']);
  assert.equal(validate({ fsync: { batchMs: 0 } }).errors, ['outbox.fsync.batchMs: must be >= 1 ms']);
  const typo = validate({ maxByte: 5 }).errors;
  assert.is(typo.length, 1);
  assert.match(typo[0]!, /^outbox\.maxByte: unknown field.*maxBytes/);
  assert.equal(validate({ fsync: 'sometimes' }).errors.length, 1);
});

test('cross-field: maxBytes must hold two segments', () => {
  assert.equal(validate({ maxBytes: 6 * 1024 * 1024 }).errors, [
    'outbox.maxBytes: must be at least twice outbox.segmentBytes (8388608 bytes), so the oldest segment can be dropped while another is written; raise maxBytes or lower segmentBytes',
  ]);
  assert.equal(validate({ maxBytes: 8 * 1024 * 1024 }).errors, []);
});

test.run();
