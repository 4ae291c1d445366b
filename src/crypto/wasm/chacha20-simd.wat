;; ChaCha20, four blocks at a time in 128-bit SIMD (WebAssembly's fixed-width SIMD proposal).
;;
;; This is ChaCha20 as D. J. Bernstein defined it ("ChaCha, a variant of Salsa20", 2008): a 64-bit block
;; counter in state words 12-13 and a 64-bit nonce in words 14-15, the variant chacha20-poly1305@openssh.com
;; uses (PROTOCOL.chacha20poly1305). The quarter round and the double round are RFC 8439 §2.1 and §2.3; the
;; IETF variant differs only in how words 12-15 are split between counter and nonce.
;;
;; Each state word is a v128 whose four lanes belong to four consecutive blocks, so the rounds run on all four
;; at once; the four results are transposed back into block order before the XOR. A last run of fewer than
;; four blocks computes all four into the scratch and uses only the bytes needed.
;;
;; Memory layout (fixed offsets; the caller writes key, nonce, counter and data, and reads the data back):
;;   0..32     key
;;   32..40    nonce (8 bytes)
;;   40..48    block counter, uint64 little-endian; advanced past the blocks used
;;   64..320   keystream scratch
;;   320..     data, XORed with the keystream in place (the memory grows to fit it)
;; The key and the keystream scratch are zeroed before xor returns.
;;
;; Built by scripts/build-wasm.ts into chacha20-simd-binary.ts; a test checks the two stay identical.

(module
  (memory (export "memory") 1)

  ;; xor(len): memory[320 .. 320+len) ^= keystream from the counter on.
  (func (export "xor") (param $len i32)
    (local $p i32) (local $end i32) (local $i i32) (local $round i32) (local $counter i64)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local $x8 v128) (local $x9 v128) (local $x10 v128) (local $x11 v128)
    (local $x12 v128) (local $x13 v128) (local $x14 v128) (local $x15 v128)
    (local $t v128) (local $c12 v128) (local $c13 v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $p (i32.const 320))
    (local.set $end (i32.add (i32.const 320) (local.get $len)))
    (block $done
      (loop $four_blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; Lane i counts block counter + i; word 13 takes the carry out of word 12 (a 64-bit counter).
        (local.set $counter (i64.load offset=40 (i32.const 0)))
        (local.set $t (i32x4.splat (i32.wrap_i64 (local.get $counter))))
        (local.set $c12 (i32x4.add (local.get $t) (v128.const i32x4 0 1 2 3)))
        (local.set $c13
          (i32x4.sub (i32x4.splat (i32.wrap_i64 (i64.shr_u (local.get $counter) (i64.const 32))))
          (i32x4.lt_u (local.get $c12) (local.get $t))))
        (i64.store offset=40 (i32.const 0) (i64.add (local.get $counter) (i64.const 4)))
        ;; The initial state: "expand 32-byte k", key, counter, nonce (RFC 8439 §2.3; words 12-15 as above).
        (local.set $x0 (v128.const i32x4 0x61707865 0x61707865 0x61707865 0x61707865))
        (local.set $x1 (v128.const i32x4 0x3320646e 0x3320646e 0x3320646e 0x3320646e))
        (local.set $x2 (v128.const i32x4 0x79622d32 0x79622d32 0x79622d32 0x79622d32))
        (local.set $x3 (v128.const i32x4 0x6b206574 0x6b206574 0x6b206574 0x6b206574))
        (local.set $x4 (v128.load32_splat offset=0 (i32.const 0)))
        (local.set $x5 (v128.load32_splat offset=4 (i32.const 0)))
        (local.set $x6 (v128.load32_splat offset=8 (i32.const 0)))
        (local.set $x7 (v128.load32_splat offset=12 (i32.const 0)))
        (local.set $x8 (v128.load32_splat offset=16 (i32.const 0)))
        (local.set $x9 (v128.load32_splat offset=20 (i32.const 0)))
        (local.set $x10 (v128.load32_splat offset=24 (i32.const 0)))
        (local.set $x11 (v128.load32_splat offset=28 (i32.const 0)))
        (local.set $x12 (local.get $c12))
        (local.set $x13 (local.get $c13))
        (local.set $x14 (v128.load32_splat offset=32 (i32.const 0)))
        (local.set $x15 (v128.load32_splat offset=36 (i32.const 0)))
        ;; 20 rounds: 10 double rounds, each a column round then a diagonal round (RFC 8439 §2.3).
        (local.set $round (i32.const 10))
        (loop $double_round
          ;; columns
          (local.set $x0 (i32x4.add (local.get $x0) (local.get $x4)))
          (local.set $t (v128.xor (local.get $x12) (local.get $x0)))
          (local.set $x12 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x8 (i32x4.add (local.get $x8) (local.get $x12)))
          (local.set $t (v128.xor (local.get $x4) (local.get $x8)))
          (local.set $x4
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x0 (i32x4.add (local.get $x0) (local.get $x4)))
          (local.set $t (v128.xor (local.get $x12) (local.get $x0)))
          (local.set $x12 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x8 (i32x4.add (local.get $x8) (local.get $x12)))
          (local.set $t (v128.xor (local.get $x4) (local.get $x8)))
          (local.set $x4
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x1 (i32x4.add (local.get $x1) (local.get $x5)))
          (local.set $t (v128.xor (local.get $x13) (local.get $x1)))
          (local.set $x13 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x9 (i32x4.add (local.get $x9) (local.get $x13)))
          (local.set $t (v128.xor (local.get $x5) (local.get $x9)))
          (local.set $x5
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x1 (i32x4.add (local.get $x1) (local.get $x5)))
          (local.set $t (v128.xor (local.get $x13) (local.get $x1)))
          (local.set $x13 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x9 (i32x4.add (local.get $x9) (local.get $x13)))
          (local.set $t (v128.xor (local.get $x5) (local.get $x9)))
          (local.set $x5
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x2 (i32x4.add (local.get $x2) (local.get $x6)))
          (local.set $t (v128.xor (local.get $x14) (local.get $x2)))
          (local.set $x14 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x10 (i32x4.add (local.get $x10) (local.get $x14)))
          (local.set $t (v128.xor (local.get $x6) (local.get $x10)))
          (local.set $x6
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x2 (i32x4.add (local.get $x2) (local.get $x6)))
          (local.set $t (v128.xor (local.get $x14) (local.get $x2)))
          (local.set $x14 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x10 (i32x4.add (local.get $x10) (local.get $x14)))
          (local.set $t (v128.xor (local.get $x6) (local.get $x10)))
          (local.set $x6
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x3 (i32x4.add (local.get $x3) (local.get $x7)))
          (local.set $t (v128.xor (local.get $x15) (local.get $x3)))
          (local.set $x15 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x11 (i32x4.add (local.get $x11) (local.get $x15)))
          (local.set $t (v128.xor (local.get $x7) (local.get $x11)))
          (local.set $x7
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x3 (i32x4.add (local.get $x3) (local.get $x7)))
          (local.set $t (v128.xor (local.get $x15) (local.get $x3)))
          (local.set $x15 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x11 (i32x4.add (local.get $x11) (local.get $x15)))
          (local.set $t (v128.xor (local.get $x7) (local.get $x11)))
          (local.set $x7
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; diagonals
          (local.set $x0 (i32x4.add (local.get $x0) (local.get $x5)))
          (local.set $t (v128.xor (local.get $x15) (local.get $x0)))
          (local.set $x15 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x10 (i32x4.add (local.get $x10) (local.get $x15)))
          (local.set $t (v128.xor (local.get $x5) (local.get $x10)))
          (local.set $x5
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x0 (i32x4.add (local.get $x0) (local.get $x5)))
          (local.set $t (v128.xor (local.get $x15) (local.get $x0)))
          (local.set $x15 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x10 (i32x4.add (local.get $x10) (local.get $x15)))
          (local.set $t (v128.xor (local.get $x5) (local.get $x10)))
          (local.set $x5
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x1 (i32x4.add (local.get $x1) (local.get $x6)))
          (local.set $t (v128.xor (local.get $x12) (local.get $x1)))
          (local.set $x12 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x11 (i32x4.add (local.get $x11) (local.get $x12)))
          (local.set $t (v128.xor (local.get $x6) (local.get $x11)))
          (local.set $x6
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x1 (i32x4.add (local.get $x1) (local.get $x6)))
          (local.set $t (v128.xor (local.get $x12) (local.get $x1)))
          (local.set $x12 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x11 (i32x4.add (local.get $x11) (local.get $x12)))
          (local.set $t (v128.xor (local.get $x6) (local.get $x11)))
          (local.set $x6
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x2 (i32x4.add (local.get $x2) (local.get $x7)))
          (local.set $t (v128.xor (local.get $x13) (local.get $x2)))
          (local.set $x13 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x8 (i32x4.add (local.get $x8) (local.get $x13)))
          (local.set $t (v128.xor (local.get $x7) (local.get $x8)))
          (local.set $x7
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x2 (i32x4.add (local.get $x2) (local.get $x7)))
          (local.set $t (v128.xor (local.get $x13) (local.get $x2)))
          (local.set $x13 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x8 (i32x4.add (local.get $x8) (local.get $x13)))
          (local.set $t (v128.xor (local.get $x7) (local.get $x8)))
          (local.set $x7
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $x3 (i32x4.add (local.get $x3) (local.get $x4)))
          (local.set $t (v128.xor (local.get $x14) (local.get $x3)))
          (local.set $x14 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $x9 (i32x4.add (local.get $x9) (local.get $x14)))
          (local.set $t (v128.xor (local.get $x4) (local.get $x9)))
          (local.set $x4
            (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $x3 (i32x4.add (local.get $x3) (local.get $x4)))
          (local.set $t (v128.xor (local.get $x14) (local.get $x3)))
          (local.set $x14 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $x9 (i32x4.add (local.get $x9) (local.get $x14)))
          (local.set $t (v128.xor (local.get $x4) (local.get $x9)))
          (local.set $x4
            (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          (local.set $round (i32.sub (local.get $round) (i32.const 1)))
          (br_if $double_round (local.get $round)))
        ;; Add the initial state back (RFC 8439 §2.3).
        (local.set $x0
          (i32x4.add (local.get $x0) (v128.const i32x4 0x61707865 0x61707865 0x61707865 0x61707865)))
        (local.set $x1
          (i32x4.add (local.get $x1) (v128.const i32x4 0x3320646e 0x3320646e 0x3320646e 0x3320646e)))
        (local.set $x2
          (i32x4.add (local.get $x2) (v128.const i32x4 0x79622d32 0x79622d32 0x79622d32 0x79622d32)))
        (local.set $x3
          (i32x4.add (local.get $x3) (v128.const i32x4 0x6b206574 0x6b206574 0x6b206574 0x6b206574)))
        (local.set $x4 (i32x4.add (local.get $x4) (v128.load32_splat offset=0 (i32.const 0))))
        (local.set $x5 (i32x4.add (local.get $x5) (v128.load32_splat offset=4 (i32.const 0))))
        (local.set $x6 (i32x4.add (local.get $x6) (v128.load32_splat offset=8 (i32.const 0))))
        (local.set $x7 (i32x4.add (local.get $x7) (v128.load32_splat offset=12 (i32.const 0))))
        (local.set $x8 (i32x4.add (local.get $x8) (v128.load32_splat offset=16 (i32.const 0))))
        (local.set $x9 (i32x4.add (local.get $x9) (v128.load32_splat offset=20 (i32.const 0))))
        (local.set $x10 (i32x4.add (local.get $x10) (v128.load32_splat offset=24 (i32.const 0))))
        (local.set $x11 (i32x4.add (local.get $x11) (v128.load32_splat offset=28 (i32.const 0))))
        (local.set $x12 (i32x4.add (local.get $x12) (local.get $c12)))
        (local.set $x13 (i32x4.add (local.get $x13) (local.get $c13)))
        (local.set $x14 (i32x4.add (local.get $x14) (v128.load32_splat offset=32 (i32.const 0))))
        (local.set $x15 (i32x4.add (local.get $x15) (v128.load32_splat offset=36 (i32.const 0))))
        ;; Four whole blocks are XORed into the data in place; fewer go to the scratch first.
        (local.set $i (local.get $p))
        (if (i32.gt_u (i32.add (local.get $p) (i32.const 256)) (local.get $end))
          (then (local.set $i (i32.const 64))))
        ;; Words 4g..4g+3 of the four blocks, transposed: [w0 of blocks 0-3] … [w3 of blocks 0-3] become
        ;; block 0's, 1's, 2's and 3's 16 bytes at offset 16g.
        (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
        (local.set $b (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
        (local.set $c
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
        (local.set $d
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
        (v128.store offset=0 (local.get $i) (v128.xor (v128.load offset=0 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))))
        (v128.store offset=64 (local.get $i) (v128.xor (v128.load offset=64 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
        (v128.store offset=128 (local.get $i) (v128.xor (v128.load offset=128 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))))
        (v128.store offset=192 (local.get $i) (v128.xor (v128.load offset=192 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
        (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x4) (local.get $x5)))
        (local.set $b (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x6) (local.get $x7)))
        (local.set $c
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x4) (local.get $x5)))
        (local.set $d
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x6) (local.get $x7)))
        (v128.store offset=16 (local.get $i) (v128.xor (v128.load offset=16 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))))
        (v128.store offset=80 (local.get $i) (v128.xor (v128.load offset=80 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
        (v128.store offset=144 (local.get $i) (v128.xor (v128.load offset=144 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))))
        (v128.store offset=208 (local.get $i) (v128.xor (v128.load offset=208 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
        (local.set $a (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x8) (local.get $x9)))
        (local.set $b
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x10) (local.get $x11)))
        (local.set $c
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x8) (local.get $x9)))
        (local.set $d
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x10) (local.get $x11)))
        (v128.store offset=32 (local.get $i) (v128.xor (v128.load offset=32 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))))
        (v128.store offset=96 (local.get $i) (v128.xor (v128.load offset=96 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
        (v128.store offset=160 (local.get $i) (v128.xor (v128.load offset=160 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))))
        (v128.store offset=224 (local.get $i) (v128.xor (v128.load offset=224 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
        (local.set $a
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x12) (local.get $x13)))
        (local.set $b
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x14) (local.get $x15)))
        (local.set $c
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x12) (local.get $x13)))
        (local.set $d
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x14) (local.get $x15)))
        (v128.store offset=48 (local.get $i) (v128.xor (v128.load offset=48 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))))
        (v128.store offset=112 (local.get $i) (v128.xor (v128.load offset=112 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
        (v128.store offset=176 (local.get $i) (v128.xor (v128.load offset=176 (local.get $i))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))))
        (v128.store offset=240 (local.get $i) (v128.xor (v128.load offset=240 (local.get $i))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
        ;; Fewer than four blocks left: the scratch held zeros, so it now holds the keystream.
        (if (i32.eq (local.get $i) (i32.const 64))
          (then
            (local.set $i (i32.const 0))
            (loop $byte
              (i32.store8 (i32.add (local.get $p) (local.get $i))
                (i32.xor (i32.load8_u (i32.add (local.get $p) (local.get $i)))
              (i32.load8_u offset=64 (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $byte (i32.lt_u (i32.add (local.get $p) (local.get $i)) (local.get $end))))))
        (local.set $p (i32.add (local.get $p) (i32.const 256)))
        (br $four_blocks)))
    ;; Zero the key and the keystream.
    (local.set $i (i32.const 0))
    (loop $wipe
      (i64.store (local.get $i) (i64.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $wipe (i32.lt_u (local.get $i) (i32.const 32))))
    (local.set $i (i32.const 64))
    (loop $wipe_keystream
      (v128.store (local.get $i) (v128.const i64x2 0 0))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $wipe_keystream (i32.lt_u (local.get $i) (i32.const 320))))))
