/* The same-writes floor for `fido txn import`: replays the writes fido's
 * import makes, read from a plan (bench/gen.py plan: one Extended JSON
 * object a line, {"b":1} opening a batch, {"t":DOC} a transaction document,
 * {"u":{"q":FILTER,"u":UPDATE}} a user update, {"a":ENTRY} a history entry,
 * {"c":1} closing the batch). Each batch is one multi-document transaction,
 * as in fido: the transaction documents in insert commands of 1000, the user
 * updates in one ordered update command (each conditional on the user's
 * history head, as fido's: a miss fails the run), the history entries in one
 * insert, then the commit; majority write concern. None of fido's reads
 * (user look-ups, the batch's head read, createIndexes): this is the floor
 * of its writes.
 * With several plans (gen.py plan … P: disjoint users each), one thread per
 * plan, each with a client from one mongoc_client_pool: the prototype of a
 * parallel import, measured before fido would adopt one.
 * Usage: floor_import URI DB PLAN [PLAN...] */
#include "common.h"
#include <pthread.h>

#define CHUNK 1000

typedef struct {
  bson_t **v;
  size_t n, cap;
} docs_t;

static void push(docs_t *d, bson_t *doc) {
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 1024;
    d->v = realloc(d->v, d->cap * sizeof *d->v);
  }
  d->v[d->n++] = doc;
}

static void clear(docs_t *d) {
  for (size_t i = 0; i < d->n; i++) bson_destroy(d->v[i]);
  d->n = 0;
}

/* Write conflicts are retried as fido retries them (TransientTransactionError:
 * the whole batch again); `retries` counts them. */
static __thread int conflict;
static int retries;
static pthread_mutex_t retries_lock = PTHREAD_MUTEX_INITIALIZER;

static int fail(const char *what, const bson_error_t *e) {
  if (e->code == 112 || e->code == 251) { /* WriteConflict, NoSuchTransaction */
    conflict = 1;
    return 0;
  }
  fprintf(stderr, "%s: %s\n", what, e->message);
  return 0;
}

static int insert(mongoc_collection_t *coll, bson_t **docs, size_t n, const bson_t *opts) {
  bson_error_t error;
  if (!mongoc_collection_insert_many(coll, (const bson_t **)docs, n, opts, NULL, &error))
    return fail("insert", &error);
  return 1;
}

/* One batch: its own session and transaction, as fido's. */
static int batch(mongoc_client_t *client, mongoc_collection_t *txns, mongoc_collection_t *users,
                 mongoc_collection_t *audit, docs_t *t, docs_t *u, docs_t *a) {
  bson_error_t error;
  mongoc_client_session_t *s = mongoc_client_start_session(client, NULL, &error);
  if (!s) return fail("session", &error);
  int ok = 0;
  bson_t opts = BSON_INITIALIZER;
  if (!mongoc_client_session_start_transaction(s, NULL, &error)) { fail("start", &error); goto done; }
  if (!mongoc_client_session_append(s, &opts, &error)) { fail("append", &error); goto done; }
  for (size_t i = 0; i < t->n; i += CHUNK)
    if (!insert(txns, t->v + i, t->n - i < CHUNK ? t->n - i : CHUNK, &opts)) goto done;
  if (u->n) {
    bson_t bulk_opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&bulk_opts, "ordered", true);
    mongoc_client_session_append(s, &bulk_opts, NULL);
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(users, &bulk_opts);
    bson_destroy(&bulk_opts);
    for (size_t i = 0; i < u->n; i++) {
      bson_iter_t it;
      bson_t q, up;
      const uint8_t *data;
      uint32_t len;
      bson_iter_init_find(&it, u->v[i], "q");
      bson_iter_document(&it, &len, &data);
      bson_init_static(&q, data, len);
      bson_iter_init_find(&it, u->v[i], "u");
      bson_iter_document(&it, &len, &data);
      bson_init_static(&up, data, len);
      if (!mongoc_bulk_operation_update_one_with_opts(bulk, &q, &up, NULL, &error)) {
        mongoc_bulk_operation_destroy(bulk);
        fail("update", &error);
        goto done;
      }
    }
    bson_t reply;
    uint32_t r = mongoc_bulk_operation_execute(bulk, &reply, &error);
    int64_t matched = -1;
    bson_iter_t it;
    if (bson_iter_init_find(&it, &reply, "nMatched")) matched = bson_iter_as_int64(&it);
    bson_destroy(&reply);
    mongoc_bulk_operation_destroy(bulk);
    if (!r) { fail("update", &error); goto done; }
    if (matched != (int64_t)u->n) {
      fprintf(stderr, "update matched %lld of %zu users (not reset?)\n", (long long)matched, u->n);
      goto done;
    }
  }
  if (a->n && !insert(audit, a->v, a->n, &opts)) goto done;
  bson_t reply;
  if (!mongoc_client_session_commit_transaction(s, &reply, &error)) {
    bson_destroy(&reply);
    fail("commit", &error);
    goto done;
  }
  bson_destroy(&reply);
  ok = 1;
