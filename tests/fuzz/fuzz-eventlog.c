/* fuzz-eventlog.c - libFuzzer target: finding the last record and the torn
 * tail of an event log, whatever the log holds. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "events-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	off_t end = -1;
	uint64_t seq = UINT64_MAX, want = 0;
	size_t want_end = 0;
	int fd;

	if (size > 1024 * 1024)
		return 0;
	fd = memfd_create("eventlog", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	if (events_log_scan(fd, (off_t)size, &end, &seq) < 0)
		abort();
	close(fd);

	/* Everything up to the last newline is kept; the last complete line
	 * with a seq names it.  (How one line's seq is read is test-events'
	 * business: here, which line and where the log ends.) */
	for (size_t i = 0, start = 0; i < size; i++)
		if (data[i] == '\n') {
			uint64_t s = events_line_seq((const char *)data + start, i - start);

			if (s)
				want = s;
			start = i + 1;
			want_end = i + 1;
		}
	if ((size_t)end != want_end || seq != want)
		abort();
	return 0;
}
