// SPDX-License-Identifier: Apache-2.0
/*
 * skiff's pre-runtime namespace bootstrap (runc's nsexec, written anew): a constructor that runs
 * before the .NET runtime starts threads, as setns/unshare of user and mount namespaces need a
 * single-threaded process. The stages and their protocol are drawn in README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <link.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nsexec.h"

/* Messages between the stages (u32 on SOCK_STREAM socketpairs). */
enum sync_msg {
	SYNC_USERMAP_PLS = 0x40,     /* 1 -> 0: write my uid/gid maps */
	SYNC_USERMAP_ACK = 0x41,     /* 0 -> 1: maps written */
	SYNC_RECVPID_PLS = 0x42,     /* 1 -> 0: stage-2 pid follows (s32) */
	SYNC_RECVPID_ACK = 0x43,     /* 0 -> 1: pid received */
	SYNC_CHILD_FINISH = 0x45,    /* 1 -> 0: done */
	SYNC_TIMEOFFSETS_PLS = 0x46, /* 1 -> 0: write my timens_offsets */
	SYNC_TIMEOFFSETS_ACK = 0x47, /* 0 -> 1: offsets written */
};

enum log_level { PANIC, FATAL, ERROR, WARNING, INFO, DEBUG, TRACE };

#define MAX_NAMESPACES 16
#define MAX_MESSAGE    (1 << 20)

/* The only globals: where log lines go (and from which level), our stage. */
static struct {
	int fd;
	int level;
} logger = {-1, INFO};
static int stage = STAGE_NONE;
/* CLOCK_MONOTONIC when the constructor ran (the process's start for SKIFF_TRACE) and when it
 * returned. */
static long long start_ns, done_ns;
/* The speculative init (stage 0 of an early-spawned run or create; see speculate) and the
 * namespaces stage 0 came from. */
#define SPECULATIVE_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID)
static const char *const speculative_ns[] = {"mnt", "uts", "ipc", "net", "pid"};
#define SPECULATIVE_NS (sizeof(speculative_ns) / sizeof(speculative_ns[0]))
static struct {
	pid_t init;
	int ns[SPECULATIVE_NS];
	/* stage 0's end: a byte once the bootstrap message is read; init's end (see
	 * nsexec_speculation_wait) */
	int go, wait;
	bool is_init; /* this process is the speculative init */
	bool setns;   /* an exec's (speculate_setns) */
} speculation = {0, {-1, -1, -1, -1, -1}, -1, -1, false, false};

static long long monotonic_ns(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

int nsexec_stage(void)
{
	return stage;
}

long long nsexec_start_ns(void)
{
	return start_ns;
}

long long nsexec_done_ns(void)
{
	return done_ns;
}

/* The bootstrap message; str[] points into data, indexed by attribute type. */
struct config {
	char *data;
	uint32_t cloneflags;
	const char *str[TIMENSOFFSET_ATTR - CLONE_FLAGS_ATTR + 1];
	bool setgroup;
	bool rootless_euid;
};

#define STR(c, attr) ((c)->str[(attr)-CLONE_FLAGS_ATTR])

static ssize_t write_all(int fd, const void *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

static ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)off;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

/* Appends src to dst[*n..cap) as the inside of a JSON string. */
static void json_escape(char *dst, size_t *n, size_t cap, const char *src)
{
	for (; *src && *n + 7 < cap; src++) {
		unsigned char c = (unsigned char)*src;
		if (c == '"' || c == '\\') {
			dst[(*n)++] = '\\';
			dst[(*n)++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			*n += (size_t)snprintf(dst + *n, cap - *n, "\\u%04x", c);
		} else {
			dst[(*n)++] = (char)c;
		}
	}
}

__attribute__((format(printf, 2, 3))) static void write_log(int level, const char *fmt, ...)
{
	static const char *const names[] = {"panic", "fatal", "error", "warning",
					    "info",  "debug", "trace"};
	char msg[1024], line[6 * sizeof(msg) + 64];
	int saved = errno, fd = logger.fd;
	size_t n;
	va_list ap;

	if (level > logger.level && level > FATAL)
		return;
	if (fd < 0 && level <= FATAL)
		fd = STDERR_FILENO;
	if (fd < 0)
		return;

	n = (size_t)snprintf(msg, sizeof(msg), "nsexec-%d[%d]: ", stage, getpid());
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);

	n = (size_t)snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"", names[level]);
	json_escape(line, &n, sizeof(line) - 4, msg);
	memcpy(line + n, "\"}\n", 3);
	write_all(fd, line, n + 3);
	errno = saved;
}

#define debug(...) write_log(DEBUG, __VA_ARGS__)

/* Logs "<message>: <errno text>" at level fatal and exits 1 (errno 0: no text). */
__attribute__((noreturn, format(printf, 1, 2))) static void bail(const char *fmt, ...)
{
	char msg[512], err[128] = "";
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (saved != 0) {
		/* Go's errno texts are strerror's with a lowercase first letter. */
		snprintf(err, sizeof(err), ": %s", strerror(saved));
		if (err[2] >= 'A' && err[2] <= 'Z')
			err[2] = (char)(err[2] - 'A' + 'a');
	}
	write_log(FATAL, "%s%s", msg, err);
	_exit(1);
}

/* A non-negative decimal from the environment; -1 when unset or invalid. */
static int parse_fd(const char *value)
{
	char *end;
	long n;

	if (value == NULL || *value == '\0')
		return -1;
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > INT_MAX)
		return -1;
	return (int)n;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(data), n;
	int saved;

	if (fd < 0)
		return -1;
	/* One write: uid_map, gid_map and timens_offsets take one write only. */
	n = write(fd, data, (size_t)len);
	saved = n < 0 ? errno : EIO;
	close(fd);
	errno = n == len ? 0 : saved;
	return n == len ? 0 : -1;
}

/* A string attribute: NUL-terminated, and NULL when empty. */
static const char *attr_string(int type, const char *p, size_t len)
{
	errno = 0;
	if (len == 0 || p[len - 1] != '\0')
		bail("netlink attribute %d is not a NUL-terminated string", type);
	return p[0] != '\0' ? p : NULL;
}

