export { WireError, type WireErrorCode } from './errors.js'
export * from './messages.js'
export { STRICT_DECODE_OPTIONS, encodeBody, decodeBody, decodeEnvelope, signMessage, messageId, checkContext, encodeCanonical, type SignedMessage, type AnySignedMessage, type DecodeOptions, type ContextOptions } from './codec.js'
export { Topic, ALL_TOPICS, TOPIC_OF, PROTOCOL_VERSION, topicName, parseTopic } from './topics.js'
