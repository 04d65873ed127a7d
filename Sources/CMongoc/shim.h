#ifndef FIDO_CMONGOC_SHIM_H
#define FIDO_CMONGOC_SHIM_H
/* Not <mongoc/mongoc.h>: the package does not use libmongoc's pkg-config, whose
 * flags would link it, so its include directory is not on the search path. */
#include <libmongoc-1.0/mongoc.h>
#include <bson/bson.h>
#include <string.h>

/* libmongoc is not linked: MongoRuntime (Swift) loads it with dlopen when the
 * first client is made, so commands that never talk to MongoDB do not pay for
 * loading it and its libraries (OpenSSL, SASL, ICU, libmongocrypt…) and for
 * its initialisation at every start. libbson stays linked: the BSON layer and
 * the helpers below call it directly.
 *
 * FIDO_MONGOC_API is the one list of the libmongoc functions fido calls,
 * without their "mongoc_" prefix. From it come the table struct, one typed
 * pointer a function, typed from the header's own declaration (so Swift calls
 * api.client_destroy(client) as it would call the function, and a signature
 * cannot drift), and the symbol names in the same order, which the loader
 * (DynamicLibrary.swift) looks up with dlsym into the table's fields. */
#define FIDO_MONGOC_API(X) \
  X(cleanup) X(init) X(log_set_handler)                                                         \
  X(apm_callbacks_destroy) X(apm_callbacks_new)                                                 \
  X(apm_command_failed_get_command_name) X(apm_command_failed_get_context)                      \
  X(apm_command_failed_get_duration) X(apm_command_failed_get_error)                            \
  X(apm_command_started_get_command) X(apm_command_started_get_command_name)                    \
  X(apm_command_started_get_context) X(apm_command_started_get_database_name)                   \
  X(apm_command_started_get_request_id)                                                         \
  X(apm_command_succeeded_get_command_name) X(apm_command_succeeded_get_context)                \
  X(apm_command_succeeded_get_duration) X(apm_command_succeeded_get_reply)                      \
  X(apm_set_command_failed_cb) X(apm_set_command_started_cb) X(apm_set_command_succeeded_cb)    \
  X(apm_server_changed_get_context) X(apm_server_changed_get_host)                              \
  X(apm_server_changed_get_new_description) X(apm_set_server_changed_cb)                        \
  X(apm_set_topology_changed_cb) X(apm_topology_changed_get_context)                            \
  X(apm_topology_changed_get_new_description)                                                   \
  X(bulk_operation_destroy) X(bulk_operation_execute) X(bulk_operation_update_one_with_opts)    \
  X(client_command_with_opts) X(client_destroy) X(client_get_collection)                        \
  X(client_new_from_uri_with_error) X(client_select_server) X(client_set_apm_callbacks)         \
  X(client_set_error_api) X(client_set_write_concern) X(client_start_session)                   \
  X(client_session_abort_transaction) X(client_session_append)                                  \
  X(client_session_commit_transaction) X(client_session_destroy)                                \
  X(client_session_in_transaction) X(client_session_start_transaction)                          \
  X(collection_aggregate) X(collection_count_documents)                                         \
  X(collection_create_bulk_operation_with_opts) X(collection_delete_many)                       \
  X(collection_delete_one) X(collection_destroy) X(collection_drop_with_opts)                   \
  X(collection_find_and_modify_with_opts) X(collection_find_indexes_with_opts)                  \
  X(collection_find_with_opts) X(collection_insert_many) X(collection_insert_one)               \
  X(collection_update_many) X(collection_update_one) X(collection_write_command_with_opts)      \
  X(cursor_destroy) X(cursor_error_document) X(cursor_next)                                     \
  X(find_and_modify_opts_append) X(find_and_modify_opts_destroy) X(find_and_modify_opts_new)    \
  X(find_and_modify_opts_set_fields) X(find_and_modify_opts_set_flags)                          \
  X(find_and_modify_opts_set_sort) X(find_and_modify_opts_set_update)                           \
  X(read_concern_destroy) X(read_concern_new) X(read_concern_set_level)                         \
  X(read_prefs_destroy) X(read_prefs_new)                                                       \
  X(server_description_destroy) X(server_description_hello_response)                            \
  X(server_description_type) X(topology_description_type)                                       \
  X(transaction_opts_destroy) X(transaction_opts_new) X(transaction_opts_set_read_concern)      \
  X(transaction_opts_set_read_prefs) X(transaction_opts_set_write_concern)                      \
  X(uri_destroy) X(uri_get_appname) X(uri_get_auth_mechanism) X(uri_get_auth_source)            \
  X(uri_get_option_as_utf8) X(uri_get_tls) X(uri_get_username)                                  \
  X(uri_get_write_concern) X(uri_has_option)                                                    \
  X(uri_new_with_error) X(uri_set_appname) X(uri_set_option_as_bool) X(uri_set_option_as_int32) \
  X(write_concern_copy) X(write_concern_destroy) X(write_concern_get_w)                         \
  X(write_concern_get_wmajority) X(write_concern_get_wtag) X(write_concern_get_wtimeout)        \
  X(write_concern_new) X(write_concern_set_wmajority)                                             \
  X(collection_watch) X(change_stream_next) X(change_stream_error_document) X(change_stream_destroy)

