/* The floor for `fido user get ID -o json`: one find by _id (limit 1,
 * password_hash projected out) through libmongoc, printed as relaxed
 * Extended JSON. Usage: floor_get URI DB HEXID */
#include "common.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: floor_get URI DB HEXID\n");
    return 2;
  }
  mongoc_init();
  mongoc_client_t *client = bench_client(argv[1]);
  mongoc_collection_t *users = mongoc_client_get_collection(client, argv[2], "users");
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, argv[3]);
  bson_t *filter = BCON_NEW("_id", BCON_OID(&oid));
  bson_t *opts = BCON_NEW("limit", BCON_INT64(1), "projection", "{", "password_hash", BCON_INT32(0), "}");
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(users, filter, opts, NULL);
  const bson_t *doc;
  int found = 0;
  while (mongoc_cursor_next(cursor, &doc)) {
    char *json = bson_as_relaxed_extended_json(doc, NULL);
    printf("%s\n", json);
    bson_free(json);
    found = 1;
  }
  bson_error_t error;
  int status = 0;
  if (mongoc_cursor_error(cursor, &error)) {
    fprintf(stderr, "find: %s\n", error.message);
    status = 1;
  } else if (!found) {
    status = 3;
  }
  mongoc_cursor_destroy(cursor);
  bson_destroy(filter);
  bson_destroy(opts);
  mongoc_collection_destroy(users);
  mongoc_client_destroy(client);
  mongoc_cleanup();
  return status;
}
