import { describe, expect, it } from 'vitest';
import { compileWat, WASM_SOURCES } from '../../scripts/compile-wat.js';
import { fromBase64, toHex } from '../../src/crypto/bytes.js';
import { CHACHA20_WASM_BASE64 } from '../../src/crypto/wasm/chacha20-binary.js';
import { CHACHA20_SIMD_WASM_BASE64 } from '../../src/crypto/wasm/chacha20-simd-binary.js';
import { POLY1305_WASM_BASE64 } from '../../src/crypto/wasm/poly1305-binary.js';
import { POLY1305_SIMD_WASM_BASE64 } from '../../src/crypto/wasm/poly1305-simd-binary.js';

/**
 * The WebAssembly the library runs is committed as base64 in TypeScript modules (src/crypto/wasm/*-binary.ts);
 * this recompiles each .wat source and fails when the committed bytes differ. Fix: `npm run build:wasm`.
 */
const COMMITTED: Record<string, string> = {
  'poly1305.wat': POLY1305_WASM_BASE64,
  'poly1305-simd.wat': POLY1305_SIMD_WASM_BASE64,
  'chacha20.wat': CHACHA20_WASM_BASE64,
  'chacha20-simd.wat': CHACHA20_SIMD_WASM_BASE64,
};

describe.each(WASM_SOURCES)('$wat', ({ wat, module }) => {
  it(`is what ${module} holds`, async () => {
    expect(COMMITTED[wat], `add ${module} to this test`).toBeDefined();
    expect(toHex(fromBase64(COMMITTED[wat]))).toBe(toHex(await compileWat(wat)));
  });

  // The backends compile with `new WebAssembly.Module` to stay synchronous. Chromium refuses that on a main
  // thread above a size limit ("WebAssembly.Compile is disallowed on the main thread, if the buffer size is
  // larger than 4KB"; 8 MB in recent versions, 4 KB in older ones and some WebViews): stay under the lower one.
  it('is small enough to compile synchronously on a browser main thread', () => {
    expect(fromBase64(COMMITTED[wat]).length).toBeLessThanOrEqual(4096);
  });
});
