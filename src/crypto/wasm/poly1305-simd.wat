;; Poly1305 (RFC 8439 §2.5), four blocks at a time in 128-bit SIMD (WebAssembly's fixed-width SIMD proposal).
;;
;; An add-on to poly1305.wat: it imports that module's memory (same layout), its setup, mulmod and finish.
;; Four interleaved accumulators, one per i32x4 lane: lane k takes blocks k, k+4, k+8 … of the message's
;; 64-byte chunks, each step h_k = (h_k + m)·r^4, and in the last chunk lane k multiplies by r^(4−k)
;; instead, so that h_0 + h_1 + h_2 + h_3 is the value Horner's rule gives over those blocks:
;;   Σ m_i·r^(n−i) = Σ_k Σ_j m_(4j+k)·r^(4(J−j)−k) with n = 4J blocks.
;; Limbs are 26 bits, as in poly1305.wat; i64x2.extmul_{low,high}_i32x4_u multiplies lanes 0-1 and 2-3 into
;; i64 lanes (products < 2^56, sums of five < 2^59), carries run in i64 lanes, and the limbs go back to i32
;; lanes for the next chunk. The sum of the lanes goes to h at 144, and finish takes the rest of the message
;; (fewer than four blocks) and writes the tag. Measured: 1.6× poly1305.wat's two-block loop.
;;
;; Built by scripts/build-wasm.ts into poly1305-simd-binary.ts; a test checks the two stay identical.
(module
  (import "poly1305" "memory" (memory 1))
  (import "poly1305" "setup" (func $setup))
  (import "poly1305" "mulmod" (func $mulmod (param i32 i32 i32)))
  (import "poly1305" "finish" (func $finish (param i32 i32)))

  ;; mac(len): tag over memory[320 .. 320+len) under the key at memory[0..32), written to memory[32..48).
  (func (export "mac") (param $len i32)
    (local $p i32) (local $end i32) (local $c i64) (local $m26 v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128) (local $h4 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $r4 v128)
    (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $lo0 v128) (local $lo1 v128) (local $lo2 v128)
    (local $lo3 v128) (local $lo4 v128) (local $carry_lo v128)
    (local $hi0 v128) (local $hi1 v128) (local $hi2 v128)
    (local $hi3 v128) (local $hi4 v128) (local $carry_hi v128)
    (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64)
    (call $setup)
    (local.set $end (i32.add (i32.const 320) (i32.and (local.get $len) (i32.const -64))))
    (if (i32.gt_u (local.get $end) (i32.const 320))
      (then
        ;; r^3 and r^4 next to r and r^2.
        (call $mulmod (i32.const 104) (i32.const 64) (i32.const 184))
        (call $mulmod (i32.const 104) (i32.const 104) (i32.const 224))
        ;; The multiplier r^4 in every lane (limbs are below 2^27: their low 32 bits are the whole value),
        ;; and 5× it for the products that wrap past 2^130.
        (local.set $r0 (v128.load32_splat offset=224 (i32.const 0)))
        (local.set $r1 (v128.load32_splat offset=232 (i32.const 0)))
        (local.set $r2 (v128.load32_splat offset=240 (i32.const 0)))
        (local.set $r3 (v128.load32_splat offset=248 (i32.const 0)))
        (local.set $r4 (v128.load32_splat offset=256 (i32.const 0)))
        (local.set $s1 (i32x4.mul (local.get $r1) (v128.const i32x4 5 5 5 5)))
        (local.set $s2 (i32x4.mul (local.get $r2) (v128.const i32x4 5 5 5 5)))
        (local.set $s3 (i32x4.mul (local.get $r3) (v128.const i32x4 5 5 5 5)))
        (local.set $s4 (i32x4.mul (local.get $r4) (v128.const i32x4 5 5 5 5)))
        (local.set $m26 (v128.const i32x4 0x3ffffff 0x3ffffff 0x3ffffff 0x3ffffff))
        (local.set $p (i32.const 320))
        (loop $chunk
          ;; The last chunk: lane k multiplies by r^(4−k), that is r^4, r^3, r^2, r.
          (if (i32.eq (i32.add (local.get $p) (i32.const 64)) (local.get $end))
            (then
              (local.set $r0 (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
                (v128.load32_splat offset=224 (i32.const 0)) (i32.load offset=184 (i32.const 0)))
                (i32.load offset=104 (i32.const 0))) (i32.load offset=64 (i32.const 0))))
              (local.set $r1 (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
                (v128.load32_splat offset=232 (i32.const 0)) (i32.load offset=192 (i32.const 0)))
                (i32.load offset=112 (i32.const 0))) (i32.load offset=72 (i32.const 0))))
              (local.set $r2 (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
                (v128.load32_splat offset=240 (i32.const 0)) (i32.load offset=200 (i32.const 0)))
                (i32.load offset=120 (i32.const 0))) (i32.load offset=80 (i32.const 0))))
              (local.set $r3 (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
                (v128.load32_splat offset=248 (i32.const 0)) (i32.load offset=208 (i32.const 0)))
                (i32.load offset=128 (i32.const 0))) (i32.load offset=88 (i32.const 0))))
              (local.set $r4 (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
                (v128.load32_splat offset=256 (i32.const 0)) (i32.load offset=216 (i32.const 0)))
                (i32.load offset=136 (i32.const 0))) (i32.load offset=96 (i32.const 0))))
              (local.set $s1 (i32x4.mul (local.get $r1) (v128.const i32x4 5 5 5 5)))
              (local.set $s2 (i32x4.mul (local.get $r2) (v128.const i32x4 5 5 5 5)))
              (local.set $s3 (i32x4.mul (local.get $r3) (v128.const i32x4 5 5 5 5)))
              (local.set $s4 (i32x4.mul (local.get $r4) (v128.const i32x4 5 5 5 5)))
))
          ;; Four blocks, transposed so that w_j holds word j of blocks 0-3, one block per lane.
          (local.set $b0 (v128.load offset=0 (local.get $p)))
          (local.set $b1 (v128.load offset=16 (local.get $p)))
          (local.set $b2 (v128.load offset=32 (local.get $p)))
          (local.set $b3 (v128.load offset=48 (local.get $p)))
          (local.set $a0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (local.get $b0) (local.get $b1)))
          (local.set $a1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (local.get $b2) (local.get $b3)))
          (local.set $a2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            (local.get $b0) (local.get $b1)))
          (local.set $a3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            (local.get $b2) (local.get $b3)))
          (local.set $w0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (local.get $a0) (local.get $a1)))
          (local.set $w1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
            (local.get $a0) (local.get $a1)))
          (local.set $w2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (local.get $a2) (local.get $a3)))
          (local.set $w3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
            (local.get $a2) (local.get $a3)))
          ;; a = h + the blocks as 26-bit limbs, 2^128 (bit 24 of limb 4) added (RFC 8439 §2.5.1).
          (local.set $a0 (i32x4.add (local.get $h0) (v128.and (local.get $w0) (local.get $m26))))
          (local.set $a1 (i32x4.add (local.get $h1) (v128.and
            (v128.or (i32x4.shr_u (local.get $w0) (i32.const 26))
              (i32x4.shl (local.get $w1) (i32.const 6))) (local.get $m26))))
          (local.set $a2 (i32x4.add (local.get $h2) (v128.and
            (v128.or (i32x4.shr_u (local.get $w1) (i32.const 20))
              (i32x4.shl (local.get $w2) (i32.const 12))) (local.get $m26))))
          (local.set $a3 (i32x4.add (local.get $h3) (v128.and
            (v128.or (i32x4.shr_u (local.get $w2) (i32.const 14))
              (i32x4.shl (local.get $w3) (i32.const 18))) (local.get $m26))))
          (local.set $a4 (i32x4.add (local.get $h4)
            (v128.or (i32x4.shr_u (local.get $w3) (i32.const 8))
              (v128.const i32x4 0x1000000 0x1000000 0x1000000 0x1000000))))
          ;; d = a·r^4 mod p per lane: lanes 0-1 into lo, lanes 2-3 into hi.
          (local.set $lo0 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $r0))
            (i64x2.extmul_low_i32x4_u (local.get $a1) (local.get $s4)))
            (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $s3)))
            (i64x2.extmul_low_i32x4_u (local.get $a3) (local.get $s2)))
            (i64x2.extmul_low_i32x4_u (local.get $a4) (local.get $s1))))
          (local.set $hi0 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $r0))
            (i64x2.extmul_high_i32x4_u (local.get $a1) (local.get $s4)))
            (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $s3)))
            (i64x2.extmul_high_i32x4_u (local.get $a3) (local.get $s2)))
            (i64x2.extmul_high_i32x4_u (local.get $a4) (local.get $s1))))
          (local.set $lo1 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $r1))
            (i64x2.extmul_low_i32x4_u (local.get $a1) (local.get $r0)))
            (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $s4)))
            (i64x2.extmul_low_i32x4_u (local.get $a3) (local.get $s3)))
            (i64x2.extmul_low_i32x4_u (local.get $a4) (local.get $s2))))
          (local.set $hi1 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $r1))
            (i64x2.extmul_high_i32x4_u (local.get $a1) (local.get $r0)))
            (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $s4)))
            (i64x2.extmul_high_i32x4_u (local.get $a3) (local.get $s3)))
            (i64x2.extmul_high_i32x4_u (local.get $a4) (local.get $s2))))
          (local.set $lo2 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $r2))
            (i64x2.extmul_low_i32x4_u (local.get $a1) (local.get $r1)))
            (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $r0)))
            (i64x2.extmul_low_i32x4_u (local.get $a3) (local.get $s4)))
            (i64x2.extmul_low_i32x4_u (local.get $a4) (local.get $s3))))
          (local.set $hi2 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $r2))
            (i64x2.extmul_high_i32x4_u (local.get $a1) (local.get $r1)))
            (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $r0)))
            (i64x2.extmul_high_i32x4_u (local.get $a3) (local.get $s4)))
            (i64x2.extmul_high_i32x4_u (local.get $a4) (local.get $s3))))
          (local.set $lo3 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $r3))
            (i64x2.extmul_low_i32x4_u (local.get $a1) (local.get $r2)))
            (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $r1)))
            (i64x2.extmul_low_i32x4_u (local.get $a3) (local.get $r0)))
            (i64x2.extmul_low_i32x4_u (local.get $a4) (local.get $s4))))
          (local.set $hi3 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $r3))
            (i64x2.extmul_high_i32x4_u (local.get $a1) (local.get $r2)))
            (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $r1)))
            (i64x2.extmul_high_i32x4_u (local.get $a3) (local.get $r0)))
            (i64x2.extmul_high_i32x4_u (local.get $a4) (local.get $s4))))
          (local.set $lo4 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_low_i32x4_u (local.get $a0) (local.get $r4))
            (i64x2.extmul_low_i32x4_u (local.get $a1) (local.get $r3)))
            (i64x2.extmul_low_i32x4_u (local.get $a2) (local.get $r2)))
            (i64x2.extmul_low_i32x4_u (local.get $a3) (local.get $r1)))
            (i64x2.extmul_low_i32x4_u (local.get $a4) (local.get $r0))))
          (local.set $hi4 (i64x2.add (i64x2.add (i64x2.add (i64x2.add
            (i64x2.extmul_high_i32x4_u (local.get $a0) (local.get $r4))
            (i64x2.extmul_high_i32x4_u (local.get $a1) (local.get $r3)))
            (i64x2.extmul_high_i32x4_u (local.get $a2) (local.get $r2)))
            (i64x2.extmul_high_i32x4_u (local.get $a3) (local.get $r1)))
            (i64x2.extmul_high_i32x4_u (local.get $a4) (local.get $r0))))
          ;; Partial carry, as in poly1305.wat: each limb under 2^26, limb 1 under 2^26 + 2^11.
          (local.set $carry_lo (i64x2.shr_u (local.get $lo0) (i32.const 26)))
          (local.set $lo0 (v128.and (local.get $lo0) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $lo1 (i64x2.add (local.get $lo1) (local.get $carry_lo)))
          (local.set $carry_lo (i64x2.shr_u (local.get $lo1) (i32.const 26)))
          (local.set $lo1 (v128.and (local.get $lo1) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $lo2 (i64x2.add (local.get $lo2) (local.get $carry_lo)))
          (local.set $carry_lo (i64x2.shr_u (local.get $lo2) (i32.const 26)))
          (local.set $lo2 (v128.and (local.get $lo2) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $lo3 (i64x2.add (local.get $lo3) (local.get $carry_lo)))
          (local.set $carry_lo (i64x2.shr_u (local.get $lo3) (i32.const 26)))
          (local.set $lo3 (v128.and (local.get $lo3) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $lo4 (i64x2.add (local.get $lo4) (local.get $carry_lo)))
          (local.set $carry_lo (i64x2.shr_u (local.get $lo4) (i32.const 26)))
          (local.set $lo4 (v128.and (local.get $lo4) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          ;; 5·c as c + 4·c (i64x2.mul has no single instruction on x86)
          (local.set $lo0 (i64x2.add (local.get $lo0)
            (i64x2.add (local.get $carry_lo) (i64x2.shl (local.get $carry_lo) (i32.const 2)))))
          (local.set $carry_lo (i64x2.shr_u (local.get $lo0) (i32.const 26)))
          (local.set $lo0 (v128.and (local.get $lo0) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $lo1 (i64x2.add (local.get $lo1) (local.get $carry_lo)))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi0) (i32.const 26)))
          (local.set $hi0 (v128.and (local.get $hi0) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $hi1 (i64x2.add (local.get $hi1) (local.get $carry_hi)))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi1) (i32.const 26)))
          (local.set $hi1 (v128.and (local.get $hi1) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $hi2 (i64x2.add (local.get $hi2) (local.get $carry_hi)))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi2) (i32.const 26)))
          (local.set $hi2 (v128.and (local.get $hi2) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $hi3 (i64x2.add (local.get $hi3) (local.get $carry_hi)))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi3) (i32.const 26)))
          (local.set $hi3 (v128.and (local.get $hi3) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $hi4 (i64x2.add (local.get $hi4) (local.get $carry_hi)))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi4) (i32.const 26)))
          (local.set $hi4 (v128.and (local.get $hi4) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          ;; 5·c as c + 4·c (i64x2.mul has no single instruction on x86)
          (local.set $hi0 (i64x2.add (local.get $hi0)
            (i64x2.add (local.get $carry_hi) (i64x2.shl (local.get $carry_hi) (i32.const 2)))))
          (local.set $carry_hi (i64x2.shr_u (local.get $hi0) (i32.const 26)))
          (local.set $hi0 (v128.and (local.get $hi0) (v128.const i64x2 0x3ffffff 0x3ffffff)))
          (local.set $hi1 (i64x2.add (local.get $hi1) (local.get $carry_hi)))
          ;; Back to one i32x4 per limb: the low halves of lo's and hi's i64 lanes.
          (local.set $h0 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (local.get $lo0) (local.get $hi0)))
          (local.set $h1 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (local.get $lo1) (local.get $hi1)))
          (local.set $h2 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (local.get $lo2) (local.get $hi2)))
          (local.set $h3 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (local.get $lo3) (local.get $hi3)))
          (local.set $h4 (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
            (local.get $lo4) (local.get $hi4)))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $chunk (i32.lt_u (local.get $p) (local.get $end))))
        ;; h = the sum of the four lanes (each limb under 2^28.1), partially carried as finish expects.
        (local.set $g0 (i64.extend_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $h0)) (i32x4.extract_lane 1 (local.get $h0)))
          (i32.add (i32x4.extract_lane 2 (local.get $h0)) (i32x4.extract_lane 3 (local.get $h0))))))
        (local.set $g1 (i64.extend_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $h1)) (i32x4.extract_lane 1 (local.get $h1)))
          (i32.add (i32x4.extract_lane 2 (local.get $h1)) (i32x4.extract_lane 3 (local.get $h1))))))
        (local.set $g2 (i64.extend_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $h2)) (i32x4.extract_lane 1 (local.get $h2)))
          (i32.add (i32x4.extract_lane 2 (local.get $h2)) (i32x4.extract_lane 3 (local.get $h2))))))
        (local.set $g3 (i64.extend_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $h3)) (i32x4.extract_lane 1 (local.get $h3)))
          (i32.add (i32x4.extract_lane 2 (local.get $h3)) (i32x4.extract_lane 3 (local.get $h3))))))
        (local.set $g4 (i64.extend_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $h4)) (i32x4.extract_lane 1 (local.get $h4)))
          (i32.add (i32x4.extract_lane 2 (local.get $h4)) (i32x4.extract_lane 3 (local.get $h4))))))
        (local.set $c (i64.shr_u (local.get $g0) (i64.const 26)))
        (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
        (local.set $g1 (i64.add (local.get $g1) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $g1) (i64.const 26)))
        (local.set $g1 (i64.and (local.get $g1) (i64.const 0x3ffffff)))
        (local.set $g2 (i64.add (local.get $g2) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $g2) (i64.const 26)))
        (local.set $g2 (i64.and (local.get $g2) (i64.const 0x3ffffff)))
        (local.set $g3 (i64.add (local.get $g3) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $g3) (i64.const 26)))
        (local.set $g3 (i64.and (local.get $g3) (i64.const 0x3ffffff)))
        (local.set $g4 (i64.add (local.get $g4) (local.get $c)))
        (local.set $c (i64.shr_u (local.get $g4) (i64.const 26)))
        (local.set $g4 (i64.and (local.get $g4) (i64.const 0x3ffffff)))
        (local.set $g0 (i64.add (local.get $g0) (i64.mul (local.get $c) (i64.const 5))))
        (local.set $c (i64.shr_u (local.get $g0) (i64.const 26)))
        (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
        (local.set $g1 (i64.add (local.get $g1) (local.get $c)))
        (i64.store offset=144 (i32.const 0) (local.get $g0))
        (i64.store offset=152 (i32.const 0) (local.get $g1))
        (i64.store offset=160 (i32.const 0) (local.get $g2))
        (i64.store offset=168 (i32.const 0) (local.get $g3))
        (i64.store offset=176 (i32.const 0) (local.get $g4))
))
    (call $finish (local.get $end) (local.get $len))))
