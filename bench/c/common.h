/* Shared set-up for the C floors: the same client settings fido uses
 * (appname, timeouts, majority write concern, retryable reads/writes as
 * libmongoc's defaults), so the only difference left is fido itself. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>

static mongoc_client_t *bench_client(const char *uri_string) {
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
  mongoc_client_t *client = mongoc_client_new_from_uri_with_error(uri, &error);
  mongoc_uri_destroy(uri);
  if (!client) {
    fprintf(stderr, "client: %s\n", error.message);
    exit(1);
  }
  mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
  mongoc_write_concern_t *wc = mongoc_write_concern_new();
  mongoc_write_concern_set_wmajority(wc, 0);
  mongoc_client_set_write_concern(client, wc);
  mongoc_write_concern_destroy(wc);
  return client;
}
#endif
