// features.js: which WebAssembly build this browser can run.
//
// WebAssembly has no run-time CPU probe, and a module that uses SIMD
// instructions does not even compile where SIMD is missing, so the choice
// is made before loading: WebAssembly.validate on the smallest module that
// uses a SIMD instruction (a function returning i8x16.splat(0)), as the
// wasm-feature-detect package does, without depending on it.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // one function of that type
  0x0a, 0x08, 0x01, 0x06, 0x00,                   // code: one body, no locals
  0x41, 0x00, 0xfd, 0x0f, 0x0b,                   // i32.const 0; i8x16.splat; end
]);

/** Whether this engine validates WebAssembly SIMD128. */
export function hasSimd() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** 'simd' or 'plain': `wanted` ('auto' by default) or what this engine runs. */
export function pickVariant(wanted = 'auto') {
  if (wanted === 'plain') return 'plain';
  if (wanted === 'threads') {
    // opt-in: SharedArrayBuffer, so a cross-origin-isolated page (COOP/COEP), and `sh web/build.sh threads`
    if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) {
      throw new Error('wasm: "threads" needs a cross-origin-isolated page (COOP and COEP headers)');
    }
    return 'threads';
  }
  if (wanted === 'simd' || wanted === 'auto') {
    const simd = hasSimd();
    if (wanted === 'simd' && !simd) throw new Error('this browser has no WebAssembly SIMD; use wasm: "plain" or "auto"');
    return simd ? 'simd' : 'plain';
  }
  throw new TypeError(`wasm must be 'auto', 'simd', 'plain' or 'threads'; got ${String(wanted)}`);
}
