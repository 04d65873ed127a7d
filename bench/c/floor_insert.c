/* The floor for `fido txn add`: one insert of a transaction-shaped document
 * with majority write concern, and nothing else (no user lookup, no
 * statistics, no multi-document transaction).
 * Usage: floor_insert URI DB HEXUSERID */
#include "common.h"
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: floor_insert URI DB HEXUSERID\n");
    return 2;
  }
  mongoc_init();
  mongoc_client_t *client = bench_client(argv[1]);
  mongoc_collection_t *txns = mongoc_client_get_collection(client, argv[2], "transactions");
  bson_oid_t user;
  bson_oid_init_from_string(&user, argv[3]);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  bson_oid_t id;
  bson_oid_init(&id, NULL);
  bson_t *doc = BCON_NEW(
    "_id", BCON_OID(&id), "user_id", BCON_OID(&user), "full_name", BCON_UTF8("Bench User"),
    "amount", BCON_INT64(2150), "currency", BCON_UTF8("GHS"), "type", BCON_UTF8("credit"),
    "date", BCON_DATE_TIME(now),
    "sms", "{", "status", BCON_UTF8("skipped"), "attempts", BCON_INT64(0), "sid", BCON_NULL,
      "last_error", BCON_UTF8("--no-sms"), "to", BCON_NULL, "body", BCON_NULL,
      "next_attempt_at", BCON_NULL, "updated_at", BCON_DATE_TIME(now), "}",
    "created_at", BCON_DATE_TIME(now), "updated_at", BCON_DATE_TIME(now));
  bson_error_t error;
  int status = 0;
  if (!mongoc_collection_insert_one(txns, doc, NULL, NULL, &error)) {
    fprintf(stderr, "insert: %s\n", error.message);
    status = 1;
  }
  bson_destroy(doc);
  mongoc_collection_destroy(txns);
  mongoc_client_destroy(client);
  mongoc_cleanup();
  return status;
}
