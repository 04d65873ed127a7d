/* Shared set-up for the C floors: the same client settings fido uses
 * (appname, timeouts, majority write concern, retryable reads/writes as
 * libmongoc's defaults), so the only difference left is fido itself. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>

static mongoc_uri_t *bench_uri(const char *uri_string) {
  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_string, &error);
  if (!uri) {
    fprintf(stderr, "bad uri: %s\n", error.message);
    exit(1);
  }
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 10000);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 10000);
  mongoc_uri_set_option_as_bool(uri, MONGOC_URI_SERVERSELECTIONTRYONCE, false);
  mongoc_uri_set_appname(uri, "bench-c");
  /* Majority write concern, for a client and for a pool's clients alike. */
  mongoc_write_concern_t *wc = mongoc_write_concern_new();
  mongoc_write_concern_set_wmajority(wc, 0);
  mongoc_uri_set_write_concern(uri, wc);
  mongoc_write_concern_destroy(wc);
  return uri;
}

/* A pool with the same settings (the parallel import prototype). */
static inline mongoc_client_pool_t *bench_pool(const char *uri_string) {
  mongoc_uri_t *uri = bench_uri(uri_string);
  bson_error_t error;
  mongoc_client_pool_t *pool = mongoc_client_pool_new_with_error(uri, &error);
  mongoc_uri_destroy(uri);
  if (!pool) {
    fprintf(stderr, "pool: %s\n", error.message);
    exit(1);
  }
  mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
  return pool;
}

static mongoc_client_t *bench_client(const char *uri_string) {
  bson_error_t error;
  mongoc_uri_t *uri = bench_uri(uri_string);
  mongoc_client_t *client = mongoc_client_new_from_uri_with_error(uri, &error);
  mongoc_uri_destroy(uri);
  if (!client) {
    fprintf(stderr, "client: %s\n", error.message);
    exit(1);
  }
  mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
  return client;
}
#endif
