import { brokerConformance } from './broker.conformance.js';
import { MemoryBroker } from './memory-broker.js';

brokerConformance('memory', (retention) => Promise.resolve(new MemoryBroker(retention)));