static void nl_parse(int fd, struct config *c)
{
	struct nlmsghdr hdr;
	size_t size, off;

	ssize_t got = read_all(fd, &hdr, sizeof(hdr));

	/* The parent spawns us before it has read the config; refusing that, it closes the pipe
	 * unused. */
	if (got == 0) {
		if (speculation.init > 0)
			kill(speculation.init, SIGKILL);
		_exit(0);
	}
	if (got != (ssize_t)sizeof(hdr))
		bail("failed to read netlink header");
	errno = 0;
	if (hdr.nlmsg_type != INIT_MSG)
		bail("unexpected netlink message type %d", hdr.nlmsg_type);
	if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > MAX_MESSAGE)
		bail("invalid netlink message length %u", hdr.nlmsg_len);
	size = hdr.nlmsg_len - NLMSG_HDRLEN;
	c->data = malloc(size + 1);
	if (c->data == NULL)
		bail("failed to allocate %zu bytes for the netlink payload", size);
	if (read_all(fd, c->data, size) != (ssize_t)size)
		bail("failed to read netlink payload");
	c->data[size] = '\0';

	for (off = 0; off + NLA_HDRLEN <= size;) {
		struct nlattr attr;
		const char *p = c->data + off + NLA_HDRLEN;
		size_t len;

		memcpy(&attr, c->data + off, sizeof(attr));
		errno = 0;
		if (attr.nla_len < NLA_HDRLEN || attr.nla_len > size - off)
			bail("invalid netlink attribute length %u at offset %zu", attr.nla_len,
			     off);
		len = attr.nla_len - NLA_HDRLEN;
		switch (attr.nla_type) {
		case CLONE_FLAGS_ATTR:
			if (len != sizeof(uint32_t))
				bail("invalid clone flags attribute length %zu", len);
			memcpy(&c->cloneflags, p, sizeof(uint32_t));
			break;
		case SETGROUP_ATTR:
			c->setgroup = len > 0 && p[0] != 0;
			break;
		case ROOTLESS_EUID_ATTR:
			c->rootless_euid = len > 0 && p[0] != 0;
			break;
		default: /* the others are strings */
			if (attr.nla_type < NS_PATHS_ATTR || attr.nla_type > TIMENSOFFSET_ATTR)
				bail("unknown netlink attribute %d", attr.nla_type);
			STR(c, attr.nla_type) = attr_string(attr.nla_type, p, len);
		}
		off += NLA_ALIGN(attr.nla_len);
	}
}

static void send_sync(int fd, uint32_t msg, const char *peer)
{
	if (write_all(fd, &msg, sizeof(msg)) < 0)
		bail("failed to sync with %s: write 0x%x", peer, msg);
}

