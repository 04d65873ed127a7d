/* The same-commands floor for `fido txn add --no-sms`: what fido sends (see
 * `fido -v txn add`), through libmongoc, with nothing else around it.
 *   find users {_id} (the user, outside the transaction)
 *   transaction: findAndModify users — conditional on the history head and
 *                the figures read, $inc of balance, counters and the day's
 *                counters, $set of updated_at and the new head, $min/$max of
 *                first/last, returning the new balance —
 *                insert audit (a txn.create entry shaped as fido's),
 *                insert transactions, commitTransaction
 *   endSessions (mongoc_client_destroy)
 * Majority write concern. The head hash is a stand-in of the same length
 * (hashing is fido's CPU, not the server's). Run it on a user fido does not
 * write to in the same run: it keeps that user's head and figures
 * consistent, not the hash chain (so `audit verify` would flag that user).
 * Usage: floor_add URI DB HEXUSERID */
#include "common.h"
#include <time.h>

static int64_t get64(const bson_t *doc, const char *path) {
  bson_iter_t it, f;
  if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, path, &f)) return bson_iter_as_int64(&f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: floor_add URI DB HEXUSERID\n");
    return 2;
  }
  mongoc_init();
  mongoc_client_t *client = bench_client(argv[1]);
  mongoc_collection_t *users = mongoc_client_get_collection(client, argv[2], "users");
  mongoc_collection_t *txns = mongoc_client_get_collection(client, argv[2], "transactions");
  mongoc_collection_t *audit = mongoc_client_get_collection(client, argv[2], "audit");
  bson_oid_t uid;
  bson_oid_init_from_string(&uid, argv[3]);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  int64_t amount = 2150;
  int status = 1;
  bson_error_t error;

  /* The user, as fido reads it before the transaction. */
  bson_t *filter = BCON_NEW("_id", BCON_OID(&uid));
  bson_t *fopts = BCON_NEW("limit", BCON_INT64(1), "projection", "{", "password_hash", BCON_INT32(0),
                           "stats.days", BCON_INT32(0), "}");
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(users, filter, fopts, NULL);
  const bson_t *found;
  bson_t *user = NULL;
  if (mongoc_cursor_next(cursor, &found)) user = bson_copy(found);
  if (mongoc_cursor_error(cursor, &error)) fprintf(stderr, "find: %s\n", error.message);
  mongoc_cursor_destroy(cursor);
  bson_destroy(filter);
  bson_destroy(fopts);
  if (!user) {
    fprintf(stderr, "no user %s\n", argv[3]);
    goto out;
  }
  const char *figs[] = {"balance", "stats.count", "stats.credit_count", "stats.debit_count",
                        "stats.credit_total", "stats.debit_total"};
  int64_t before[6];
  for (int i = 0; i < 6; i++) before[i] = get64(user, figs[i]);
  int64_t seq = get64(user, "audit_seq");
  char head[65] = "";
  bson_iter_t it;
  if (bson_iter_init_find(&it, user, "audit_head") && BSON_ITER_HOLDS_UTF8(&it))
    snprintf(head, sizeof head, "%s", bson_iter_utf8(&it, NULL));
  char name[256] = "Bench User", currency[8] = "GHS";
  if (bson_iter_init_find(&it, user, "name") && BSON_ITER_HOLDS_UTF8(&it))
    snprintf(name, sizeof name, "%s", bson_iter_utf8(&it, NULL));
  bson_oid_t rnd;
  bson_oid_init(&rnd, NULL);
  char next[65], hex[25];
  bson_oid_to_string(&rnd, hex);
  snprintf(next, sizeof next, "%s%s%.16s", hex, hex, hex);

  time_t day_s = (time_t)(now / 1000);
  struct tm tm;
  gmtime_r(&day_s, &tm);
  char dcount[64], damount[64];
  strftime(dcount, sizeof dcount, "stats.days.%Y-%m-%d.count", &tm);
  strftime(damount, sizeof damount, "stats.days.%Y-%m-%d.amount", &tm);

  bson_oid_t tid, aid;
  bson_oid_init(&tid, NULL);
  bson_oid_init(&aid, NULL);

  mongoc_client_session_t *s = mongoc_client_start_session(client, NULL, &error);
  if (!s) {
    fprintf(stderr, "session: %s\n", error.message);
    goto out;
  }
  bson_t opts = BSON_INITIALIZER;
  if (!mongoc_client_session_start_transaction(s, NULL, &error) ||
      !mongoc_client_session_append(s, &opts, &error)) {
    fprintf(stderr, "transaction: %s\n", error.message);
    goto end;
  }
  /* findAndModify: conditional on head and figures, as fido's, with its
   * Int64 bounds on the day counters (the pinned figures need none). */
  bson_t q = BSON_INITIALIZER;
  BSON_APPEND_OID(&q, "_id", &uid);
  bson_t *bound_count = BCON_NEW("$not", "{", "$gt", BCON_INT64(INT64_MAX - 1), "}");
  bson_t *bound_amount = BCON_NEW("$not", "{", "$gt", BCON_INT64(INT64_MAX - amount), "}");
  BSON_APPEND_DOCUMENT(&q, dcount, bound_count);
  BSON_APPEND_DOCUMENT(&q, damount, bound_amount);
  bson_destroy(bound_count);
  bson_destroy(bound_amount);
  if (head[0]) BSON_APPEND_UTF8(&q, "audit_head", head);
  else BSON_APPEND_NULL(&q, "audit_head");
  for (int i = 0; i < 6; i++) BSON_APPEND_INT64(&q, figs[i], before[i]);
  bson_t *update = BCON_NEW(
    "$inc", "{", "balance", BCON_INT64(amount), "stats.count", BCON_INT64(1), "stats.credit_count",
    BCON_INT64(1), "stats.debit_count", BCON_INT64(0), "stats.credit_total", BCON_INT64(amount),
    "stats.debit_total", BCON_INT64(0), dcount, BCON_INT64(1), damount, BCON_INT64(amount), "}",
    "$set", "{", "updated_at", BCON_DATE_TIME(now), "audit_head", BCON_UTF8(next), "audit_seq",
    BCON_INT64(seq + 1), "}", "$min", "{", "stats.first_at", BCON_DATE_TIME(now), "}", "$max", "{",
    "stats.last_at", BCON_DATE_TIME(now), "}");
  mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new();
  mongoc_find_and_modify_opts_set_update(fam, update);
  mongoc_find_and_modify_opts_set_flags(fam, MONGOC_FIND_AND_MODIFY_RETURN_NEW);
  bson_t *proj = BCON_NEW("balance", BCON_INT32(1));
  mongoc_find_and_modify_opts_set_fields(fam, proj);
  mongoc_find_and_modify_opts_append(fam, &opts);
  bson_t reply;
  bool ok = mongoc_collection_find_and_modify_with_opts(users, &q, fam, &reply, &error);
  int64_t balance = 0;
  bson_iter_t v;
  bool matched = bson_iter_init(&it, &reply) && bson_iter_find_descendant(&it, "value.balance", &v);
  if (matched) balance = bson_iter_as_int64(&v);
  bson_destroy(&reply);
  mongoc_find_and_modify_opts_destroy(fam);
  bson_destroy(proj);
  bson_destroy(update);
  bson_destroy(&q);
  if (!ok || !matched) {
    fprintf(stderr, "findAndModify: %s\n", ok ? "the user changed (head moved)" : error.message);
    goto end;
  }
  /* The txn.create history entry. */
  bson_t *entry = BCON_NEW(
    "_id", BCON_OID(&aid), "v", BCON_INT32(1), "user_id", BCON_OID(&uid), "seq", BCON_INT64(seq + 1),
    "at", BCON_DATE_TIME(now), "action", BCON_UTF8("txn.create"), "target", "{", "collection",
    BCON_UTF8("transactions"), "id", BCON_OID(&tid), "}", "actor", "{", "os_user", BCON_UTF8("root"),
    "host", BCON_UTF8("vm"), "fido_version", BCON_UTF8("0.1.0"), "profile", BCON_NULL, "}", "before",
    "{", "user", "{", "balance", BCON_INT64(before[0]), "count", BCON_INT64(before[1]), "credit_count",
    BCON_INT64(before[2]), "debit_count", BCON_INT64(before[3]), "credit_total", BCON_INT64(before[4]),
    "debit_total", BCON_INT64(before[5]), "}", "}", "after", "{", "transactions", "[", "{", "id",
    BCON_OID(&tid), "amount", BCON_INT64(amount), "type", BCON_UTF8("credit"), "date",
    BCON_DATE_TIME(now), "key", BCON_NULL, "currency", BCON_UTF8(currency), "}", "]", "user", "{",
    "balance", BCON_INT64(before[0] + amount), "count", BCON_INT64(before[1] + 1), "credit_count",
    BCON_INT64(before[2] + 1), "debit_count", BCON_INT64(before[3]), "credit_total",
    BCON_INT64(before[4] + amount), "debit_total", BCON_INT64(before[5]), "}", "}", "currency",
    BCON_UTF8(currency));
  if (head[0]) BSON_APPEND_UTF8(entry, "prev", head);
  else BSON_APPEND_NULL(entry, "prev");
  BSON_APPEND_UTF8(entry, "hash", next);
  ok = mongoc_collection_insert_one(audit, entry, &opts, NULL, &error);
  bson_destroy(entry);
  if (!ok) {
    fprintf(stderr, "insert audit: %s\n", error.message);
    goto end;
  }
  char body[256];
  snprintf(body, sizeof body, "FIDO Credit: GHS 21.50 credited to your account. Balance: GHS %lld.%02lld.",
           (long long)(balance / 100), (long long)(balance % 100));
  bson_t *doc = BCON_NEW(
    "_id", BCON_OID(&tid), "user_id", BCON_OID(&uid), "full_name", BCON_UTF8(name), "amount",
    BCON_INT64(amount), "currency", BCON_UTF8(currency), "type", BCON_UTF8("credit"), "date",
    BCON_DATE_TIME(now), "sms", "{", "status", BCON_UTF8("skipped"), "attempts", BCON_INT64(0), "sid",
    BCON_NULL, "last_error", BCON_UTF8("--no-sms"), "to", BCON_NULL, "body", BCON_UTF8(body),
    "next_attempt_at", BCON_NULL, "updated_at", BCON_DATE_TIME(now), "}", "created_at",
    BCON_DATE_TIME(now), "updated_at", BCON_DATE_TIME(now));
  ok = mongoc_collection_insert_one(txns, doc, &opts, NULL, &error);
  bson_destroy(doc);
  if (!ok) {
    fprintf(stderr, "insert: %s\n", error.message);
    goto end;
  }
  if (!mongoc_client_session_commit_transaction(s, &reply, &error)) {
    fprintf(stderr, "commit: %s\n", error.message);
    bson_destroy(&reply);
    goto end;
  }
  bson_destroy(&reply);
  printf("{\"balance\": %lld}\n", (long long)balance);
  status = 0;
end:
  bson_destroy(&opts);
  mongoc_client_session_destroy(s);
out:
  if (user) bson_destroy(user);
  mongoc_collection_destroy(users);
  mongoc_collection_destroy(txns);
  mongoc_collection_destroy(audit);
  mongoc_client_destroy(client);
  mongoc_cleanup();
  return status;
}
