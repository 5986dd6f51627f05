/** The v1 NutGiao protocol shared by edge nodes and the central side: topics, messages, codec, sequencing. */
export * from './topics.js';
export * from './messages.js';
export { encodeMessage, decodeMessage, decodeTopicMessage, MAX_PAYLOAD_BYTES, type DecodeResult, type TopicMessage, type TopicDecodeResult } from './codec.js';
export { ProtocolError } from './protocol-error.js';
export { SequenceTracker, SEQUENCE_WINDOW, type SequenceObservation, type SequenceStatus, type SequenceTrackerOptions } from './sequence-tracker.js';
export { MAX_NESTING_DEPTH } from './wire-scan.js';