static void expect_sync(int fd, uint32_t want, const char *peer)
{
	uint32_t msg;

	if (read_all(fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		bail("failed to sync with %s: read 0x%x", peer, want);
	errno = 0;
	if (msg != want)
		bail("failed to sync with %s: got 0x%x, want 0x%x", peer, msg, want);
}

/*
 * fork(2) with CLONE_PARENT: the new stage is a child of the skiff parent.
 * Like glibc's fork, the kernel stores the new tid in the thread descriptor
 * (CLONE_CHILD_SETTID on the address glibc gave set_tid_address), or
 * pthread_kill on the main thread would target the old tid once the .NET
 * runtime runs. The robust futex list is not inherited, so it is set again.
 */
static pid_t clone_stage(int next)
{
	static const char *const names[] = {"skiff:[0:PARENT]", "skiff:[1:CHILD]",
					    "skiff:[2:INIT]"};
	unsigned long flags = CLONE_PARENT | SIGCHLD;
	int *tid = NULL;
	void *robust = NULL;
	size_t robust_len = 0;
	pid_t pid;

	if (prctl(PR_GET_TID_ADDRESS, &tid, 0, 0, 0) == 0 && tid != NULL &&
	    *tid == (pid_t)syscall(SYS_gettid))
		flags |= CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	else
		debug("no tid address (%m): stage-%d keeps a stale tid in its TCB", next);
	if (syscall(SYS_get_robust_list, 0, &robust, &robust_len) < 0)
		robust = NULL;

	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, tid, NULL);
	if (pid < 0)
		bail("failed to clone stage-%d", next);
	if (pid == 0) {
		stage = next;
		if (robust != NULL)
			syscall(SYS_set_robust_list, robust, robust_len);
		if (prctl(PR_SET_NAME, names[next], 0, 0, 0) < 0)
			bail("failed to set process name");
	}
	return pid;
}

/* Runs newuidmap/newgidmap: <tool> <pid> <map fields...>. */
static void run_mapping_tool(const char *tool, pid_t target, const char *map)
{
	char pidstr[16], *copy, *tok, *save = NULL, **argv;
	char *const envp[] = {NULL};
	size_t argc = 2, max = 3;
	int status;
	pid_t pid;

	copy = strdup(map);
	if (copy == NULL)
		bail("failed to copy the id map");
	for (const char *p = map; *p; p++)
		max += (*p == ' ' || *p == '\n' || *p == '\t');
	argv = calloc(max + 1, sizeof(char *));
	if (argv == NULL)
		bail("failed to allocate arguments for %s", tool);
	snprintf(pidstr, sizeof(pidstr), "%d", target);
	argv[0] = (char *)tool;
	argv[1] = pidstr;
	for (tok = strtok_r(copy, " \t\n", &save); tok && argc < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = tok;

	pid = vfork();
	if (pid < 0)
		bail("failed to fork for %s", tool);
	if (pid == 0) {
		execve(tool, argv, envp);
		bail("execve %s", tool);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bail("waitpid %s", tool);
	errno = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bail("%s %d failed with wait status %d", tool, target, status);
	free(argv);
	free(copy);
}

/* Writes /proc/<pid>/<file>; on EPERM falls back to the mapping tool if any. */
static void write_proc(const char *tool, pid_t pid, const char *file, const char *map)
{
	char path[64];

	if (map == NULL)
		return;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	debug("update %s to '%s'", path, map);
	if (write_file(path, map) == 0)
		return;
	if (errno != EPERM || tool == NULL)
		bail("write %s", path);
	debug("write %s: permission denied, trying %s", path, tool);
	run_mapping_tool(tool, pid, map);
}

/* Stage 0's report to the parent: one line of JSON. */
static void send_pids(int initfd, pid_t stage1, pid_t stage2)
{
	char pids[64];
	int n = snprintf(pids, sizeof(pids), "{\"stage1_pid\":%d,\"stage2_pid\":%d}\n", stage1,
			 stage2);

	if (write_all(initfd, pids, (size_t)n) < 0)
		bail("failed to send the child pids to the parent");
}

/* Stage 0: serves stage 1, reports the pids, exits. */
__attribute__((noreturn)) static void run_parent(struct config *c, int initfd, pid_t child,
						 int childfd)
{
	pid_t init = -1;
	uint32_t msg = 0;
	char path[64];

	while (msg != SYNC_CHILD_FINISH) {
		if (read_all(childfd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			bail("failed to sync with stage-1: read next state");
		switch (msg) {
		case SYNC_USERMAP_PLS:
			debug("stage-1 requested userns mappings");
			if (c->rootless_euid && !c->setgroup) {
				snprintf(path, sizeof(path), "/proc/%d/setgroups", child);
				if (write_file(path, "deny") < 0 && errno != ENOENT)
					bail("write %s", path);
			}
			write_proc(STR(c, UIDMAPPATH_ATTR), child, "uid_map", STR(c, UIDMAP_ATTR));
			write_proc(STR(c, GIDMAPPATH_ATTR), child, "gid_map", STR(c, GIDMAP_ATTR));
			send_sync(childfd, SYNC_USERMAP_ACK, "stage-1");
			break;
		case SYNC_RECVPID_PLS:
			if (read_all(childfd, &init, sizeof(init)) != (ssize_t)sizeof(init))
				bail("failed to sync with stage-1: read stage-2 pid");
			send_sync(childfd, SYNC_RECVPID_ACK, "stage-1");
			debug("stage-1 %d, stage-2 %d", child, init);
			send_pids(initfd, child, init);
			break;
		case SYNC_TIMEOFFSETS_PLS:
			write_proc(NULL, child, "timens_offsets", STR(c, TIMENSOFFSET_ATTR));
			send_sync(childfd, SYNC_TIMEOFFSETS_ACK, "stage-1");
			break;
		case SYNC_CHILD_FINISH:
			break;
		default:
			errno = 0;
			bail("unexpected sync message 0x%x from stage-1", msg);
		}
	}
	errno = 0;
	if (init < 0)
		bail("stage-1 finished without sending the stage-2 pid");
	_exit(0);
}

static int ns_flag(const char *type)
{
	static const char *const names[] = {"user", "ipc", "uts",    "net",
					    "pid",  "mnt", "cgroup", "time"};
	static const int flags[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS,	  CLONE_NEWNET,
				    CLONE_NEWPID,  CLONE_NEWNS,	 CLONE_NEWCGROUP, CLONE_NEWTIME};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return flags[i];
	return 0;
}

/*
 * A mount namespace to join is not joined here but by init's managed code once its runtime has
 * started (InitEntry.JoinMountNamespace): the .NET runtime reads /proc and /sys files as it
 * starts, and inside a container's mount namespace those may be the image's own (a fifo, a link
 * to /dev/zero). The namespace's fd stays open (close-on-exec) for stage 2, -1 if none.
 */
static int mntns_fd = -1;

int nsexec_mntns_fd(void)
{
	return mntns_fd;
}

/*
 * Joins "type:path,..." in two passes: all paths are opened first, then the user
 * namespace is joined before the others, which then follow in list order (but for the
 * mount namespace, see mntns_fd).
 */
static void join_namespaces(const char *list)
{
	struct {
		int fd;
		int flag;
		const char *path;
	} ns[MAX_NAMESPACES];
	char *copy = strdup(list), *tok, *save = NULL;
	int n = 0;

	if (copy == NULL)
		bail("failed to copy the namespace list");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *path = strchr(tok, ':');

		errno = 0;
		if (n == MAX_NAMESPACES)
			bail("too many namespaces to join");
		if (path == NULL)
			bail("invalid namespace entry %s", tok);
		*path++ = '\0';
		ns[n].flag = ns_flag(tok);
		if (ns[n].flag == 0)
			bail("unknown namespace type %s", tok);
		ns[n].path = path;
		ns[n].fd = open(path, O_RDONLY | O_CLOEXEC);
		if (ns[n].fd < 0)
			bail("failed to open %s", path);
		n++;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if ((ns[i].flag == CLONE_NEWUSER) != (pass == 0))
				continue;
			if (ns[i].flag == CLONE_NEWNS) {
				debug("setns %s: by init, once its runtime has started",
				      ns[i].path);
				mntns_fd = ns[i].fd;
				continue;
			}
			debug("setns %s", ns[i].path);
			if (setns(ns[i].fd, ns[i].flag) < 0)
				bail("failed to setns to %s", ns[i].path);
			close(ns[i].fd);
		}
	}
	free(copy);
}

/*
 * Joins and creates the namespaces and clones stage 2: returns 0 in stage 2 and its pid in the
 * caller. Stage 1 does this with syncfd its line to stage 0 (maps and time offsets written from
 * outside); without a user namespace stage 0 does it itself (syncfd -1).
 */
static pid_t make_init(struct config *c, int syncfd)
{
	/* A new cgroup namespace is unshared by init itself, once the parent has put it in its
	 * cgroup. */
	uint32_t rest = c->cloneflags & ~(uint32_t)(CLONE_NEWUSER | CLONE_NEWCGROUP);
	pid_t init;

	if (STR(c, NS_PATHS_ATTR) != NULL)
		join_namespaces(STR(c, NS_PATHS_ATTR));
	if (c->cloneflags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			bail("failed to unshare user namespace");
		/* Stage 0 must be able to open our /proc files to write the maps. */
		if (STR(c, NS_PATHS_ATTR) != NULL && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("failed to set process as dumpable");
		send_sync(syncfd, SYNC_USERMAP_PLS, "stage-0");
		expect_sync(syncfd, SYNC_USERMAP_ACK, "stage-0");
		if (STR(c, NS_PATHS_ATTR) != NULL && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("failed to set process as non-dumpable");
		if (setresuid(0, 0, 0) < 0)
			bail("failed to become root in user namespace");
	}
	if (rest != 0 && unshare((int)rest) < 0)
		bail("failed to unshare namespaces 0x%x", rest);
	if ((rest & CLONE_NEWTIME) && STR(c, TIMENSOFFSET_ATTR) != NULL) {
		if (syncfd < 0) {
			write_proc(NULL, getpid(), "timens_offsets", STR(c, TIMENSOFFSET_ATTR));
		} else {
			/* Not dumpable after setresuid: stage 0 writes our offsets. */
			send_sync(syncfd, SYNC_TIMEOFFSETS_PLS, "stage-0");
			expect_sync(syncfd, SYNC_TIMEOFFSETS_ACK, "stage-0");
		}
	}

	init = clone_stage(STAGE_INIT);
	/* Stage 2 must not hold stage 1's end: stage 0 waits for its EOF. */
	if (init == 0 && syncfd >= 0)
		close(syncfd);
	return init;
}

/* Stage 1: makes stage 2, reports its pid to stage 0 and exits; returns in stage 2 only. */
static void run_child(struct config *c, int syncfd)
{
	pid_t init = make_init(c, syncfd);

	if (init == 0)
		return;
	send_sync(syncfd, SYNC_RECVPID_PLS, "stage-0");
	if (write_all(syncfd, &init, sizeof(init)) < 0)
		bail("failed to sync with stage-0: write stage-2 pid");
	expect_sync(syncfd, SYNC_RECVPID_ACK, "stage-0");
	send_sync(syncfd, SYNC_CHILD_FINISH, "stage-0");
	_exit(0);
}

/* Whether a user namespace is made or joined: only then does stage 1 exist. */
static bool needs_stage1(const struct config *c)
{
	const char *paths = STR(c, NS_PATHS_ATTR);

	return (c->cloneflags & CLONE_NEWUSER) ||
	       (paths != NULL &&
		(strncmp(paths, "user:", 5) == 0 || strstr(paths, ",user:") != NULL));
}

/* Stage 0 without a user namespace: makes stage 2 itself, reports the pids (no stage 1: 0), exits.
 */
static void run_parent_alone(struct config *c, int initfd)
{
	pid_t init = make_init(c, -1);

	if (init == 0)
		return;
	debug("no stage-1, stage-2 %d", init);
	send_pids(initfd, 0, init);
	_exit(0);
}

/*
 * Stage 2: becomes root and session leader and returns to .NET at once; nothing here waits for
 * stage 0 or the parent, so the runtime starts while they finish. Init then waits for its config,
 * which the parent sends once it has the pids and has put init in the container's cgroup.
 */
static void run_init(struct config *c)
{
	if (setsid() < 0)
		bail("setsid failed");
	if (setuid(0) < 0)
		bail("setuid failed");
	if (setgid(0) < 0)
		bail("setgid failed");
	if (!c->rootless_euid && c->setgroup && setgroups(0, NULL) < 0)
		bail("setgroups failed");
}

/*
 * A process that only owns a new user namespace, for idmapped mounts whose
 * mapping is not the container's (runc's userns.Handles): unshare while still
 * single-threaded, say so with one byte on stdout, then wait for stdin to
 * close. The parent writes our uid_map/gid_map, opens /proc/<pid>/ns/user,
 * closes our stdin and reaps us; the namespace lives on in its fd.
 */
__attribute__((noreturn)) static void userns_holder(void)
{
	char b;
	ssize_t n;

	if (unshare(CLONE_NEWUSER) < 0)
		_exit(1);
	if (write(1, "1", 1) != 1)
		_exit(1);
	do
		n = read(0, &b, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	_exit(0);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Maps the file pages of [start, end) that are in the page cache, in one call: about 0.2 us a page
 * here, against 24 us for each fault that maps 64 KiB around the page touched. */
static void populate_read(uintptr_t start, uintptr_t end)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	start &= ~(page - 1);
	end = (end + page - 1) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_READ);
}

static int prefault_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		/* the zero-filled tail (.bss); the file-backed head starts with RELRO, read-only by
		 * now */
		uintptr_t start =
			(info->dlpi_addr + ph->p_vaddr + ph->p_filesz + page - 1) & ~(page - 1);
		uintptr_t end =
			(info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
		/* the file-backed head (the type data): mapped in one go too, copied only where
		 * written */
		populate_read(info->dlpi_addr + ph->p_vaddr,
			      info->dlpi_addr + ph->p_vaddr + ph->p_filesz);
	}
	return 1; /* the first object is the program itself */
}

/*
 * The .NET runtime writes its zero-initialised data (.bss) early and reads its type data (the
 * writable segment's file-backed head) all over: one page fault per page or per 64 KiB, each a
 * costly trap under a hypervisor. One madvise each (Linux 5.14+; ignored before) maps them in one
 * go. Only in the process that starts the runtime: before a fork the pages would only be copied
 * again.
 */
static void prefault_writable_segment(void)
{
	dl_iterate_phdr(prefault_one, NULL);
}

/*
 * The same for malloc's heap: the runtime's native allocations (threads, handle tables, the GC's
 * own) come from glibc's main arena, which brk grows by M_TOP_PAD (128 KiB) at a time; each first
 * touch of a page would fault. The arena's first extent is mapped in one madvise. Only in the
 * process that starts the runtime.
 */
static void prefault_heap(void)
{
	void *p = malloc(1); /* sets the heap up, if nothing has yet */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(page - 1);
	uintptr_t end = (uintptr_t)sbrk(0);

	if (p != NULL && end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	free(p);
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* struct mount_attr of mount_setattr(2), and the attributes the clone gets. */
struct exe_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define EXE_MOUNT_ATTR_RDONLY 0x1
#define EXE_MOUNT_ATTR_NOSUID 0x2
#define EXE_MOUNT_ATTR_NODEV  0x4

/*
 * The binary `skiff init` runs (CVE-2019-5736): a read-only, detached bind mount of our own
 * (open_tree(OPEN_TREE_CLONE) of /proc/self/exe, then mount_setattr), as a close-on-exec fd.
 * A process in the container that opens its /proc/PID/exe reaches the clone, and the clone
 * cannot be written. Returns the fd, or -errno with *failed naming the call that failed (1
 * open_tree, 2 mount_setattr). Used here for the early spawn and by ExeClone.cs.
 */
int nsexec_exe_clone(int *failed)
{
	struct exe_mount_attr attr = {
		EXE_MOUNT_ATTR_RDONLY | EXE_MOUNT_ATTR_NOSUID | EXE_MOUNT_ATTR_NODEV, 0, 0, 0};
	int fd, err;

	fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | O_CLOEXEC);
	if (fd < 0) {
		*failed = 1;
		return -errno;
	}
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		err = errno;
		close(fd);
		*failed = 2;
		return -err;
	}
	*failed = 0;
	return fd;
}

static void close_speculative_ns(void)
{
	for (size_t k = 0; k < SPECULATIVE_NS; k++) {
		if (speculation.ns[k] >= 0)
			close(speculation.ns[k]);
		speculation.ns[k] = -1;
	}
}

/*
 * Speculative init, in an early-spawned `run` or `create` (nothing of the config known yet): stage
 * 0 makes at once the namespaces nearly every container asks for, new mount, UTS, IPC, network and
 * pid ones, forks init into them and reports its pid, so that init's .NET runtime starts beside the
 * caller's instead of after the bootstrap message. That message then decides (speculation_holds):
 * new mount and pid namespaces, no user or time namespace and no id maps, and init is kept (its
 * oom_score_adj written here, as it was forked before), reported again as usual; init joins the
 * network, IPC and UTS namespaces the config names, or the ones stage 0 came from, itself. Anything
 * else, and init is killed (the caller reaps it: it is the caller's child) and stage 0 goes back to
 * the namespaces it came from, through the fds kept of them, and goes on as without speculation.
 */
/* Stage 0, before the bootstrap message: true in the speculative init. */
static bool speculate(int initfd)
{
	char path[32];
	int go[2];
	pid_t init;

	for (size_t k = 0; k < SPECULATIVE_NS; k++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", speculative_ns[k]);
		speculation.ns[k] = open(path, O_RDONLY | O_CLOEXEC);
		if (speculation.ns[k] < 0) {
			debug("no speculative init: open %s: %m", path);
			goto none;
		}
	}
	if (pipe2(go, O_CLOEXEC) < 0) {
		debug("no speculative init: pipe2: %m");
		goto none;
	}
	if (unshare(SPECULATIVE_FLAGS) < 0) {
		debug("no speculative init: unshare: %m");
		close(go[0]);
		close(go[1]);
		goto none;
	}
	init = clone_stage(STAGE_INIT);
	if (init == 0) {
		/* keeps where it came from for network, IPC and UTS (nsexec_speculative_origin) */
		for (size_t k = 0; k < SPECULATIVE_NS; k++) {
			if (strcmp(speculative_ns[k], "mnt") == 0 ||
			    strcmp(speculative_ns[k], "pid") == 0) {
				close(speculation.ns[k]);
				speculation.ns[k] = -1;
			}
		}
		close(go[1]);
		speculation.wait = go[0];
		speculation.is_init = true;
		return true;
	}
	close(go[0]);
	speculation.go = go[1];
	speculation.init = init;
	debug("speculative init %d", init);
	send_pids(initfd, 0, init);
	return false;
none:
	close_speculative_ns();
	send_pids(initfd, 0, 0);
	return false;
}

/*
 * The bootstrap message asks for what the speculative init has or can still get: new mount and pid
 * namespaces, no user or time namespace, and network, IPC and UTS ones new, joined by path or the
 * host's (init joins those itself, once it has its config: InitEntry.SettleSpeculation).
 */
static bool speculation_holds(const struct config *c)
{
	const uint32_t must = CLONE_NEWNS | CLONE_NEWPID;
	uint32_t flags = c->cloneflags & ~(uint32_t)CLONE_NEWCGROUP;
	const char *p = STR(c, NS_PATHS_ATTR);

	if ((flags & ~(uint32_t)SPECULATIVE_FLAGS) != 0 || (flags & must) != must ||
	    STR(c, UIDMAP_ATTR) != NULL || STR(c, GIDMAP_ATTR) != NULL ||
	    STR(c, TIMENSOFFSET_ATTR) != NULL || c->setgroup || c->rootless_euid)
		return false;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, "net:", 4) != 0 && strncmp(p, "ipc:", 4) != 0 &&
		    strncmp(p, "uts:", 4) != 0)
			return false;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return true;
}

/*
 * Speculative exec init, in an early-spawned `exec`: the caller's constructor found the container's
 * state.json from its command line. Before the bootstrap message, stage 0 joins the namespaces of
 * the container's init (the pid state.json names) that are not ours already, forks init into them
 * and reports its pid, so that init's .NET runtime starts beside the caller's instead of after the
 * message; the mount namespace is left to init, as always (mntns_fd). The message then decides
 * (setns_speculation_holds): it must name exactly the namespaces joined, by the same paths, and
 * nothing else; the caller checks that the pid is the container's init still and puts init in its
 * cgroups. Otherwise init is killed (the caller reaps it) and stage 0 goes back to its own
 * namespaces and goes on as without speculation. No speculation with a user namespace of its own:
 * joining that needs stage 1.
 */
static const char *const setns_types[] = {"ipc", "uts", "net", "pid", "mnt", "cgroup", "time"};
#define SETNS_TYPES (sizeof(setns_types) / sizeof(setns_types[0]))
static struct {
	int origin[SETNS_TYPES];    /* ours, to go back to; -1 where none was joined */
	char path[SETNS_TYPES][48]; /* "type:/proc/PID/ns/type" where joined, else "" */
} setns_spec;

/*
 * The init pid in state.json: "init_process_pid" comes before anything of the config, after only
 * the id, the bundle and the rootfs, strings in which a quote is escaped. -1 when not found.
 */
static long state_init_pid(const char *file)
{
	static const char key[] = "\"init_process_pid\":";
	char buf[16384], *at, *end;
	ssize_t n;
	long pid;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	at = strstr(buf, key);
	if (at == NULL)
		return -1;
	at += sizeof(key) - 1;
	errno = 0;
	pid = strtol(at, &end, 10);
	if (errno != 0 || end == at || pid <= 0 || pid > INT_MAX)
		return -1;
	return pid;
}

/* 1: /proc/PID/ns/TYPE is our own namespace, 0: another, -1: unknown (gone, or unsupported). */
static int same_ns(long pid, const char *type)
{
	char theirs[48], ours[48];
	struct stat a, b;

	snprintf(theirs, sizeof(theirs), "/proc/%ld/ns/%s", pid, type);
	snprintf(ours, sizeof(ours), "/proc/self/ns/%s", type);
	if (stat(ours, &b) < 0)
		return errno == ENOENT ? 1 : -1; /* a namespace type this kernel lacks */
	if (stat(theirs, &a) < 0)
		return -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Back to the namespaces stage 0 came from, and forgets the speculation. */
static void undo_setns_speculation(void)
{
	for (size_t k = 0; k < SETNS_TYPES; k++) {
		if (setns_spec.origin[k] >= 0) {
			if (strcmp(setns_types[k], "mnt") != 0 &&
			    setns(setns_spec.origin[k], 0) < 0)
				bail("failed to return to our %s namespace", setns_types[k]);
			close(setns_spec.origin[k]);
		}
		setns_spec.origin[k] = -1;
		setns_spec.path[k][0] = '\0';
	}
	if (mntns_fd >= 0)
		close(mntns_fd);
	mntns_fd = -1;
}

/* Stage 0 of an early-spawned exec, before the bootstrap message: true in the speculative init. */
static bool speculate_setns(int initfd, const char *state)
{
	long pid = state[0] != '\0' ? state_init_pid(state) : -1;
	int joined[SETNS_TYPES], go[2] = {-1, -1};
	pid_t init;

	for (size_t k = 0; k < SETNS_TYPES; k++) {
		joined[k] = -1;
		setns_spec.origin[k] = -1;
		setns_spec.path[k][0] = '\0';
	}
	if (pid <= 0) {
		debug("no speculative init: no init pid in '%s'", state);
		goto none;
	}
	if (same_ns(pid, "user") != 1) {
		debug("no speculative init: init %ld has a user namespace of its own, or is gone",
		      pid);
		goto none;
	}
	for (size_t k = 0; k < SETNS_TYPES; k++) {
		char ours[32];
		int same = same_ns(pid, setns_types[k]);

		if (same == 1)
			continue;
		if (same < 0) {
			debug("no speculative init: /proc/%ld/ns/%s: %m", pid, setns_types[k]);
			goto none;
		}
		snprintf(setns_spec.path[k], sizeof(setns_spec.path[k]), "%s:/proc/%ld/ns/%s",
			 setns_types[k], pid, setns_types[k]);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", setns_types[k]);
		joined[k] = open(strchr(setns_spec.path[k], ':') + 1, O_RDONLY | O_CLOEXEC);
		setns_spec.origin[k] = open(ours, O_RDONLY | O_CLOEXEC);
		if (joined[k] < 0 || setns_spec.origin[k] < 0) {
			debug("no speculative init: open %s: %m", setns_spec.path[k]);
			goto none;
		}
	}
	/* joining namespaces: keep processes there from ptracing us */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		debug("no speculative init: %m");
		goto none;
	}
	for (size_t k = 0; k < SETNS_TYPES; k++) {
		if (joined[k] < 0)
			continue;
		if (strcmp(setns_types[k], "mnt") == 0) {
			mntns_fd = joined[k]; /* init's, joined once its runtime has started */
		} else if (setns(joined[k], 0) < 0) {
			debug("no speculative init: setns %s: %m", setns_spec.path[k]);
			goto none;
		} else {
			close(joined[k]);
		}
		joined[k] = -1;
	}
	init = clone_stage(STAGE_INIT);
	if (init == 0) {
		for (size_t k = 0; k < SETNS_TYPES; k++)
			if (setns_spec.origin[k] >= 0)
				close(setns_spec.origin[k]);
		close(go[1]);
		speculation.wait = go[0];
		return true;
	}
	close(go[0]);
	if (mntns_fd >= 0)
		close(mntns_fd); /* init has it */
	mntns_fd = -1;
	speculation.go = go[1];
	speculation.init = init;
	speculation.setns = true;
	debug("speculative exec init %d in the namespaces of %ld", init, pid);
	send_pids(initfd, 0, init);
	return false;
none:
	for (size_t k = 0; k < SETNS_TYPES; k++)
		if (joined[k] >= 0)
			close(joined[k]);
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	undo_setns_speculation();
	send_pids(initfd, 0, 0);
	return false;
}

/* The exec's bootstrap message names just the namespaces joined, by the same paths. */
static bool setns_speculation_holds(const struct config *c)
{
	const char *p = STR(c, NS_PATHS_ATTR);
	size_t joined = 0, named = 0;

	if (c->cloneflags != 0 || STR(c, UIDMAP_ATTR) != NULL || STR(c, GIDMAP_ATTR) != NULL ||
	    STR(c, TIMENSOFFSET_ATTR) != NULL || STR(c, OOM_SCORE_ADJ_ATTR) != NULL ||
	    c->setgroup || c->rootless_euid)
		return false;
	for (size_t k = 0; k < SETNS_TYPES; k++)
		if (setns_spec.path[k][0] != '\0')
			joined++;
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		bool found = false;

		for (size_t k = 0; k < SETNS_TYPES && !found; k++)
			found = strlen(setns_spec.path[k]) == len &&
				strncmp(setns_spec.path[k], p, len) == 0;
		if (!found)
			return false;
		named++;
		p = end != NULL ? end + 1 : NULL;
	}
	return named == joined;
}

/* Stage 0, with the bootstrap message: keeps the speculative init (reports it, exits) or undoes it.
 */
static void settle_speculation(const struct config *c, int initfd)
{
	char path[48];

	if (speculation.init <= 0)
		return;
	if (speculation.setns ? setns_speculation_holds(c) : speculation_holds(c)) {
		if (STR(c, OOM_SCORE_ADJ_ATTR) != NULL) {
			snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", speculation.init);
			if (write_file(path, STR(c, OOM_SCORE_ADJ_ATTR)) < 0)
				bail("failed to write %s", path);
		}
		debug("speculative init %d kept", speculation.init);
		/* the message is read: init may read the init socket now. An init killed meanwhile
		 * (its pid namespace's init died: a delete racing an exec) closed its end: EPIPE,
		 * said, not a silent SIGPIPE */
		signal(SIGPIPE, SIG_IGN);
		if (write(speculation.go, "1", 1) != 1)
			bail("failed to release the speculative init %d", speculation.init);
		send_pids(initfd, 0, speculation.init);
		_exit(0);
	}
	debug("speculative init %d does not fit: killed", speculation.init);
	kill(speculation.init, SIGKILL);
	close(speculation.go);
	speculation.go = -1;
	if (speculation.setns) {
		undo_setns_speculation();
	} else {
		for (size_t k = 0; k < SPECULATIVE_NS; k++)
			if (setns(speculation.ns[k], 0) < 0)
				bail("failed to return to our %s namespace", speculative_ns[k]);
		close_speculative_ns();
	}
	speculation.init = 0;
}

/* In a speculative init: whether it is one (1) or not (0). */
int nsexec_speculative(void)
{
	return speculation.is_init ? 1 : 0;
}

/*
 * In a speculative init: the fd (close-on-exec, the caller's from now on) of the network, IPC or
 * UTS namespace stage 0 came from, once; -1 otherwise.
 */
int nsexec_speculative_origin(const char *type)
{
	for (size_t k = 0; k < SPECULATIVE_NS; k++) {
		if (strcmp(speculative_ns[k], type) == 0) {
			int fd = speculation.ns[k];

			speculation.ns[k] = -1;
			return fd;
		}
	}
	return -1;
}

/*
 * In the speculative init, before it reads the init socket: stage 0 reads the bootstrap message
 * from the same socket first. 0 once stage 0 has it (at once in any other init), -1 when stage 0
 * let this init go (it is killed then) or died.
 */
int nsexec_speculation_wait(void)
{
	char one;
	ssize_t n;

	if (speculation.wait < 0)
		return 0;
	do
		n = read(speculation.wait, &one, 1);
	while (n < 0 && errno == EINTR);
	close(speculation.wait);
	speculation.wait = -1;
	return n == 1 ? 0 : -1;
}

/*
 * Early spawn: for `run`, `create` and `exec`, this process (not yet the .NET runtime) forks
 * `skiff init` at once, from the read-only clone, so that the child's exec and C start run beside
 * the runtime's start here instead of after it; nsexec in the child then waits for its bootstrap
 * message as before. InitChild.cs takes the child over (nsexec_early_init) or, when the call does
 * not come to spawning init, nsexec_early_discard kills it. Only for plain invocations: a global
 * flag this does not know, --preserve-fds, --help or LISTEN_FDS leave the spawn to InitChild.cs,
 * which places those fds.
 */
static struct {
	pid_t pid;
	int setns, speculative;
	/* our ends: init socket, sync socket, log pipe (read end), the clone; the exec check */
	int fd[4], execcheck;
} early = {-1, 0, 0, {-1, -1, -1, -1}, -1};

/* The flag's name after its one or two dashes. */
static const char *flag_name(const char *arg)
{
	return arg + (arg[1] == '-' ? 2 : 1);
}

/* Whether flag (a name, maybe "=value") is name, with or without a value. */
static bool flag_is(const char *flag, const char *name, bool *has_value)
{
	size_t n = strlen(name);

	if (strncmp(flag, name, n) != 0 || (flag[n] != '\0' && flag[n] != '='))
		return false;
	*has_value = flag[n] == '=';
	return true;
}

/*
 * The container id of `exec`'s arguments (argv[i] is "exec"): its first argument that is not a
 * flag; NULL when a flag is not one of exec's (or a value is missing).
 */
static const char *exec_id(int argc, char **argv, int i)
{
	static const char *const with_value[] = {"console-socket",
						 "pidfd-socket",
						 "cwd",
						 "env",
						 "e",
						 "user",
						 "u",
						 "additional-gids",
						 "g",
						 "process",
						 "p",
						 "pid-file",
						 "process-label",
						 "apparmor",
						 "cap",
						 "c",
						 "cgroup"};
	static const char *const switches[] = {"tty",	       "t", "detach", "d", "no-new-privs",
					       "ignore-paused"};
	bool has_value;

	for (i++; i < argc; i++) {
		const char *f;
		bool known = false;

		if (strcmp(argv[i], "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return argv[i];
		f = flag_name(argv[i]);
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]) && !known; k++) {
			if (flag_is(f, with_value[k], &has_value)) {
				known = true;
				if (!has_value)
					i++;
			}
		}
		for (size_t k = 0; k < sizeof(switches) / sizeof(switches[0]) && !known; k++)
			known = flag_is(f, switches[k], &has_value);
		if (!known)
			return NULL;
	}
	return NULL;
}

