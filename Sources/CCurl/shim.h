#ifndef FIDO_CCURL_SHIM_H
#define FIDO_CCURL_SHIM_H
#include <curl/curl.h>
#endif
