#ifndef FIDO_CCURL_SHIM_H
#define FIDO_CCURL_SHIM_H
#include <curl/curl.h>

/*
 * libcurl is not linked: HTTPRuntime (Swift) loads it with dlopen when a
 * command first needs HTTP, so the many commands that never send an SMS do
 * not pay for loading libcurl and its libraries at every start. As in
 * CMongoc's shim, one list (names without "curl_") gives the table of typed
 * function pointers and the symbol names in the same order, which
 * DynamicLibrary.swift fills the table from. Swift calls the table directly,
 * except setopt and getinfo: they are variadic, which Swift cannot call, so
 * the typed wrappers below pass each kind of argument. No logic here.
 */
#define FIDO_CURL_API(X)                                                                     \
  X(global_init) X(global_cleanup) X(easy_init) X(easy_cleanup) X(easy_reset) X(easy_perform) \
  X(easy_strerror) X(easy_setopt) X(easy_getinfo) X(slist_append) X(slist_free_all)

#define FIDO_CURL_FIELD(name) __typeof__(curl_##name) *_Nonnull name;
typedef struct fido_curl_api {
  FIDO_CURL_API(FIDO_CURL_FIELD)
} fido_curl_api;
#undef FIDO_CURL_FIELD

#define FIDO_CURL_SYMBOL(name) "curl_" #name,
static const char *_Nonnull const fido_curl_symbols[] = {FIDO_CURL_API(FIDO_CURL_SYMBOL)};
#undef FIDO_CURL_SYMBOL

_Static_assert(sizeof(fido_curl_api) == sizeof(fido_curl_symbols), "one pointer a symbol name");

typedef size_t (*fido_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode fido_curl_easy_setopt_long(const fido_curl_api *api, CURL *handle, CURLoption option, long value) {
  return api->easy_setopt(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_string(const fido_curl_api *api, CURL *handle, CURLoption option, const char *value) {
  return api->easy_setopt(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_pointer(const fido_curl_api *api, CURL *handle, CURLoption option, void *value) {
  return api->easy_setopt(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_slist(const fido_curl_api *api, CURL *handle, CURLoption option, struct curl_slist *value) {
  return api->easy_setopt(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_off_t(const fido_curl_api *api, CURL *handle, CURLoption option, curl_off_t value) {
  return api->easy_setopt(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_write_function(const fido_curl_api *api, CURL *handle, fido_curl_data_callback callback) {
  return api->easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode fido_curl_easy_setopt_header_function(const fido_curl_api *api, CURL *handle, fido_curl_data_callback callback) {
  return api->easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode fido_curl_easy_getinfo_long(const fido_curl_api *api, CURL *handle, CURLINFO info, long *value) {
  return api->easy_getinfo(handle, info, value);
}

static inline CURLcode fido_curl_easy_getinfo_off_t(const fido_curl_api *api, CURL *handle, CURLINFO info, curl_off_t *value) {
  return api->easy_getinfo(handle, info, value);
}

#endif
