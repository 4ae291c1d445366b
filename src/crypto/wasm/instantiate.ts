/**
 * Compiles and instantiates one of the committed WebAssembly modules synchronously (each is under 3 KiB, so the
 * backends stay synchronous).
 */
import { fromBase64 } from '../bytes.js';

/**
 * The module's exports, or undefined: no SIMD in this engine, or WebAssembly refused (e.g. a
 * Content-Security-Policy without 'wasm-unsafe-eval').
 */
export function instantiateWasm<Exports>(
  base64: string,
  imports: WebAssembly.Imports = {},
): Exports | undefined {
  try {
    const module = new WebAssembly.Module(fromBase64(base64) as Uint8Array<ArrayBuffer>);
    return new WebAssembly.Instance(module, imports).exports as unknown as Exports;
  } catch {
    return undefined;
  }
}
