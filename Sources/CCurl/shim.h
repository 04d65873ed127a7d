#ifndef FIDO_CCURL_SHIM_H
#define FIDO_CCURL_SHIM_H
#include <curl/curl.h>

/*
 * libcurl is not linked: HTTPRuntime (Swift) loads it with dlopen when a
 * command first needs HTTP, so the many commands that never send an SMS do
 * not pay for loading libcurl and its libraries at every start. This table
 * holds the entry points HTTPRuntime looked up with dlsym; the typed wrappers
 * below are the only way Swift calls them (setopt and getinfo are variadic,
 * which Swift cannot call). No logic here.
 */
typedef struct fido_curl_api {
  void *global_init;
  void *global_cleanup;
  void *easy_init;
  void *easy_cleanup;
  void *easy_reset;
  void *easy_perform;
  void *easy_strerror;
  void *easy_setopt;
  void *easy_getinfo;
  void *slist_append;
  void *slist_free_all;
} fido_curl_api;

typedef size_t (*fido_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

typedef CURLcode (*fido_curl_setopt_fn)(CURL *, CURLoption, ...);
typedef CURLcode (*fido_curl_getinfo_fn)(CURL *, CURLINFO, ...);

static inline CURLcode fido_curl_global_init(const fido_curl_api *api, long flags) {
  return ((CURLcode (*)(long))api->global_init)(flags);
}

static inline void fido_curl_global_cleanup(const fido_curl_api *api) {
  ((void (*)(void))api->global_cleanup)();
}

static inline CURL *fido_curl_easy_init(const fido_curl_api *api) {
  return ((CURL * (*)(void)) api->easy_init)();
}

static inline void fido_curl_easy_cleanup(const fido_curl_api *api, CURL *handle) {
  ((void (*)(CURL *))api->easy_cleanup)(handle);
}

static inline void fido_curl_easy_reset(const fido_curl_api *api, CURL *handle) {
  ((void (*)(CURL *))api->easy_reset)(handle);
}

static inline CURLcode fido_curl_easy_perform(const fido_curl_api *api, CURL *handle) {
  return ((CURLcode (*)(CURL *))api->easy_perform)(handle);
}

static inline const char *fido_curl_easy_strerror(const fido_curl_api *api, CURLcode code) {
  return ((const char *(*)(CURLcode))api->easy_strerror)(code);
}

static inline struct curl_slist *fido_curl_slist_append(const fido_curl_api *api, struct curl_slist *list, const char *line) {
  return ((struct curl_slist * (*)(struct curl_slist *, const char *)) api->slist_append)(list, line);
}

static inline void fido_curl_slist_free_all(const fido_curl_api *api, struct curl_slist *list) {
  ((void (*)(struct curl_slist *))api->slist_free_all)(list);
}

static inline CURLcode fido_curl_easy_setopt_long(const fido_curl_api *api, CURL *handle, CURLoption option, long value) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_string(const fido_curl_api *api, CURL *handle, CURLoption option, const char *value) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_pointer(const fido_curl_api *api, CURL *handle, CURLoption option, void *value) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_slist(const fido_curl_api *api, CURL *handle, CURLoption option, struct curl_slist *value) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_off_t(const fido_curl_api *api, CURL *handle, CURLoption option, curl_off_t value) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, option, value);
}

static inline CURLcode fido_curl_easy_setopt_write_function(const fido_curl_api *api, CURL *handle, fido_curl_data_callback callback) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode fido_curl_easy_setopt_header_function(const fido_curl_api *api, CURL *handle, fido_curl_data_callback callback) {
  return ((fido_curl_setopt_fn)api->easy_setopt)(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode fido_curl_easy_getinfo_long(const fido_curl_api *api, CURL *handle, CURLINFO info, long *value) {
  return ((fido_curl_getinfo_fn)api->easy_getinfo)(handle, info, value);
}

static inline CURLcode fido_curl_easy_getinfo_double(const fido_curl_api *api, CURL *handle, CURLINFO info, double *value) {
  return ((fido_curl_getinfo_fn)api->easy_getinfo)(handle, info, value);
}

static inline CURLcode fido_curl_easy_getinfo_off_t(const fido_curl_api *api, CURL *handle, CURLINFO info, curl_off_t *value) {
  return ((fido_curl_getinfo_fn)api->easy_getinfo)(handle, info, value);
}

#endif
