#ifndef FIDO_CMONGOC_SHIM_H
#define FIDO_CMONGOC_SHIM_H
#include <mongoc/mongoc.h>
#include <bson/bson.h>
#endif
