#ifndef FIDO_COPENSSL_SHIM_H
#define FIDO_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

/* libcrypto is not linked: PasswordHasher (Swift) loads it with dlopen the
 * first time a command hashes or checks a password, so the other commands do
 * not load it at every start. As in CMongoc's shim, one list gives the table of
 * typed function pointers (named like the functions) and the symbol names in
 * the same order, which DynamicLibrary.swift fills the table from. */
#define FIDO_CRYPTO_API(X) X(RAND_bytes) X(CRYPTO_memcmp) X(EVP_PBE_scrypt)

#define FIDO_CRYPTO_FIELD(name) __typeof__(name) *_Nonnull name;
typedef struct fido_crypto_api {
  FIDO_CRYPTO_API(FIDO_CRYPTO_FIELD)
} fido_crypto_api;
#undef FIDO_CRYPTO_FIELD

#define FIDO_CRYPTO_SYMBOL(name) #name,
static const char *_Nonnull const fido_crypto_symbols[] = {FIDO_CRYPTO_API(FIDO_CRYPTO_SYMBOL)};
#undef FIDO_CRYPTO_SYMBOL

_Static_assert(sizeof(fido_crypto_api) == sizeof(fido_crypto_symbols), "one pointer a symbol name");
#endif
