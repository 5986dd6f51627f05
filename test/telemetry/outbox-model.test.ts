import * as fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, openOutbox, outboxOptions, outboxTempDir, payloadFor, segmentFiles } from '../support/outbox-fixture.js';

const test = suite('outbox against a model');

type Operation = { kind: 'append'; count: number } | { kind: 'ack'; picks: number[] } | { kind: 'restart' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ack' as const), picks: fc.array(fc.nat(), { maxLength: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

test('random appends, out-of-order acks and restarts: pending is always what was appended and not acknowledged, in order', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
      const temp = await outboxTempDir();
      // Small segments, so acks and deletions cross segment boundaries all the time.
      const options = () => outboxOptions(temp.dir, { segmentBytes: 4096, maxBytes: 64 * 1024 * 1024 });
      let { outbox } = await openOutbox(options());
      try {
        let boot = 1;
        let nextSeq = 0;
        const model: string[] = [];
        for (const op of operations) {
          if (op.kind === 'append') {
            for (let i = 0; i < op.count; i++) {
              const seq = nextSeq++;
              await outbox.append({ boot, seq, topic: `t/${seq % 4}`, payload: payloadFor(boot, seq, 20 + ((seq * 37) % 300)) });
              model.push(`${boot}:${seq}`);
            }
          } else if (op.kind === 'ack') {
            for (const pick of op.picks) {
              if (model.length === 0) break;
              const [key] = model.splice(pick % model.length, 1);
              const [b, s] = key!.split(':').map(Number);
              assert.ok(outbox.markAcked(b!, s!), `ack of pending ${key}`);
            }
          } else {
            await outbox.close();
            ({ outbox } = await openOutbox(options()));
            boot++;
            nextSeq = 0;
          }
          const pending = await collect(outbox.pending());
          assert.equal(pending.map((r) => `${r.boot}:${r.seq}`), model);
          assert.ok(pending.every((r) => r.payload.equals(payloadFor(r.boot, r.seq, 20 + ((r.seq * 37) % 300)))));
          assert.is(outbox.stats().pending, model.length);
        }
        await outbox.close();
        if (model.length === 0) {
          ({ outbox } = await openOutbox(options()));
          assert.equal(await segmentFiles(temp.dir), [], 'everything acknowledged: every segment deleted at the next open');
          await outbox.close();
        }
      } finally {
        await outbox.close();
        await temp.remove();
      }
    }),
    { numRuns: 40 },
  );
});

test.run();