#define FIDO_MONGOC_FIELD(name) __typeof__(mongoc_##name) *_Nonnull name;
typedef struct fido_mongoc_api {
  FIDO_MONGOC_API(FIDO_MONGOC_FIELD)
} fido_mongoc_api;
#undef FIDO_MONGOC_FIELD

#define FIDO_MONGOC_SYMBOL(name) "mongoc_" #name,
static const char *_Nonnull const fido_mongoc_symbols[] = {FIDO_MONGOC_API(FIDO_MONGOC_SYMBOL)};
#undef FIDO_MONGOC_SYMBOL

_Static_assert(sizeof(fido_mongoc_api) == sizeof(fido_mongoc_symbols), "one pointer a symbol name");

/* Debian builds libbson with BSON_EXTRA_ALIGN: bson_t and bson_iter_t are
 * 128-byte aligned, so Swift sees them only as OpaquePointer and cannot place
 * one on its stack. These helpers hand out correctly aligned heap storage.
 * No logic lives here. */

/* Zeroed heap storage for a type libbson declares with an over-aligned
 * typedef: alignof(bson_iter_t) is 128 while sizeof is 80, and C11
 * aligned_alloc (which bson_aligned_alloc0 calls) wants a size that is a
 * multiple of the alignment, so round it up. */
static inline void *fido_aligned_zalloc(size_t alignment, size_t size) {
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  return bson_aligned_alloc0(alignment, rounded);
}

/* bson_t storage, already bson_init-ed: for "uninitialized bson_t *reply"
 * out-parameters (libmongoc re-initialises it) and for documents we fill.
 * Release with fido_bson_storage_free. */
static inline bson_t *fido_bson_storage_new(void) {
  bson_t *b = (bson_t *)fido_aligned_zalloc(BSON_ALIGNOF(bson_t), sizeof(bson_t));
  bson_init(b);
  return b;
}

static inline void fido_bson_storage_free(bson_t *b) {
  if (b) {
    bson_destroy(b);
    bson_free(b);
  }
}

/* Uninitialized bson_t storage for bson_append_document_begin /
 * bson_append_array_begin. After the matching *_end the child lives inside
 * its parent, so release the storage with fido_bson_child_storage_free only. */
static inline bson_t *fido_bson_child_storage_new(void) {
  return (bson_t *)fido_aligned_zalloc(BSON_ALIGNOF(bson_t), sizeof(bson_t));
}

static inline void fido_bson_child_storage_free(bson_t *b) { bson_free(b); }

/* bson_iter_t storage. Release with fido_bson_iter_storage_free. */
static inline bson_iter_t *fido_bson_iter_storage_new(void) {
  return (bson_iter_t *)fido_aligned_zalloc(BSON_ALIGNOF(bson_iter_t), sizeof(bson_iter_t));
}

static inline void fido_bson_iter_storage_free(bson_iter_t *it) { bson_free(it); }

#endif