/*
 * 1: argv is a `run` or `create` to spawn a standard init for, 2: an `exec`, 0: neither. For an
 * exec, *state is its container's state.json ("" when not known: a root we cannot tell).
 */
static int early_kind(int argc, char **argv, int *level, char *state, size_t cap)
{
	static const char *const with_value[] = {"log", "log-format", "root", "criu", "rootless"};
	const char *root = geteuid() == 0 ? "/run/skiff" : NULL, *id;
	bool has_value;
	int i, i0, kind;

	*level = INFO;
	state[0] = '\0';
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *f = flag_name(argv[i]);
		bool known = false;

		if (strcmp(f, "debug") == 0) {
			*level = DEBUG;
			continue;
		}
		if (strcmp(f, "systemd-cgroup") == 0)
			continue;
		for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]) && !known; k++) {
			if (flag_is(f, with_value[k], &has_value)) {
				known = true;
				if (k == 2)
					root = has_value ? strchr(f, '=') + 1
							 : (i + 1 < argc ? argv[i + 1] : NULL);
				if (!has_value)
					i++;
			}
		}
		if (!known)
			return 0;
	}
	if (i >= argc)
		return 0;
	i0 = i;
	kind = 0;
	if (strcmp(argv[i], "run") == 0 || strcmp(argv[i], "create") == 0)
		kind = 1;
	else if (strcmp(argv[i], "exec") == 0)
		kind = 2;
	for (i++; kind != 0 && i < argc; i++) {
		const char *f = argv[i][0] == '-' ? flag_name(argv[i]) : NULL;
		if (f != NULL && (flag_is(f, "preserve-fds", &has_value) ||
				  strcmp(f, "help") == 0 || strcmp(f, "h") == 0))
			kind = 0;
	}
	if (kind == 1 && getenv("LISTEN_FDS") != NULL)
		kind = 0;
	if (kind == 2) {
		id = exec_id(argc, argv, i0);
		if (root != NULL && id != NULL && id[0] != '\0' && strchr(id, '/') == NULL &&
		    strcmp(id, ".") != 0 && strcmp(id, "..") != 0 &&
		    (size_t)snprintf(state, cap, "%s/%s/state.json", root, id) >= cap)
			state[0] = '\0';
	}
	return kind;
}

