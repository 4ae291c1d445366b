/** rxssh/testing: the in-memory client/server pair and helpers we test with, public like rxjs/testing. */
export { type MemoryLink, type MemoryLinkOptions, memoryLink } from './memory-link.js';
export { connectedPair, type Pair, type PairOptions, TEST_PASSWORD, TEST_USER } from './pair.js';
