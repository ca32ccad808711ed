/* replay.c - feeds every file of a fuzz corpus to LLVMFuzzerTestOneInput, so
 * make check keeps the corpus (and every crash found once) passing without
 * libFuzzer.  Arguments name files or directories; none means FUZZ_CORPUS. */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int replay_file(const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	FILE *f;

	f = fopen(path, "rbe");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			data = xrealloc(data, cap);
		}
		n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* Exactly len bytes, as libFuzzer passes them: ASan sees overreads. */
	{
		_cleanup_free_ uint8_t *exact = xmalloc(len);

		if (len)
			memcpy(exact, data, len);
		LLVMFuzzerTestOneInput(exact, len);
	}
	return 0;
}

static int filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int replay_path(const char *path, unsigned *n)
{
	struct dirent **entries;
	struct stat st;
	int m, r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*n)++;
		return replay_file(path);
	}
	m = scandir(path, &entries, filter, alphasort);
	if (m < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < m; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", path, entries[i]->d_name);

		if (r == 0)
			r = replay_path(p, n);
		free(entries[i]);
	}
	free(entries);
	return r;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int r = 0;

	if (argc < 2)
		r = replay_path(FUZZ_CORPUS, &n);
	for (int i = 1; i < argc && r == 0; i++)
		r = replay_path(argv[i], &n);
	if (r < 0)
		return 1;
	if (n == 0) {
		fprintf(stderr, "no corpus files found\n");
		return 1;
	}
	printf("replayed %u inputs\n", n);
	return 0;
}
