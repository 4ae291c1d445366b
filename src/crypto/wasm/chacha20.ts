/**
 * ChaCha20 with Bernstein's 64-bit nonce and counter in WebAssembly: chacha20-simd.wat (four blocks at a time
 * in 128-bit SIMD) where the engine has SIMD, else chacha20.wat (one block at a time, WebAssembly 1.0).
 * Compiled synchronously (each module is under 3 KiB); `undefined` where WebAssembly is unavailable.
 */
import { CHACHA20_WASM_BASE64 } from './chacha20-binary.js';
import { CHACHA20_SIMD_WASM_BASE64 } from './chacha20-simd-binary.js';
import { instantiateWasm } from './instantiate.js';

/** Offsets in the modules' memory (the .wat files' layout). */
const KEY_AT = 0;
const NONCE_AT = 32;
const COUNTER_AT = 40;
const DATA_AT = 320;
const PAGE = 65536;

interface ChaCha20Exports {
  memory: WebAssembly.Memory;
  xor(length: number): void;
}

export interface WasmChaCha20 {
  /** Which module runs: four blocks at a time in SIMD, or one block at a time. */
  readonly simd: boolean;
  /**
   * `data` XOR the keystream of (32-byte `key`, 8-byte `nonce8`) from block `counter` (a non-negative safe
   * integer), written into `out` (which may be `data` itself) or a new array. The module zeroes its copies
   * of the key and keystream; its copy of the data stays in its memory until overwritten.
   */
  xor(key: Uint8Array, nonce8: Uint8Array, counter: number, data: Uint8Array, out?: Uint8Array): Uint8Array;
}

class ChaCha20Instance implements WasmChaCha20 {
  private bytes: Uint8Array;
  private view: DataView;

  constructor(
    private readonly exports: ChaCha20Exports,
    readonly simd: boolean,
  ) {
    this.bytes = new Uint8Array(exports.memory.buffer);
    this.view = new DataView(exports.memory.buffer, 0, DATA_AT);
  }

  xor(key: Uint8Array, nonce8: Uint8Array, counter: number, data: Uint8Array, out?: Uint8Array): Uint8Array {
    const need = DATA_AT + data.length;
    if (need > this.bytes.length) this.grow(need);
    const bytes = this.bytes;
    bytes.set(key, KEY_AT);
    bytes.set(nonce8, NONCE_AT);
    this.view.setUint32(COUNTER_AT, counter >>> 0, true);
    this.view.setUint32(COUNTER_AT + 4, Math.floor(counter / 2 ** 32), true);
    bytes.set(data, DATA_AT);
    this.exports.xor(data.length);
    const result = bytes.subarray(DATA_AT, need);
    if (out === undefined) return result.slice();
    out.set(result);
    return out;
  }

  private grow(need: number): void {
    this.exports.memory.grow(Math.ceil((need - this.bytes.length) / PAGE));
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.view = new DataView(this.exports.memory.buffer, 0, DATA_AT);
  }
}

/** A fresh instance: SIMD when `simd` is allowed and the engine has it, scalar otherwise; undefined without WebAssembly. */
export function loadWasmChaCha20(simd = true): WasmChaCha20 | undefined {
  if (typeof WebAssembly !== 'object') return undefined;
  const vector = simd ? instantiateWasm<ChaCha20Exports>(CHACHA20_SIMD_WASM_BASE64) : undefined;
  if (vector) return new ChaCha20Instance(vector, true);
  const scalar = instantiateWasm<ChaCha20Exports>(CHACHA20_WASM_BASE64);
  return scalar && new ChaCha20Instance(scalar, false);
}

let shared: WasmChaCha20 | undefined | null = null;

/** One instance for the whole process, compiled on first use; both backends share it (calls never nest). */
export function sharedWasmChaCha20(): WasmChaCha20 | undefined {
  if (shared === null) shared = loadWasmChaCha20();
  return shared;
}