/* In the forked child: fds 3, 4, 5 and nothing else, default signals, then the clone. */
__attribute__((noreturn)) static void early_exec(const int child_end[3], int exe, int check,
						 char **envp)
{
	char *argv[] = {"skiff", "init", NULL};
	int moved[5], high = 3, err;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* out of the way of 3..5 first: a source may be one of them */
	for (int k = 0; k < 3; k++)
		moved[k] = fcntl(child_end[k], F_DUPFD_CLOEXEC, 10);
	moved[3] = fcntl(exe, F_DUPFD_CLOEXEC, 10);
	moved[4] = fcntl(check, F_DUPFD_CLOEXEC, 10);
	for (int k = 0; k < 5; k++)
		if (moved[k] < 0)
			goto fail;
	for (int k = 0; k < 3; k++)
		if (dup2(moved[k], 3 + k) < 0)
			goto fail;
	for (int k = 0; k < 5; k++)
		if (moved[k] > high)
			high = moved[k];
	/* everything else goes: what we were started with, and our own fds (the clone and the
	 * check close on exec) */
	for (int fd = 6; fd <= high; fd++)
		if (fd != moved[3] && fd != moved[4])
			close(fd);
	if (syscall(SYS_close_range, high + 1, ~0U, 0) < 0)
		goto fail;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, moved[3], "", argv, envp, AT_EMPTY_PATH);
