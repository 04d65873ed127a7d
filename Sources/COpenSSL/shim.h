#ifndef FIDO_COPENSSL_SHIM_H
#define FIDO_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

/* A second table from the same libcrypto, loaded only after a TLS connection
 * to MongoDB failed (TLSDiagnosis.swift): reading the client certificate's
 * validity dates to say why the server refused it. */
#define FIDO_X509_API(X)                                                                  \
  X(BIO_new_file) X(BIO_free) X(PEM_read_bio_X509) X(X509_free) X(X509_get0_notBefore)    \
  X(X509_get0_notAfter) X(X509_cmp_current_time) X(ASN1_TIME_to_tm)

#define FIDO_X509_FIELD(name) __typeof__(name) *_Nonnull name;
typedef struct fido_x509_api {
  FIDO_X509_API(FIDO_X509_FIELD)
} fido_x509_api;
#undef FIDO_X509_FIELD

#define FIDO_X509_SYMBOL(name) #name,
static const char *_Nonnull const fido_x509_symbols[] = {FIDO_X509_API(FIDO_X509_SYMBOL)};
#undef FIDO_X509_SYMBOL

_Static_assert(sizeof(fido_x509_api) == sizeof(fido_x509_symbols), "one pointer a symbol name");
#endif
