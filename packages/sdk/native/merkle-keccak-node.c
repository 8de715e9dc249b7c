// The storage Merkle tree's keccak as a Node-API addon: Keccak-256 of many 64-byte inputs, written straight into the
// caller's Uint8Arrays (no copies). On a CPU with AVX-512 it hashes eight inputs at once, one input per 64-bit lane
// of a zmm register (vprolq rotates a lane in one instruction, vpternlogq does chi and the five-way xor of theta in
// one or two), which is what lifts a 256 MiB tree past 300 MB/s on one core; elsewhere it runs the scalar
// permutation. Built by scripts/build-merkle-keccak.ts with the machine's C compiler; without one the SDK uses the
// WebAssembly kernel. Exports `hashScalar(input, output)` and, when this CPU can run it, `hashAvx512(input, output)`.
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keccak-rounds.h"

typedef void (*hash_many_fn)(const uint8_t *input, size_t count, uint8_t *output);

// Inputs and digests are read and written through memcpy: a Uint8Array's bytes need not be 8-byte aligned.
static void hash_scalar(const uint8_t *input, size_t count, uint8_t *output) {
  uint64_t lanes[8], digest[4];
  for (size_t i = 0; i < count; i++) {
    memcpy(lanes, input + i * 64, 64);
    keccak256_of_64_bytes(lanes, digest);
    memcpy(output + i * 32, digest, 32);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX512_XOR(a, b) _mm512_xor_si512((a), (b))
#define AVX512_XOR5(a, b, c, d, e) \
  _mm512_ternarylogic_epi64(_mm512_ternarylogic_epi64((a), (b), (c), 0x96), (d), (e), 0x96)
#define AVX512_ROL(x, n) _mm512_rol_epi64((x), (n))
// 0xD2 is a ^ (~b & c) as a truth table over (a, b, c) = (0xF0, 0xCC, 0xAA).
#define AVX512_CHI(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xD2)
#define AVX512_XOR_ROUND_CONSTANT(x, k) _mm512_xor_si512((x), _mm512_set1_epi64((long long)(k)))

__attribute__((target("avx512f"))) static void hash_avx512(const uint8_t *input, size_t count, uint8_t *output) {
  size_t whole = count - count % 8;
  // Lane j of input i is 64-bit word 8i + j; digest lane j of input i goes to word 4i + j.
  const __m512i input_words = _mm512_setr_epi64(0, 8, 16, 24, 32, 40, 48, 56);
  const __m512i output_words = _mm512_setr_epi64(0, 4, 8, 12, 16, 20, 24, 28);
  const __m512i zero = _mm512_setzero_si512();
  for (size_t i = 0; i < whole; i += 8) {
    const long long *in = (const long long *)(input + i * 64);
    long long *out = (long long *)(output + i * 32);
    __m512i a00 = _mm512_i64gather_epi64(input_words, in + 0, 8), a01 = _mm512_i64gather_epi64(input_words, in + 1, 8);
    __m512i a02 = _mm512_i64gather_epi64(input_words, in + 2, 8), a03 = _mm512_i64gather_epi64(input_words, in + 3, 8);
    __m512i a04 = _mm512_i64gather_epi64(input_words, in + 4, 8), a05 = _mm512_i64gather_epi64(input_words, in + 5, 8);
    __m512i a06 = _mm512_i64gather_epi64(input_words, in + 6, 8), a07 = _mm512_i64gather_epi64(input_words, in + 7, 8);
    __m512i a08 = _mm512_set1_epi64(0x01), a09 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero;
    __m512i a15 = zero, a16 = _mm512_set1_epi64((long long)0x8000000000000000ULL), a17 = zero, a18 = zero;
    __m512i a19 = zero, a20 = zero, a21 = zero, a22 = zero, a23 = zero, a24 = zero;
    KECCAK_ROUNDS(__m512i, AVX512_XOR, AVX512_XOR5, AVX512_ROL, AVX512_CHI, AVX512_XOR_ROUND_CONSTANT)
    _mm512_i64scatter_epi64(out + 0, output_words, a00, 8);
    _mm512_i64scatter_epi64(out + 1, output_words, a01, 8);
    _mm512_i64scatter_epi64(out + 2, output_words, a02, 8);
    _mm512_i64scatter_epi64(out + 3, output_words, a03, 8);
  }
  hash_scalar(input + whole * 64, count - whole, output + whole * 32);
}

static int cpu_has_avx512(void) {
  __builtin_cpu_init();
  // GCC's and clang's check includes the operating system's support for the zmm state (XCR0).
  return __builtin_cpu_supports("avx512f");
}
#else
static void hash_avx512(const uint8_t *input, size_t count, uint8_t *output) { hash_scalar(input, count, output); }
static int cpu_has_avx512(void) { return 0; }
#endif

// (input: Uint8Array of 64n bytes, output: Uint8Array of 32n bytes, not overlapping it) -> undefined
static napi_value hash_with(napi_env env, napi_callback_info info, hash_many_fn hash_many) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, "ERR_AGORA_KECCAK_ARGS", "expected (input: Uint8Array, output: Uint8Array)");
    return NULL;
  }
  uint8_t *views[2];
  size_t lengths[2];
  for (int k = 0; k < 2; k++) {
    bool is_typed_array = false;
    napi_typedarray_type type;
    void *data;
    if (napi_is_typedarray(env, argv[k], &is_typed_array) != napi_ok || !is_typed_array ||
        napi_get_typedarray_info(env, argv[k], &type, &lengths[k], &data, NULL, NULL) != napi_ok ||
        type != napi_uint8_array) {
      napi_throw_type_error(env, "ERR_AGORA_KECCAK_ARGS", "input and output must be Uint8Arrays");
      return NULL;
    }
    views[k] = data;
  }
  if (lengths[0] % 64 != 0 || lengths[1] * 2 != lengths[0]) {
    napi_throw_range_error(env, "ERR_AGORA_KECCAK_ARGS",
                           "input must be 64n bytes and output 32n bytes for the same n");
    return NULL;
  }
  if (lengths[0] > 0 && views[1] < views[0] + lengths[0] && views[0] < views[1] + lengths[1]) {
    napi_throw_range_error(env, "ERR_AGORA_KECCAK_ARGS", "input and output must not overlap");
    return NULL;
  }
  hash_many(views[0], lengths[0] / 64, views[1]);
  return NULL;
}

static napi_value hash_scalar_js(napi_env env, napi_callback_info info) { return hash_with(env, info, hash_scalar); }
static napi_value hash_avx512_js(napi_env env, napi_callback_info info) { return hash_with(env, info, hash_avx512); }

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value function;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &function) == napi_ok) {
    napi_set_named_property(env, exports, name, function);
  }
}

NAPI_MODULE_INIT() {
  export_function(env, exports, "hashScalar", hash_scalar_js);
  if (cpu_has_avx512()) export_function(env, exports, "hashAvx512", hash_avx512_js);
  return exports;
}
