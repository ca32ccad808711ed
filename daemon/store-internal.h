/* store-internal.h - what tests need to see of the state file. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* PRAGMA application_id of our files: "SWst". */
#define STORE_APPLICATION_ID 0x53577374

/* The schema this build writes; one migration per step up to it. */
extern const unsigned store_schema_version;

/* store_open(), but migrates no further than version: tests build files with
 * an older schema through the real migration code. */
int store_open_version(const char *path, unsigned version, struct store **ret, struct diag *diag);

/* The open file's PRAGMA user_version. */
int store_get_version(struct store *s, unsigned *ret);

/* The page cache in KiB for a state file of file_size bytes. */
size_t store_cache_kib(uint64_t file_size);
