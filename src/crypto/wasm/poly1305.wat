;; Poly1305 one-time authenticator (RFC 8439 §2.5), scalar WebAssembly 1.0 (no proposals needed).
;;
;; The accumulator h and the clamped key half r are held as five 26-bit limbs in i64 locals: WebAssembly has
;; no 64×64→128-bit multiply, and 26-bit limbs keep every product of a limb of h (< 2^27) and a limb of r or
;; 5·r (< 2^29) below 2^56, so a sum of five products fits an i64 with room for carries (< 2^59).
;; Reduction mod p = 2^130 − 5 folds a carry out of bit 130 back in as ×5, since 2^130 ≡ 5 (mod p).
;;
;; Memory layout (fixed offsets; the caller writes the key and message, reads the tag):
;;   0..32   key: r (16 bytes, clamped here) ‖ s (16 bytes), RFC 8439 §2.5.1; zeroed before mac returns
;;   32..48  tag
;;   48..64  scratch: the last partial block, padded
;;   64..    message (the memory grows to fit it)
;;
;; Built by scripts/build-wasm.ts into poly1305-binary.ts; a test checks the two stay identical.
(module
  (memory (export "memory") 1)

  ;; mac(len): tag over memory[64 .. 64+len) under the key at memory[0..32), written to memory[32..48).
  (func (export "mac") (param $len i32)
    (local $p i32) (local $end i32) (local $tail i32) (local $i i32)
    (local $lo i64) (local $hi i64) (local $hibit i64) (local $c i64)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64)
    (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
    (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64) (local $mask i64)

    ;; r = le128(key[0..16]) & 0x0ffffffc0ffffffc0ffffffc0fffffff (RFC 8439 §2.5.1 clamp), split into limbs.
    (local.set $lo (i64.and (i64.load (i32.const 0)) (i64.const 0x0ffffffc0fffffff)))
    (local.set $hi (i64.and (i64.load (i32.const 8)) (i64.const 0x0ffffffc0ffffffc)))
    (local.set $r0 (i64.and (local.get $lo) (i64.const 0x3ffffff)))
    (local.set $r1 (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff)))
    (local.set $r2 (i64.and
      (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
      (i64.const 0x3ffffff)))
    (local.set $r3 (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff)))
    (local.set $r4 (i64.shr_u (local.get $hi) (i64.const 40)))
    ;; s_i = 5·r_i: limb products landing at 2^130 and above come back multiplied by 5.
    (local.set $s1 (i64.mul (local.get $r1) (i64.const 5)))
    (local.set $s2 (i64.mul (local.get $r2) (i64.const 5)))
    (local.set $s3 (i64.mul (local.get $r3) (i64.const 5)))
    (local.set $s4 (i64.mul (local.get $r4) (i64.const 5)))

    (local.set $p (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.and (local.get $len) (i32.const -16))))
    (local.set $tail (i32.and (local.get $len) (i32.const 15)))
    ;; A full 16-byte block is read with a 1 byte appended: 2^128, bit 24 of limb 4 (RFC 8439 §2.5.1).
    (local.set $hibit (i64.const 0x1000000))

    (block $done
      (loop $block
        (if (i32.ge_u (local.get $p) (local.get $end))
          (then
            (br_if $done (i32.eqz (local.get $tail)))
            ;; The last partial block: its bytes, then 0x01, then zeros up to 16 bytes; no 2^128 bit.
            (i64.store (i32.const 48) (i64.const 0))
            (i64.store (i32.const 56) (i64.const 0))
            (local.set $i (i32.const 0))
            (loop $copy
              (i32.store8 offset=48 (local.get $i) (i32.load8_u (i32.add (local.get $end) (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $copy (i32.lt_u (local.get $i) (local.get $tail))))
            (i32.store8 offset=48 (local.get $tail) (i32.const 1))
            (local.set $p (i32.const 48))
            (local.set $end (i32.const 64))
            (local.set $tail (i32.const 0))
            (local.set $hibit (i64.const 0))))

        ;; h += block
        (local.set $lo (i64.load (local.get $p)))
        (local.set $hi (i64.load offset=8 (local.get $p)))
        (local.set $h0 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
        (local.set $h1 (i64.add (local.get $h1)
          (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
        (local.set $h2 (i64.add (local.get $h2)
          (i64.and
            (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
            (i64.const 0x3ffffff))))
        (local.set $h3 (i64.add (local.get $h3)
          (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
        (local.set $h4 (i64.add (local.get $h4)
          (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (local.get $hibit))))

        ;; d = h · r mod p, schoolbook with the wrapped products taken through s_i = 5·r_i
        (local.set $d0 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r0))
          (i64.mul (local.get $h1) (local.get $s4)))
          (i64.mul (local.get $h2) (local.get $s3)))
          (i64.mul (local.get $h3) (local.get $s2)))
          (i64.mul (local.get $h4) (local.get $s1))))
        (local.set $d1 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r1))
          (i64.mul (local.get $h1) (local.get $r0)))
          (i64.mul (local.get $h2) (local.get $s4)))
          (i64.mul (local.get $h3) (local.get $s3)))
          (i64.mul (local.get $h4) (local.get $s2))))
        (local.set $d2 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r2))
          (i64.mul (local.get $h1) (local.get $r1)))
          (i64.mul (local.get $h2) (local.get $r0)))
          (i64.mul (local.get $h3) (local.get $s4)))
          (i64.mul (local.get $h4) (local.get $s3))))
        (local.set $d3 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r3))
          (i64.mul (local.get $h1) (local.get $r2)))
          (i64.mul (local.get $h2) (local.get $r1)))
          (i64.mul (local.get $h3) (local.get $r0)))
          (i64.mul (local.get $h4) (local.get $s4))))
        (local.set $d4 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r4))
          (i64.mul (local.get $h1) (local.get $r3)))
          (i64.mul (local.get $h2) (local.get $r2)))
          (i64.mul (local.get $h3) (local.get $r1)))
          (i64.mul (local.get $h4) (local.get $r0))))

        ;; Partial carry: every limb back under 2^26 except h1 (under 2^26 + 2^11), enough for the next block.
        (local.set $c (i64.shr_u (local.get $d0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
        (local.set $d1 (i64.add (local.get $d1) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d1) (i64.const 26)))
        (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
        (local.set $d2 (i64.add (local.get $d2) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d2) (i64.const 26)))
        (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
        (local.set $d3 (i64.add (local.get $d3) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d3) (i64.const 26)))
        (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
        (local.set $d4 (i64.add (local.get $d4) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $d4) (i64.const 26)))
        (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
        (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
        (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
        (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $h1 (i64.add (local.get $h1) (local.get $c)))

        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block)))

    ;; Full carry, so h0, h2, h3, h4 < 2^26 and h1 ≤ 2^26.
    (local.set $c (i64.shr_u (local.get $h1) (i64.const 26)))
    (local.set $h1 (i64.and (local.get $h1) (i64.const 0x3ffffff)))
    (local.set $h2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h2) (i64.const 26)))
    (local.set $h2 (i64.and (local.get $h2) (i64.const 0x3ffffff)))
    (local.set $h3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h3) (i64.const 26)))
    (local.set $h3 (i64.and (local.get $h3) (i64.const 0x3ffffff)))
    (local.set $h4 (i64.add (local.get $h4) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $h4) (i64.const 26)))
    (local.set $h4 (i64.and (local.get $h4) (i64.const 0x3ffffff)))
    (local.set $h0 (i64.add (local.get $h0) (i64.mul (local.get $c) (i64.const 5))))
    (local.set $c (i64.shr_u (local.get $h0) (i64.const 26)))
    (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
    (local.set $h1 (i64.add (local.get $h1) (local.get $c)))

    ;; g = h + 5 − 2^130 = h − p. g4 is negative exactly when h < p; then keep h, else take g (h mod p).
    ;; The choice is a mask, not a branch, so time does not depend on the tag (RFC 8439 §2.5.1: h mod p).
    (local.set $g0 (i64.add (local.get $h0) (i64.const 5)))
    (local.set $c (i64.shr_u (local.get $g0) (i64.const 26)))
    (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
    (local.set $g1 (i64.add (local.get $h1) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g1) (i64.const 26)))
    (local.set $g1 (i64.and (local.get $g1) (i64.const 0x3ffffff)))
    (local.set $g2 (i64.add (local.get $h2) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g2) (i64.const 26)))
    (local.set $g2 (i64.and (local.get $g2) (i64.const 0x3ffffff)))
    (local.set $g3 (i64.add (local.get $h3) (local.get $c)))
    (local.set $c (i64.shr_u (local.get $g3) (i64.const 26)))
    (local.set $g3 (i64.and (local.get $g3) (i64.const 0x3ffffff)))
    (local.set $g4 (i64.sub (i64.add (local.get $h4) (local.get $c)) (i64.const 0x4000000)))
    (local.set $mask (i64.shr_s (local.get $g4) (i64.const 63)))
    (local.set $h0 (i64.or (i64.and (local.get $h0) (local.get $mask))
      (i64.and (local.get $g0) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h1 (i64.or (i64.and (local.get $h1) (local.get $mask))
      (i64.and (local.get $g1) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h2 (i64.or (i64.and (local.get $h2) (local.get $mask))
      (i64.and (local.get $g2) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h3 (i64.or (i64.and (local.get $h3) (local.get $mask))
      (i64.and (local.get $g3) (i64.xor (local.get $mask) (i64.const -1)))))
    (local.set $h4 (i64.or (i64.and (local.get $h4) (local.get $mask))
      (i64.and (local.get $g4) (i64.xor (local.get $mask) (i64.const -1)))))

    ;; tag = (h + s) mod 2^128, little-endian (RFC 8439 §2.5.1), built 32 bits at a time so every carry
    ;; (including one from h1 = 2^26) moves up through the i64 sum.
    (local.set $c (i64.add (i64.add (local.get $h0) (i64.shl (local.get $h1) (i64.const 26)))
      (i64.load32_u (i32.const 16))))
    (i64.store32 (i32.const 32) (local.get $c))
    (local.set $c (i64.add (i64.add (i64.shr_u (local.get $c) (i64.const 32))
      (i64.shl (local.get $h2) (i64.const 20))) (i64.load32_u (i32.const 20))))
    (i64.store32 (i32.const 36) (local.get $c))
    (local.set $c (i64.add (i64.add (i64.shr_u (local.get $c) (i64.const 32))
      (i64.shl (local.get $h3) (i64.const 14))) (i64.load32_u (i32.const 24))))
    (i64.store32 (i32.const 40) (local.get $c))
    (local.set $c (i64.add (i64.add (i64.shr_u (local.get $c) (i64.const 32))
      (i64.shl (local.get $h4) (i64.const 8))) (i64.load32_u (i32.const 28))))
    (i64.store32 (i32.const 44) (local.get $c))

    ;; The one-time key is secret: do not leave it in memory.
    (i64.store (i32.const 0) (i64.const 0))
    (i64.store (i32.const 8) (i64.const 0))
    (i64.store (i32.const 16) (i64.const 0))
    (i64.store (i32.const 24) (i64.const 0))))
