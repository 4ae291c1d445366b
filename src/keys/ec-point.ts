/**
 * Public-point validation for the NIST curves of RFC 5656 (P-256, P-384, P-521), done here with plain bigint
 * arithmetic so key parsing needs no crypto backend. Curve constants: FIPS 186-4 Appendix D.1.2
 * (a = -3 on all three curves, cofactor 1, so an on-curve affine point is in the prime-order group).
 */
import type { NistCurve } from '../crypto/backend.js';
import { bytesToBigInt } from '../crypto/bytes.js';

export interface CurveParams {
  /** Field prime. */
  p: bigint;
  /** Curve coefficient b of y² = x³ − 3x + b. */
  b: bigint;
  /** Group order. */
  n: bigint;
  /** Byte length of a field element / scalar. */
  size: number;
}

export const CURVE_PARAMS: Readonly<Record<NistCurve, CurveParams>> = {
  p256: {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    size: 32,
  },
  p384: {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    size: 48,
  },
  p521: {
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    size: 66,
  },
};

/**
 * Why a point was refused, or null when it is a valid public point: uncompressed SEC1 form
 * (0x04 ‖ X ‖ Y, SEC 1 §2.3.3; RFC 5656 §3.1 requires it unless point compression was negotiated), both
 * coordinates reduced mod p, and on the curve (SEC 1 §3.2.2.1, as OpenSSH's sshkey_ec_validate_public).
 */
export function invalidPointReason(curve: NistCurve, point: Uint8Array): string | null {
  const c = CURVE_PARAMS[curve];
  if (point.length !== 1 + 2 * c.size) return `point is ${point.length} bytes, expected ${1 + 2 * c.size}`;
  if (point[0] !== 0x04) return 'point is not in uncompressed form';
  const x = bytesToBigInt(point.subarray(1, 1 + c.size));
  const y = bytesToBigInt(point.subarray(1 + c.size));
  if (x >= c.p || y >= c.p) return 'point coordinate is not reduced modulo p';
  const rhs = ((((x * x - 3n) * x + c.b) % c.p) + c.p) % c.p;
  if ((y * y) % c.p !== rhs) return 'point is not on the curve';
  return null;
}