done:
  if (!ok) mongoc_client_session_abort_transaction(s, NULL);
  bson_destroy(&opts);
  mongoc_client_session_destroy(s);
  return ok;
}

typedef struct {
  mongoc_client_t *client;
  const char *db, *path;
  size_t total;
  int status;
} job_t;

static void *run_plan(void *arg) {
  job_t *job = arg;
  mongoc_client_t *client = job->client;
  const char *dbname = job->db;
  job->status = 1;
  FILE *f = fopen(job->path, "rb");
  if (!f) {
    perror(job->path);
    return NULL;
  }
  mongoc_collection_t *txns = mongoc_client_get_collection(client, dbname, "transactions");
  mongoc_collection_t *users = mongoc_client_get_collection(client, dbname, "users");
  mongoc_collection_t *audit = mongoc_client_get_collection(client, dbname, "audit");
  docs_t t = {0}, u = {0}, a = {0};
  char *line = NULL;
  size_t cap = 0, total = 0;
  ssize_t len;
  int status = 0;
  while (status == 0 && (len = getline(&line, &cap, f)) > 0) {
    bson_error_t error;
    bson_t *doc = bson_new_from_json((const uint8_t *)line, len, &error);
    bson_iter_t it;
    if (!doc || !bson_iter_init(&it, doc) || !bson_iter_next(&it)) {
      fprintf(stderr, "plan: %s\n", doc ? "empty line" : error.message);
      status = 1;
      break;
    }
    const char *k = bson_iter_key(&it);
    const uint8_t *data;
    uint32_t dlen;
    switch (k[0]) {
    case 'b': bson_destroy(doc); break;
    case 't':
    case 'a':
      bson_iter_document(&it, &dlen, &data);
      push(k[0] == 't' ? &t : &a, bson_new_from_data(data, dlen));
      if (k[0] == 't') total++;
      bson_destroy(doc);
      break;
    case 'u':
      bson_iter_document(&it, &dlen, &data);
      push(&u, bson_new_from_data(data, dlen));
      bson_destroy(doc);
      break;
    case 'c':
      bson_destroy(doc);
      for (int attempt = 0;; attempt++) {
        conflict = 0;
        if (batch(client, txns, users, audit, &t, &u, &a)) break;
        if (!conflict || attempt == 1000) {
          status = 1;
          break;
        }
        pthread_mutex_lock(&retries_lock);
        retries++;
        pthread_mutex_unlock(&retries_lock);
      }
      clear(&t);
      clear(&u);
      clear(&a);
      break;
    default:
      fprintf(stderr, "plan: unknown key %s\n", k);
      bson_destroy(doc);
      status = 1;
    }
  }
  free(line);
  fclose(f);
  clear(&t);
  clear(&u);
  clear(&a);
  free(t.v);
  free(u.v);
  free(a.v);
  mongoc_collection_destroy(txns);
  mongoc_collection_destroy(users);
  mongoc_collection_destroy(audit);
  job->total = total;
  job->status = status;
  return NULL;
}

/* libmongoc warns on stderr when an abort after a conflict finds nothing to abort. */
static void quiet(mongoc_log_level_t level, const char *domain, const char *msg, void *data) {
  if (level <= MONGOC_LOG_LEVEL_ERROR) mongoc_log_default_handler(level, domain, msg, data);
}

int main(int argc, char **argv) {
  mongoc_log_set_handler(quiet, NULL);
  if (argc < 4) {
    fprintf(stderr, "usage: floor_import URI DB PLAN [PLAN...]\n");
    return 2;
  }
  mongoc_init();
  int n = argc - 3;
  job_t *jobs = calloc(n, sizeof *jobs);
  int status = 0;
  size_t total = 0;
  if (n == 1) {
    /* One worker: one client, as fido. */
    jobs[0] = (job_t){bench_client(argv[1]), argv[2], argv[3], 0, 0};
    run_plan(&jobs[0]);
    mongoc_client_destroy(jobs[0].client);
  } else {
    mongoc_client_pool_t *pool = bench_pool(argv[1]);
    pthread_t *th = calloc(n, sizeof *th);
    for (int i = 0; i < n; i++) {
      jobs[i] = (job_t){mongoc_client_pool_pop(pool), argv[2], argv[3 + i], 0, 0};
      pthread_create(&th[i], NULL, run_plan, &jobs[i]);
    }
    for (int i = 0; i < n; i++) {
      pthread_join(th[i], NULL);
      mongoc_client_pool_push(pool, jobs[i].client);
    }
    free(th);
    mongoc_client_pool_destroy(pool);
  }
  for (int i = 0; i < n; i++) {
    total += jobs[i].total;
    if (jobs[i].status) status = 1;
  }
  if (status == 0) printf("{\"inserted\": %zu, \"retries\": %d}\n", total, retries);
  free(jobs);
  mongoc_cleanup();
  return status;
}
