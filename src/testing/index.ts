/** rxssh/testing: the in-memory client/server pair and helpers we test with, public like rxjs/testing. */
export { memoryLink, type MemoryLink, type MemoryLinkOptions } from './memory-link.js';
export { connectedPair, type Pair, type PairOptions, TEST_USER, TEST_PASSWORD } from './pair.js';
