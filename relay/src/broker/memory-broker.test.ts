import { brokerConformance } from './broker.conformance.js';
import { MemoryBroker } from './memory-broker.js';

brokerConformance('memory', (retention, dedup) =>
  Promise.resolve(new MemoryBroker(retention, undefined, dedup)),
);
