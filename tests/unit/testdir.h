/* testdir.h - scratch directories and whole-file helpers for unit tests. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

/* A fresh directory under $TMPDIR; the caller removes it with testdir_remove(). */
static inline char *testdir_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = xasprintf("%s/storywatch-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!mkdtemp(path))
		abort();
	return path;
}

/* Removes a flat directory and its files (tests never nest). */
static inline void testdir_remove(char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			char *f;

			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			f = xasprintf("%s/%s", path, de->d_name);
			(void) unlink(f);
			free(f);
		}
		closedir(d);
	}
	(void) rmdir(path);
	free(path);
}

/* Number of entries in a flat directory. */
static inline int testdir_count(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static inline void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "we");

	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* Whole file into a NUL-terminated buffer; NULL when it cannot be read. */
static inline char *read_file(const char *path, size_t *ret_n)
{
	struct buf b;
	char tmp[4096];
	size_t k;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	buf_init(&b, 0);
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, k);
	fclose(f);
	if (ret_n)
		*ret_n = b.len;
	return buf_steal(&b);
}
