/** The NutGiao protocol shared by edge nodes and the central side: topics, messages, codec, sequencing. */
export * from './topics.js';
export * from './messages.js';
export {
  encodeMessage,
  decodeMessage,
  decodeTopicMessage,
  isCompactKind,
  MAX_PAYLOAD_BYTES,
  type DecodeContext,
  type DecodeFailure,
  type DecodeResult,
  type MissingBirth,
  type TopicMessage,
  type TopicDecodeResult,
} from './codec.js';
export { BirthRegistry, type BirthRegistryOptions } from './birth-registry.js';
export { HeldForBirth, type HeldForBirthOptions } from './held-for-birth.js';
export { COMPACT_WIRE_VERSION, SIGNAL_REASON_STEPS } from './compact-wire.js';
export { historicalPayload, withHistoricalFlag, type HistoricalResult } from './historical-flag.js';
export { ProtocolError } from './protocol-error.js';
export { SequenceTracker, SEQUENCE_WINDOW, type SequenceObservation, type SequenceStatus, type SequenceTrackerOptions } from './sequence-tracker.js';
export { MAX_NESTING_DEPTH } from './wire-scan.js';
