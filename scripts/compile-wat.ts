/**
 * WebAssembly text → binary with wabt's wat2wasm (compiled to JS, so no native toolchain is needed). Shared by
 * the build script and by the test that checks the committed binaries still match their `.wat` sources.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

/** Each WebAssembly source in src/crypto/wasm and the TypeScript module its binary is committed in. */
export const WASM_SOURCES = [
  { wat: 'poly1305.wat', module: 'poly1305-binary.ts', exportName: 'POLY1305_WASM_BASE64' },
  { wat: 'poly1305-simd.wat', module: 'poly1305-simd-binary.ts', exportName: 'POLY1305_SIMD_WASM_BASE64' },
  { wat: 'chacha20.wat', module: 'chacha20-binary.ts', exportName: 'CHACHA20_WASM_BASE64' },
  { wat: 'chacha20-simd.wat', module: 'chacha20-simd-binary.ts', exportName: 'CHACHA20_SIMD_WASM_BASE64' },
] as const;

export const WASM_DIR = fileURLToPath(new URL('../src/crypto/wasm/', import.meta.url));

/** Compiles one source (the fixed-width SIMD proposal, v128, is accepted; sources that do not use it stay MVP). */
export async function compileWat(file: string): Promise<Uint8Array> {
  const wabt = await initWabt();
  const source = await readFile(new URL(file, `file://${WASM_DIR}`), 'utf8');
  const mod = wabt.parseWat(file, source, { simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}
