import { brokerConformance } from './broker.conformance.js';
import { MemoryBroker } from './memory-broker.js';

brokerConformance('memory', () => Promise.resolve(new MemoryBroker()));
