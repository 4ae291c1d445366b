/**
 * The NIST prime curves of RFC 5656 §10.1 (SEC 2 / FIPS 186-4 §D.1.2 parameters): short Weierstrass
 * y² = x³ - 3x + b over GF(p), cofactor 1. Kept here only to validate peer points and draw scalars without
 * depending on what a backend checks.
 */
import type { NistCurve, RandomSource } from '../crypto/backend.js';
import { bigIntToBytes, bytesToBigInt, wipe } from '../crypto/bytes.js';
import { KexError } from '../errors.js';

export interface CurveParams {
  /** Field element size in bytes. */
  size: number;
  p: bigint;
  b: bigint;
  /** Order of the base point. */
  n: bigint;
}

export const NIST_CURVES: Record<NistCurve, CurveParams> = {
  p256: {
    size: 32,
    p: BigInt('0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    b: BigInt('0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
    n: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  },
  p384: {
    size: 48,
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: BigInt(
      '0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef',
    ),
    n: BigInt(
      '0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    ),
  },
  p521: {
    size: 66,
    p: 2n ** 521n - 1n,
    b: BigInt(
      '0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00',
    ),
    n: BigInt(
      '0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    ),
  },
};

/**
 * RFC 5656 §4 requires the receiver to validate Q (SEC 1 §3.2.2.1 partial validation): an uncompressed
 * point 0x04 ‖ X ‖ Y of the curve's size, coordinates below p, and on the curve. With cofactor 1 every such
 * point has full order, so there are no low-order points to refuse. Compressed points are refused: OpenSSH
 * never sends them and RFC 5656 §3.1 makes compression optional.
 */
export function checkNistPoint(curve: NistCurve, point: Uint8Array): void {
  const { size, p, b } = NIST_CURVES[curve];
  if (point.length !== 1 + 2 * size || point[0] !== 0x04) {
    throw new KexError(`${curve} public value is not an uncompressed point of ${1 + 2 * size} bytes`, 'peer');
  }
  const x = bytesToBigInt(point.subarray(1, 1 + size));
  const y = bytesToBigInt(point.subarray(1 + size));
  if (x >= p || y >= p)
    throw new KexError(`${curve} public value has a coordinate outside the field`, 'peer');
  const rhs = (((x * x) % p) * x - 3n * x + b) % p;
  if ((y * y) % p !== (rhs + p) % p) throw new KexError(`${curve} public value is not on the curve`, 'peer');
}

/**
 * A private scalar in [1, n-1] by FIPS 186-4 §B.4.1 (extra random bits, then reduce), so one draw always
 * suffices and the bias is below 2^-64.
 */
export function randomScalar(curve: NistCurve, random: RandomSource): Uint8Array {
  const { size, n } = NIST_CURVES[curve];
  const raw = random(size + 8);
  const d = (bytesToBigInt(raw) % (n - 1n)) + 1n;
  wipe(raw);
  return bigIntToBytes(d, size);
}
