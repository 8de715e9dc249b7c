// Keccak-f[1600]'s 24 rounds, written once for every lane type: scalar uint64_t lanes in the WebAssembly and native
// kernels, eight-lane AVX-512 vectors in the native one. The caller declares the state as 25 variables a00..a24 and
// expands KECCAK_ROUNDS with the lane type and the names of its operations: XOR(a, b), XOR5(a, ..., e), ROL(x, n),
// CHI(a, b, c) = a ^ (~b & c) and XOR_ROUND_CONSTANT(x, k).
#ifndef AGORA_KECCAK_ROUNDS_H
#define AGORA_KECCAK_ROUNDS_H

#include <stdint.h>

static const uint64_t keccak_round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

// theta, rho and pi in one step: b[y][2x+3y] = rot(a[x][y] ^ d[x], r[x][y]); then chi and iota.
#define KECCAK_ROUNDS(LANE, XOR, XOR5, ROL, CHI, XOR_ROUND_CONSTANT)                                                  \
  for (int round = 0; round < 24; round++) {                                                                          \
    LANE c0 = XOR5(a00, a05, a10, a15, a20), c1 = XOR5(a01, a06, a11, a16, a21);                                      \
    LANE c2 = XOR5(a02, a07, a12, a17, a22), c3 = XOR5(a03, a08, a13, a18, a23);                                      \
    LANE c4 = XOR5(a04, a09, a14, a19, a24);                                                                          \
    LANE d0 = XOR(c4, ROL(c1, 1)), d1 = XOR(c0, ROL(c2, 1)), d2 = XOR(c1, ROL(c3, 1));                                \
    LANE d3 = XOR(c2, ROL(c4, 1)), d4 = XOR(c3, ROL(c0, 1));                                                          \
    LANE b00 = XOR(a00, d0), b10 = ROL(XOR(a01, d1), 1), b20 = ROL(XOR(a02, d2), 62);                                 \
    LANE b05 = ROL(XOR(a03, d3), 28), b15 = ROL(XOR(a04, d4), 27), b16 = ROL(XOR(a05, d0), 36);                       \
    LANE b01 = ROL(XOR(a06, d1), 44), b11 = ROL(XOR(a07, d2), 6), b21 = ROL(XOR(a08, d3), 55);                        \
    LANE b06 = ROL(XOR(a09, d4), 20), b07 = ROL(XOR(a10, d0), 3), b17 = ROL(XOR(a11, d1), 10);                        \
    LANE b02 = ROL(XOR(a12, d2), 43), b12 = ROL(XOR(a13, d3), 25), b22 = ROL(XOR(a14, d4), 39);                       \
    LANE b23 = ROL(XOR(a15, d0), 41), b08 = ROL(XOR(a16, d1), 45), b18 = ROL(XOR(a17, d2), 15);                       \
    LANE b03 = ROL(XOR(a18, d3), 21), b13 = ROL(XOR(a19, d4), 8), b14 = ROL(XOR(a20, d0), 18);                        \
    LANE b24 = ROL(XOR(a21, d1), 2), b09 = ROL(XOR(a22, d2), 61), b19 = ROL(XOR(a23, d3), 56);                        \
    LANE b04 = ROL(XOR(a24, d4), 14);                                                                                 \
    a00 = XOR_ROUND_CONSTANT(CHI(b00, b01, b02), keccak_round_constants[round]);                                      \
    a01 = CHI(b01, b02, b03), a02 = CHI(b02, b03, b04), a03 = CHI(b03, b04, b00), a04 = CHI(b04, b00, b01);           \
    a05 = CHI(b05, b06, b07), a06 = CHI(b06, b07, b08), a07 = CHI(b07, b08, b09), a08 = CHI(b08, b09, b05);           \
    a09 = CHI(b09, b05, b06);                                                                                         \
    a10 = CHI(b10, b11, b12), a11 = CHI(b11, b12, b13), a12 = CHI(b12, b13, b14), a13 = CHI(b13, b14, b10);           \
    a14 = CHI(b14, b10, b11);                                                                                         \
    a15 = CHI(b15, b16, b17), a16 = CHI(b16, b17, b18), a17 = CHI(b17, b18, b19), a18 = CHI(b18, b19, b15);           \
    a19 = CHI(b19, b15, b16);                                                                                         \
    a20 = CHI(b20, b21, b22), a21 = CHI(b21, b22, b23), a22 = CHI(b22, b23, b24), a23 = CHI(b23, b24, b20);           \
    a24 = CHI(b24, b20, b21);                                                                                         \
  }

// The scalar lane operations.
#define SCALAR_XOR(a, b) ((a) ^ (b))
#define SCALAR_XOR5(a, b, c, d, e) ((a) ^ (b) ^ (c) ^ (d) ^ (e))
#define SCALAR_ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))
#define SCALAR_CHI(a, b, c) ((a) ^ (~(b) & (c)))
#define SCALAR_XOR_ROUND_CONSTANT(x, k) ((x) ^ (k))

// Keccak-256 of one 64-byte input: lanes 0..7 are the input, lane 8 the 0x01 pad, lane 16 the final 0x80 bit (a
// 64-byte input fits the 136-byte rate, so this is one permutation); writes the first four lanes (the digest).
static inline void keccak256_of_64_bytes(const uint64_t *in, uint64_t *digest) {
  uint64_t a00 = in[0], a01 = in[1], a02 = in[2], a03 = in[3], a04 = in[4];
  uint64_t a05 = in[5], a06 = in[6], a07 = in[7], a08 = 0x01, a09 = 0;
  uint64_t a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0;
  uint64_t a15 = 0, a16 = 0x8000000000000000ULL, a17 = 0, a18 = 0, a19 = 0;
  uint64_t a20 = 0, a21 = 0, a22 = 0, a23 = 0, a24 = 0;
  KECCAK_ROUNDS(uint64_t, SCALAR_XOR, SCALAR_XOR5, SCALAR_ROL, SCALAR_CHI, SCALAR_XOR_ROUND_CONSTANT)
  digest[0] = a00;
  digest[1] = a01;
  digest[2] = a02;
  digest[3] = a03;
}

#endif