fail:
	err = errno;
	if (write(moved[4] >= 0 ? moved[4] : check, &err, sizeof(err)) != sizeof(err))
		_exit(126);
	_exit(127);
}

static void early_spawn(int argc, char **argv)
{
	static char env[8][48], state[PATH_MAX + sizeof(ENV_SPECULATE_STATE) + 1];
	char *envp[10];
	size_t prefix = sizeof(ENV_SPECULATE_STATE); /* the name and '=' */
	int level, kind = early_kind(argc, argv, &level, state + prefix, sizeof(state) - prefix),
		   failed, n = 0;
	int init[2] = {-1, -1}, sync[2] = {-1, -1}, logp[2] = {-1, -1}, check[2] = {-1, -1}, exe;
	const char *trace = getenv("SKIFF_TRACE"), *knob = getenv("SKIFF_TEST_FAIL");
	pid_t pid;

	if (kind == 0)
		return;
	/* stdio must be open: the pipes below would take their numbers otherwise */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return;
	exe = nsexec_exe_clone(&failed);
	if (exe < 0)
		return; /* InitChild.cs falls back to a sealed copy, and says why */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, init) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
	    pipe2(logp, O_CLOEXEC) < 0 || pipe2(check, O_CLOEXEC) < 0)
		goto undo;
	envp[n] = env[n];
	snprintf(env[n++], sizeof(env[0]), "%s=3", ENV_INITPIPE);
	envp[n] = env[n];
	snprintf(env[n++], sizeof(env[0]), "%s=4", ENV_SYNCPIPE);
	envp[n] = env[n];
	snprintf(env[n++], sizeof(env[0]), "%s=5", ENV_LOGPIPE);
	envp[n] = env[n];
	snprintf(env[n++], sizeof(env[0]), "%s=%d", ENV_LOGLEVEL, level);
	envp[n] = env[n];
	snprintf(env[n++], sizeof(env[0]), "%s=%s", ENV_INITTYPE, kind == 2 ? "setns" : "standard");
	if (kind == 1) {
		envp[n] = env[n];
		snprintf(env[n++], sizeof(env[0]), "%s=1", ENV_SPECULATE);
	} else {
		memcpy(state, ENV_SPECULATE_STATE "=", prefix);
		envp[n++] = state;
	}
	if (trace != NULL && strcmp(trace, "1") == 0) {
		envp[n] = env[n];
		snprintf(env[n++], sizeof(env[0]), "%s=%lld", ENV_TRACE, start_ns);
	}
	/* a test knob init acts on (TestKnob.cs), as InitChild.cs passes it */
	if (knob != NULL && strlen(knob) < 24) {
		envp[n] = env[n];
		snprintf(env[n++], sizeof(env[0]), "SKIFF_TEST_FAIL=%s", knob);
	}
	envp[n] = NULL;

	early.setns = kind == 2;
	early.speculative = true; /* stage 0 reports a speculative init, or none, first */
	pid = vfork();
	if (pid < 0)
		goto undo;
	if (pid == 0) {
		int child_end[3] = {init[1], sync[1], logp[1]};
		early_exec(child_end, exe, check[1], envp);
	}
	close(init[1]);
	close(sync[1]);
	close(logp[1]);
	close(check[1]);
	early.pid = pid;
	early.fd[0] = init[0];
	early.fd[1] = sync[0];
	early.fd[2] = logp[0];
	early.fd[3] = exe; /* closed by InitChild.cs off the caller's path: its last close waits for
			      RCU */
	early.execcheck = check[0];
	return;
