export {
  type BookAsk,
  type BookBid,
  type Match,
  type OrderBook,
  type Requirements,
  type WaitingReason,
  createOrderBook,
} from './book.js';
export { type Journal, openJournal } from './journal.js';
export { type BidOutcome, type Matcher, type MatcherOptions, startMatcher } from './matcher.js';
export { type MatcherMetrics, createMatcherMetrics } from './metrics.js';
export { type OrderChecks, createOrderChecks, requirementsSchema } from './checks.js';
