#ifndef FIDO_CMONGOC_SHIM_H
#define FIDO_CMONGOC_SHIM_H
#include <mongoc/mongoc.h>
#include <bson/bson.h>
#include <string.h>

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

/* bson_t's len field, which Swift cannot read through an OpaquePointer. */
static inline uint32_t fido_bson_length(const bson_t *b) { return b->len; }

#endif
