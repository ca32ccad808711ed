/* replay.c - runs a libFuzzer target over its corpus, without libFuzzer, so
 * that every past finding stays fixed under make check. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	_cleanup_buf_ struct buf b;
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	buf_init(&b, 64u * 1024 * 1024);
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			fprintf(stderr, "replay: %s: too large\n", path);
			return -EFBIG;
		}
	fclose(f);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : FUZZ_CORPUS_DIR;
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned count = 0;
	int status = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (replay_file(path) < 0)
			status = 1;
		else
			count++;
	}
	closedir(d);
	printf("replay: %u inputs from %s\n", count, dir);
	return status;
}
