// The two calls the matcher's ingest path needs from libsecp256k1, over one shared buffer:
// io = digest[32] | public key[65] (uncompressed) | signature r ‖ s [64].
#include "secp256k1.h"
#include "secp256k1_recovery.h"

static secp256k1_context *context;
static unsigned char io[32 + 65 + 64];

__attribute__((export_name("init"))) int init(void) {
  context = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  return context != 0;
}

__attribute__((export_name("io"))) unsigned char *io_pointer(void) { return io; }

// 1: the signature is the key's over the digest (low s only); 0: it is not; negative: unparsable input.
__attribute__((export_name("verify"))) int verify(void) {
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature signature;
  if (!secp256k1_ec_pubkey_parse(context, &key, io + 32, 65)) return -1;
  if (!secp256k1_ecdsa_signature_parse_compact(context, &signature, io + 97)) return -2;
  return secp256k1_ecdsa_verify(context, &signature, io, &key);
}

// 1: the key that signed the digest is in io[32..97); 0: no key; negative: unparsable input.
__attribute__((export_name("recover"))) int recover(int recovery_id) {
  secp256k1_pubkey key;
  secp256k1_ecdsa_recoverable_signature signature;
  size_t length = 65;
  if (recovery_id < 0 || recovery_id > 3) return -3;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(context, &signature, io + 97, recovery_id)) return -2;
  if (!secp256k1_ecdsa_recover(context, &key, &signature, io)) return 0;
  secp256k1_ec_pubkey_serialize(context, io + 32, &length, &key, SECP256K1_EC_UNCOMPRESSED);
  return 1;
}