undo:
	for (int k = 0; k < 2; k++) {
		if (init[k] >= 0)
			close(init[k]);
		if (sync[k] >= 0)
			close(sync[k]);
		if (logp[k] >= 0)
			close(logp[k]);
		if (check[k] >= 0)
			close(check[k]);
	}
	close(exe);
}

/*
 * Hands the early-spawned init over, once: its pid, with fds[0..3] our ends of its init socket,
 * sync socket and log pipe and the clone it runs; -1 when there is none, it is of the other kind
 * (setns: for an exec), or its exec failed (errno set, the child reaped).
 */
int nsexec_early_init(int setns, int *fds)
{
	int err = 0;
	ssize_t n;

	if (early.pid < 0 || early.setns != (setns != 0))
		return -1;
	do
		n = read(early.execcheck, &err, sizeof(err)); /* EOF: the exec closed it */
	while (n < 0 && errno == EINTR);
	close(early.execcheck);
	early.execcheck = -1;
	if (n != 0) {
		nsexec_early_discard();
		errno = n == sizeof(err) ? err : EIO;
		return -1;
	}
	for (int k = 0; k < 4; k++) {
		fds[k] = early.fd[k];
		early.fd[k] = -1;
	}
	n = early.pid;
	early.pid = -1;
	return (int)n;
}

