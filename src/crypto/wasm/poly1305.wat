;; Poly1305 one-time authenticator (RFC 8439 §2.5), scalar WebAssembly 1.0 (no proposals needed).
;;
;; The accumulator h and the clamped key half r are held as five 26-bit limbs in i64 locals: WebAssembly has
;; no 64×64→128-bit multiply, and 26-bit limbs keep each product of a limb (< 2^27) and a limb of r or
;; r^2 or 5× one (< 2^30) below 2^57, so the sum of 10 products fits an i64 with room for carries (< 2^62).
;; Reduction mod p = 2^130 − 5 folds a carry out of bit 130 back in as ×5, since 2^130 ≡ 5 (mod p).
;;
;; Speed: Horner's rule h = (h + m)·r makes every block wait for the previous one (multiply, then a carry
;; chain). The main loop takes two blocks at a time instead,
;;   h = (h + m1)·r^2 + m2·r,
;; the same value; only the first product depends on h, so the second is computed while it waits, and there
;; is one carry chain per two blocks (measured: 1.2× the one-block loop; three or four blocks at a time run
;; out of registers and are slower). A leftover full block and the final partial block go one at a time.
;;
;; Memory layout (fixed offsets; the caller writes the key and message, reads the tag):
;;   0..32     key: r (16 bytes, clamped here) ‖ s (16 bytes), RFC 8439 §2.5.1
;;   32..48    tag
;;   48..64    scratch: the last partial block, padded
;;   64..144   r, r^2: five i64 limbs each (40 bytes)
;;   144..184  h between the steps
;;   184..264  r^3, r^4 (poly1305-simd.wat)
;;   320..     message (the memory grows to fit it)
;; Everything below 320 but the tag is zeroed before finish returns: the key and what derives from it are
;; secret.
;;
;; Built by scripts/build-wasm.ts into poly1305-binary.ts; a test checks the two stay identical.
(module
  (memory (export "memory") 1)

;; out = a·b mod p as partially carried limbs (each < 2^26, limb 1 < 2^26 + 2^11); a, b, out address five
;; i64 limbs each, out may be a. Inputs' limbs must be below 2^27.
(func $mulmod (export "mulmod") (param $a i32) (param $b i32) (param $out i32)
  (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64) (local $a4 i64)
  (local $b0 i64) (local $b1 i64) (local $b2 i64) (local $b3 i64) (local $b4 i64)
  (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
  (local $c i64)
  (local.set $a0 (i64.load offset=0 (local.get $a)))
  (local.set $a1 (i64.load offset=8 (local.get $a)))
  (local.set $a2 (i64.load offset=16 (local.get $a)))
  (local.set $a3 (i64.load offset=24 (local.get $a)))
  (local.set $a4 (i64.load offset=32 (local.get $a)))
  (local.set $b0 (i64.load offset=0 (local.get $b)))
  (local.set $b1 (i64.load offset=8 (local.get $b)))
  (local.set $b2 (i64.load offset=16 (local.get $b)))
  (local.set $b3 (i64.load offset=24 (local.get $b)))
  (local.set $b4 (i64.load offset=32 (local.get $b)))
  ;; A product landing at 2^130·2^(26j) comes back as 5·2^(26j): b_i is taken as 5·b_i there.
  local.get $a0  local.get $b0  i64.mul
  local.get $a1  local.get $b4  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a2  local.get $b3  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a3  local.get $b2  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a4  local.get $b1  i64.const 5  i64.mul  i64.mul  i64.add
  local.set $d0
  local.get $a0  local.get $b1  i64.mul
  local.get $a1  local.get $b0  i64.mul  i64.add
  local.get $a2  local.get $b4  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a3  local.get $b3  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a4  local.get $b2  i64.const 5  i64.mul  i64.mul  i64.add
  local.set $d1
  local.get $a0  local.get $b2  i64.mul
  local.get $a1  local.get $b1  i64.mul  i64.add
  local.get $a2  local.get $b0  i64.mul  i64.add
  local.get $a3  local.get $b4  i64.const 5  i64.mul  i64.mul  i64.add
  local.get $a4  local.get $b3  i64.const 5  i64.mul  i64.mul  i64.add
  local.set $d2
  local.get $a0  local.get $b3  i64.mul
  local.get $a1  local.get $b2  i64.mul  i64.add
  local.get $a2  local.get $b1  i64.mul  i64.add
  local.get $a3  local.get $b0  i64.mul  i64.add
  local.get $a4  local.get $b4  i64.const 5  i64.mul  i64.mul  i64.add
  local.set $d3
  local.get $a0  local.get $b4  i64.mul
  local.get $a1  local.get $b3  i64.mul  i64.add
  local.get $a2  local.get $b2  i64.mul  i64.add
  local.get $a3  local.get $b1  i64.mul  i64.add
  local.get $a4  local.get $b0  i64.mul  i64.add
  local.set $d4
  ;; Partial carry: each limb back under 2^26, except limb 1 (under 2^26 + 2^11).
  (local.set $c (i64.shr_u (local.get $d0) (i64.const 26)))
  (local.set $d0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
  (local.set $d1 (i64.add (local.get $d1) (local.get $c)))
  (local.set $c (i64.shr_u (local.get $d1) (i64.const 26)))
  (local.set $d1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
  (local.set $d2 (i64.add (local.get $d2) (local.get $c)))
  (local.set $c (i64.shr_u (local.get $d2) (i64.const 26)))
  (local.set $d2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
  (local.set $d3 (i64.add (local.get $d3) (local.get $c)))
  (local.set $c (i64.shr_u (local.get $d3) (i64.const 26)))
  (local.set $d3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
  (local.set $d4 (i64.add (local.get $d4) (local.get $c)))
  (local.set $c (i64.shr_u (local.get $d4) (i64.const 26)))
  (local.set $d4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
  (local.set $d0 (i64.add (local.get $d0) (i64.mul (local.get $c) (i64.const 5))))
  (local.set $c (i64.shr_u (local.get $d0) (i64.const 26)))
  (local.set $d0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
  (local.set $d1 (i64.add (local.get $d1) (local.get $c)))
  (i64.store offset=0 (local.get $out) (local.get $d0))
  (i64.store offset=8 (local.get $out) (local.get $d1))
  (i64.store offset=16 (local.get $out) (local.get $d2))
  (i64.store offset=24 (local.get $out) (local.get $d3))
  (i64.store offset=32 (local.get $out) (local.get $d4))
)

;; h(memory) = (h + block)·r for one 16-byte block at p; hibit is 2^128 as a bit of limb 4, or 0 for the
;; padded last partial block (RFC 8439 §2.5.1).
(func $absorb (param $p i32) (param $hibit i64)
  (local $lo i64) (local $hi i64)
  (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
  (local.set $h0 (i64.load offset=144 (i32.const 0)))
  (local.set $h1 (i64.load offset=152 (i32.const 0)))
  (local.set $h2 (i64.load offset=160 (i32.const 0)))
  (local.set $h3 (i64.load offset=168 (i32.const 0)))
  (local.set $h4 (i64.load offset=176 (i32.const 0)))
  (local.set $lo (i64.load offset=0 (local.get $p)))
  (local.set $hi (i64.load offset=8 (local.get $p)))
  (local.set $h0 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
  (local.set $h1 (i64.add (local.get $h1)
    (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
  (local.set $h2 (i64.add (local.get $h2)
    (i64.and (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
    (i64.const 0x3ffffff))))
  (local.set $h3 (i64.add (local.get $h3)
    (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
  (local.set $h4 (i64.add (local.get $h4)
    (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (local.get $hibit))))
  (i64.store offset=144 (i32.const 0) (local.get $h0))
  (i64.store offset=152 (i32.const 0) (local.get $h1))
  (i64.store offset=160 (i32.const 0) (local.get $h2))
  (i64.store offset=168 (i32.const 0) (local.get $h3))
  (i64.store offset=176 (i32.const 0) (local.get $h4))
  (call $mulmod (i32.const 144) (i32.const 64) (i32.const 144)))

;; setup(): r, clamped, as limbs at 64; r^2 at 104; h = 0 at 144.
(func $setup (export "setup")
  (local $lo i64) (local $hi i64)
  (local $x0 i64) (local $x1 i64) (local $x2 i64) (local $x3 i64) (local $x4 i64)
  ;; r = le128(key[0..16]) & 0x0ffffffc0ffffffc0ffffffc0fffffff (RFC 8439 §2.5.1 clamp), limbs at 64.
  (i64.store (i32.const 0) (i64.and (i64.load (i32.const 0)) (i64.const 0x0ffffffc0fffffff)))
  (i64.store (i32.const 8) (i64.and (i64.load (i32.const 8)) (i64.const 0x0ffffffc0ffffffc)))
  (local.set $lo (i64.load (i32.const 0)))
  (local.set $hi (i64.load (i32.const 8)))
  (local.set $x0 (i64.and (local.get $lo) (i64.const 0x3ffffff)))
  (local.set $x1 (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff)))
  (local.set $x2 (i64.and
    (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
    (i64.const 0x3ffffff)))
  (local.set $x3 (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff)))
  (local.set $x4 (i64.shr_u (local.get $hi) (i64.const 40)))
  (i64.store offset=64 (i32.const 0) (local.get $x0))
  (i64.store offset=72 (i32.const 0) (local.get $x1))
  (i64.store offset=80 (i32.const 0) (local.get $x2))
  (i64.store offset=88 (i32.const 0) (local.get $x3))
  (i64.store offset=96 (i32.const 0) (local.get $x4))
  (call $mulmod (i32.const 64) (i32.const 64) (i32.const 104))
  (i64.store offset=144 (i32.const 0) (i64.const 0))
  (i64.store offset=152 (i32.const 0) (i64.const 0))
  (i64.store offset=160 (i32.const 0) (i64.const 0))
  (i64.store offset=168 (i32.const 0) (i64.const 0))
  (i64.store offset=176 (i32.const 0) (i64.const 0)))

;; mac(len): tag over memory[320 .. 320+len) under the key at memory[0..32), written to memory[32..48).
(func (export "mac") (param $len i32)
  (call $setup)
  (call $finish (i32.const 320) (local.get $len)))

;; finish(p, len): h (at 144) continued over memory[p .. 320+len), p on a block boundary, and the tag written.
;; poly1305-simd.wat takes the first blocks four at a time and calls this for the rest.
(func $finish (export "finish") (param $p i32) (param $len i32)
  (local $end i32) (local $tail i32) (local $i i32)
  (local $lo i64) (local $hi i64) (local $c i64) (local $mask i64)
  (local $r10 i64) (local $r11 i64) (local $r12 i64) (local $r13 i64) (local $r14 i64)
  (local $s11 i64) (local $s12 i64) (local $s13 i64) (local $s14 i64)
  (local $r20 i64) (local $r21 i64) (local $r22 i64) (local $r23 i64) (local $r24 i64)
  (local $s21 i64) (local $s22 i64) (local $s23 i64) (local $s24 i64)
  (local $m10 i64) (local $m11 i64) (local $m12 i64) (local $m13 i64) (local $m14 i64)
  (local $m20 i64) (local $m21 i64) (local $m22 i64) (local $m23 i64) (local $m24 i64)
  (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
  (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
  (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64) (local $g4 i64)

  ;; r and r^2 and 5× their limbs in locals for the loop: products landing past 2^130 wrap as ×5.
  (local.set $r10 (i64.load offset=64 (i32.const 0)))
  (local.set $r11 (i64.load offset=72 (i32.const 0)))
  (local.set $r12 (i64.load offset=80 (i32.const 0)))
  (local.set $r13 (i64.load offset=88 (i32.const 0)))
  (local.set $r14 (i64.load offset=96 (i32.const 0)))
  (local.set $s11 (i64.mul (local.get $r11) (i64.const 5)))
  (local.set $s12 (i64.mul (local.get $r12) (i64.const 5)))
  (local.set $s13 (i64.mul (local.get $r13) (i64.const 5)))
  (local.set $s14 (i64.mul (local.get $r14) (i64.const 5)))
  (local.set $r20 (i64.load offset=104 (i32.const 0)))
  (local.set $r21 (i64.load offset=112 (i32.const 0)))
  (local.set $r22 (i64.load offset=120 (i32.const 0)))
  (local.set $r23 (i64.load offset=128 (i32.const 0)))
  (local.set $r24 (i64.load offset=136 (i32.const 0)))
  (local.set $s21 (i64.mul (local.get $r21) (i64.const 5)))
  (local.set $s22 (i64.mul (local.get $r22) (i64.const 5)))
  (local.set $s23 (i64.mul (local.get $r23) (i64.const 5)))
  (local.set $s24 (i64.mul (local.get $r24) (i64.const 5)))

  (local.set $end (i32.add (i32.const 320) (i32.and (local.get $len) (i32.const -16))))
  (local.set $tail (i32.and (local.get $len) (i32.const 15)))

  (local.set $h0 (i64.load offset=144 (i32.const 0)))
  (local.set $h1 (i64.load offset=152 (i32.const 0)))
  (local.set $h2 (i64.load offset=160 (i32.const 0)))
  (local.set $h3 (i64.load offset=168 (i32.const 0)))
  (local.set $h4 (i64.load offset=176 (i32.const 0)))

  ;; Two blocks per round while they last. A full block is read with a 1 byte appended: 2^128, bit 24 of
  ;; limb 4 (RFC 8439 §2.5.1).
  (block $rounds_done
    (loop $round
      (br_if $rounds_done (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
      (local.set $lo (i64.load offset=16 (local.get $p)))
      (local.set $hi (i64.load offset=24 (local.get $p)))
      (local.set $m20 (i64.and (local.get $lo) (i64.const 0x3ffffff)))
      (local.set $m21 (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff)))
      (local.set $m22 (i64.and
        (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
        (i64.const 0x3ffffff)))
      (local.set $m23 (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff)))
      (local.set $m24 (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (i64.const 0x1000000)))
      (local.set $lo (i64.load offset=0 (local.get $p)))
      (local.set $hi (i64.load offset=8 (local.get $p)))
      (local.set $m10 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
      (local.set $m11 (i64.add (local.get $h1)
        (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
      (local.set $m12 (i64.add (local.get $h2)
        (i64.and (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
        (i64.const 0x3ffffff))))
      (local.set $m13 (i64.add (local.get $h3)
        (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
      (local.set $m14 (i64.add (local.get $h4)
        (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (i64.const 0x1000000))))
      ;; d = m2·r + (h + m1)·r^2: the products not involving h first, so they overlap the wait for h.
      local.get $m20  local.get $r10  i64.mul
      local.get $m21  local.get $s14  i64.mul  i64.add
      local.get $m22  local.get $s13  i64.mul  i64.add
      local.get $m23  local.get $s12  i64.mul  i64.add
      local.get $m24  local.get $s11  i64.mul  i64.add
      local.get $m10  local.get $r20  i64.mul  i64.add
      local.get $m11  local.get $s24  i64.mul  i64.add
      local.get $m12  local.get $s23  i64.mul  i64.add
      local.get $m13  local.get $s22  i64.mul  i64.add
      local.get $m14  local.get $s21  i64.mul  i64.add
      local.set $d0
      local.get $m20  local.get $r11  i64.mul
      local.get $m21  local.get $r10  i64.mul  i64.add
      local.get $m22  local.get $s14  i64.mul  i64.add
      local.get $m23  local.get $s13  i64.mul  i64.add
      local.get $m24  local.get $s12  i64.mul  i64.add
      local.get $m10  local.get $r21  i64.mul  i64.add
      local.get $m11  local.get $r20  i64.mul  i64.add
      local.get $m12  local.get $s24  i64.mul  i64.add
      local.get $m13  local.get $s23  i64.mul  i64.add
      local.get $m14  local.get $s22  i64.mul  i64.add
      local.set $d1
      local.get $m20  local.get $r12  i64.mul
      local.get $m21  local.get $r11  i64.mul  i64.add
      local.get $m22  local.get $r10  i64.mul  i64.add
      local.get $m23  local.get $s14  i64.mul  i64.add
      local.get $m24  local.get $s13  i64.mul  i64.add
      local.get $m10  local.get $r22  i64.mul  i64.add
      local.get $m11  local.get $r21  i64.mul  i64.add
      local.get $m12  local.get $r20  i64.mul  i64.add
      local.get $m13  local.get $s24  i64.mul  i64.add
      local.get $m14  local.get $s23  i64.mul  i64.add
      local.set $d2
      local.get $m20  local.get $r13  i64.mul
      local.get $m21  local.get $r12  i64.mul  i64.add
      local.get $m22  local.get $r11  i64.mul  i64.add
      local.get $m23  local.get $r10  i64.mul  i64.add
      local.get $m24  local.get $s14  i64.mul  i64.add
      local.get $m10  local.get $r23  i64.mul  i64.add
      local.get $m11  local.get $r22  i64.mul  i64.add
      local.get $m12  local.get $r21  i64.mul  i64.add
      local.get $m13  local.get $r20  i64.mul  i64.add
      local.get $m14  local.get $s24  i64.mul  i64.add
      local.set $d3
      local.get $m20  local.get $r14  i64.mul
      local.get $m21  local.get $r13  i64.mul  i64.add
      local.get $m22  local.get $r12  i64.mul  i64.add
      local.get $m23  local.get $r11  i64.mul  i64.add
      local.get $m24  local.get $r10  i64.mul  i64.add
      local.get $m10  local.get $r24  i64.mul  i64.add
      local.get $m11  local.get $r23  i64.mul  i64.add
      local.get $m12  local.get $r22  i64.mul  i64.add
      local.get $m13  local.get $r21  i64.mul  i64.add
      local.get $m14  local.get $r20  i64.mul  i64.add
      local.set $d4
      ;; Partial carry: each limb back under 2^26, except limb 1 (under 2^26 + 2^11).
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
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $round)))

  (i64.store offset=144 (i32.const 0) (local.get $h0))
  (i64.store offset=152 (i32.const 0) (local.get $h1))
  (i64.store offset=160 (i32.const 0) (local.get $h2))
  (i64.store offset=168 (i32.const 0) (local.get $h3))
  (i64.store offset=176 (i32.const 0) (local.get $h4))
  ;; Full blocks left over, one at a time.
  (block $singles_done
    (loop $single
      (br_if $singles_done (i32.ge_u (local.get $p) (local.get $end)))
      (call $absorb (local.get $p) (i64.const 0x1000000))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $single)))
  ;; The last partial block: its bytes, then 0x01, then zeros up to 16 bytes; no 2^128 bit.
  (if (local.get $tail)
    (then
      (i64.store (i32.const 48) (i64.const 0))
      (i64.store (i32.const 56) (i64.const 0))
      (local.set $i (i32.const 0))
      (loop $copy
        (i32.store8 offset=48 (local.get $i) (i32.load8_u (i32.add (local.get $end) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $copy (i32.lt_u (local.get $i) (local.get $tail))))
      (i32.store8 offset=48 (local.get $tail) (i32.const 1))
      (call $absorb (i32.const 48) (i64.const 0))))
  (local.set $h0 (i64.load offset=144 (i32.const 0)))
  (local.set $h1 (i64.load offset=152 (i32.const 0)))
  (local.set $h2 (i64.load offset=160 (i32.const 0)))
  (local.set $h3 (i64.load offset=168 (i32.const 0)))
  (local.set $h4 (i64.load offset=176 (i32.const 0)))
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

  ;; Zero the key, the powers of r and h (everything below the message but the tag).
  (local.set $i (i32.const 0))
  (loop $wipe
    (i64.store (local.get $i) (i64.const 0))
    (local.set $i (i32.add (local.get $i) (i32.const 8)))
    (br_if $wipe (i32.lt_u (local.get $i) (i32.const 32))))
  (local.set $i (i32.const 48))
  (loop $wipe_state
    (i64.store (local.get $i) (i64.const 0))
    (local.set $i (i32.add (local.get $i) (i32.const 8)))
    (br_if $wipe_state (i32.lt_u (local.get $i) (i32.const 320)))))
)
