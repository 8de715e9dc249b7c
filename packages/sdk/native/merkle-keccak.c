// Keccak-256 of many 64-byte inputs, for the storage Merkle tree: leaves are keccak256 of 64-byte segments and inner
// nodes keccak256 of two 32-byte children, so both are this one call. A 64-byte input fits the 136-byte rate, so
// each hash is one Keccak-f[1600] permutation of the input plus its fixed padding. Built to WebAssembly by
// scripts/build-merkle-keccak.ts (no libc); about twice hash-wasm's speed here, mostly its per-call overhead saved.
#include "keccak-rounds.h"

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
    keccak256_of_64_bytes(buffer + (uint64_t)i * 8, digest);
    uint64_t *out = buffer + (uint64_t)i * 4;
    out[0] = digest[0]; out[1] = digest[1]; out[2] = digest[2]; out[3] = digest[3];
  }
}
