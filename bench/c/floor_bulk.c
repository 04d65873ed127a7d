/* The floor for `fido txn import`: reads transaction documents, one
 * Extended JSON object per line (bench/gen.py writes the same documents fido
 * would store), and inserts them with libmongoc bulk writes of BATCH
 * documents (fido's batch size, 1000), majority write concern, ordered.
 * No validation, no user lookups, no statistics.
 * Usage: floor_bulk URI DB FILE [BATCH] */
#include "common.h"

static int flush(mongoc_collection_t *coll, bson_t **docs, size_t n) {
  if (n == 0) return 1;
  bson_error_t error;
  bool ok = mongoc_collection_insert_many(coll, (const bson_t **)docs, n, NULL, NULL, &error);
  for (size_t i = 0; i < n; i++) bson_destroy(docs[i]);
  if (!ok) fprintf(stderr, "insert_many: %s\n", error.message);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: floor_bulk URI DB FILE [BATCH]\n");
    return 2;
  }
  size_t batch = argc > 4 ? (size_t)atoi(argv[4]) : 1000;
  FILE *f = fopen(argv[3], "rb");
  if (!f) {
    perror(argv[3]);
    return 1;
  }
  mongoc_init();
  mongoc_client_t *client = bench_client(argv[1]);
  mongoc_collection_t *txns = mongoc_client_get_collection(client, argv[2], "transactions");
  bson_t **docs = calloc(batch, sizeof *docs);
  size_t n = 0, total = 0;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int status = 0;
  while ((len = getline(&line, &cap, f)) > 0) {
    bson_error_t error;
    bson_t *doc = bson_new_from_json((const uint8_t *)line, len, &error);
    if (!doc) {
      fprintf(stderr, "line %zu: %s\n", total + 1, error.message);
      status = 1;
      break;
    }
    docs[n++] = doc;
    total++;
    if (n == batch) {
      if (!flush(txns, docs, n)) { status = 1; n = 0; break; }
      n = 0;
    }
  }
  if (status == 0 && !flush(txns, docs, n)) status = 1;
  free(line);
  free(docs);
  fclose(f);
  printf("{\"inserted\": %zu}\n", total);
  mongoc_collection_destroy(txns);
  mongoc_client_destroy(client);
  mongoc_cleanup();
  return status;
}