/*
 * The speculative init of an early-spawned init nothing took over: its pid from stage 0's first
 * report on the init socket (at most a second's wait), killed and reaped (it is our child).
 */
static void discard_speculative_init(int initfd)
{
	char report[80], *at;
	size_t len = 0;
	long pid;

	while (len < sizeof(report) - 1) {
		struct pollfd p = {initfd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			return;
		n = read(initfd, report + len, 1);
		if (n <= 0)
			return;
		if (report[len++] == '\n')
			break;
	}
	report[len] = '\0';
	at = strstr(report, "\"stage2_pid\":");
	if (at == NULL)
		return;
	pid = strtol(at + strlen("\"stage2_pid\":"), NULL, 10);
	if (pid <= 0)
		return;
	kill((pid_t)pid, SIGKILL);
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Kills and reaps the early-spawned init when nothing took it over; closes our ends. */
void nsexec_early_discard(void)
{
	if (early.pid > 0 && early.speculative && early.fd[0] >= 0)
		discard_speculative_init(early.fd[0]);
	if (early.pid > 0) {
		kill(early.pid, SIGKILL);
		while (waitpid(early.pid, NULL, 0) < 0 && errno == EINTR)
			;
		early.pid = -1;
	}
	for (int k = 0; k < 4; k++) {
		if (early.fd[k] >= 0)
			close(early.fd[k]);
		early.fd[k] = -1;
	}
	if (early.execcheck >= 0)
		close(early.execcheck);
	early.execcheck = -1;
}

/* glibc calls constructors with (argc, argv, envp). */
__attribute__((constructor)) static void nsexec(int argc, char **argv)
{
	const char *env = getenv(ENV_INITPIPE);
	struct config c = {0};
	int initfd, childsync[2];
	pid_t child;

	start_ns = monotonic_ns();
	if (getenv(ENV_USERNS_HOLDER) != NULL)
		userns_holder();
	if (env == NULL) {
		early_spawn(argc, argv);
		prefault_writable_segment();
		prefault_heap();
		done_ns = monotonic_ns();
		return;
	}
	stage = STAGE_PARENT;
	logger.fd = parse_fd(getenv(ENV_LOGPIPE));
	if (getenv(ENV_LOGLEVEL) != NULL)
		logger.level = parse_fd(getenv(ENV_LOGLEVEL));
	initfd = parse_fd(env);
	errno = 0;
	if (initfd < 0)
		bail("invalid %s: %s", ENV_INITPIPE, env);
	if (prctl(PR_SET_NAME, "skiff:[0:PARENT]", 0, 0, 0) < 0)
		bail("failed to set process name");

	debug("=> nsexec container setup"); /* runc's milestones, grepped for */
	if (getenv(ENV_SPECULATE) != NULL && speculate(initfd))
		goto init;
	if (getenv(ENV_SPECULATE_STATE) != NULL &&
	    speculate_setns(initfd, getenv(ENV_SPECULATE_STATE)))
		goto init;
	nl_parse(initfd, &c);
	settle_speculation(&c, initfd);
	debug("clone flags 0x%x, namespaces to join: %s", c.cloneflags,
	      STR(&c, NS_PATHS_ATTR) ? STR(&c, NS_PATHS_ATTR) : "none");

	/* Before !dumpable: oom_score_adj is not writable by us afterwards. */
	if (STR(&c, OOM_SCORE_ADJ_ATTR) != NULL &&
	    write_file("/proc/self/oom_score_adj", STR(&c, OOM_SCORE_ADJ_ATTR)) < 0)
		bail("failed to write /proc/self/oom_score_adj");
	/* Joining namespaces: keep processes there from ptracing us. */
	if (STR(&c, NS_PATHS_ATTR) != NULL && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("failed to set process as non-dumpable");

	if (!needs_stage1(&c)) {
		run_parent_alone(&c, initfd);
	} else {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, childsync) < 0)
			bail("failed to create the stage-1 sync socket");
		child = clone_stage(STAGE_CHILD);
		switch (stage) {
		case STAGE_PARENT:
			close(childsync[1]);
			run_parent(&c, initfd, child, childsync[0]);
		case STAGE_CHILD:
			close(childsync[0]);
			run_child(&c, childsync[1]);
			break;
		}
	}
	/* Only stage 2 gets here; the .NET runtime starts after we return. */
init:
	run_init(&c);
	free(c.data);
	debug("<= nsexec container setup");
	prefault_writable_segment();
	prefault_heap();
	done_ns = monotonic_ns();
}
