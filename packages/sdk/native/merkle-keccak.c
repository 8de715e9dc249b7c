// Keccak-256 of many 64-byte inputs, for the storage Merkle tree: leaves are keccak256 of 64-byte segments and inner
// nodes keccak256 of two 32-byte children, so both are this one call. A 64-byte input fits the 136-byte rate, so
// each hash is one Keccak-f[1600] permutation of the input plus its fixed padding. Built to WebAssembly by
// scripts/build-merkle-keccak.ts (no libc); about twice hash-wasm's speed here, mostly its per-call overhead saved.
#include <stdint.h>

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

// The permutation on a state whose lanes 0..7 are `in`, lane 8 the 0x01 pad, lane 16 the final 0x80 bit; writes the
// first four lanes (the digest).
static void keccak64(const uint64_t *in, uint64_t *digest) {
  uint64_t a00 = in[0], a01 = in[1], a02 = in[2], a03 = in[3], a04 = in[4];
  uint64_t a05 = in[5], a06 = in[6], a07 = in[7], a08 = 0x01, a09 = 0;
  uint64_t a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0;
  uint64_t a15 = 0, a16 = 0x8000000000000000ULL, a17 = 0, a18 = 0, a19 = 0;
  uint64_t a20 = 0, a21 = 0, a22 = 0, a23 = 0, a24 = 0;
  for (int round = 0; round < 24; round++) {
    uint64_t c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
    uint64_t c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
    uint64_t c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
    uint64_t c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
    uint64_t c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
    uint64_t d0 = c4 ^ ROL(c1, 1), d1 = c0 ^ ROL(c2, 1), d2 = c1 ^ ROL(c3, 1);
    uint64_t d3 = c2 ^ ROL(c4, 1), d4 = c3 ^ ROL(c0, 1);
    // theta, rho and pi in one step: b[y][2x+3y] = rot(a[x][y] ^ d[x], r[x][y])
    uint64_t b00 = a00 ^ d0, b10 = ROL(a01 ^ d1, 1), b20 = ROL(a02 ^ d2, 62);
    uint64_t b05 = ROL(a03 ^ d3, 28), b15 = ROL(a04 ^ d4, 27), b16 = ROL(a05 ^ d0, 36);
    uint64_t b01 = ROL(a06 ^ d1, 44), b11 = ROL(a07 ^ d2, 6), b21 = ROL(a08 ^ d3, 55);
    uint64_t b06 = ROL(a09 ^ d4, 20), b07 = ROL(a10 ^ d0, 3), b17 = ROL(a11 ^ d1, 10);
    uint64_t b02 = ROL(a12 ^ d2, 43), b12 = ROL(a13 ^ d3, 25), b22 = ROL(a14 ^ d4, 39);
    uint64_t b23 = ROL(a15 ^ d0, 41), b08 = ROL(a16 ^ d1, 45), b18 = ROL(a17 ^ d2, 15);
    uint64_t b03 = ROL(a18 ^ d3, 21), b13 = ROL(a19 ^ d4, 8), b14 = ROL(a20 ^ d0, 18);
    uint64_t b24 = ROL(a21 ^ d1, 2), b09 = ROL(a22 ^ d2, 61), b19 = ROL(a23 ^ d3, 56);
    uint64_t b04 = ROL(a24 ^ d4, 14);
    // chi and iota
    a00 = b00 ^ (~b01 & b02) ^ round_constants[round];
    a01 = b01 ^ (~b02 & b03); a02 = b02 ^ (~b03 & b04); a03 = b03 ^ (~b04 & b00); a04 = b04 ^ (~b00 & b01);
    a05 = b05 ^ (~b06 & b07); a06 = b06 ^ (~b07 & b08); a07 = b07 ^ (~b08 & b09); a08 = b08 ^ (~b09 & b05);
    a09 = b09 ^ (~b05 & b06);
    a10 = b10 ^ (~b11 & b12); a11 = b11 ^ (~b12 & b13); a12 = b12 ^ (~b13 & b14); a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17); a16 = b16 ^ (~b17 & b18); a17 = b17 ^ (~b18 & b19); a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22); a21 = b21 ^ (~b22 & b23); a22 = b22 ^ (~b23 & b24); a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
  }
  digest[0] = a00; digest[1] = a01; digest[2] = a02; digest[3] = a03;
}

// 64 KiB inputs at a time: the caller copies them in, calls, and copies the digests out of the same buffer.
#define BATCH 65536
static uint64_t buffer[BATCH * 8];

__attribute__((export_name("buffer_address")))
uint64_t *buffer_address(void) { return buffer; }

__attribute__((export_name("batch_size")))
uint32_t batch_size(void) { return BATCH; }

// Replaces the first `count` 64-byte inputs in the buffer by their digests, packed: digest i at byte 32*i. Each
// input is read whole before its digest is written, and digest i never reaches input i+1. Little-endian lanes, as
// wasm's memory is.
__attribute__((export_name("hash_batch")))
void hash_batch(uint32_t count) {
  uint64_t digest[4];
  for (uint32_t i = 0; i < count && i < BATCH; i++) {
    keccak64(buffer + (uint64_t)i * 8, digest);
    uint64_t *out = buffer + (uint64_t)i * 4;
    out[0] = digest[0]; out[1] = digest[1]; out[2] = digest[2]; out[3] = digest[3];
  }
}
