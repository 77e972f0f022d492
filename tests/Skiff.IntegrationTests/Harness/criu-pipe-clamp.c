/*
 * LD_PRELOAD shim for one test (CheckpointTests' full lazy migration): criu 4.2's lazy page server grows a pipe
 * to 819 pages with F_SETPIPE_SZ; above fs.pipe-max-size without CAP_SYS_RESOURCE the kernel refuses and criu
 * fails on the first page. This clamps the request to fs.pipe-max-size, which is plenty for a busybox shell,
 * so the migration flow (status fd, page server, lazy-pages daemon, restore) can be shown on such a machine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

static long pipe_max(void)
{
	long max = 1048576;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "re");
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 1048576;
		fclose(f);
	}
	return max;
}

int fcntl(int fd, int cmd, ...)
{
	static int (*real)(int, int, ...);
	va_list ap;
	long arg;

	if (!real)
		real = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (cmd == F_SETPIPE_SZ && arg > pipe_max())
		arg = pipe_max();
	return real(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl(fd, cmd, arg);
}
